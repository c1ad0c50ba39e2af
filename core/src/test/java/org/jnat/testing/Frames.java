package org.jnat.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.ArpPacket;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/**
 * The one builder of test frames: Ethernet, IPv4 (options, fragments), UDP, TCP, ICMP and ARP, as
 * byte arrays with every checksum filled, written through the wire views and {@code
 * wire.Checksum}; and the same frames in a {@link PacketBuffer}. Layers compose: {@link #ipv4}
 * wraps the transport bytes {@link #udp}, {@link #tcp} or {@link #icmp} return. {@link
 * OffloadFrames} adds the metadata a TAP with offloads hands over; {@link FrameFields} reads frames
 * back. For tests only: it allocates freely.
 */
public final class Frames {
    /** Where the IPv4 header starts in an untagged Ethernet frame. */
    public static final int IP = EthernetFrame.HEADER_LENGTH;
    /** Offset of the transport header behind a 20-byte IPv4 header. */
    public static final int L4 = IP + Ipv4Packet.MIN_HEADER_LENGTH;
    /** The IPv4 flag bits (RFC 791), as they stand in the flags-and-fragment-offset word. */
    public static final int DF = 0x4000, MF = 0x2000;
    /** The TTL of {@link #udpPacket} and its kin. */
    public static final int TTL = 64;
    /** The MACs of {@link #udpPacket} and its kin. */
    public static final long PACKET_DST_MAC = 0x02_00_00_00_00_01L, PACKET_SRC_MAC = 0x02_00_00_00_00_02L;
    /** The Identification of {@link #udpPacket} and its kin. */
    public static final int PACKET_ID = 0x1234;
    /** The MACs of {@link #ipv4(PacketBuffer, int, int, int, int, int, byte[], byte[])}. */
    public static final long DATAGRAM_DST_MAC = 0x02_02_02_02_02_02L, DATAGRAM_SRC_MAC = 0x04_04_04_04_04_04L;
    private static final int PACKET_CAPACITY = 2048;

    private Frames() {
    }

    // ---- payloads -------------------------------------------------------------------------

