package org.jnat.router;

import java.lang.foreign.Arena;
import org.jnat.device.NetDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.stack.EgressOffload;
import org.jnat.stack.Fragmenter;
import org.jnat.stack.GsoPacket;
import org.jnat.stack.GsoSegmenter;
import org.jnat.stack.Interface;
import org.jnat.stack.Neighbors;
import org.jnat.stack.PartialChecksum;
import org.jnat.stack.UdpCoalescer;
import org.jnat.wire.ArpFrames;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.Ipv4Packet;

/**
 * The way out by one side (DESIGN section 3): what a datagram needs before its device takes it,
 * then the neighbor and the device.
 *
 * <pre>
 * offload work? ─► device does it: as it is │ partial checksum: complete │ super-packet: GsoSegmenter
 *    ─► MTU (and the reassembled datagram's fragment limit) ─► DF: fragmentation needed │ Fragmenter
 *    ─► Neighbors: MAC known, or held until the ARP reply ─► UdpCoalescer ─► device.transmit
 * </pre>
 *
 * <p>Offloads as Linux's {@code validate_xmit_skb}: a device that does the work gets the frame
 * with its metadata (TAP to TAP); otherwise the checksum is completed or the super-packet cut in
 * software, and the MTU applies to the segments ({@code skb_gso_validate_network_len}). Segments
 * that still exceed the MTU (DF clear) are fragmented one by one, as {@code ip_finish_output_gso}
 * does. The next hop and the time travel as arguments through the segmenter and the fragmenter
 * back to this side's neighbor step, which is where their sinks lead.
 */
final class Egress implements Fragmenter.Sink, Neighbors.Listener {
    /** The fragment limit of a datagram that was not reassembled: only the MTU bounds it. */
    static final int NO_FRAGMENT_LIMIT = Integer.MAX_VALUE;

    private final Interface iface;
    private final NetDevice device;
    private final Offloads offloads;
    private final Neighbors neighbors;
    /** Merges the datagrams of one flow into UDP GSO super-packets; null where off. */
    private final UdpCoalescer coalescer;
    private final Fragmenter fragmenter;
    private final GsoSegmenter segmenter;
    private final GsoSegmenter.Sink segments = this::segment;
    private final RouterIcmp icmp;
    private final Counters counters;
    private final Count count;
    private final Drops drops;
    private final GsoPacket gso = new GsoPacket();
    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    /** The ARP requests and announcements of this side. */
    private final PacketBuffer arpFrame;

    /** What the egress of one side counts; the names without a side are shared by both. */
    static final class Count {
        final int transmitted, transmitFailed, gratuitous, passed, completed, segmented, segments, fragmented,
                fragmentFailed;

        Count(Counters counters, String side) {
            transmitted = counters.register(side + ".transmitted", "frames transmitted on the " + side);
            transmitFailed = counters.register(side + ".transmit_failed", "frames the " + side + " device refused (queue full, too big, closed)");
            gratuitous = counters.register("arp.gratuitous_sent", "gratuitous ARP announcements sent");
            passed = counters.register("offload.passed_through", "frames with offload work sent as they were to a device that does it (partial checksum, GSO)");
            completed = counters.register("offload.checksum_completed", "partial checksums completed in software for a device (or the fragmenter) that takes only whole ones");
            segmented = counters.register("offload.segmented", "GSO super-packets segmented in software for a device that does not take them");
            segments = counters.register("offload.segments", "segments (or UFO fragments) made by software GSO");
            fragmented = counters.register("ipv4.fragmented", "packets fragmented to fit the egress MTU");
            fragmentFailed = counters.register("ipv4.dropped.fragmentation_failed", "packets that could not be fragmented to the egress MTU");
        }
    }

    /**
     * @param maxFrame the largest frame either side carries: the size of the fragments, segments
     *                 and held frames
     * @param coalesce whether to coalesce UDP (the {@code [dataplane] udp-coalesce} key), on a
     *                 device that {@link UdpCoalescer#suits} it
     */
    Egress(Interface iface, int maxFrame, boolean coalesce, RouterIcmp icmp, Counters counters, Drops drops) {
        this.iface = iface;
        this.device = iface.device();
        this.offloads = device.offloads();
        this.icmp = icmp;
        this.counters = counters;
        this.drops = drops;
        Arena arena = Arena.ofAuto();
        neighbors = new Neighbors(iface.name(), Router.ARP_ENTRIES, Router.ARP_HELD_FRAMES, Router.ARP_HELD_PER_NEIGHBOR,
                maxFrame, Router.ARP_REACHABLE_NANOS, Router.ARP_RETRY_NANOS, Router.ARP_TRIES, counters, this);
        count = new Count(counters, iface.name());
        coalescer = coalesce && UdpCoalescer.suits(offloads)
                ? new UdpCoalescer(arena, iface.name() + ".", counters, this::toDevice) : null;
        fragmenter = new Fragmenter(maxFrame);
        segmenter = new GsoSegmenter(maxFrame);
        arpFrame = PacketBuffer.allocate(arena, 64);
    }

