package org.jnat.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.Checksum;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/**
 * Generic segmentation offload done in software: cuts an IPv4 GSO super-packet (what a TAP with
 * IFF_VNET_HDR and TUNSETOFFLOAD hands over, virtio_net_hdr {@code gso_type} and {@code gso_size})
 * into the wire-sized packets its sender would have sent, for a device that does not take it.
 *
 * <ul>
 * <li>{@link PacketBuffer#GSO_TCPV4} (TSO, Linux {@code tcp_gso_segment} over {@code skb_segment}):
 *     segments of {@code gsoSize} payload bytes, each with the headers copied (IP options and TCP
 *     options included), its own Total Length, an Identification one more than the one before
 *     ({@code inet_gso_segment} without {@code SKB_GSO_TCP_FIXEDID}, which a virtio_net_hdr never
 *     asks for), a fresh header checksum, the sequence number advanced by the payload before it
 *     (RFC 9293 section 3.4), FIN and PSH only on the last segment, CWR only on the first (RFC 3168
 *     section 6.1.2: CWR is set once per window reduction), and the TCP checksum.</li>
 * <li>{@link PacketBuffer#GSO_UDP_L4} (USO, Linux {@code __udp_gso_segment}): datagrams of
 *     {@code gsoSize} payload bytes, each a whole UDP datagram with its own Length and checksum
 *     (RFC 768), Identification incremented as for TCP.</li>
 * <li>{@link PacketBuffer#GSO_UDP} (UFO, Linux's old {@code udp4_ufo_fragment}): one UDP datagram
 *     sent as IPv4 fragments (RFC 791 section 3.2) of {@code gsoSize} payload bytes (rounded down to
 *     8), after its checksum is computed over the whole datagram.</li>
 * </ul>
 *
 * <p>The transport checksum of each segment is either computed in full, or, for a device that
 * completes checksums itself, left partial ({@link PacketBuffer#F_NEEDS_CSUM} with the folded
 * pseudo-header sum in the field, as Linux's {@code tcp_gso_segment} leaves it for such devices).
 *
 * <p>One scratch frame, allocated once, is reused for every segment: the sink transmits (or copies)
 * it before it returns, and the next segment is then written over it. Nothing is allocated per
 * packet; a malformed super-packet yields no segment.
 */
public final class GsoSegmenter {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int MF_AND_OFFSET = 0x3fff;

    /** Where segments go, one at a time, in order. */
    @FunctionalInterface
    public interface Sink {
        void segment(PacketBuffer segment);
    }

    private final PacketBuffer scratch;
    private final Fragmenter fragmenter;
    private Sink fragmentTarget;
    private final Fragmenter.Sink toTarget = f -> fragmentTarget.segment(f);

    /** A segmenter whose segments are at most {@code maxFrame} bytes, link header included. */
    public GsoSegmenter(int maxFrame) {
        Arena arena = Arena.ofAuto();
        scratch = PacketBuffer.allocate(arena, maxFrame);
        fragmenter = new Fragmenter(maxFrame);
    }

    /**
     * True if {@code frame}, whose IPv4 header at {@code ipOffset} has passed {@link Ipv4Packet#check},
     * is a super-packet this class can segment: a GSO type of TCPv4, UDP_L4 or UDP matching the
     * IP protocol, not a fragment, {@code gsoSize} above zero, and the transport header present.
     */
    public static boolean valid(PacketBuffer frame, int ipOffset) {
        return transportHeaderLength(frame, ipOffset) > 0;
    }

    /**
     * The IPv4 length of one full segment, the size the link MTU must take (Linux's
     * {@code skb_gso_network_seglen}): IP header, transport header and {@code gsoSize}; for UFO,
     * the largest fragment. -1 if the super-packet is not {@link #valid}.
     */
    public static int segmentLength(PacketBuffer frame, int ipOffset) {
        int transport = transportHeaderLength(frame, ipOffset);
        if (transport <= 0) {
            return -1;
        }
        int ihl = ihl(frame.segment(), ipOffset);
        if (EgressOffload.gsoType(frame) == PacketBuffer.GSO_UDP) {
            return ihl + Math.max(8, frame.gsoSize & ~7);
        }
        return ihl + transport + frame.gsoSize;
    }

    /**
     * Segments the super-packet in {@code frame} (IPv4 header at {@code ipOffset}, validated) and
     * gives each segment to {@code sink}, with no offload metadata, or with a partial checksum when
     * {@code partialChecksum}. Returns the number of segments, 0 when the super-packet is not
     * {@link #valid} or a segment would not fit the scratch frame.
     */
    public int segment(PacketBuffer frame, int ipOffset, boolean partialChecksum, Sink sink) {
        int transport = transportHeaderLength(frame, ipOffset);
        if (transport <= 0) {
            return 0;
        }
        return switch (EgressOffload.gsoType(frame)) {
            case PacketBuffer.GSO_TCPV4 -> segmentTcp(frame, ipOffset, transport, partialChecksum, sink);
            case PacketBuffer.GSO_UDP_L4 -> segmentUdp(frame, ipOffset, partialChecksum, sink);
            case PacketBuffer.GSO_UDP -> fragmentUdp(frame, ipOffset, sink);
            default -> 0;
        };
    }

