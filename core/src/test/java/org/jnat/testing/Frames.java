package org.jnat.testing;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * Builds whole test frames (Ethernet, IPv4, UDP or ICMP echo) as byte arrays with correct
 * checksums, independently of the wire views under test. For tests only: it allocates freely.
 */
public final class Frames {
    private Frames() {
    }

    /** An Ethernet II frame: destination, source, EtherType, payload. */
    public static byte[] ethernet(long destinationMac, long sourceMac, int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        putMac(b, destinationMac);
        putMac(b, sourceMac);
        b.putShort((short) etherType);
        b.put(payload);
        return b.array();
    }

    /** An IPv4 header (20 bytes, no options, DF clear, checksum filled) followed by {@code payload}. */
    public static byte[] ipv4(int source, int destination, int protocol, int ttl, int identification,
                              byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + payload.length));
        b.putShort((short) identification).putShort((short) 0);
        b.put((byte) ttl).put((byte) protocol).putShort((short) 0);
        b.putInt(source).putInt(destination);
        byte[] bytes = b.put(payload).array();
        int sum = checksum(bytes, 0, 20, 0);
        bytes[10] = (byte) (sum >>> 8);
        bytes[11] = (byte) sum;
        return bytes;
    }

    /** A UDP datagram (header and payload) with its checksum over the RFC 768 pseudo-header. */
    public static byte[] udp(int source, int sourcePort, int destination, int destinationPort, byte[] payload) {
        int length = 8 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putShort((short) sourcePort).putShort((short) destinationPort).putShort((short) length).putShort((short) 0);
        byte[] bytes = b.put(payload).array();
        int sum = checksum(bytes, 0, length, pseudoHeaderSum(source, destination, 17, length));
        if (sum == 0) {
            sum = 0xffff; // RFC 768: a computed zero is sent as all ones
        }
        bytes[6] = (byte) (sum >>> 8);
        bytes[7] = (byte) sum;
        return bytes;
    }

    /** A whole Ethernet/IPv4/UDP frame. */
    public static byte[] udpFrame(long sourceMac, long destinationMac, int source, int sourcePort, int destination,
                                  int destinationPort, byte[] payload) {
        return ethernet(destinationMac, sourceMac, 0x0800,
                ipv4(source, destination, 17, 64, 1, udp(source, sourcePort, destination, destinationPort, payload)));
    }

    /** A whole Ethernet/IPv4/ICMP echo request frame (RFC 792). */
    public static byte[] icmpEchoFrame(long sourceMac, long destinationMac, int source, int destination,
                                       int identifier, int sequence, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) identifier).putShort((short) sequence);
        byte[] icmp = b.put(data).array();
        int sum = checksum(icmp, 0, icmp.length, 0);
        icmp[2] = (byte) (sum >>> 8);
        icmp[3] = (byte) sum;
        return ethernet(destinationMac, sourceMac, 0x0800, ipv4(source, destination, 1, 64, 1, icmp));
    }

    /** Parses hex, ignoring white space: for frames copied from a capture. */
    public static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replaceAll("\\s+", ""));
    }

    /** The RFC 1071 checksum (ones' complement of the ones' complement sum) of a range, plus {@code initial}. */
    public static int checksum(byte[] bytes, int offset, int length, int initial) {
        long sum = initial;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += ((bytes[offset + i] & 0xff) << 8) | (bytes[offset + i + 1] & 0xff);
        }
        if ((length & 1) != 0) {
            sum += (bytes[offset + length - 1] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static int pseudoHeaderSum(int source, int destination, int protocol, int length) {
        return (source >>> 16) + (source & 0xffff) + (destination >>> 16) + (destination & 0xffff) + protocol + length;
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }
}