    /**
     * Back to the state of a new egress whose largest frame is {@code maxFrame}: no neighbors,
     * nothing held or being coalesced (a router's reset).
     */
    void reset(int maxFrame) {
        neighbors.reset(maxFrame);
        fragmenter.resize(maxFrame);
        segmenter.resize(maxFrame);
        if (coalescer != null) {
            coalescer.reset();
        }
    }

    Neighbors neighbors() {
        return neighbors;
    }

    int mtu() {
        return iface.mtu();
    }

    /**
     * A datagram the router forwards to {@code nextHop} (IPv4 at 14, TTL already lowered): one
     * too big with DF set gets fragmentation needed back to its sender; a reassembled one
     * leaves in fragments no larger than {@code fragmentLimit}, the largest it came in (Linux's
     * {@code frag_max_size}), any other has {@link #NO_FRAGMENT_LIMIT}.
     */
    void forward(PacketBuffer frame, int nextHop, long now, int fragmentLimit) {
        send(frame, nextHop, now, fragmentLimit, true);
    }

    /**
     * A datagram of the router's own (a new one, or an answer written over the one it answers):
     * bounded only by the MTU (an error quoting 548 bytes is fragmented on a link whose MTU is
     * below 576), and never the subject of an error itself.
     */
    void sendOwn(PacketBuffer frame, int nextHop, long now) {
        send(frame, nextHop, now, NO_FRAGMENT_LIMIT, false);
    }

    /** Announces this side's address with a gratuitous ARP (RFC 5227 section 3). */
    void announce() {
        announce(iface.address());
    }

    /** Announces {@code address} (this side's, or a public address of the pool) as ours. */
    void announce(int address) {
        arpFrame.clearOffload();
        arpFrame.length(ArpFrames.gratuitous(arpFrame.segment(), iface.mac(), address));
        counters.increment(count.gratuitous);
        transmit(arpFrame);
    }

    /** Sends a whole frame (ARP) after what the coalescer holds, so that frames leave in order. */
    void transmit(PacketBuffer frame) {
        flush();
        toDevice(frame);
    }

    /** Sends what the coalescer holds: no datagram waits beyond the batch it came in. */
    void flush() {
        if (coalescer != null) {
            coalescer.flush();
        }
    }

    private void send(PacketBuffer frame, int nextHop, long now, int fragmentLimit, boolean forwarded) {
        if (frame.hasOffload()) {
            sendOffload(frame, nextHop, now, fragmentLimit, forwarded);
        } else {
            sendSized(frame, nextHop, now, fragmentLimit, forwarded);
        }
    }

    /** {@link #send} for a frame with offload work: as it is, checksum completed, or segmented. */
    private void sendOffload(PacketBuffer frame, int nextHop, long now, int fragmentLimit, boolean forwarded) {
        if (!drops.whole(ip, frame)) {
            return;
        }
        int action = EgressOffload.decide(frame, offloads);
        if (action == EgressOffload.UNSUPPORTED) {
            counters.increment(drops.offloadUnsupported);
            return;
        }
        if (frame.gsoType == PacketBuffer.GSO_NONE) {
            if (action == EgressOffload.COMPLETE_CHECKSUM) {
                if (!completeChecksum(frame)) {
                    return;
                }
            } else {
                counters.increment(count.passed);
            }
            sendSized(frame, nextHop, now, fragmentLimit, forwarded);
            return;
        }
        int mtu = iface.mtu();
        int segment = gso.segmentLength(frame, EthernetFrame.HEADER_LENGTH);
        if (segment < 0) {
            counters.increment(drops.offloadMalformed);
            return;
        }
        if (segment > mtu && ip.dontFragment() && EgressOffload.gsoType(frame) != PacketBuffer.GSO_UDP) {
            fragmentationNeeded(frame, now, forwarded);
            return;
        }
        if (action == EgressOffload.PASS_THROUGH && segment <= mtu) {
            counters.increment(count.passed);
            transmitIp(frame, nextHop, now, asReceived(fragmentLimit, forwarded));
            return;
        }
        // A device that completes checksums gets the segments partial.
        int n = segmenter.segment(frame, EthernetFrame.HEADER_LENGTH, offloads.vnetHeader() && offloads.partialChecksum(),
                nextHop, now, segments);
        if (n == 0) {
            counters.increment(drops.offloadMalformed);
            return;
        }
        counters.increment(count.segmented);
        counters.add(count.segments, n);
    }

