package org.jnat.router;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jnat.wire.Checksum;
import org.jnat.wire.IpProtocol;

/** Frames for the pipeline tests, built byte by byte (allocating: test code only). */
final class Packets {
    static final int DF = 0x4000, MF = 0x2000;

    private Packets() {
    }

    /** An Ethernet + IPv4 frame around {@code l4} (whose checksum, if any, is already right). */
    static byte[] ipv4(long dstMac, long srcMac, int src, int dst, int protocol, int ttl, int id, int flagsOffset,
                       byte[] l4) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + l4.length);
        putMac(b, dstMac);
        putMac(b, srcMac);
        b.putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putShort((short) id)
                .putShort((short) flagsOffset).put((byte) ttl).put((byte) protocol).putShort((short) 0)
                .putInt(src).putInt(dst);
        b.put(l4);
        byte[] out = b.array();
        int sum = Checksum.ipv4Header(MemorySegment.ofArray(out), 14, 20);
        out[24] = (byte) (sum >>> 8);
        out[25] = (byte) sum;
        return out;
    }

    static byte[] udp(int src, int dst, int sport, int dport, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload.length)).putShort((short) 0);
        b.put(payload);
        byte[] out = b.array();
        int sum = Checksum.udp(MemorySegment.ofArray(out), 0, out.length, src, dst);
        out[6] = (byte) (sum >>> 8);
        out[7] = (byte) sum;
        return out;
    }

    static byte[] tcpSyn(int src, int dst, int sport, int dport, int seq) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) sport).putShort((short) dport).putInt(seq).putInt(0).put((byte) 0x50).put((byte) 0x02)
                .putShort((short) 64240).putShort((short) 0).putShort((short) 0);
        byte[] out = b.array();
        int sum = Checksum.tcp(MemorySegment.ofArray(out), 0, out.length, src, dst);
        out[16] = (byte) (sum >>> 8);
        out[17] = (byte) sum;
        return out;
    }

    static byte[] icmp(int type, int code, int rest, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + data.length);
        b.put((byte) type).put((byte) code).putShort((short) 0).putInt(rest).put(data);
        byte[] out = b.array();
        int sum = Checksum.icmp(MemorySegment.ofArray(out), 0, out.length);
        out[2] = (byte) (sum >>> 8);
        out[3] = (byte) sum;
        return out;
    }

    static byte[] echoRequest(int id, int seq, int dataLength) {
        return icmp(8, 0, (id << 16) | seq, pattern(dataLength));
    }

    static byte[] arp(long dstMac, long srcMac, int op, long senderMac, int sender, long targetMac, int target) {
        ByteBuffer b = ByteBuffer.allocate(42);
        putMac(b, dstMac);
        putMac(b, srcMac);
        b.putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op);
        putMac(b, senderMac);
        b.putInt(sender);
        putMac(b, targetMac);
        b.putInt(target);
        return b.array();
    }

    /** Splits an IPv4 frame (header 20 bytes at 14) into fragments of at most {@code size} payload bytes. */
    static List<byte[]> fragments(byte[] frame, int size) {
        int payload = frame.length - 34;
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < payload; off += size) {
            int end = Math.min(payload, off + size);
            ByteBuffer b = ByteBuffer.wrap(frame);
            int id = b.getShort(18) & 0xffff;
            int flags = (b.getShort(20) & DF) | (end < payload ? MF : 0) | off / 8;
            out.add(ipv4(b.getLong(0) >>> 16, (b.getLong(6) >>> 16), b.getInt(26), b.getInt(30), frame[23] & 0xff,
                    frame[22] & 0xff, id, flags, Arrays.copyOfRange(frame, 34 + off, 34 + end)));
        }
        return out;
    }

    static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }

    // ---- reading ----------------------------------------------------------------------------

    static long dstMac(byte[] f) {
        return ByteBuffer.wrap(f).getLong(0) >>> 16;
    }

    static long srcMac(byte[] f) {
        return ByteBuffer.wrap(f).getLong(6) >>> 16;
    }

    static int etherType(byte[] f) {
        return ByteBuffer.wrap(f).getShort(12) & 0xffff;
    }

    static int ipSrc(byte[] f) {
        return ByteBuffer.wrap(f).getInt(26);
    }

    static int ipDst(byte[] f) {
        return ByteBuffer.wrap(f).getInt(30);
    }

    static int ttl(byte[] f) {
        return f[22] & 0xff;
    }

    static int protocol(byte[] f) {
        return f[23] & 0xff;
    }

    static int totalLength(byte[] f) {
        return ByteBuffer.wrap(f).getShort(16) & 0xffff;
    }

    static int flagsOffset(byte[] f) {
        return ByteBuffer.wrap(f).getShort(20) & 0xffff;
    }

    static int ihl(byte[] f) {
        return (f[14] & 0x0f) * 4;
    }

    static boolean ipChecksumOk(byte[] f) {
        return Checksum.verifies(Checksum.sum(MemorySegment.ofArray(f), 14, ihl(f)));
    }

    /** ICMP type, code at the transport offset. */
    static int icmpType(byte[] f) {
        return protocol(f) == IpProtocol.ICMP ? f[14 + ihl(f)] & 0xff : -1;
    }

    static int icmpCode(byte[] f) {
        return f[14 + ihl(f) + 1] & 0xff;
    }

    static int icmpRest(byte[] f) {
        return ByteBuffer.wrap(f).getInt(14 + ihl(f) + 4);
    }

    static boolean icmpChecksumOk(byte[] f) {
        int from = 14 + ihl(f);
        return Checksum.verifies(Checksum.sum(MemorySegment.ofArray(f), from, 14 + totalLength(f) - from));
    }

    /** The bytes an ICMP error quotes (from the quoted IPv4 header on). */
    static byte[] quote(byte[] f) {
        return Arrays.copyOfRange(f, 14 + ihl(f) + 8, 14 + totalLength(f));
    }

    static int arpOperation(byte[] f) {
        return ByteBuffer.wrap(f).getShort(20) & 0xffff;
    }

    static int arpSender(byte[] f) {
        return ByteBuffer.wrap(f).getInt(28);
    }

    static int arpTarget(byte[] f) {
        return ByteBuffer.wrap(f).getInt(38);
    }

    static long arpSenderMac(byte[] f) {
        return ByteBuffer.wrap(f).getLong(22) >>> 16;
    }
}