    private int segmentTcp(PacketBuffer frame, int ipOffset, int thl, boolean partial, Sink sink) {
        MemorySegment in = frame.segment();
        int ihl = ihl(in, ipOffset);
        int l4 = ipOffset + ihl;
        int headers = l4 + thl;
        int mss = frame.gsoSize;
        int payload = totalLength(in, ipOffset) - ihl - thl;
        if (headers + Math.min(mss, payload) > scratch.capacity()) {
            return 0;
        }
        int id = in.get(U16, ipOffset + Ipv4Packet.IDENTIFICATION) & 0xffff;
        int sequence = in.get(U32, l4 + TcpSegment.SEQUENCE_NUMBER);
        int flags = in.get(ValueLayout.JAVA_BYTE, l4 + TcpSegment.FLAGS) & 0xff;
        int source = in.get(U32, ipOffset + Ipv4Packet.SOURCE);
        int destination = in.get(U32, ipOffset + Ipv4Packet.DESTINATION);
        MemorySegment out = scratch.segment();
        int n = 0;
        int done = 0;
        do {
            int chunk = Math.min(mss, payload - done);
            boolean last = done + chunk >= payload;
            MemorySegment.copy(in, 0, out, 0, headers);
            MemorySegment.copy(in, headers + done, out, headers, chunk);
            ipHeader(out, ipOffset, ihl, ihl + thl + chunk, id + n);
            out.set(U32, l4 + TcpSegment.SEQUENCE_NUMBER, sequence + done);
            int segmentFlags = flags;
            if (!last) {
                segmentFlags &= ~(TcpSegment.FIN | TcpSegment.PSH);
            }
            if (n > 0) {
                segmentFlags &= ~TcpSegment.CWR;
            }
            out.set(ValueLayout.JAVA_BYTE, l4 + TcpSegment.FLAGS, (byte) segmentFlags);
            transportChecksum(frame, out, l4, thl + chunk, source, destination, IpProtocol.TCP, TcpSegment.CHECKSUM,
                    partial);
            scratch.length(headers + chunk);
            sink.segment(scratch);
            done += chunk;
            n++;
        } while (done < payload);
        return n;
    }

    private int segmentUdp(PacketBuffer frame, int ipOffset, boolean partial, Sink sink) {
        MemorySegment in = frame.segment();
        int ihl = ihl(in, ipOffset);
        int l4 = ipOffset + ihl;
        int headers = l4 + UdpDatagram.HEADER_LENGTH;
        int size = frame.gsoSize;
        int payload = totalLength(in, ipOffset) - ihl - UdpDatagram.HEADER_LENGTH;
        if (headers + Math.min(size, payload) > scratch.capacity()) {
            return 0;
        }
        int id = in.get(U16, ipOffset + Ipv4Packet.IDENTIFICATION) & 0xffff;
        int source = in.get(U32, ipOffset + Ipv4Packet.SOURCE);
        int destination = in.get(U32, ipOffset + Ipv4Packet.DESTINATION);
        MemorySegment out = scratch.segment();
        int n = 0;
        int done = 0;
        do {
            int chunk = Math.min(size, payload - done);
            MemorySegment.copy(in, 0, out, 0, headers);
            MemorySegment.copy(in, headers + done, out, headers, chunk);
            ipHeader(out, ipOffset, ihl, ihl + UdpDatagram.HEADER_LENGTH + chunk, id + n);
            out.set(U16, l4 + UdpDatagram.LENGTH, (short) (UdpDatagram.HEADER_LENGTH + chunk));
            transportChecksum(frame, out, l4, UdpDatagram.HEADER_LENGTH + chunk, source, destination, IpProtocol.UDP,
                    UdpDatagram.CHECKSUM, partial);
            scratch.length(headers + chunk);
            sink.segment(scratch);
            done += chunk;
            n++;
        } while (done < payload);
        return n;
    }