    /** Where the segmenter's segments go: each is a datagram of its own, bounded only by the MTU. */
    private void segment(PacketBuffer segment, int nextHop, long now) {
        sendSized(segment, nextHop, now, NO_FRAGMENT_LIMIT, false);
    }

    /** {@link #send} for a frame that is no super-packet: MTU, fragmentation, next hop. */
    private void sendSized(PacketBuffer frame, int nextHop, long now, int fragmentLimit, boolean forwarded) {
        if (!drops.whole(ip, frame)) {
            return;
        }
        int mtu = iface.mtu();
        if (ip.totalLength() <= Math.min(mtu, fragmentLimit)) {
            transmitIp(frame, nextHop, now, asReceived(fragmentLimit, forwarded));
            return;
        }
        if (ip.totalLength() > mtu && ip.dontFragment()) {
            fragmentationNeeded(frame, now, forwarded);
            return;
        }
        // Fragments carry no offload metadata: a partial checksum is completed over the whole first.
        if ((frame.flags & PacketBuffer.F_NEEDS_CSUM) != 0 && !completeChecksum(frame)) {
            return;
        }
        int size = Math.min(mtu, fragmentLimit);
        if (fragmenter.fragment(frame, EthernetFrame.HEADER_LENGTH, size, nextHop, now, this) == 0) {
            counters.increment(count.fragmentFailed);
        } else {
            counters.increment(count.fragmented);
        }
    }

    /** Too big with DF set: counted, and answered (RFC 1191 section 4) when the router forwards it. */
    private void fragmentationNeeded(PacketBuffer frame, long now, boolean forwarded) {
        counters.increment(drops.fragmentationNeeded);
        if (forwarded) {
            icmp.error(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.FRAGMENTATION_NEEDED, iface.mtu(), now);
        }
    }

    /**
     * Completes the partial transport checksum of the datagram {@link #ip} is wrapped over, for a
     * device that takes only whole ones or before fragmenting. False (counted) if its position is
     * out of bounds, which validation on arrival already refused.
     */
    private boolean completeChecksum(PacketBuffer frame) {
        if (!PartialChecksum.complete(frame, (int) ip.payloadOffset(), EthernetFrame.HEADER_LENGTH + ip.totalLength())) {
            counters.increment(drops.offloadMalformed);
            return false;
        }
        counters.increment(count.completed);
        return true;
    }

    /**
     * True for a datagram forwarded as it came in: the receive slot itself (a reassembled one lives
     * in a reassembly slot, which the next fragment may take; the router's own frames are reused).
     */
    private static boolean asReceived(int fragmentLimit, boolean forwarded) {
        return forwarded && fragmentLimit == NO_FRAGMENT_LIMIT;
    }

    /** Where the fragmenter's fragments go: straight to the neighbor step. */
    @Override
    public void fragment(PacketBuffer fragment, int nextHop, long now) {
        transmitIp(fragment, nextHop, now, false);
    }

    /**
     * Resolves the next hop and transmits, or holds the frame until the neighbor answers. A
     * {@code stable} frame is a slot of the receive batch being processed: nothing writes to it
     * before its device receives again, which comes after {@link #flush}, so the coalescer may
     * hold it by reference.
     */
    private void transmitIp(PacketBuffer frame, int nextHop, long now, boolean stable) {
        long mac = neighbors.lookup(nextHop);
        if (mac == Neighbors.MISSING) {
            neighbors.hold(nextHop, frame, now);
            return;
        }
        ethernet.wrap(frame.segment(), 0).destination(mac).source(iface.mac());
        if (coalescer != null && coalescer.offer(frame, stable)) {
            return;
        }
        transmit(frame);
    }

    private void toDevice(PacketBuffer frame) {
        if (device.transmit(frame)) {
            counters.increment(count.transmitted);
        } else {
            counters.increment(count.transmitFailed);
        }
    }

    // ---- what the neighbor table asks of this side ----------------------------------------------

    @Override
    public void sendRequest(int address) {
        arpFrame.clearOffload();
        arpFrame.length(ArpFrames.request(arpFrame.segment(), iface.mac(), iface.address(), address));
        transmit(arpFrame);
    }

    @Override
    public void release(PacketBuffer frame, long mac) {
        ethernet.wrap(frame.segment(), 0).destination(mac).source(iface.mac());
        transmit(frame);
    }

    @Override
    public void unresolved(PacketBuffer frame, long now) {
        // RFC 1812 section 4.3.3.1 / RFC 1122 section 2.3.2.2: host unreachable for what was held.
        icmp.error(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.HOST_UNREACHABLE, 0, now);
    }
}