    /** {@code length} bytes {@code i * step + start}: a payload where a misplaced byte shows. */
    public static byte[] ramp(int length, int step, int start) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * step + start);
        }
        return b;
    }

    /** The pipeline tests' payload: {@code i * 31 + 7}. */
    public static byte[] pattern(int length) {
        return ramp(length, 31, 7);
    }

    /** Bytes {@code i * 7 + salt + i / 256}: long payloads whose 256-byte blocks differ too. */
    public static byte[] pattern(int length, int salt) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + salt + (i >>> 8));
        }
        return b;
    }

    /** Parses hex, ignoring white space: for frames copied from a capture. */
    public static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replaceAll("\\s+", ""));
    }

    // ---- link and network layer -------------------------------------------------------------

    /** An Ethernet II frame: destination, source, EtherType, payload. */
    public static byte[] ethernet(long destinationMac, long sourceMac, int etherType, byte[] payload) {
        byte[] out = new byte[EthernetFrame.HEADER_LENGTH + payload.length];
        EthernetFrame.writeHeader(MemorySegment.ofArray(out), 0, destinationMac, sourceMac, etherType);
        System.arraycopy(payload, 0, out, EthernetFrame.HEADER_LENGTH, payload.length);
        return out;
    }

    /** An Ethernet + IPv4 frame (20-byte header) around {@code l4}, whose checksum, if any, is already right. */
    public static byte[] ipv4(long dstMac, long srcMac, int src, int dst, int protocol, int ttl, int id,
            int flagsOffset, byte[] l4) {
        return ipv4(dstMac, srcMac, src, dst, protocol, ttl, id, flagsOffset, new byte[0], l4);
    }

    /** An Ethernet + IPv4 frame whose header carries {@code options} (a multiple of 4 bytes). */
    public static byte[] ipv4(long dstMac, long srcMac, int src, int dst, int protocol, int ttl, int id,
            int flagsOffset, byte[] options, byte[] l4) {
        int ihl = Ipv4Packet.MIN_HEADER_LENGTH + options.length;
        byte[] out = new byte[IP + ihl + l4.length];
        MemorySegment s = MemorySegment.ofArray(out);
        EthernetFrame.writeHeader(s, 0, dstMac, srcMac, EtherType.IPV4);
        Ipv4Packet.writeHeader(s, IP, ihl + l4.length, id, false, ttl, protocol, src, dst);
        System.arraycopy(options, 0, out, L4, options.length);
        new Ipv4Packet().wrap(s, IP).headerLength(ihl).flagsAndFragmentOffset(flagsOffset).fillHeaderChecksum();
        System.arraycopy(l4, 0, out, IP + ihl, l4.length);
        return out;
    }

    /** The frames an IPv4 frame (20-byte header) splits into, at most {@code size} payload bytes each. */
    public static List<byte[]> fragments(byte[] frame, int size) {
        MemorySegment s = MemorySegment.ofArray(frame);
        EthernetFrame e = new EthernetFrame().wrap(s, 0);
        Ipv4Packet ip = new Ipv4Packet().wrap(s, IP);
        int payload = frame.length - L4;
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < payload; off += size) {
            int end = Math.min(payload, off + size);
            int flags = (ip.flagsAndFragmentOffset() & DF) | (end < payload ? MF : 0) | off / 8;
            out.add(ipv4(e.destination(), e.source(), ip.sourceAddress(), ip.destinationAddress(), ip.protocol(),
                    ip.ttl(), ip.identification(), flags, Arrays.copyOfRange(frame, L4 + off, L4 + end)));
        }
        return out;
    }

    /** An Ethernet + ARP frame (RFC 826). */
    public static byte[] arp(long dstMac, long srcMac, int op, long senderMac, int sender, long targetMac, int target) {
        byte[] packet = new byte[ArpPacket.LENGTH];
        new ArpPacket().wrap(MemorySegment.ofArray(packet), 0).writeFixed(op).senderHardwareAddress(senderMac)
                .senderProtocolAddress(sender).targetHardwareAddress(targetMac).targetProtocolAddress(target);
        return ethernet(dstMac, srcMac, EtherType.ARP, packet);
    }

    // ---- transport layer (the bytes behind the IPv4 header) ---------------------------------

    /** A UDP datagram with its checksum over the RFC 768 pseudo-header (a computed 0 sent as all ones). */
    public static byte[] udp(int src, int dst, int sport, int dport, byte[] payload) {
        byte[] out = new byte[UdpDatagram.HEADER_LENGTH + payload.length];
        System.arraycopy(payload, 0, out, UdpDatagram.HEADER_LENGTH, payload.length);
        new UdpDatagram().wrap(MemorySegment.ofArray(out), 0).sourcePort(sport).destinationPort(dport)
                .length(out.length).fillChecksum(src, dst);
        return out;
    }

    /** A TCP segment with a 20-byte header and its checksum over the pseudo-header. */
    public static byte[] tcp(int src, int dst, int sport, int dport, int seq, int ack, int flags, int window,
            byte[] payload) {
        byte[] out = new byte[TcpSegment.MIN_HEADER_LENGTH + payload.length];
        System.arraycopy(payload, 0, out, TcpSegment.MIN_HEADER_LENGTH, payload.length);
        new TcpSegment().wrap(MemorySegment.ofArray(out), 0).sourcePort(sport).destinationPort(dport)
                .sequenceNumber(seq).acknowledgmentNumber(ack).headerLength(TcpSegment.MIN_HEADER_LENGTH)
                .flags(flags).window(window).urgentPointer(0).fillChecksum(src, dst, out.length);
        return out;
    }

    /** A bare SYN (window 64240). */
    public static byte[] tcpSyn(int src, int dst, int sport, int dport, int seq) {
        return tcp(src, dst, sport, dport, seq, 0, TcpSegment.SYN, 64240, new byte[0]);
    }

    /** An ICMP message: type, code, the 4 bytes after the checksum, data (RFC 792). */
    public static byte[] icmp(int type, int code, int rest, byte[] data) {
        byte[] out = new byte[IcmpPacket.HEADER_LENGTH + data.length];
        System.arraycopy(data, 0, out, IcmpPacket.HEADER_LENGTH, data.length);
        IcmpPacket p = new IcmpPacket().wrap(MemorySegment.ofArray(out), 0);
        p.check(out.length);
        p.type(type).code(code).restOfHeader(rest).fillChecksum();
        return out;
    }

    /** An echo request with {@link #pattern(int)} data. */
    public static byte[] echoRequest(int id, int seq, int dataLength) {
        return icmp(IcmpPacket.ECHO_REQUEST, 0, (id << 16) | seq, pattern(dataLength));
    }

    // ---- whole frames -------------------------------------------------------------------------

    /** A whole Ethernet/IPv4/UDP frame (Identification 1, DF clear, TTL 64). */
    public static byte[] udpFrame(long sourceMac, long destinationMac, int source, int sourcePort, int destination,
            int destinationPort, byte[] payload) {
        return ipv4(destinationMac, sourceMac, source, destination, IpProtocol.UDP, 64, 1, 0,
                udp(source, destination, sourcePort, destinationPort, payload));
    }

    /** A whole Ethernet/IPv4/ICMP echo request frame (Identification 1, DF clear, TTL 64). */
    public static byte[] icmpEchoFrame(long sourceMac, long destinationMac, int source, int destination,
            int identifier, int sequence, byte[] data) {
        return ipv4(destinationMac, sourceMac, source, destination, IpProtocol.ICMP, 64, 1, 0,
                icmp(IcmpPacket.ECHO_REQUEST, 0, (identifier << 16) | sequence, data));
    }

    // ---- in a packet buffer -------------------------------------------------------------------

    /** An empty 2 KiB slot. */
    public static PacketBuffer buffer() {
        return PacketBuffer.allocate(Arena.ofAuto(), PACKET_CAPACITY);
    }

    /** {@code frame} in a new 2 KiB slot. */
    public static PacketBuffer buffer(byte[] frame) {
        return into(buffer(), frame);
    }

    /** Copies {@code frame} to the start of {@code slot} and sets its length. */
    public static PacketBuffer into(PacketBuffer slot, byte[] frame) {
        MemorySegment.copy(frame, 0, slot.segment(), ValueLayout.JAVA_BYTE, 0, frame.length);
        slot.length(frame.length);
        return slot;
    }

    /** The frame's bytes. */
    public static byte[] bytes(PacketBuffer frame) {
        return frame.segment().asSlice(0, frame.length()).toArray(ValueLayout.JAVA_BYTE);
    }

    /** An IPv4 datagram (TTL 64, the {@code DATAGRAM_*} MACs) written into {@code into}. */
    public static PacketBuffer ipv4(PacketBuffer into, int src, int dst, int protocol, int id, int flagsOffset,
            byte[] options, byte[] payload) {
        return into(into, ipv4(DATAGRAM_DST_MAC, DATAGRAM_SRC_MAC, src, dst, protocol, TTL, id, flagsOffset, options,
                payload));
    }

    /**
     * A UDP frame in a slot (the {@code PACKET_*} MACs and Identification, DF, TTL 64) with
     * {@code payloadLength} bytes of payload.
     */
    public static PacketBuffer udpPacket(int source, int sourcePort, int destination, int destinationPort,
            int payloadLength) {
        return udpPacket(buffer(), source, sourcePort, destination, destinationPort, payloadLength);
    }

    /** Like {@link #udpPacket(int, int, int, int, int)}, written into {@code into} (a reused slot). */
    public static PacketBuffer udpPacket(PacketBuffer into, int source, int sourcePort, int destination,
            int destinationPort, int payloadLength) {
        return packet(into, IpProtocol.UDP, source, destination,
                udp(source, destination, sourcePort, destinationPort, ramp(payloadLength, 7, 1)));
    }

    /** A TCP frame in a slot like {@link #udpPacket}; acknowledging when {@code flags} has ACK. */
    public static PacketBuffer tcpPacket(int source, int sourcePort, int destination, int destinationPort, int flags,
            int payloadLength) {
        return tcpPacket(buffer(), source, sourcePort, destination, destinationPort, flags, payloadLength);
    }

    /** Like {@link #tcpPacket(int, int, int, int, int, int)}, written into {@code into} (a reused slot). */
    public static PacketBuffer tcpPacket(PacketBuffer into, int source, int sourcePort, int destination,
            int destinationPort, int flags, int payloadLength) {
        int ack = (flags & TcpSegment.ACK) != 0 ? 0x0a0b0c0d : 0;
        return packet(into, IpProtocol.TCP, source, destination, tcp(source, destination, sourcePort, destinationPort,
                0x01020304, ack, flags, 64240, ramp(payloadLength, 3, 5)));
    }

    /** An ICMP query (echo, timestamp...) in a slot like {@link #udpPacket}, 16 bytes of data. */
    public static PacketBuffer icmpQueryPacket(int type, int source, int destination, int identifier, int sequence) {
        return icmpQueryPacket(buffer(), type, source, destination, identifier, sequence);
    }

    /** Like {@link #icmpQueryPacket(int, int, int, int, int)}, written into {@code into} (a reused slot). */
    public static PacketBuffer icmpQueryPacket(PacketBuffer into, int type, int source, int destination, int identifier,
            int sequence) {
        return packet(into, IpProtocol.ICMP, source, destination,
                icmp(type, 0, (identifier << 16) | sequence, ramp(16, 1, 0x40)));
    }

    /**
     * An ICMP error in a slot like {@link #udpPacket}, quoting {@code offending}'s IP header and
     * {@code transportBytes} bytes after it (its Total Length field kept, as routers do).
     */
    public static PacketBuffer icmpErrorPacket(int source, int destination, int type, int code,
            PacketBuffer offending, int transportBytes) {
        return icmpErrorPacket(buffer(), source, destination, type, code, offending, transportBytes);
    }

    /** Like {@link #icmpErrorPacket(int, int, int, int, PacketBuffer, int)}, written into {@code into}. */
    public static PacketBuffer icmpErrorPacket(PacketBuffer into, int source, int destination, int type, int code,
            PacketBuffer offending, int transportBytes) {
        Ipv4Packet o = new Ipv4Packet().wrap(offending.segment(), IP);
        int quote = Math.min(o.headerLength() + transportBytes, o.totalLength());
        byte[] quoted = offending.segment().asSlice(IP, quote).toArray(ValueLayout.JAVA_BYTE);
        return packet(into, IpProtocol.ICMP, source, destination, icmp(type, code, 0, quoted));
    }

    private static PacketBuffer packet(PacketBuffer into, int protocol, int source, int destination, byte[] l4) {
        into.clearOffload();
        return into(into, ipv4(PACKET_DST_MAC, PACKET_SRC_MAC, source, destination, protocol, TTL, PACKET_ID, DF, l4));
    }
}