    /**
     * UFO: the whole datagram's checksum, then IPv4 fragments. The checksum is computed in place
     * (the caller's frame is being consumed by the egress anyway), the fragments are written by
     * the {@link Fragmenter} into its own scratch frame.
     */
    private int fragmentUdp(PacketBuffer frame, int ipOffset, Sink sink) {
        MemorySegment in = frame.segment();
        int ihl = ihl(in, ipOffset);
        int l4 = ipOffset + ihl;
        int length = totalLength(in, ipOffset) - ihl;
        int source = in.get(U32, ipOffset + Ipv4Packet.SOURCE);
        int destination = in.get(U32, ipOffset + Ipv4Packet.DESTINATION);
        in.set(U16, l4 + UdpDatagram.LENGTH, (short) length);
        in.set(U16, l4 + UdpDatagram.CHECKSUM, (short) Checksum.udp(in, l4, length, source, destination));
        // RFC 791 section 3.2: DF cannot hold for a datagram that is sent in fragments.
        int word = in.get(U16, ipOffset + Ipv4Packet.FLAGS_FRAGMENT) & 0xffff;
        in.set(U16, ipOffset + Ipv4Packet.FLAGS_FRAGMENT, (short) (word & ~0x4000));
        int fragmentPayload = Math.max(8, frame.gsoSize & ~7);
        frame.clearOffload();
        fragmentTarget = sink;
        int n = fragmenter.fragment(frame, ipOffset, ihl + fragmentPayload, toTarget);
        fragmentTarget = null;
        return n;
    }

    /** Total Length, Identification and a fresh header checksum for one segment. */
    private static void ipHeader(MemorySegment out, int ipOffset, int ihl, int totalLength, int identification) {
        out.set(U16, ipOffset + Ipv4Packet.TOTAL_LENGTH, (short) totalLength);
        out.set(U16, ipOffset + Ipv4Packet.IDENTIFICATION, (short) identification);
        out.set(U16, ipOffset + Ipv4Packet.CHECKSUM, (short) 0);
        out.set(U16, ipOffset + Ipv4Packet.CHECKSUM, (short) Checksum.ipv4Header(out, ipOffset, ihl));
    }

    private void transportChecksum(PacketBuffer frame, MemorySegment out, int l4, int length, int source,
            int destination, int protocol, int field, boolean partial) {
        scratch.clearOffload();
        scratch.timestampNanos = frame.timestampNanos;
        long pseudo = Checksum.pseudoHeaderSum(source, destination, protocol, length);
        if (partial) {
            // What Linux leaves for a device with checksum offload: the pseudo-header sum, folded
            // and not inverted; the device adds the rest from checksumStart.
            out.set(U16, l4 + field, (short) Checksum.fold(pseudo));
            scratch.flags = PacketBuffer.F_NEEDS_CSUM;
            scratch.checksumStart = l4;
            scratch.checksumOffset = field;
            return;
        }
        int checksum = Checksum.transport(out, l4, length, source, destination, protocol, field);
        if (protocol == IpProtocol.UDP) {
            checksum = Checksum.udpNonZero(checksum);
        }
        out.set(U16, l4 + field, (short) checksum);
    }

    /**
     * The transport header length of a valid super-packet (20 to 60 for TCP, 8 for UDP), else -1.
     * Assumes the IPv4 header itself passed {@link Ipv4Packet#check} against the frame.
     */
    private static int transportHeaderLength(PacketBuffer frame, int ipOffset) {
        MemorySegment in = frame.segment();
        if (frame.gsoSize <= 0 || ipOffset + Ipv4Packet.MIN_HEADER_LENGTH > frame.length()) {
            return -1;
        }
        int ihl = ihl(in, ipOffset);
        int total = totalLength(in, ipOffset);
        int version = (in.get(ValueLayout.JAVA_BYTE, ipOffset) & 0xf0) >>> 4;
        if (version != 4 || ihl < Ipv4Packet.MIN_HEADER_LENGTH || total < ihl || ipOffset + total > frame.length()
                || (in.get(U16, ipOffset + Ipv4Packet.FLAGS_FRAGMENT) & MF_AND_OFFSET) != 0) {
            return -1;
        }
        int protocol = in.get(ValueLayout.JAVA_BYTE, ipOffset + Ipv4Packet.PROTOCOL) & 0xff;
        int available = total - ihl;
        return switch (EgressOffload.gsoType(frame)) {
            case PacketBuffer.GSO_TCPV4 -> {
                if (protocol != IpProtocol.TCP || available < TcpSegment.MIN_HEADER_LENGTH) {
                    yield -1;
                }
                int thl = ((in.get(ValueLayout.JAVA_BYTE, ipOffset + ihl + TcpSegment.DATA_OFFSET) & 0xff) >>> 4) * 4;
                yield thl >= TcpSegment.MIN_HEADER_LENGTH && thl <= available ? thl : -1;
            }
            case PacketBuffer.GSO_UDP_L4, PacketBuffer.GSO_UDP ->
                protocol == IpProtocol.UDP && available >= UdpDatagram.HEADER_LENGTH ? UdpDatagram.HEADER_LENGTH : -1;
            default -> -1;
        };
    }

    private static int ihl(MemorySegment in, int ipOffset) {
        return (in.get(ValueLayout.JAVA_BYTE, ipOffset) & 0x0f) * 4;
    }

    private static int totalLength(MemorySegment in, int ipOffset) {
        return in.get(U16, ipOffset + Ipv4Packet.TOTAL_LENGTH) & 0xffff;
    }
}
