package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * A view of a PCP message (RFC 6887): the common header of a request or a response, the bodies of
 * the MAP and PEER opcodes, and the options after them. Addresses are 128-bit fields; an IPv4
 * address is written as an IPv4-mapped IPv6 address, ::ffff:a.b.c.d (section 5).
 *
 * <pre>
 * Request header (section 7.1)                   Response header (section 7.2)
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Version = 2  |R|   Opcode    |         Reserved              |   (response: Reserved (8) | Result Code (8))
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Requested Lifetime (32 bits)                  |   (response: Lifetime)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            PCP Client's IP Address (128 bits)                 |   (response: Epoch Time (32),
 * |                                                               |    Reserved (96))
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * :             (optional) Opcode-specific information            :
 * :             (optional) PCP Options                            :
 * </pre>
 *
 * <pre>
 * MAP opcode (section 11.1), after the header        PEER opcode (section 12.1): MAP's fields, then
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Mapping Nonce (96 bits)                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Protocol    |          Reserved (24 bits)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Internal Port          |    Suggested External Port    |   (response: Assigned External Port)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Suggested External IP Address (128 bits)            |   (response: Assigned External IP Address)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |       Remote Peer Port        |     Reserved (16 bits)        |   (PEER only)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               Remote Peer IP Address (128 bits)               |   (PEER only)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <pre>
 * An option (section 7.3)                            FILTER's data (section 13.3)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Option Code  |  Reserved     |       Option Length           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * :                       (optional) data                         :   | Reserved | Prefix Length | Remote Peer Port |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   | Remote Peer IP Address (128)              |
 * </pre>
 *
 * <p>An option's data is padded to a multiple of 4 bytes; Option Length counts the data without the
 * padding. THIRD_PARTY carries a 128-bit internal address, PREFER_FAILURE nothing.
 *
 * <p>{@link #check} validates the header's length once; {@link #checkBody} the opcode's body;
 * {@link #nextOption} walks the options and answers -1 for one that runs past the message. After
 * they succeed no accessor throws. Offsets given to option accessors are relative to the message.
 */
public final class PcpMessage {
    public static final int VERSION = 2;
    /** The server's port (section 19.1); unsolicited ANNOUNCEs go to the clients' port 5350. */
    public static final int SERVER_PORT = 5351, CLIENT_PORT = 5350;
    public static final int HEADER_LENGTH = 24;
    /** The largest message (section 7). */
    public static final int MAX_LENGTH = 1100;
    public static final int MAP_LENGTH = 36, PEER_LENGTH = 56;

    public static final int ANNOUNCE = 0, MAP = 1, PEER = 2;
    /** The R bit: set in responses. */
    public static final int RESPONSE = 0x80;

    public static final int SUCCESS = 0, UNSUPP_VERSION = 1, NOT_AUTHORIZED = 2, MALFORMED_REQUEST = 3,
            UNSUPP_OPCODE = 4, UNSUPP_OPTION = 5, MALFORMED_OPTION = 6, NETWORK_FAILURE = 7, NO_RESOURCES = 8,
            UNSUPP_PROTOCOL = 9, USER_EX_QUOTA = 10, CANNOT_PROVIDE_EXTERNAL = 11, ADDRESS_MISMATCH = 12,
            EXCESSIVE_REMOTE_PEERS = 13;
    /** The highest result code RFC 6887 defines. */
    public static final int LAST_RESULT = EXCESSIVE_REMOTE_PEERS;

    public static final int THIRD_PARTY = 1, PREFER_FAILURE = 2, FILTER = 3;
    public static final int OPTION_HEADER_LENGTH = 4, THIRD_PARTY_LENGTH = 16, FILTER_LENGTH = 20;
    /** Option codes from 128 up may be skipped by a server that does not know them (section 7.3). */
    public static final int FIRST_OPTIONAL_OPTION = 128;

    private static final int VERSION_FIELD = 0, OPCODE = 1, RESULT = 3, LIFETIME = 4, CLIENT_ADDRESS = 8,
            EPOCH = 8, RESERVED = 12;
    private static final int NONCE = 0, PROTOCOL = 12, INTERNAL_PORT = 16, EXTERNAL_PORT = 18,
            EXTERNAL_ADDRESS = 20, PEER_PORT = 36, PEER_ADDRESS = 40;

    private MemorySegment segment;
    private long offset;
    private int length;

    public PcpMessage wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        this.length = 0;
        return this;
    }

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }

    /**
     * True if {@code length} bytes hold the common header and lie within the segment; remembers
     * {@code length} as the message's length for {@link #checkBody} and {@link #nextOption}.
     */
    public boolean check(int length) {
        if (length < HEADER_LENGTH || !NetworkOrder.fits(segment, offset, length)) {
            return false;
        }
        this.length = length;
        return true;
    }

    /** The message's checked length. */
    public int length() {
        return length;
    }

    /** True if the message holds the whole body of its opcode (none for ANNOUNCE). */
    public boolean checkBody() {
        return length >= HEADER_LENGTH + bodyLength(opcode());
    }

    /** The body length of {@code opcode}: 0 for ANNOUNCE, {@value #MAP_LENGTH} for MAP, {@value #PEER_LENGTH} for PEER, 0 otherwise. */
    public static int bodyLength(int opcode) {
        return switch (opcode) {
            case MAP -> MAP_LENGTH;
            case PEER -> PEER_LENGTH;
            default -> 0;
        };
    }

    // ---- the common header ----------------------------------------------------------------

    public int version() {
        return NetworkOrder.u8(segment, offset + VERSION_FIELD);
    }

    public PcpMessage version(int value) {
        NetworkOrder.u8(segment, offset + VERSION_FIELD, value);
        return this;
    }

    /** True for a response (the R bit). */
    public boolean isResponse() {
        return (NetworkOrder.u8(segment, offset + OPCODE) & RESPONSE) != 0;
    }

    /** The opcode, without the R bit. */
    public int opcode() {
        return NetworkOrder.u8(segment, offset + OPCODE) & 0x7f;
    }

    /** Writes the opcode and the R bit. */
    public PcpMessage opcode(int opcode, boolean response) {
        NetworkOrder.u8(segment, offset + OPCODE, (opcode & 0x7f) | (response ? RESPONSE : 0));
        return this;
    }

    /** A response's Result Code (the request's second reserved byte). */
    public int resultCode() {
        return NetworkOrder.u8(segment, offset + RESULT);
    }

    /** Writes the response header's reserved byte (0) and Result Code. */
    public PcpMessage resultCode(int value) {
        NetworkOrder.u8(segment, offset + RESULT - 1, 0);
        NetworkOrder.u8(segment, offset + RESULT, value);
        return this;
    }

    /** Requested Lifetime in a request, Lifetime in a response: seconds, unsigned. */
    public long lifetime() {
        return NetworkOrder.i32(segment, offset + LIFETIME) & 0xffffffffL;
    }

    public PcpMessage lifetime(long seconds) {
        NetworkOrder.i32(segment, offset + LIFETIME, (int) seconds);
        return this;
    }

    /** True if the request's client address is IPv4-mapped (::ffff:a.b.c.d). */
    public boolean clientAddressIsIpv4() {
        return isIpv4Mapped(offset + CLIENT_ADDRESS);
    }

    /** The IPv4 part of the request's client address (meaningful when {@link #clientAddressIsIpv4()}). */
    public int clientAddress() {
        return NetworkOrder.i32(segment, offset + CLIENT_ADDRESS + 12);
    }

    public PcpMessage clientAddress(int ipv4) {
        writeIpv4Mapped(offset + CLIENT_ADDRESS, ipv4);
        return this;
    }

    /** A response's Epoch Time: seconds since the server's state began. */
    public long epochTime() {
        return NetworkOrder.i32(segment, offset + EPOCH) & 0xffffffffL;
    }

    /** Writes a response's Epoch Time and zeroes the 96 reserved bits after it (over the client address). */
    public PcpMessage epochTime(long seconds) {
        NetworkOrder.i32(segment, offset + EPOCH, (int) seconds);
        NetworkOrder.i32(segment, offset + RESERVED, 0);
        NetworkOrder.i32(segment, offset + RESERVED + 4, 0);
        NetworkOrder.i32(segment, offset + RESERVED + 8, 0);
        return this;
    }

    // ---- the MAP and PEER bodies ----------------------------------------------------------

    private long body() {
        return offset + HEADER_LENGTH;
    }

    /** Word {@code i} (0-2) of the 96-bit Mapping Nonce. */
    public int nonce(int i) {
        return NetworkOrder.i32(segment, body() + NONCE + 4L * i);
    }

    public PcpMessage nonce(int i, int value) {
        NetworkOrder.i32(segment, body() + NONCE + 4L * i, value);
        return this;
    }

    /** The IANA protocol number; 0 means all protocols. */
    public int protocol() {
        return NetworkOrder.u8(segment, body() + PROTOCOL);
    }

    /** Writes the protocol and zeroes the 24 reserved bits after it. */
    public PcpMessage protocol(int value) {
        NetworkOrder.i32(segment, body() + PROTOCOL, (value & 0xff) << 24);
        return this;
    }

    public int internalPort() {
        return NetworkOrder.u16(segment, body() + INTERNAL_PORT);
    }

    public PcpMessage internalPort(int port) {
        NetworkOrder.u16(segment, body() + INTERNAL_PORT, port);
        return this;
    }

    /** Suggested External Port in a request, Assigned External Port in a response. */
    public int externalPort() {
        return NetworkOrder.u16(segment, body() + EXTERNAL_PORT);
    }

    public PcpMessage externalPort(int port) {
        NetworkOrder.u16(segment, body() + EXTERNAL_PORT, port);
        return this;
    }

    /** True if the suggested or assigned external address is IPv4-mapped. */
    public boolean externalAddressIsIpv4() {
        return isIpv4Mapped(body() + EXTERNAL_ADDRESS);
    }

    public int externalAddress() {
        return NetworkOrder.i32(segment, body() + EXTERNAL_ADDRESS + 12);
    }

    public PcpMessage externalAddress(int ipv4) {
        writeIpv4Mapped(body() + EXTERNAL_ADDRESS, ipv4);
        return this;
    }

    /** PEER: Remote Peer Port. */
    public int remotePeerPort() {
        return NetworkOrder.u16(segment, body() + PEER_PORT);
    }

    /** PEER: writes Remote Peer Port and zeroes the 16 reserved bits after it. */
    public PcpMessage remotePeerPort(int port) {
        NetworkOrder.i32(segment, body() + PEER_PORT, port << 16);
        return this;
    }

    public boolean remotePeerAddressIsIpv4() {
        return isIpv4Mapped(body() + PEER_ADDRESS);
    }

    public int remotePeerAddress() {
        return NetworkOrder.i32(segment, body() + PEER_ADDRESS + 12);
    }

    public PcpMessage remotePeerAddress(int ipv4) {
        writeIpv4Mapped(body() + PEER_ADDRESS, ipv4);
        return this;
    }

    // ---- options -------------------------------------------------------------------------

    /** Where the options start, relative to the message: after the opcode's body. */
    public int optionsStart() {
        return HEADER_LENGTH + bodyLength(opcode());
    }

    /**
     * The option after the one at {@code at} (relative to the message), or at {@code at} itself when
     * {@code at} is {@link #optionsStart()} and {@code first}: the offset of an option whose header
     * and padded data lie within the message; {@link #length()} when there are no more; -1 when
     * what follows is not a whole option.
     */
    public int nextOption(int at, boolean first) {
        int next = first ? at : at + OPTION_HEADER_LENGTH + padded(optionLength(at));
        if (next == length) {
            return length;
        }
        if (next < 0 || next + OPTION_HEADER_LENGTH > length
                || next + OPTION_HEADER_LENGTH + padded(optionLength(next)) > length) {
            return -1;
        }
        return next;
    }

    private static int padded(int length) {
        return (length + 3) & ~3;
    }

    public int optionCode(int at) {
        return NetworkOrder.u8(segment, offset + at);
    }

    /** Option Length: the data's length without padding. */
    public int optionLength(int at) {
        return NetworkOrder.u16(segment, offset + at + 2);
    }

    /** Writes an option header (code, reserved 0, length) at {@code at}; returns the offset after its padded data. */
    public int option(int at, int code, int dataLength) {
        NetworkOrder.u8(segment, offset + at, code);
        NetworkOrder.u8(segment, offset + at + 1, 0);
        NetworkOrder.u16(segment, offset + at + 2, dataLength);
        return at + OPTION_HEADER_LENGTH + padded(dataLength);
    }

    /** THIRD_PARTY: true if the internal address at option {@code at} is IPv4-mapped. */
    public boolean thirdPartyIsIpv4(int at) {
        return isIpv4Mapped(offset + at + OPTION_HEADER_LENGTH);
    }

    public int thirdPartyAddress(int at) {
        return NetworkOrder.i32(segment, offset + at + OPTION_HEADER_LENGTH + 12);
    }

    public void thirdPartyAddress(int at, int ipv4) {
        writeIpv4Mapped(offset + at + OPTION_HEADER_LENGTH, ipv4);
    }

    /** FILTER: the prefix length (over the 128-bit address: 96 + the IPv4 prefix for a mapped address). */
    public int filterPrefixLength(int at) {
        return NetworkOrder.u8(segment, offset + at + OPTION_HEADER_LENGTH + 1);
    }

    public int filterPeerPort(int at) {
        return NetworkOrder.u16(segment, offset + at + OPTION_HEADER_LENGTH + 2);
    }

    public boolean filterPeerIsIpv4(int at) {
        return isIpv4Mapped(offset + at + OPTION_HEADER_LENGTH + 4);
    }

    public int filterPeerAddress(int at) {
        return NetworkOrder.i32(segment, offset + at + OPTION_HEADER_LENGTH + 4 + 12);
    }

    /** Writes FILTER's data (reserved 0, prefix length, port, IPv4-mapped address) at option {@code at}. */
    public void filter(int at, int prefixLength, int port, int ipv4) {
        long data = offset + at + OPTION_HEADER_LENGTH;
        NetworkOrder.u8(segment, data, 0);
        NetworkOrder.u8(segment, data + 1, prefixLength);
        NetworkOrder.u16(segment, data + 2, port);
        writeIpv4Mapped(data + 4, ipv4);
    }

    // ---- addresses -------------------------------------------------------------------------

    private boolean isIpv4Mapped(long at) {
        return NetworkOrder.i32(segment, at) == 0 && NetworkOrder.i32(segment, at + 4) == 0
                && NetworkOrder.i32(segment, at + 8) == 0xffff;
    }

    private void writeIpv4Mapped(long at, int ipv4) {
        NetworkOrder.i32(segment, at, 0);
        NetworkOrder.i32(segment, at + 4, 0);
        NetworkOrder.i32(segment, at + 8, 0xffff);
        NetworkOrder.i32(segment, at + 12, ipv4);
    }

    /** True if the 128-bit address at {@code at} (relative to the message) is all zeros (:: or, for IPv4, 0.0.0.0 is ::ffff:0:0). */
    public boolean addressIsZero(int at) {
        long a = offset + at;
        return NetworkOrder.i32(segment, a) == 0 && NetworkOrder.i32(segment, a + 4) == 0
                && (NetworkOrder.i32(segment, a + 8) == 0 || NetworkOrder.i32(segment, a + 8) == 0xffff)
                && NetworkOrder.i32(segment, a + 12) == 0;
    }

    /** Offset of the external address field, relative to the message (for {@link #addressIsZero}). */
    public static int externalAddressField() {
        return HEADER_LENGTH + EXTERNAL_ADDRESS;
    }
}
