package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * A view of a NAT-PMP message (RFC 6886), version 0: PCP's predecessor, on the same port and told
 * apart by its version byte. Every message starts with Vers and OP; a response's OP is the request's
 * plus 128.
 *
 * <pre>
 * External address request (section 3.2)    External address response (section 3.2)
 *  0                   1                      0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5            0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+          +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Vers = 0      | OP = 0        |          | Vers = 0      | OP = 128 + 0  | Result Code (net byte order)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+          +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                                            | Seconds Since Start of Epoch (in network byte order)          |
 *                                            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                                            | External IPv4 Address (a.b.c.d)                               |
 *                                            +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Mapping request (section 3.3)                               Mapping response (section 3.3)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | Vers = 0      | OP = x        | Reserved                      |   | Vers = 0 | OP = 128 + x | Result Code |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   | Seconds Since Start of Epoch          |
 * | Internal Port                 | Suggested External Port       |   | Internal Port | Mapped External Port  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   | Port Mapping Lifetime in Seconds      |
 * | Requested Port Mapping Lifetime in Seconds                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>OP x is 1 for UDP, 2 for TCP. {@link #check} validates the length for the message's opcode
 * once; after it succeeds no accessor throws.
 */
public final class NatPmpMessage {
    public static final int VERSION = 0;
    public static final int EXTERNAL_ADDRESS = 0, MAP_UDP = 1, MAP_TCP = 2;
    /** Added to the request's OP in its response. */
    public static final int RESPONSE = 128;
    public static final int ADDRESS_REQUEST_LENGTH = 2, ADDRESS_RESPONSE_LENGTH = 12, MAP_REQUEST_LENGTH = 12,
            MAP_RESPONSE_LENGTH = 16, ERROR_RESPONSE_LENGTH = 8;
    /** The lifetime a client should ask for (section 3.3). */
    public static final long RECOMMENDED_LIFETIME = 7200;

    public static final int SUCCESS = 0, UNSUPPORTED_VERSION = 1, NOT_AUTHORIZED = 2, NETWORK_FAILURE = 3,
            OUT_OF_RESOURCES = 4, UNSUPPORTED_OPCODE = 5;

    private static final int VERS = 0, OP = 1, RESULT = 2, EPOCH = 4, ADDRESS = 8;
    private static final int REQ_INTERNAL_PORT = 4, REQ_EXTERNAL_PORT = 6, REQ_LIFETIME = 8;
    private static final int RSP_INTERNAL_PORT = 8, RSP_EXTERNAL_PORT = 10, RSP_LIFETIME = 12;

    private MemorySegment segment;
    private long offset;

    public NatPmpMessage wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    /**
     * True if {@code length} bytes lie within the segment and hold Vers and OP and, for a request
     * OP this class knows, the whole request (2 bytes for the address request, 12 for a mapping).
     */
    public boolean check(int length) {
        if (length < 2 || !NetworkOrder.fits(segment, offset, length)) {
            return false;
        }
        return switch (op()) {
            case MAP_UDP, MAP_TCP -> length >= MAP_REQUEST_LENGTH;
            default -> true;
        };
    }

    public int version() {
        return NetworkOrder.u8(segment, offset + VERS);
    }

    public int op() {
        return NetworkOrder.u8(segment, offset + OP);
    }

    /** Writes Vers (0) and OP. */
    public NatPmpMessage op(int op) {
        NetworkOrder.u8(segment, offset + VERS, VERSION);
        NetworkOrder.u8(segment, offset + OP, op);
        return this;
    }

    /** A mapping request's Reserved field (a client sends 0). */
    public int reserved() {
        return NetworkOrder.u16(segment, offset + RESULT);
    }

    public int resultCode() {
        return NetworkOrder.u16(segment, offset + RESULT);
    }

    public NatPmpMessage resultCode(int value) {
        NetworkOrder.u16(segment, offset + RESULT, value);
        return this;
    }

    public long epoch() {
        return NetworkOrder.i32(segment, offset + EPOCH) & 0xffffffffL;
    }

    public NatPmpMessage epoch(long seconds) {
        NetworkOrder.i32(segment, offset + EPOCH, (int) seconds);
        return this;
    }

    /** The external address response's address. */
    public int externalAddress() {
        return NetworkOrder.i32(segment, offset + ADDRESS);
    }

    public NatPmpMessage externalAddress(int ipv4) {
        NetworkOrder.i32(segment, offset + ADDRESS, ipv4);
        return this;
    }

    // ---- a mapping request ----

    public int requestInternalPort() {
        return NetworkOrder.u16(segment, offset + REQ_INTERNAL_PORT);
    }

    public int requestExternalPort() {
        return NetworkOrder.u16(segment, offset + REQ_EXTERNAL_PORT);
    }

    public long requestLifetime() {
        return NetworkOrder.i32(segment, offset + REQ_LIFETIME) & 0xffffffffL;
    }

    /** Writes a whole mapping request: OP, reserved 0, ports, lifetime. */
    public NatPmpMessage request(int op, int internalPort, int suggestedExternalPort, long lifetime) {
        op(op);
        NetworkOrder.u16(segment, offset + RESULT, 0);
        NetworkOrder.u16(segment, offset + REQ_INTERNAL_PORT, internalPort);
        NetworkOrder.u16(segment, offset + REQ_EXTERNAL_PORT, suggestedExternalPort);
        NetworkOrder.i32(segment, offset + REQ_LIFETIME, (int) lifetime);
        return this;
    }

    // ---- a mapping response ----

    public int responseInternalPort() {
        return NetworkOrder.u16(segment, offset + RSP_INTERNAL_PORT);
    }

    public int responseExternalPort() {
        return NetworkOrder.u16(segment, offset + RSP_EXTERNAL_PORT);
    }

    public long responseLifetime() {
        return NetworkOrder.i32(segment, offset + RSP_LIFETIME) & 0xffffffffL;
    }

    /** Writes a mapping response's ports and lifetime (after {@link #op}, {@link #resultCode} and {@link #epoch}). */
    public NatPmpMessage mapping(int internalPort, int externalPort, long lifetime) {
        NetworkOrder.u16(segment, offset + RSP_INTERNAL_PORT, internalPort);
        NetworkOrder.u16(segment, offset + RSP_EXTERNAL_PORT, externalPort);
        NetworkOrder.i32(segment, offset + RSP_LIFETIME, (int) lifetime);
        return this;
    }
}
