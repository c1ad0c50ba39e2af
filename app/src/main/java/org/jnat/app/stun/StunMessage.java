package org.jnat.app.stun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.zip.CRC32;

/**
 * A flyweight view of one STUN message in a byte array: it reads the header and walks the
 * attributes in place, copying nothing. Wrap a datagram with {@link #wrap}, then check
 * {@link #wellFormed()} before reading anything else. RFC 5389 section 6:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |0 0|     STUN Message Type     |         Message Length        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Magic Cookie                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  |                     Transaction ID (96 bits)                  |
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Type                  |            Length             |   attributes, each
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   padded to 4 bytes
 *  |                         Value (variable)                ....
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>An RFC 3489 message has the same layout, with a 128-bit transaction ID where RFC 5389 has the
 * magic cookie and 96 bits: a message whose bytes 4..7 are not the cookie is a 3489 one.
 */
public final class StunMessage {
    public static final int HEADER = 20;
    public static final int MAGIC_COOKIE = 0x2112A442;
    /** RFC 5389 section 15.5: the CRC-32 is XORed with this ("STUN"). */
    public static final int FINGERPRINT_XOR = 0x5354554E;

    /** Message types: method Binding, class request or success response. */
    public static final int BINDING_REQUEST = 0x0001, BINDING_RESPONSE = 0x0101, BINDING_ERROR = 0x0111;

    /** RFC 3489 attributes (CHANGE-REQUEST lives on in RFC 5780). */
    public static final int MAPPED_ADDRESS = 0x0001, CHANGE_REQUEST = 0x0003, SOURCE_ADDRESS = 0x0004,
            CHANGED_ADDRESS = 0x0005;
    /** RFC 5389 attributes. */
    public static final int XOR_MAPPED_ADDRESS = 0x0020, SOFTWARE = 0x8022, FINGERPRINT = 0x8028,
            ERROR_CODE = 0x0009, UNKNOWN_ATTRIBUTES = 0x000A;
    /** RFC 5780 attributes. */
    public static final int RESPONSE_ORIGIN = 0x802B, OTHER_ADDRESS = 0x802C, PADDING = 0x0026,
            RESPONSE_PORT = 0x0027;

    /** CHANGE-REQUEST flags (RFC 5780 section 7.2). */
    public static final int CHANGE_IP = 0x4;
    public static final int CHANGE_PORT = 0x2;

    private byte[] buf;
    private int off;
    private int len;

    /** Views {@code length} bytes of {@code bytes} from {@code offset}; returns this. */
    public StunMessage wrap(byte[] bytes, int offset, int length) {
        this.buf = bytes;
        this.off = offset;
        this.len = length;
        return this;
    }

    /**
     * True if the header is sound (top two bits zero, the length field equal to what follows the
     * header and a multiple of 4) and the attributes tile the body exactly.
     */
    public boolean wellFormed() {
        if (len < HEADER || (buf[off] & 0xC0) != 0 || messageLength() != len - HEADER || (messageLength() & 3) != 0) {
            return false;
        }
        int p = HEADER;
        while (p < len) {
            if (p + 4 > len) {
                return false;
            }
            p += 4 + padded(u16(p + 2));
        }
        return p == len;
    }

    public int type() {
        return u16(0);
    }

    public int messageLength() {
        return u16(2);
    }

    /** RFC 5389 and later carry the cookie; RFC 3489 clients put random bytes there. */
    public boolean hasMagicCookie() {
        return u32(4) == MAGIC_COOKIE;
    }

    /** The offset (within the message) of the first attribute of {@code type}'s value, or -1. */
    public int find(int type) {
        for (int p = HEADER; p + 4 <= len; p += 4 + padded(u16(p + 2))) {
            if (u16(p) == type) {
                return p + 4;
            }
        }
        return -1;
    }

    /** The length of the attribute whose value starts at {@code valueOffset}. */
    public int valueLength(int valueOffset) {
        return u16(valueOffset - 2);
    }

