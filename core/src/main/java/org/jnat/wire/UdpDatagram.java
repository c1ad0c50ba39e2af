package org.jnat.wire;

/**
 * A view of a UDP datagram (RFC 768).
 *
 * <pre>
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |     Source      |   Destination   |
 * |      Port       |      Port       |
 * +--------+--------+--------+--------+
 * |                 |                 |
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 * |
 * |          data octets ...
 * +---------------- ...
 * </pre>
 *
 * <p>A checksum of 0 means the sender computed none; a computed 0 is sent as 0xFFFF (RFC 768).
 */
public final class UdpDatagram extends TransportHeader<UdpDatagram> {
    public static final int LENGTH = 4;
    public static final int CHECKSUM = 6;
    public static final int HEADER_LENGTH = 8;

    public UdpDatagram() {
        super(CHECKSUM, true);
    }

    /**
     * True if {@code length} bytes (the IPv4 payload length) hold the header and the Length field
     * is at least 8 and no more than {@code length}.
     */
    public boolean check(int length) {
        if (!checkQuoted(length)) {
            return false;
        }
        int declared = length();
        return declared >= HEADER_LENGTH && declared <= length;
    }

    /**
     * True if the 8-byte header is present, whatever its Length says: the form in which an ICMP
     * error quotes a datagram (RFC 792: "the first 64 bits of the original data").
     */
    public boolean checkQuoted(int length) {
        return length >= HEADER_LENGTH && NetworkOrder.fits(segment, offset, length);
    }

    /** The Length field: header plus data, in bytes. */
    public int length() {
        return NetworkOrder.u16(segment, offset + LENGTH);
    }

    public UdpDatagram length(int value) {
        NetworkOrder.u16(segment, offset + LENGTH, value);
        return this;
    }

    /** Absolute offset of the data. */
    public long payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Length field minus the header. */
    public int payloadLength() {
        return length() - HEADER_LENGTH;
    }

    /** Computes the checksum afresh (0 sent as 0xFFFF) over the Length field's bytes; writes it. */
    public UdpDatagram fillChecksum(int sourceAddress, int destinationAddress) {
        return checksum(Checksum.udp(segment, offset, length(), sourceAddress, destinationAddress));
    }

    /** True if the checksum is absent (0) or verifies with the pseudo-header. */
    public boolean checksumValid(int sourceAddress, int destinationAddress) {
        if (checksum() == 0) {
            return true;
        }
        int length = length();
        long sum = Checksum.pseudoHeaderSum(sourceAddress, destinationAddress, IpProtocol.UDP, length);
        return Checksum.verifies(Checksum.add(segment, offset, length, sum));
    }
}
