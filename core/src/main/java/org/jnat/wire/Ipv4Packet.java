package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * A view of an IPv4 datagram (RFC 791 section 3.1; DSCP and ECN from RFC 2474 and RFC 3168).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |   DSCP    |ECN|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flags: bit 0 reserved (0), bit 1 DF (don't fragment), bit 2 MF (more fragments).
 * </pre>
 *
 * <p>IHL and Fragment Offset are exposed in bytes ({@link #headerLength()}, {@link
 * #fragmentOffset()}), not in their wire units of 4 and 8 bytes.
 */
public final class Ipv4Packet {
    public static final int VERSION_IHL = 0;
    public static final int TYPE_OF_SERVICE = 1;
    public static final int TOTAL_LENGTH = 2;
    public static final int IDENTIFICATION = 4;
    public static final int FLAGS_FRAGMENT = 6;
    public static final int TTL = 8;
    public static final int PROTOCOL = 9;
    public static final int CHECKSUM = 10;
    public static final int SOURCE = 12;
    public static final int DESTINATION = 16;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;

    private static final int DF = 0x4000;
    private static final int MF = 0x2000;
    private static final int OFFSET_MASK = 0x1fff;
    /** Option types with a meaning of their own (RFC 791 section 3.1), and the copied flag. */
    private static final int OPTION_END = 0, OPTION_NOP = 1, OPTION_COPIED = 0x80;

    /*
     * Accessors always read the bytes, never a copy taken by check: views are re-wrapped over frames
     * that builders and copies wrote without a check, and a cached length would go stale there.
     */
    private MemorySegment segment;
    private long offset;

    public Ipv4Packet wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    /**
     * True if {@code length} bytes (all that the link delivered after the Ethernet header) hold a
     * whole datagram: version 4, IHL at least 5, the header fits, and Total Length covers the
     * header and no more than the bytes present (Ethernet padding may follow it).
     */
    public boolean check(int length) {
        return checkQuoted(length) && totalLength() <= length;
    }

    /**
     * Like {@link #check} but for the start of a datagram quoted in an ICMP error (RFC 792, RFC
     * 1812 section 4.3.2.3), which carries the whole header and only the first bytes of the data:
     * Total Length may exceed {@code length}. The payload accessors then describe the original
     * datagram; only {@code length - headerLength()} of its payload bytes are present.
     */
    public boolean checkQuoted(int length) {
        if (length < MIN_HEADER_LENGTH || !NetworkOrder.fits(segment, offset, length)) {
            return false;
        }
        // Version, IHL and Total Length in one read of the first word.
        int word = NetworkOrder.i32(segment, offset + VERSION_IHL);
        int headerLength = ((word >>> 24) & 0x0f) * 4;
        int totalLength = word & 0xffff;
        return (word >>> 28) == 4 && headerLength >= MIN_HEADER_LENGTH && headerLength <= length
                && totalLength >= headerLength;
    }

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }

    public int version() {
        return NetworkOrder.u8(segment, offset + VERSION_IHL) >>> 4;
    }

    /** Header length in bytes (IHL times 4). */
    public int headerLength() {
        return (NetworkOrder.u8(segment, offset + VERSION_IHL) & 0x0f) * 4;
    }

    /** Writes version 4 and the header length in bytes (a multiple of 4, 20 to 60). */
    public Ipv4Packet headerLength(int bytes) {
        NetworkOrder.u8(segment, offset + VERSION_IHL, 0x40 | ((bytes >>> 2) & 0x0f));
        return this;
    }

    public int typeOfService() {
        return NetworkOrder.u8(segment, offset + TYPE_OF_SERVICE);
    }

    public Ipv4Packet typeOfService(int value) {
        NetworkOrder.u8(segment, offset + TYPE_OF_SERVICE, value);
        return this;
    }

    /** Differentiated Services code point (RFC 2474): the top six bits of the old TOS byte. */
    public int dscp() {
        return typeOfService() >>> 2;
    }

    /** Explicit Congestion Notification (RFC 3168): the low two bits of the old TOS byte. */
    public int ecn() {
        return typeOfService() & 0x03;
    }

    public int totalLength() {
        return NetworkOrder.u16(segment, offset + TOTAL_LENGTH);
    }

    public Ipv4Packet totalLength(int value) {
        NetworkOrder.u16(segment, offset + TOTAL_LENGTH, value);
        return this;
    }

    public int identification() {
        return NetworkOrder.u16(segment, offset + IDENTIFICATION);
    }

    public Ipv4Packet identification(int value) {
        NetworkOrder.u16(segment, offset + IDENTIFICATION, value);
        return this;
    }

    /** The 16-bit word of flags and fragment offset, as on the wire. */
    public int flagsAndFragmentOffset() {
        return NetworkOrder.u16(segment, offset + FLAGS_FRAGMENT);
    }

    public Ipv4Packet flagsAndFragmentOffset(int value) {
        NetworkOrder.u16(segment, offset + FLAGS_FRAGMENT, value);
        return this;
    }

    public boolean dontFragment() {
        return (flagsAndFragmentOffset() & DF) != 0;
    }

    public Ipv4Packet dontFragment(boolean value) {
        int word = flagsAndFragmentOffset();
        return flagsAndFragmentOffset(value ? word | DF : word & ~DF);
    }

    public boolean moreFragments() {
        return (flagsAndFragmentOffset() & MF) != 0;
    }

    public Ipv4Packet moreFragments(boolean value) {
        int word = flagsAndFragmentOffset();
        return flagsAndFragmentOffset(value ? word | MF : word & ~MF);
    }

    /** Offset of this fragment's data in the original datagram, in bytes (a multiple of 8). */
    public int fragmentOffset() {
        return (flagsAndFragmentOffset() & OFFSET_MASK) * 8;
    }

    /** Writes the fragment offset, given in bytes (a multiple of 8). */
    public Ipv4Packet fragmentOffset(int bytes) {
        return flagsAndFragmentOffset((flagsAndFragmentOffset() & ~OFFSET_MASK) | ((bytes >>> 3) & OFFSET_MASK));
    }

    /** True for any fragment: the first (MF set), a middle one, or the last (offset not zero). */
    public boolean isFragment() {
        return (flagsAndFragmentOffset() & (MF | OFFSET_MASK)) != 0;
    }

    public int ttl() {
        return NetworkOrder.u8(segment, offset + TTL);
    }

    public Ipv4Packet ttl(int value) {
        NetworkOrder.u8(segment, offset + TTL, value);
        return this;
    }

    public int protocol() {
        return NetworkOrder.u8(segment, offset + PROTOCOL);
    }

    public Ipv4Packet protocol(int value) {
        NetworkOrder.u8(segment, offset + PROTOCOL, value);
        return this;
    }

    public int headerChecksum() {
        return NetworkOrder.u16(segment, offset + CHECKSUM);
    }

    public Ipv4Packet headerChecksum(int value) {
        NetworkOrder.u16(segment, offset + CHECKSUM, value);
        return this;
    }

    public int sourceAddress() {
        return NetworkOrder.i32(segment, offset + SOURCE);
    }

    public Ipv4Packet sourceAddress(int address) {
        NetworkOrder.i32(segment, offset + SOURCE, address);
        return this;
    }

    public int destinationAddress() {
        return NetworkOrder.i32(segment, offset + DESTINATION);
    }

    public Ipv4Packet destinationAddress(int address) {
        NetworkOrder.i32(segment, offset + DESTINATION, address);
        return this;
    }

    /** Bytes of options (header length minus 20). */
    public int optionsLength() {
        return headerLength() - MIN_HEADER_LENGTH;
    }

    /**
     * Copies the options whose copied flag is set (RFC 791 section 3.1, "Options": the high bit of
     * the option type), those every fragment but the first carries too, to {@code at} of {@code to},
     * padded with end-of-option-list to a multiple of 4 bytes, and returns the padded length (0 to
     * 40). No-operation options are padding and are not copied; a malformed option list ends the
     * walk. The header must have passed {@link #check}; {@code to} must have room for 40 bytes.
     */
    public int copyCopiedOptions(MemorySegment to, long at) {
        long options = offset + MIN_HEADER_LENGTH;
        int length = optionsLength();
        int copied = 0;
        int i = 0;
        while (i < length) {
            int type = NetworkOrder.u8(segment, options + i);
            if (type == OPTION_END) {
                break;
            }
            if (type == OPTION_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= length) {
                break;
            }
            int optionLength = NetworkOrder.u8(segment, options + i + 1);
            if (optionLength < 2 || i + optionLength > length) {
                break;
            }
            if ((type & OPTION_COPIED) != 0) {
                MemorySegment.copy(segment, options + i, to, at + copied, optionLength);
                copied += optionLength;
            }
            i += optionLength;
        }
        while ((copied & 3) != 0) {
            NetworkOrder.u8(to, at + copied++, OPTION_END);
        }
        return copied;
    }

    /** Absolute offset of the payload (the transport header) in the segment. */
    public long payloadOffset() {
        return offset + headerLength();
    }

    /** Total Length minus the header length. */
    public int payloadLength() {
        return totalLength() - headerLength();
    }

    /** Computes the header checksum afresh and writes it. */
    public Ipv4Packet fillHeaderChecksum() {
        return headerChecksum(Checksum.ipv4Header(segment, offset, headerLength()));
    }

    /** True if the header, checksum included, sums to all ones (RFC 791, RFC 1071). */
    public boolean headerChecksumValid() {
        return Checksum.verifies(Checksum.sum(segment, offset, headerLength()));
    }

    /**
     * Decrements the TTL by one and updates the header checksum incrementally (RFC 1624 section
     * 4): the TTL shares a 16-bit word with the protocol. The caller checks the TTL first.
     */
    public Ipv4Packet decrementTtl() {
        int oldWord = NetworkOrder.u16(segment, offset + TTL);
        int newWord = oldWord - 0x0100;
        NetworkOrder.u16(segment, offset + TTL, newWord);
        return headerChecksum(Checksum.update16(headerChecksum(), oldWord, newWord));
    }

    /**
     * NAT translation of the source address: writes {@code address}, updates the header checksum
     * incrementally (RFC 1624) and returns the previous address, which the transport checksum
     * update needs (see {@link UdpDatagram#translateSource}, {@link TcpSegment#translateSource}).
     */
    public int translateSource(int address) {
        int old = sourceAddress();
        sourceAddress(address);
        headerChecksum(Checksum.update32(headerChecksum(), old, address));
        return old;
    }

    /** {@link #translateSource} for the destination address (inbound translation). */
    public int translateDestination(int address) {
        int old = destinationAddress();
        destinationAddress(address);
        headerChecksum(Checksum.update32(headerChecksum(), old, address));
        return old;
    }

    /** Rewrites the source address and updates the header checksum incrementally. */
    public Ipv4Packet sourceAddressUpdatingChecksum(int address) {
        int old = sourceAddress();
        sourceAddress(address);
        return headerChecksum(Checksum.update32(headerChecksum(), old, address));
    }

    /** Rewrites the destination address and updates the header checksum incrementally. */
    public Ipv4Packet destinationAddressUpdatingChecksum(int address) {
        int old = destinationAddress();
        destinationAddress(address);
        return headerChecksum(Checksum.update32(headerChecksum(), old, address));
    }

    /**
     * Writes a 20-byte header without options at {@code offset} with the given fields, TTL and
     * checksum included; returns the payload offset. The caller ensures 20 bytes fit.
     */
    public static long writeHeader(MemorySegment segment, long offset, int totalLength, int identification,
            boolean dontFragment, int ttl, int protocol, int source, int destination) {
        NetworkOrder.u8(segment, offset + VERSION_IHL, 0x45);
        NetworkOrder.u8(segment, offset + TYPE_OF_SERVICE, 0);
        NetworkOrder.u16(segment, offset + TOTAL_LENGTH, totalLength);
        NetworkOrder.u16(segment, offset + IDENTIFICATION, identification);
        NetworkOrder.u16(segment, offset + FLAGS_FRAGMENT, dontFragment ? DF : 0);
        NetworkOrder.u8(segment, offset + TTL, ttl);
        NetworkOrder.u8(segment, offset + PROTOCOL, protocol);
        NetworkOrder.u16(segment, offset + CHECKSUM, 0);
        NetworkOrder.i32(segment, offset + SOURCE, source);
        NetworkOrder.i32(segment, offset + DESTINATION, destination);
        NetworkOrder.u16(segment, offset + CHECKSUM, Checksum.ipv4Header(segment, offset, MIN_HEADER_LENGTH));
        return offset + MIN_HEADER_LENGTH;
    }
}