    /** The RESPONSE-PORT (RFC 5780 section 7.5: a port, then 2 bytes of padding), or -1 without a well-formed one. */
    public int responsePort() {
        int v = find(RESPONSE_PORT);
        return v < 0 || valueLength(v) != 4 ? -1 : u16(v);
    }

    /** The CHANGE-REQUEST flags ({@link #CHANGE_IP}, {@link #CHANGE_PORT}), 0 without one. */
    public int changeRequest() {
        int v = find(CHANGE_REQUEST);
        return v < 0 || valueLength(v) != 4 ? 0 : u32(v) & (CHANGE_IP | CHANGE_PORT);
    }

    /**
     * Writes into {@code types} (as many as fit) the comprehension-required attributes (type below
     * 0x8000) this server does not know, and returns how many it wrote. Known: RFC 3489's 0x0001 to
     * 0x000B (RESPONSE-ADDRESS, USERNAME, PASSWORD, MESSAGE-INTEGRITY and REFLECTED-FROM are read
     * and ignored: no authentication, and the answer always goes to the source), REALM, NONCE,
     * XOR-MAPPED-ADDRESS, and ICE's PRIORITY and USE-CANDIDATE (RFC 8445; ignored, so that a
     * connectivity check such as RFC 5769's sample request gets its address), and RFC 5780's
     * PADDING and RESPONSE-PORT.
     */
    public int unknownComprehensionRequired(int[] types) {
        int n = 0;
        for (int p = HEADER; p + 4 <= len && n < types.length; p += 4 + padded(u16(p + 2))) {
            int type = u16(p);
            boolean known = type <= 0x000B || type == 0x0014 || type == 0x0015 || type == XOR_MAPPED_ADDRESS
                    || type == 0x0024 || type == 0x0025 || type == PADDING || type == RESPONSE_PORT;
            if (type < 0x8000 && !known) {
                types[n++] = type;
            }
        }
        return n;
    }

    /** True if the last attribute is a FINGERPRINT. */
    public boolean hasFingerprint() {
        return len >= HEADER + 8 && u16(len - 8) == FINGERPRINT && u16(len - 6) == 4;
    }

    /** True if the message ends in a FINGERPRINT whose CRC-32 matches the bytes before it. */
    public boolean fingerprintMatches() {
        return hasFingerprint() && u32(len - 4) == fingerprintOf(buf, off, len - 8);
    }

    /** The FINGERPRINT value of {@code length} bytes: their CRC-32 XOR 0x5354554E. */
    public static int fingerprintOf(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return (int) crc.getValue() ^ FINGERPRINT_XOR;
    }

    /**
     * The address in the (XOR-)MAPPED-ADDRESS-style attribute whose value starts at
     * {@code valueOffset}, or null if it is not IPv4 or IPv6 of the right length. For tests and
     * diagnostics: it allocates.
     */
    public InetSocketAddress address(int valueOffset, boolean xor) {
        int family = buf[off + valueOffset + 1];
        int size = family == 1 ? 4 : family == 2 ? 16 : -1;
        if (size < 0 || valueLength(valueOffset) != 4 + size) {
            return null;
        }
        int port = u16(valueOffset + 2) ^ (xor ? MAGIC_COOKIE >>> 16 : 0);
        byte[] ip = new byte[size];
        for (int i = 0; i < size; i++) {
            // XOR with the cookie and then the transaction ID: bytes 4..19 of the header.
            ip[i] = (byte) (buf[off + valueOffset + 4 + i] ^ (xor ? buf[off + 4 + i] : 0));
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
        }
    }

    static int padded(int length) {
        return (length + 3) & ~3;
    }

    private int u16(int p) {
        return (buf[off + p] & 0xFF) << 8 | buf[off + p + 1] & 0xFF;
    }

    private int u32(int p) {
        return u16(p) << 16 | u16(p + 2);
    }
}
