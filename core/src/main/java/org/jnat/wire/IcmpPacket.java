package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * A view of an ICMP message (RFC 792; the next-hop MTU of RFC 1191 section 4; the quoting rules
 * of RFC 1812 section 4.3.2.3).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     Rest of header, by type:                  |
 * |   echo, timestamp:  Identifier        |  Sequence Number      |
 * |   unreachable:      unused (0)        |  Next-Hop MTU (code 4)|
 * |   parameter problem: Pointer | unused                         |
 * |   time exceeded:    unused (0)                                |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data: echo payload, or for errors the quoted datagram:       |
 * |  Internet header + leading octets of the original data        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class IcmpPacket {
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    public static final int IDENTIFIER = 4;
    public static final int SEQUENCE_NUMBER = 6;
    public static final int POINTER = 4;
    public static final int NEXT_HOP_MTU = 6;
    public static final int HEADER_LENGTH = 8;

    public static final int ECHO_REPLY = 0;
    public static final int DESTINATION_UNREACHABLE = 3;
    public static final int SOURCE_QUENCH = 4;
    public static final int REDIRECT = 5;
    public static final int ECHO_REQUEST = 8;
    public static final int TIME_EXCEEDED = 11;
    public static final int PARAMETER_PROBLEM = 12;
    public static final int TIMESTAMP = 13;
    public static final int TIMESTAMP_REPLY = 14;

    /** Destination-unreachable codes (RFC 792; 13 from RFC 1812 section 5.2.7.1). */
    public static final int NET_UNREACHABLE = 0;
    public static final int HOST_UNREACHABLE = 1;
    public static final int PROTOCOL_UNREACHABLE = 2;
    public static final int PORT_UNREACHABLE = 3;
    public static final int FRAGMENTATION_NEEDED = 4;
    public static final int ADMIN_PROHIBITED = 13;
    /** Time-exceeded codes (RFC 792). */
    public static final int TTL_EXCEEDED_IN_TRANSIT = 0;
    public static final int FRAGMENT_REASSEMBLY_TIME_EXCEEDED = 1;

    private MemorySegment segment;
    private long offset;
    private int length;

    public IcmpPacket wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        this.length = 0;
        return this;
    }

    /** True if the 8-byte header fits in {@code length} bytes (the IPv4 payload length). */
    public boolean check(int length) {
        if (length < HEADER_LENGTH || !NetworkOrder.fits(segment, offset, length)) {
            return false;
        }
        this.length = length;
        return true;
    }

    /** True for the error messages that quote a datagram (RFC 1122 section 3.2.2). */
    public static boolean isError(int type) {
        return type == DESTINATION_UNREACHABLE || type == SOURCE_QUENCH || type == REDIRECT
                || type == TIME_EXCEEDED || type == PARAMETER_PROBLEM;
    }

    /**
     * True for the queries whose identifier a NAT maps like a port (RFC 5508 section 3): echo
     * and timestamp, requests and replies.
     */
    public static boolean isQuery(int type) {
        return type == ECHO_REQUEST || type == ECHO_REPLY || type == TIMESTAMP || type == TIMESTAMP_REPLY;
    }

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }

    /** The length given to the last successful {@link #check}: the whole message. */
    public int length() {
        return length;
    }

    public int type() {
        return NetworkOrder.u8(segment, offset + TYPE);
    }

    public IcmpPacket type(int value) {
        NetworkOrder.u8(segment, offset + TYPE, value);
        return this;
    }

    public int code() {
        return NetworkOrder.u8(segment, offset + CODE);
    }

    public IcmpPacket code(int value) {
        NetworkOrder.u8(segment, offset + CODE, value);
        return this;
    }

    public int checksum() {
        return NetworkOrder.u16(segment, offset + CHECKSUM);
    }

    public IcmpPacket checksum(int value) {
        NetworkOrder.u16(segment, offset + CHECKSUM, value);
        return this;
    }

    /** Identifier of an echo or timestamp message. */
    public int identifier() {
        return NetworkOrder.u16(segment, offset + IDENTIFIER);
    }

    public IcmpPacket identifier(int value) {
        NetworkOrder.u16(segment, offset + IDENTIFIER, value);
        return this;
    }

    /**
     * Rewrites the identifier of a query and updates the checksum incrementally (RFC 1624): the
     * NAT maps it like a port (RFC 5508 section 3.1).
     */
    public IcmpPacket identifierUpdatingChecksum(int value) {
        int old = identifier();
        identifier(value);
        int updated = Checksum.update16(checksum(), old, value);
        // RFC 1624 eqn. 3 yields 0x0000 when the new data sums to zero. For a message of all zero
        // bytes that is wrong: only 0xFFFF verifies (RFC 1071), and a full recomputation gives it.
        // Unlike TCP and UDP, whose pseudo-header is never zero, ICMP can meet this case.
        if (updated == 0 && Checksum.fold(Checksum.addSkipping(segment, offset, length, CHECKSUM, 0)) == 0) {
            updated = 0xffff;
        }
        return checksum(updated);
    }

    /** Sequence number of an echo or timestamp message. */
    public int sequenceNumber() {
        return NetworkOrder.u16(segment, offset + SEQUENCE_NUMBER);
    }

    public IcmpPacket sequenceNumber(int value) {
        NetworkOrder.u16(segment, offset + SEQUENCE_NUMBER, value);
        return this;
    }

    /** Next-hop MTU of a fragmentation-needed message (RFC 1191 section 4); 0 from old routers. */
    public int nextHopMtu() {
        return NetworkOrder.u16(segment, offset + NEXT_HOP_MTU);
    }

    public IcmpPacket nextHopMtu(int value) {
        NetworkOrder.u16(segment, offset + NEXT_HOP_MTU, value);
        return this;
    }

    /** Octet of the quoted header that a parameter problem points at (RFC 792). */
    public int pointer() {
        return NetworkOrder.u8(segment, offset + POINTER);
    }

    public IcmpPacket pointer(int value) {
        NetworkOrder.u8(segment, offset + POINTER, value);
        return this;
    }

    /** The four type-specific bytes after the checksum, as one word. */
    public int restOfHeader() {
        return NetworkOrder.i32(segment, offset + IDENTIFIER);
    }

    public IcmpPacket restOfHeader(int value) {
        NetworkOrder.i32(segment, offset + IDENTIFIER, value);
        return this;
    }

    /** Absolute offset of the data: the echo payload, or the quoted datagram of an error. */
    public long payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Absolute offset of the quoted IPv4 header of an error message. */
    public long quoteOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Bytes of the quoted datagram present (message length minus the 8-byte header). */
    public int quoteLength() {
        return length - HEADER_LENGTH;
    }

    /**
     * Wraps {@code quoted} over the datagram quoted by this error and returns whether its header
     * is usable ({@link Ipv4Packet#checkQuoted}): the quote may be truncated after the header.
     */
    public boolean wrapQuoted(Ipv4Packet quoted) {
        return quoted.wrap(segment, quoteOffset()).checkQuoted(quoteLength());
    }

    /** Computes the checksum over the whole checked message and writes it. */
    public IcmpPacket fillChecksum() {
        return checksum(Checksum.icmp(segment, offset, length));
    }

    /** True if the checked message, checksum included, sums to all ones. */
    public boolean checksumValid() {
        return Checksum.verifies(Checksum.sum(segment, offset, length));
    }
}
