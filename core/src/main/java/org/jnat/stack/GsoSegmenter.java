package org.jnat.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.Checksum;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.TransportHeader;
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
    /**
     * Where segments go, one at a time, in order, with the next hop and time given to
     * {@link #segment}. A UFO packet's segments are IPv4 fragments: they reach the sink as such.
     */
    @FunctionalInterface
    public interface Sink extends Fragmenter.Sink {
        void segment(PacketBuffer segment, int nextHop, long now);

        @Override
        default void fragment(PacketBuffer fragment, int nextHop, long now) {
            segment(fragment, nextHop, now);
        }
    }

    /** The scratch frame's memory, as made; {@link #resize} sizes the frame within it. */
    private final MemorySegment memory;
    private PacketBuffer scratch;
    private final Fragmenter fragmenter;
    private final GsoPacket packet = new GsoPacket();
    private final Ipv4Packet inIp = new Ipv4Packet();
    private final Ipv4Packet outIp = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final UdpDatagram udp = new UdpDatagram();

    /** A segmenter whose segments are at most {@code maxFrame} bytes, link header included. */
    public GsoSegmenter(int maxFrame) {
        scratch = PacketBuffer.allocate(Arena.ofAuto(), maxFrame);
        memory = scratch.segment();
        fragmenter = new Fragmenter(maxFrame);
    }

    /** From now on segments are at most {@code maxFrame} bytes, no more than made with (a router's reset). */
    public void resize(int maxFrame) {
        scratch = PacketBuffer.over(memory, maxFrame);
        fragmenter.resize(maxFrame);
    }

    /**
     * Segments the super-packet in {@code frame} (IPv4 header at {@code ipOffset}, validated) and
     * gives each segment to {@code sink} with {@code nextHop} and {@code now}, with no offload
     * metadata, or with a partial checksum when {@code partialChecksum}. Returns the number of
     * segments, 0 when the super-packet is not {@link GsoPacket#valid} or a segment would not fit
     * the scratch frame.
     */
    public int segment(PacketBuffer frame, int ipOffset, boolean partialChecksum, int nextHop, long now, Sink sink) {
        int transport = packet.transportHeaderLength(frame, ipOffset);
        if (transport <= 0) {
            return 0;
        }
        return switch (EgressOffload.gsoType(frame)) {
            case PacketBuffer.GSO_TCPV4, PacketBuffer.GSO_UDP_L4 ->
                cut(frame, ipOffset, transport, partialChecksum, nextHop, now, sink);
            case PacketBuffer.GSO_UDP -> fragmentUdp(frame, ipOffset, nextHop, now, sink);
            default -> 0;
        };
    }

    /**
     * TSO and USO: segments of {@code gsoSize} payload bytes, each behind a copy of the headers
     * with its own Total Length, Identification and header checksum, and its own transport fields
     * (TCP: sequence number and flags; UDP: Length) and checksum.
     */
    private int cut(PacketBuffer frame, int ipOffset, int thl, boolean partial, int nextHop, long now, Sink sink) {
        MemorySegment in = frame.segment();
        Ipv4Packet ip = inIp.wrap(in, ipOffset);
        boolean isTcp = ip.protocol() == IpProtocol.TCP; // the GSO type matches the protocol: valid
        int ihl = ip.headerLength();
        int l4 = ipOffset + ihl;
        int headers = l4 + thl;
        int size = frame.gsoSize;
        int payload = ip.totalLength() - ihl - thl;
        if (headers + Math.min(size, payload) > scratch.capacity()) {
            return 0;
        }
        int id = ip.identification();
        int source = ip.sourceAddress();
        int destination = ip.destinationAddress();
        int sequence = isTcp ? tcp.wrap(in, l4).sequenceNumber() : 0;
        int flags = isTcp ? tcp.flags() : 0;
        MemorySegment out = scratch.segment();
        Ipv4Packet segment = outIp.wrap(out, ipOffset);
        int n = 0;
        int done = 0;
        do {
            int chunk = Math.min(size, payload - done);
            boolean last = done + chunk >= payload;
            MemorySegment.copy(in, 0, out, 0, headers);
            MemorySegment.copy(in, headers + done, out, headers, chunk);
            segment.totalLength(ihl + thl + chunk).identification(id + n).fillHeaderChecksum();
            scratch.clearOffload();
            scratch.timestampNanos = frame.timestampNanos;
            if (isTcp) {
                tcp.wrap(out, l4).sequenceNumber(sequence + done).flags(segmentFlags(flags, n == 0, last));
                transportChecksum(tcp, thl + chunk, source, destination, IpProtocol.TCP, TcpSegment.CHECKSUM, partial);
            } else {
                udp.wrap(out, l4).length(UdpDatagram.HEADER_LENGTH + chunk);
                transportChecksum(udp, UdpDatagram.HEADER_LENGTH + chunk, source, destination, IpProtocol.UDP,
                        UdpDatagram.CHECKSUM, partial);
            }
            scratch.length(headers + chunk);
            sink.segment(scratch, nextHop, now);
            done += chunk;
            n++;
        } while (done < payload);
        return n;
    }

    /** FIN and PSH only on the last segment, CWR only on the first. */
    private static int segmentFlags(int flags, boolean first, boolean last) {
        int segmentFlags = flags;
        if (!last) {
            segmentFlags &= ~(TcpSegment.FIN | TcpSegment.PSH);
        }
        if (!first) {
            segmentFlags &= ~TcpSegment.CWR;
        }
        return segmentFlags;
    }

    /**
     * UFO: the whole datagram's checksum, then IPv4 fragments. The checksum is computed in place
     * (the caller's frame is being consumed by the egress anyway), the fragments are written by
     * the {@link Fragmenter} into its own scratch frame and go to {@code sink} as they are.
     */
    private int fragmentUdp(PacketBuffer frame, int ipOffset, int nextHop, long now, Sink sink) {
        Ipv4Packet ip = inIp.wrap(frame.segment(), ipOffset);
        udp.wrap(frame.segment(), ip.payloadOffset()).length(ip.payloadLength())
                .fillChecksum(ip.sourceAddress(), ip.destinationAddress());
        // RFC 791 section 3.2: DF cannot hold for a datagram that is sent in fragments.
        ip.dontFragment(false);
        int fragmentPayload = Math.max(8, frame.gsoSize & ~7);
        frame.clearOffload();
        return fragmenter.fragment(frame, ipOffset, ip.headerLength() + fragmentPayload, nextHop, now, sink);
    }

    /**
     * The segment's transport checksum ({@code length} bytes under {@code header}): computed in
     * full, or left partial for a device that completes it: the pseudo-header sum, folded and not
     * inverted, in the field, which is what Linux leaves for such a device.
     */
    private void transportChecksum(TransportHeader<?> header, int length, int source, int destination, int protocol,
            int field, boolean partial) {
        if (partial) {
            header.checksum(Checksum.fold(Checksum.pseudoHeaderSum(source, destination, protocol, length)));
            scratch.flags = PacketBuffer.F_NEEDS_CSUM;
            scratch.checksumStart = (int) header.offset();
            scratch.checksumOffset = field;
            return;
        }
        int checksum = Checksum.transport(header.segment(), header.offset(), length, source, destination, protocol, field);
        header.checksum(protocol == IpProtocol.UDP ? Checksum.udpNonZero(checksum) : checksum);
    }
}
