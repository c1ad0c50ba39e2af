package org.jnat.app.stun;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Writes one Binding success response into a byte array, attribute by attribute, then fixes the
 * length field ({@link #finish}). The layout is {@link StunMessage}'s.
 */
public final class StunResponseWriter {
    private final byte[] buf;
    private int pos;

    public StunResponseWriter(byte[] buf) {
        this.buf = buf;
    }

    /** Starts a response of {@code type} that copies the request's 16 bytes of cookie and transaction ID. */
    public StunResponseWriter start(int type, byte[] request, int requestOffset) {
        put16(0, type);
        put16(2, 0);
        System.arraycopy(request, requestOffset + 4, buf, 4, 16);
        pos = StunMessage.HEADER;
        return this;
    }

    /**
     * A MAPPED-ADDRESS-style attribute (family, port, address); with {@code xor} the port and address
     * are XORed with the cookie and transaction ID as XOR-MAPPED-ADDRESS asks (RFC 5389 section 15.2).
     */
    public StunResponseWriter address(int type, InetSocketAddress address, boolean xor) {
        byte[] ip = address.getAddress().getAddress();
        int at = attribute(type, 4 + ip.length);
        buf[at] = 0;
        buf[at + 1] = (byte) (ip.length == 4 ? 1 : 2);
        put16(at + 2, address.getPort() ^ (xor ? StunMessage.MAGIC_COOKIE >>> 16 : 0));
        for (int i = 0; i < ip.length; i++) {
            buf[at + 4 + i] = (byte) (ip[i] ^ (xor ? buf[4 + i] : 0));
        }
        return this;
    }

    public StunResponseWriter software(String name) {
        byte[] text = name.getBytes(StandardCharsets.UTF_8);
        int at = attribute(StunMessage.SOFTWARE, text.length);
        System.arraycopy(text, 0, buf, at, text.length);
        return this;
    }

    /**
     * ERROR-CODE (RFC 5389 section 15.6): the hundreds in the class byte, the rest in the number
     * byte, then the reason phrase.
     */
    public StunResponseWriter errorCode(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int at = attribute(StunMessage.ERROR_CODE, 4 + text.length);
        buf[at + 2] = (byte) (code / 100);
        buf[at + 3] = (byte) (code % 100);
        System.arraycopy(text, 0, buf, at + 4, text.length);
        return this;
    }

    /**
     * UNKNOWN-ATTRIBUTES listing the first {@code count} of {@code types}. RFC 3489 attributes have
     * no padding, so for its clients ({@code evenCount}) an odd list repeats its last type, as that
     * RFC's section 11.2.12 says.
     */
    public StunResponseWriter unknownAttributes(int[] types, int count, boolean evenCount) {
        int n = evenCount && (count & 1) != 0 ? count + 1 : count;
        int at = attribute(StunMessage.UNKNOWN_ATTRIBUTES, 2 * n);
        for (int i = 0; i < n; i++) {
            put16(at + 2 * i, types[Math.min(i, count - 1)]);
        }
        return this;
    }

    /** Sets the length, appends a FINGERPRINT over everything before it, and returns the total length. */
    public int finishWithFingerprint() {
        int at = attribute(StunMessage.FINGERPRINT, 4);
        put16(2, pos - StunMessage.HEADER);
        int crc = StunMessage.fingerprintOf(buf, 0, at - 4);
        put16(at, crc >>> 16);
        put16(at + 2, crc & 0xFFFF);
        return pos;
    }

    /** PADDING (RFC 5780 section 7.6) of {@code length} zero bytes. */
    public StunResponseWriter padding(int length) {
        attribute(StunMessage.PADDING, length);
        return this;
    }

    /** Sets the length field and returns the message's total length. */
    public int finish() {
        put16(2, pos - StunMessage.HEADER);
        return pos;
    }

    /** Writes an attribute header, zeroes the value and its padding, and returns the value's offset. */
    private int attribute(int type, int length) {
        put16(pos, type);
        put16(pos + 2, length);
        int value = pos + 4;
        pos = value + StunMessage.padded(length);
        java.util.Arrays.fill(buf, value, pos, (byte) 0);
        return value;
    }

    private void put16(int p, int v) {
        buf[p] = (byte) (v >>> 8);
        buf[p + 1] = (byte) v;
    }
}
