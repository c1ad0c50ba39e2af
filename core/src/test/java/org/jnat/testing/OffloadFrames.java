package org.jnat.testing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.Checksum;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/**
 * Frames as a Linux TAP with IFF_VNET_HDR hands them over: partial transport checksums (the field
 * holds the folded pseudo-header sum, not inverted, as {@code __tcp_v4_send_check} leaves it) and
 * GSO super-packets whose Total Length covers every segment: {@link Frames}' frames plus the
 * offload metadata. Built with the wire views; for tests only.
 */
public final class OffloadFrames {
    /** TCP options of a Linux data segment: NOP, NOP, timestamps (RFC 7323): 12 bytes. */
    public static final int TCP_OPTIONS = 12;

    private OffloadFrames() {
    }

    /**
     * A TCP segment (20-byte IP header, TCP header with the timestamp option) carrying {@code
     * payload}, with a full checksum; then made partial with {@link #makePartial} when {@code
     * partial}, and a GSO super-packet of {@code mss} when {@code mss > 0}.
     */
    public static PacketBuffer tcp(PacketBuffer into, long dstMac, long srcMac, int src, int dst, int sport, int dport,
            int sequence, int tcpFlags, int identification, int flagsFragment, byte[] payload, boolean partial,
            int mss) {
        MemorySegment s = into.segment();
        into.clearOffload();
        EthernetFrame.writeHeader(s, 0, dstMac, srcMac, EtherType.IPV4);
        int thl = TcpSegment.MIN_HEADER_LENGTH + TCP_OPTIONS;
        int tcpLength = thl + payload.length;
        Ipv4Packet ip = new Ipv4Packet().wrap(s, 14);
        Ipv4Packet.writeHeader(s, 14, 20 + tcpLength, identification, false, 64, IpProtocol.TCP, src, dst);
        ip.flagsAndFragmentOffset(flagsFragment).fillHeaderChecksum();
        TcpSegment tcp = new TcpSegment().wrap(s, 34);
        tcp.sourcePort(sport).destinationPort(dport).sequenceNumber(sequence).acknowledgmentNumber(0x1234_5678)
                .headerLength(thl).flags(tcpFlags).window(502).checksum(0).urgentPointer(0);
        byte[] options = {1, 1, 8, 10, 0, 1, 2, 3, 4, 5, 6, 7};
        MemorySegment.copy(options, 0, s, ValueLayout.JAVA_BYTE, 54, options.length);
        MemorySegment.copy(payload, 0, s, ValueLayout.JAVA_BYTE, 34 + thl, payload.length);
        tcp.fillChecksum(src, dst, tcpLength);
        into.length(34 + tcpLength);
        if (partial) {
            makePartial(into, 34, TcpSegment.CHECKSUM, src, dst, IpProtocol.TCP, tcpLength);
        }
        if (mss > 0) {
            into.gsoType = PacketBuffer.GSO_TCPV4;
            into.gsoSize = mss;
            into.headerLength = 34 + thl;
        }
        return into;
    }

    /** A UDP datagram with a full checksum, made partial and/or a GSO packet of {@code gsoType}. */
    public static PacketBuffer udp(PacketBuffer into, long dstMac, long srcMac, int src, int dst, int sport, int dport,
            int identification, int flagsFragment, byte[] payload, boolean partial, int gsoType, int gsoSize) {
        into.clearOffload();
        Frames.into(into, Frames.ipv4(dstMac, srcMac, src, dst, IpProtocol.UDP, 64, identification, flagsFragment,
                Frames.udp(src, dst, sport, dport, payload)));
        int udpLength = UdpDatagram.HEADER_LENGTH + payload.length;
        if (partial) {
            makePartial(into, 34, UdpDatagram.CHECKSUM, src, dst, IpProtocol.UDP, udpLength);
        }
        into.gsoType = gsoType;
        into.gsoSize = gsoSize;
        into.headerLength = gsoType == PacketBuffer.GSO_NONE ? 0 : 42;
        return into;
    }

    /** Replaces a full checksum by the partial one Linux leaves, and sets the metadata. */
    public static void makePartial(PacketBuffer frame, int l4, int field, int src, int dst, int protocol, int length) {
        int pseudo = Checksum.fold(Checksum.pseudoHeaderSum(src, dst, protocol, length));
        NetworkOrder.u16(frame.segment(), l4 + field, pseudo);
        frame.flags |= PacketBuffer.F_NEEDS_CSUM;
        frame.checksumStart = l4;
        frame.checksumOffset = field;
    }
}
