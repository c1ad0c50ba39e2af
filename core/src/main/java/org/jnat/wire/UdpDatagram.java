package org.jnat.wire;

import java.lang.foreign.MemorySegment;

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
public final class UdpDatagram {
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;
    public static final int LENGTH = 4;
    public static final int CHECKSUM = 6;
    public static final int HEADER_LENGTH = 8;

    private MemorySegment segment;
    private long offset;

    public UdpDatagram wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
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

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }

    public int sourcePort() {
        return NetworkOrder.u16(segment, offset + SOURCE_PORT);
    }

    public UdpDatagram sourcePort(int port) {
        NetworkOrder.u16(segment, offset + SOURCE_PORT, port);
        return this;
    }

    public int destinationPort() {
        return NetworkOrder.u16(segment, offset + DESTINATION_PORT);
    }

    public UdpDatagram destinationPort(int port) {
        NetworkOrder.u16(segment, offset + DESTINATION_PORT, port);
        return this;
    }

    /** The Length field: header plus data, in bytes. */
    public int length() {
        return NetworkOrder.u16(segment, offset + LENGTH);
    }

    public UdpDatagram length(int value) {
        NetworkOrder.u16(segment, offset + LENGTH, value);
        return this;
    }

    public int checksum() {
        return NetworkOrder.u16(segment, offset + CHECKSUM);
    }

    public UdpDatagram checksum(int value) {
        NetworkOrder.u16(segment, offset + CHECKSUM, value);
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

    /** Rewrites the source port, keeping the checksum right (and an absent one absent). */
    public UdpDatagram sourcePortUpdatingChecksum(int port) {
        int old = sourcePort();
        sourcePort(port);
        return checksum(Checksum.updateUdp16(checksum(), old, port));
    }

    /** Rewrites the destination port, keeping the checksum right (and an absent one absent). */
    public UdpDatagram destinationPortUpdatingChecksum(int port) {
        int old = destinationPort();
        destinationPort(port);
        return checksum(Checksum.updateUdp16(checksum(), old, port));
    }

    /** Folds an address change in the pseudo-header into the checksum (RFC 1624). */
    public UdpDatagram addressChanged(int oldAddress, int newAddress) {
        return checksum(Checksum.updateUdp32(checksum(), oldAddress, newAddress));
    }

    /**
     * NAT translation of the source endpoint: the IPv4 source address (in the IP header, which the
     * caller rewrites) went from {@code oldAddress} to {@code newAddress}, and the source port
     * becomes {@code newPort}. Writes the port and folds both changes into the checksum with one
     * read and one write of it (RFC 1624, keeping an absent checksum absent (RFC 768)).
     */
    public UdpDatagram translateSource(int oldAddress, int newAddress, int newPort) {
        int oldPort = sourcePort();
        sourcePort(newPort);
        int checksum = checksum();
        if (checksum == 0) {
            return this;
        }
        int delta = Checksum.delta32(oldAddress, newAddress) + Checksum.delta16(oldPort, newPort);
        return checksum(Checksum.udpNonZero(Checksum.apply(checksum, delta)));
    }

    /** {@link #translateSource} for the destination endpoint (inbound translation). */
    public UdpDatagram translateDestination(int oldAddress, int newAddress, int newPort) {
        int oldPort = destinationPort();
        destinationPort(newPort);
        int checksum = checksum();
        if (checksum == 0) {
            return this;
        }
        int delta = Checksum.delta32(oldAddress, newAddress) + Checksum.delta16(oldPort, newPort);
        return checksum(Checksum.udpNonZero(Checksum.apply(checksum, delta)));
    }
}
