package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jnat.device.NetDevice;
import org.jnat.device.PacketBuffer;

/**
 * Hand-built frames for the device tests: enough ARP, IPv4, ICMP echo and TCP to talk to a kernel.
 * (The real builders live in core's wire package; these tests must not depend on them.)
 */
final class TestFrames {
    private TestFrames() {
    }

    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    static int u8(MemorySegment s, long at) {
        return Byte.toUnsignedInt(s.get(JAVA_BYTE, at));
    }

    static int u16(MemorySegment s, long at) {
        return Short.toUnsignedInt(s.get(U16, at));
    }

    static int u32(MemorySegment s, long at) {
        return s.get(U32, at);
    }

    static void u16(MemorySegment s, long at, int v) {
        s.set(U16, at, (short) v);
    }

    static void u32(MemorySegment s, long at, int v) {
        s.set(U32, at, v);
    }

    static long mac(MemorySegment s, long at) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = (m << 8) | u8(s, at + i);
        }
        return m;
    }

    static void mac(MemorySegment s, long at, long m) {
        for (int i = 0; i < 6; i++) {
            s.set(JAVA_BYTE, at + i, (byte) (m >>> (40 - 8 * i)));
        }
    }

    static int ip(String dotted) {
        String[] p = dotted.split("\\.");
        return (Integer.parseInt(p[0]) << 24) | (Integer.parseInt(p[1]) << 16) | (Integer.parseInt(p[2]) << 8)
                | Integer.parseInt(p[3]);
    }

    /** RFC 1071 sum over [from, from+length), folded but not inverted, starting from {@code initial}. */
    static int sum(MemorySegment s, long from, int length, int initial) {
        long sum = initial;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += u16(s, from + i);
        }
        if (i < length) {
            sum += u8(s, from + i) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    static int checksum(MemorySegment s, long from, int length) {
        return ~sum(s, from, length, 0) & 0xffff;
    }

    static boolean isArpRequestFor(MemorySegment f, int length, int target) {
        return length >= 42 && u16(f, 12) == 0x0806 && u16(f, 20) == 1 && u32(f, 38) == target;
    }

    /**
     * If {@code in} is an ARP request for {@code ourIp}, answers it through {@code device} that
     * {@code ourIp} is at {@code ourMac} (built in {@code out}); true if it was one.
     */
    static boolean answerArp(NetDevice device, PacketBuffer in, PacketBuffer out, int ourIp, long ourMac) {
        if (!isArpRequestFor(in.segment(), in.length(), ourIp)) {
            return false;
        }
        out.clearOffload();
        out.length(arpReply(in.segment(), out.segment(), ourMac));
        device.transmit(out);
        return true;
    }

    /** An ARP reply "target is at ourMac" to the request in {@code req}; returns its length. */
    static int arpReply(MemorySegment req, MemorySegment out, long ourMac) {
        long senderMac = mac(req, 22);
        int senderIp = u32(req, 28);
        int targetIp = u32(req, 38);
        out.asSlice(0, 42).fill((byte) 0);
        mac(out, 0, senderMac);
        mac(out, 6, ourMac);
        u16(out, 12, 0x0806);
        u16(out, 14, 1);
        u16(out, 16, 0x0800);
        out.set(JAVA_BYTE, 18, (byte) 6);
        out.set(JAVA_BYTE, 19, (byte) 4);
        u16(out, 20, 2);
        mac(out, 22, ourMac);
        u32(out, 28, targetIp);
        mac(out, 32, senderMac);
        u32(out, 38, senderIp);
        return 42;
    }

    static boolean isIpv4(MemorySegment f, int length, int protocol, int destination) {
        return length >= 34 && u16(f, 12) == 0x0800 && (u8(f, 14) >>> 4) == 4 && u8(f, 23) == protocol
                && u32(f, 30) == destination;
    }

    static boolean isEchoRequest(MemorySegment f, int length, int destination) {
        return isIpv4(f, length, 1, destination) && u8(f, 14 + ihl(f)) == 8;
    }

    static int ihl(MemorySegment f) {
        return (u8(f, 14) & 0xf) * 4;
    }

    /** Turns the echo request in {@code f} into the reply, in place; returns the frame length. */
    static int echoReplyInPlace(MemorySegment f, int length) {
        long dst = mac(f, 0);
        mac(f, 0, mac(f, 6));
        mac(f, 6, dst);
        int src = u32(f, 26);
        u32(f, 26, u32(f, 30));
        u32(f, 30, src);
        int ihl = ihl(f);
        int totalLength = u16(f, 16);
        u16(f, 24, 0);
        u16(f, 24, checksum(f, 14, ihl));
        long icmp = 14 + ihl;
        f.set(JAVA_BYTE, icmp, (byte) 0);
        u16(f, icmp + 2, 0);
        u16(f, icmp + 2, checksum(f, icmp, totalLength - ihl));
        return 14 + totalLength;
    }

    static boolean isTcpSyn(MemorySegment f, int length, int destination) {
        return isIpv4(f, length, 6, destination) && (u8(f, 14 + ihl(f) + 13) & 0x12) == 0x02;
    }

    /** A SYN-ACK (MSS 1460, window 65535) answering the SYN in {@code syn}; returns its length. */
    static int synAck(MemorySegment syn, MemorySegment out, long ourMac, int ourSeq) {
        int ihl = ihl(syn);
        long tcpIn = 14 + ihl;
        out.asSlice(0, 58).fill((byte) 0);
        mac(out, 0, mac(syn, 6));
        mac(out, 6, ourMac);
        u16(out, 12, 0x0800);
        out.set(JAVA_BYTE, 14, (byte) 0x45);
        u16(out, 16, 20 + 24);
        u16(out, 20, 0x4000);
        out.set(JAVA_BYTE, 22, (byte) 64);
        out.set(JAVA_BYTE, 23, (byte) 6);
        u32(out, 26, u32(syn, 30));
        u32(out, 30, u32(syn, 26));
        u16(out, 24, checksum(out, 14, 20));
        u16(out, 34, u16(syn, tcpIn + 2));
        u16(out, 36, u16(syn, tcpIn));
        u32(out, 38, ourSeq);
        u32(out, 42, u32(syn, tcpIn + 4) + 1);
        out.set(JAVA_BYTE, 46, (byte) (6 << 4));
        out.set(JAVA_BYTE, 47, (byte) 0x12);
        u16(out, 48, 65535);
        out.set(JAVA_BYTE, 54, (byte) 2);
        out.set(JAVA_BYTE, 55, (byte) 4);
        u16(out, 56, 1460);
        int pseudo = (u32(out, 26) >>> 16) + (u32(out, 26) & 0xffff) + (u32(out, 30) >>> 16)
                + (u32(out, 30) & 0xffff) + 6 + 24;
        u16(out, 50, ~sum(out, 34, 24, pseudo) & 0xffff);
        return 58;
    }

    static final int TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10;

    /**
     * An IPv4 TCP segment with a 20-byte header (no options) and {@code payload} bytes of
     * {@code 'a' + i % 26}; returns the frame length. The TCP checksum is complete, or with
     * {@code partial} only the pseudo-header sum (virtio_net_hdr NEEDS_CSUM, csum_start 34,
     * csum_offset 16), as a kernel hands over a super-packet.
     */
    static int tcp(MemorySegment out, long dstMac, long srcMac, int src, int dst, int srcPort, int dstPort,
                   int seq, int ack, int flags, int payload, boolean partial) {
        int total = 20 + 20 + payload;
        ipv4(out, dstMac, srcMac, src, dst, 6, total);
        u16(out, 34, srcPort);
        u16(out, 36, dstPort);
        u32(out, 38, seq);
        u32(out, 42, ack);
        out.set(JAVA_BYTE, 46, (byte) (5 << 4));
        out.set(JAVA_BYTE, 47, (byte) flags);
        u16(out, 48, 65535);
        u16(out, 50, 0);
        u16(out, 52, 0);
        for (int i = 0; i < payload; i++) {
            out.set(JAVA_BYTE, 54 + i, (byte) ('a' + i % 26));
        }
        transportChecksum(out, 6, 50, 20 + payload, partial);
        return 14 + total;
    }

    /** An IPv4 UDP datagram of {@code payload} bytes, checksum as in {@link #tcp}; returns the frame length. */
    static int udp(MemorySegment out, long dstMac, long srcMac, int src, int dst, int srcPort, int dstPort,
                   int payload, boolean partial) {
        int total = 20 + 8 + payload;
        ipv4(out, dstMac, srcMac, src, dst, 17, total);
        u16(out, 34, srcPort);
        u16(out, 36, dstPort);
        u16(out, 38, 8 + payload);
        u16(out, 40, 0);
        for (int i = 0; i < payload; i++) {
            out.set(JAVA_BYTE, 42 + i, (byte) ('a' + i % 26));
        }
        transportChecksum(out, 17, 40, 8 + payload, partial);
        return 14 + total;
    }

    private static void ipv4(MemorySegment out, long dstMac, long srcMac, int src, int dst, int protocol, int total) {
        mac(out, 0, dstMac);
        mac(out, 6, srcMac);
        u16(out, 12, 0x0800);
        out.set(JAVA_BYTE, 14, (byte) 0x45);
        out.set(JAVA_BYTE, 15, (byte) 0);
        u16(out, 16, total);
        u16(out, 18, 0x1234);
        u16(out, 20, 0x4000);
        out.set(JAVA_BYTE, 22, (byte) 64);
        out.set(JAVA_BYTE, 23, (byte) protocol);
        u16(out, 24, 0);
        u32(out, 26, src);
        u32(out, 30, dst);
        u16(out, 24, checksum(out, 14, 20));
    }

    private static void transportChecksum(MemorySegment out, int protocol, int field, int length, boolean partial) {
        int pseudo = (u32(out, 26) >>> 16) + (u32(out, 26) & 0xffff) + (u32(out, 30) >>> 16)
                + (u32(out, 30) & 0xffff) + protocol + length;
        while ((pseudo >>> 16) != 0) {
            pseudo = (pseudo & 0xffff) + (pseudo >>> 16);
        }
        u16(out, field, partial ? pseudo : ~sum(out, 34, length, pseudo) & 0xffff);
    }
}
