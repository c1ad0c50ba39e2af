package org.jnat.router;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.device.FrameBatch;
import org.jnat.device.NetDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Clock;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.stack.EgressOffload;
import org.jnat.stack.Fragmenter;
import org.jnat.stack.Fragments;
import org.jnat.stack.GsoSegmenter;
import org.jnat.stack.Icmp;
import org.jnat.stack.Interface;
import org.jnat.stack.Martians;
import org.jnat.stack.Neighbors;
import org.jnat.stack.PartialChecksum;
import org.jnat.stack.RateLimiter;
import org.jnat.stack.Routes;
import org.jnat.stack.Side;
import org.jnat.stack.UdpCoalescer;
import org.jnat.wire.ArpFrames;
import org.jnat.wire.ArpPacket;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.MacAddress;

/**
 * The router: two {@link Interface}s, the stack, and the NAT seam, run as the pipeline of DESIGN
 * section 3, packet by packet, in one thread, without allocating.
 *
 * <pre>
 * receive ─► Ethernet (ours or broadcast?) ─► ARP: answer, learn, release held frames
 *                                         └─► IPv4: validate ─► martians ─► reassemble
 *    ─► not for us: TTL (time exceeded) ─► route ─► DF and MTU (fragmentation needed)
 *    ─► Translator.outbound (inside) / inbound (outside): FORWARD, LOCAL, REJECT, PROHIBITED, DROP, CONSUMED
 *    ─► for us: echo reply, or reject    ─► forwarded: TTL−1 ─► fragment ─► Neighbors ─► transmit
 * </pre>
 *
 * <p>The TTL and MTU checks come before the translation for the packets whose route is already
 * known (the destination is not one of ours), so that the ICMP errors quote the packet as its
 * sender sent it and come from the address of the receiving side (RFC 1812 sections 4.3.2.4 and
 * 5.3.1: traceroute shows 192.168.1.1 as hop 1). Packets to one of our addresses are routed only
 * after the translator has said where they go.
 *
 * <p>Drive it with {@link #pollOnce(long)} (receive a batch on each side, process it, run the
 * timers when due); everything it does is counted in {@link Counters}. {@link #nextDeadline()}
 * says when the timers are next due, so that a loop around it sleeps until then or a frame:
 * an idle router, with nothing to retry, age or expire, sleeps for good.
 */
public final class Router implements Responder {
    /** Frames received per device per {@link #pollOnce}. */
    public static final int BATCH = 32;
    /**
     * System property that switches UDP coalescing on egress off ({@code -Djnat.udpCoalesce=false});
     * on by default for devices that take UDP GSO ({@link UdpCoalescer#suits}).
     */
    public static final String UDP_COALESCE_PROPERTY = "jnat.udpCoalesce";
    /** ARP: entries are trusted this long after the last reply (Linux's base_reachable_time is 30 s, randomized up to 45 s). */
    public static final long ARP_REACHABLE_NANOS = 60_000_000_000L;
    /** ARP: a request is repeated after this long (Linux's retrans_time)... */
    public static final long ARP_RETRY_NANOS = 1_000_000_000L;
    /** ...this many times in all before the held frames get host unreachable (Linux's mcast_solicit). */
    public static final int ARP_TRIES = 3;
    /** Frames held per unresolved next hop, and in all per side. */
    public static final int ARP_HELD_PER_NEIGHBOR = 4, ARP_HELD_FRAMES = 64;
    public static final int ARP_ENTRIES = 1024;

    private final Interface[] interfaces = new Interface[2];
    private final Neighbors[] neighbors = new Neighbors[2];
    private final FrameBatch[] batches = new FrameBatch[2];
    /** Per side: merges the datagrams of one flow into UDP GSO super-packets; null where off. */
    private final UdpCoalescer[] coalescers = new UdpCoalescer[2];
    /** The batch slot {@link #pollOnce} is handling, or null outside its loop. */
    private PacketBuffer receiving;
    private final Routes routes;
    private final Fragments fragments;
    private final Fragmenter fragmenter;
    private final Martians martians;
    private final Icmp icmp;
    private final Translator translator;
    private final Clock clock;
    private final Counters counters;

    // Reused views and the frame the router writes its own messages into.
    private final EthernetFrame ethernet = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final IcmpPacket icmpPacket = new IcmpPacket();
    private final PacketBuffer own;
    private final PacketBuffer requestFrame;

    // Where the fragmenter's sink sends to: set just before each fragment() call.
    private int fragmentSide;
    private int fragmentNextHop;
    private long fragmentNow;
    private final Fragmenter.Sink fragmentSink = f -> transmitIp(f, fragmentSide, fragmentNextHop, fragmentNow);

    // Where the GSO segmenter's sink sends to: set just before each segment() call.
    private final GsoSegmenter segmenter;
    private int segmentSide;
    private int segmentNextHop;
    private long segmentNow;
    private final GsoSegmenter.Sink segmentSink = s -> sendSized(s, segmentSide, segmentNextHop, segmentNow, false);

    /** While a reassembled datagram is processed: the size of its largest fragment, else MAX_VALUE. */
    private int fragmentLimit = Integer.MAX_VALUE;
    private boolean started;

    private final int[] cReceived = new int[2], cTransmitted = new int[2], cTransmitFailed = new int[2];
    private final int cNotForUs, cEthernetMalformed, cVlan, cOtherType;
    private final int cOffloadPartial, cOffloadGso, cOffloadMalformed, cOffloadUnsupported, cOffloadPassed,
            cOffloadCompleted, cOffloadSegmented, cOffloadSegments;
    private final int cArpMalformed, cArpOffPrefix, cArpRepliesSent, cArpConflict, cArpGratuitous;
    private final int cIpTruncated, cIpBadVersion, cIpBadHeaderLength, cIpBadLength, cIpBadChecksum;
    private final int cMartian, cSpoofed, cBroadcast, cMartianDestination, cNotThisSide, cSameSide, cNoRoute;
    private final int cTtlExpired, cTtlExpiredAfterTranslation, cFragmentationNeeded, cFragmented, cFragmentFailed;
    private final int cForwarded, cLocal, cEchoRequests, cLocalIcmpErrors, cLocalIcmpOther, cLocalIcmpBad,
            cLocalRejected;
    private final int cVerdictDrop, cVerdictConsumed, cVerdictReject, cVerdictProhibited;

    public Router(RouterConfig config, NetDevice inside, NetDevice outside, Clock clock, Counters counters) {
        this(config, inside, outside, clock, counters, Translator.ROUTING);
    }

    public Router(RouterConfig config, NetDevice inside, NetDevice outside, Clock clock, Counters counters,
                  Translator translator) {
        this.clock = clock;
        this.counters = counters;
        this.translator = translator == null ? Translator.ROUTING : translator;
        interfaces[Side.INSIDE] = Interface.of(Side.INSIDE, config.inside(), inside);
        interfaces[Side.OUTSIDE] = Interface.of(Side.OUTSIDE, config.outside(), outside);
        routes = Routes.of(interfaces[Side.INSIDE], interfaces[Side.OUTSIDE], config.outside().gateway());
        martians = new Martians(interfaces[Side.INSIDE], interfaces[Side.OUTSIDE]);
        icmp = new Icmp(martians, RateLimiter.icmpDefault(), counters);
        int maxFrame = EthernetFrame.TAGGED_HEADER_LENGTH
                + Math.max(interfaces[Side.INSIDE].mtu(), interfaces[Side.OUTSIDE].mtu());
        Arena arena = Arena.ofAuto();
        boolean coalesce = !"false".equalsIgnoreCase(System.getProperty(UDP_COALESCE_PROPERTY));
        for (int side = 0; side < 2; side++) {
            Interface in = interfaces[side];
            NetDevice device = in.device();
            // A device that hands over GSO super-packets needs slots for 64 KiB of them.
            Offloads offloads = device.offloads();
            boolean gso = offloads.vnetHeader() && (offloads.tcpSegmentation() || offloads.udpSegmentation());
            batches[side] = new FrameBatch(arena, BATCH, gso ? PacketBuffer.DEFAULT_CAPACITY
                    : Math.max(device.mtu(), in.mtu()) + EthernetFrame.TAGGED_HEADER_LENGTH);
            neighbors[side] = new Neighbors(in.name(), ARP_ENTRIES, ARP_HELD_FRAMES, ARP_HELD_PER_NEIGHBOR, maxFrame,
                    ARP_REACHABLE_NANOS, ARP_RETRY_NANOS, ARP_TRIES, counters, new NeighborListener(side));
            String p = in.name() + ".";
            cReceived[side] = counters.register(p + "received", "frames received on the " + in.name());
            cTransmitted[side] = counters.register(p + "transmitted", "frames transmitted on the " + in.name());
            cTransmitFailed[side] = counters.register(p + "transmit_failed",
                    "frames the " + in.name() + " device refused (queue full, too big, closed)");
            if (coalesce && UdpCoalescer.suits(offloads)) {
                int s = side;
                coalescers[side] = new UdpCoalescer(arena, p, counters, f -> deviceTransmit(f, s));
            }
        }
        for (StaticNeighbor n : config.neighbors()) {
            // A static entry belongs to the side whose prefix holds it; else it is the gateway's side.
            int side = interfaces[Side.INSIDE].onLink(n.address()) ? Side.INSIDE : Side.OUTSIDE;
            neighbors[side].addStatic(n.address(), n.mac());
        }
        fragments = Fragments.withDefaults(counters);
        fragmenter = new Fragmenter(maxFrame);
        segmenter = new GsoSegmenter(maxFrame);
        own = PacketBuffer.allocate(arena, maxFrame);
        requestFrame = PacketBuffer.allocate(arena, 64);

        cNotForUs = counters.register("ethernet.dropped.not_for_us", "frames to another MAC address");
        cEthernetMalformed = counters.register("ethernet.dropped.malformed", "frames shorter than an Ethernet header");
        cVlan = counters.register("ethernet.dropped.vlan", "802.1Q-tagged frames (jnat's links are untagged)");
        cOtherType = counters.register("ethernet.dropped.other_type", "frames neither IPv4 nor ARP (IPv6 among them)");
        cOffloadPartial = counters.register("offload.received.partial_checksum",
                "frames received with a partial transport checksum (virtio_net_hdr NEEDS_CSUM), not GSO");
        cOffloadGso = counters.register("offload.received.gso", "GSO super-packets received (TSO, USO, UFO)");
        cOffloadMalformed = counters.register("offload.dropped.malformed",
                "frames whose offload metadata disagrees with their headers (checksum position, GSO type, gso_size)");
        cOffloadUnsupported = counters.register("offload.dropped.unsupported",
                "GSO super-packets of a type an IPv4 router cannot segment (TCPv6, unknown)");
        cOffloadPassed = counters.register("offload.passed_through",
                "frames with offload work sent as they were to a device that does it (partial checksum, GSO)");
        cOffloadCompleted = counters.register("offload.checksum_completed",
                "partial checksums completed in software for a device (or the fragmenter) that takes only whole ones");
        cOffloadSegmented = counters.register("offload.segmented",
                "GSO super-packets segmented in software for a device that does not take them");
        cOffloadSegments = counters.register("offload.segments", "segments (or UFO fragments) made by software GSO");
        cArpMalformed = counters.register("arp.dropped.malformed", "ARP packets that are not Ethernet/IPv4 or are truncated");
        cArpOffPrefix = counters.register("arp.dropped.off_prefix",
                "ARP packets whose sender is not on the receiving side's prefix (never learned)");
        cArpRepliesSent = counters.register("arp.replies_sent", "ARP replies sent for our addresses");
        cArpConflict = counters.register("arp.address_conflict", "ARP packets from another MAC claiming our address");
        cArpGratuitous = counters.register("arp.gratuitous_sent", "gratuitous ARP announcements sent");
        cIpTruncated = counters.register("ipv4.dropped.truncated", "IPv4 packets shorter than their header");
        cIpBadVersion = counters.register("ipv4.dropped.bad_version", "IPv4 frames whose version is not 4");
        cIpBadHeaderLength = counters.register("ipv4.dropped.bad_header_length",
                "IPv4 packets whose header length is under 20 or past the frame");
        cIpBadLength = counters.register("ipv4.dropped.bad_total_length",
                "IPv4 packets whose total length disagrees with the frame");
        cIpBadChecksum = counters.register("ipv4.dropped.bad_checksum", "IPv4 packets with a bad header checksum");
        cMartian = counters.register("ipv4.dropped.martian_source",
                "packets from 0/8, 127/8, multicast, broadcast, reserved or our own addresses (RFC 1812 5.3.7)");
        cSpoofed = counters.register("ipv4.dropped.spoofed_source",
                "packets whose source does not belong on the side they came from (BCP 38)");
        cBroadcast = counters.register("ipv4.dropped.broadcast",
                "broadcast and multicast packets (never forwarded, RFC 1812 5.3.5; RFC 2644)");
        cMartianDestination = counters.register("ipv4.dropped.martian_destination",
                "packets to 0/8, 127/8 or reserved addresses (RFC 1812 5.3.7)");
        cNotThisSide = counters.register("ipv4.dropped.not_this_side",
                "packets from the outside to the router's inside address");
        cSameSide = counters.register("ipv4.dropped.same_side",
                "packets that would leave by the side they came in on");
        cNoRoute = counters.register("ipv4.dropped.no_route", "packets with no route (no gateway configured)");
        cTtlExpired = counters.register("ipv4.dropped.ttl_expired", "packets whose TTL ran out here");
        cTtlExpiredAfterTranslation = counters.register("ipv4.dropped.ttl_expired_translated",
                "packets to our address, translated towards a host, whose TTL ran out (dropped without an error)");
        cFragmentationNeeded = counters.register("ipv4.dropped.fragmentation_needed",
                "packets too big for the egress MTU with DF set");
        cFragmented = counters.register("ipv4.fragmented", "packets fragmented to fit the egress MTU");
        cFragmentFailed = counters.register("ipv4.dropped.fragmentation_failed",
                "packets that could not be fragmented to the egress MTU");
        cForwarded = counters.register("ipv4.forwarded", "packets forwarded");
        cLocal = counters.register("ipv4.local", "packets for the router itself");
        cEchoRequests = counters.register("icmp.echo_requests", "echo requests to the router's addresses");
        cLocalIcmpErrors = counters.register("icmp.errors_received", "ICMP errors addressed to the router itself");
        cLocalIcmpOther = counters.register("icmp.dropped.other_type", "ICMP messages to the router it does not answer");
        cLocalIcmpBad = counters.register("icmp.dropped.malformed", "ICMP messages to the router that are truncated or have a bad checksum");
        cLocalRejected = counters.register("ipv4.local_rejected",
                "TCP, UDP and other packets to the router, which runs no service on them");
        cVerdictDrop = counters.register("translator.dropped", "packets the translator dropped");
        cVerdictConsumed = counters.register("translator.consumed", "packets the translator kept");
        cVerdictReject = counters.register("translator.rejected", "packets the translator refused with RST or port unreachable");
        cVerdictProhibited = counters.register("translator.prohibited",
                "packets the translator refused with administratively prohibited");

        this.translator.attach(this);
    }

    // ---- driving ---------------------------------------------------------------------------

    /** Announces both addresses with gratuitous ARP (RFC 5227 section 3). Called by the first poll if not before. */
    public void start(long nowNanos) {
        if (started) {
            return;
        }
        started = true;
        for (int side = 0; side < 2; side++) {
            Interface in = interfaces[side];
            int n = ArpFrames.gratuitous(own.segment(), in.mac(), in.address());
            own.clearOffload();
            own.length(n);
            counters.increment(cArpGratuitous);
            transmit(own, side);
        }
    }

    /** One round at the clock's time. */
    public int pollOnce() {
        return pollOnce(clock.nanos());
    }

    /**
     * One round: receives what is waiting on each device (a batch each), processes it, and runs
     * the timer step when it is due. Returns the number of frames received.
     */
    public int pollOnce(long nowNanos) {
        if (!started) {
            start(nowNanos);
        }
        int total = 0;
        for (int side = 0; side < 2; side++) {
            FrameBatch batch = batches[side];
            int n = interfaces[side].device().receive(batch);
            if (n > 1) {
                translator.prefetch(batch, n, side == Side.INSIDE);
            }
            for (int i = 0; i < n; i++) {
                receiving = batch.get(i);
                handleFrame(receiving, side, nowNanos);
            }
            receiving = null;
            flushCoalesced(); // no datagram waits beyond the batch it came in
            total += n;
        }
        if (Deadlines.isDue(nextDeadline(), nowNanos)) {
            timers(nowNanos);
        }
        return total;
    }

    /**
     * The timer step: ARP retries and ageing, fragment timeouts, the translator's own. Returns
     * the {@link #nextDeadline() next deadline}.
     */
    public long timers(long nowNanos) {
        neighbors[Side.INSIDE].poll(nowNanos);
        neighbors[Side.OUTSIDE].poll(nowNanos);
        fragments.expire(nowNanos);
        translator.poll(nowNanos);
        return nextDeadline();
    }

    /**
     * When {@link #timers} next has work, in clock nanoseconds: the earliest of each side's
     * neighbor table (a request to repeat, an entry to age), reassembly's next timeout and the
     * translator's {@link Translator#nextDeadline()}; {@link Deadlines#NONE} when nothing is
     * pending. Nothing else the router holds waits for a time: held frames wait in the neighbor
     * tables, the gratuitous ARP goes once at {@link #start}, the UDP coalescer flushes after each
     * batch, and the ICMP rate limiter refills when asked. May be earlier than needed (then the
     * step finds nothing to do), never later. O(1): call it every round.
     */
    public long nextDeadline() {
        return Deadlines.earliest(
                Deadlines.earliest(neighbors[Side.INSIDE].nextDeadline(), neighbors[Side.OUTSIDE].nextDeadline()),
                Deadlines.earliest(fragments.nextDeadline(), translator.nextDeadline()));
    }

    // ---- the pipeline --------------------------------------------------------------------

    /** Processes one received frame; the slot is the caller's again when this returns. */
    public void handleFrame(PacketBuffer frame, int side, long now) {
        counters.increment(cReceived[side]);
        int length = frame.length();
        MemorySegment segment = frame.segment();
        if (frame.gsoType != PacketBuffer.GSO_NONE) {
            counters.increment(cOffloadGso);
        } else if ((frame.flags & PacketBuffer.F_NEEDS_CSUM) != 0) {
            counters.increment(cOffloadPartial);
        }
        if (!ethernet.wrap(segment, 0).check(length)) {
            counters.increment(cEthernetMalformed);
            return;
        }
        long destination = ethernet.destination();
        if (destination != interfaces[side].mac() && destination != MacAddress.BROADCAST) {
            counters.increment(cNotForUs);
            return;
        }
        if (ethernet.hasVlanTag()) {
            counters.increment(cVlan);
            return;
        }
        int type = ethernet.etherType();
        if (type == EtherType.ARP) {
            handleArp(frame, side, length, now);
        } else if (type == EtherType.IPV4) {
            handleIpv4(frame, side, length, now, destination == MacAddress.BROADCAST);
        } else {
            counters.increment(cOtherType);
        }
    }

    private void handleArp(PacketBuffer frame, int side, int length, long now) {
        if (!arp.wrap(frame.segment(), EthernetFrame.HEADER_LENGTH).check(length - EthernetFrame.HEADER_LENGTH)) {
            counters.increment(cArpMalformed);
            return;
        }
        Interface in = interfaces[side];
        int operation = arp.operation();
        int sender = arp.senderProtocolAddress();
        long senderMac = arp.senderHardwareAddress();
        int target = arp.targetProtocolAddress();
        if (senderMac == in.mac()) {
            return; // our own broadcast, looped back
        }
        if (sender == in.address()) {
            counters.increment(cArpConflict);
            return;
        }
        boolean targetIsUs = target == in.address();
        // Learn only from our own connected prefix on this side (an outside frame can never claim
        // an inside address), never a broadcast or multicast MAC. A probe (sender 0.0.0.0, RFC 5227
        // section 2.1.1) teaches nothing but is answered.
        boolean senderValid = sender != 0 && in.onLink(sender) && sender != in.broadcast()
                && sender != in.network() && !MacAddress.isMulticast(senderMac);
        if (senderValid) {
            neighbors[side].learn(sender, senderMac, targetIsUs, now);
        } else if (sender != 0) {
            counters.increment(cArpOffPrefix);
            return;
        }
        if (operation == ArpPacket.REQUEST && targetIsUs && !MacAddress.isMulticast(senderMac)) {
            int n = ArpFrames.reply(own.segment(), in.mac(), in.address(), senderMac, sender);
            own.clearOffload();
            own.length(n);
            counters.increment(cArpRepliesSent);
            transmit(own, side);
        }
    }

    private void handleIpv4(PacketBuffer frame, int side, int length, long now, boolean linkBroadcast) {
        int available = length - EthernetFrame.HEADER_LENGTH;
        Ipv4Packet ip = this.ip.wrap(frame.segment(), EthernetFrame.HEADER_LENGTH);
        if (!ip.check(available)) {
            countMalformed(ip, available);
            return;
        }
        if (!ip.headerChecksumValid()) {
            counters.increment(cIpBadChecksum);
            return;
        }
        // Drop the link's padding: what follows Total Length is not part of the datagram. (A GSO
        // super-packet's Total Length covers all its segments, as Linux's does: up to 64 KiB.)
        frame.length(EthernetFrame.HEADER_LENGTH + ip.totalLength());
        if (frame.hasOffload() && !offloadValid(frame, ip)) {
            return;
        }
        int source = ip.sourceAddress();
        int destination = ip.destinationAddress();
        if (martians.isMartianSource(source)) {
            counters.increment(cMartian);
            return;
        }
        // BCP 38: an inside source must be on the LAN prefix, an outside source must not.
        if (interfaces[Side.INSIDE].onLink(source) != (side == Side.INSIDE)) {
            counters.increment(cSpoofed);
            return;
        }
        if (linkBroadcast || martians.isBroadcastOrMulticast(destination)) {
            counters.increment(cBroadcast);
            return;
        }
        if (martians.isMartianDestination(destination)) {
            counters.increment(cMartianDestination);
            return;
        }
        if (ip.isFragment()) {
            int slot = fragments.add(frame, EthernetFrame.HEADER_LENGTH, side, now);
            if (slot == Fragments.INCOMPLETE) {
                return;
            }
            fragmentLimit = fragments.largestFragment(slot);
            handleDatagram(fragments.datagram(slot), side, now);
            fragmentLimit = Integer.MAX_VALUE;
            fragments.release(slot);
            return;
        }
        handleDatagram(frame, side, now);
    }

    /** A whole, valid datagram that came in on {@code side}. */
    private void handleDatagram(PacketBuffer frame, int side, long now) {
        Ipv4Packet ip = this.ip;
        if (!rewrap(frame)) {
            return;
        }
        int destination = ip.destinationAddress();
        boolean forUs = destination == interfaces[Side.OUTSIDE].address()
                || (side == Side.INSIDE && destination == interfaces[Side.INSIDE].address());
        if (!forUs) {
            if (destination == interfaces[Side.INSIDE].address()) {
                counters.increment(cNotThisSide);
                return;
            }
            int egress = routes.side(destination);
            if (egress == Side.NONE) {
                counters.increment(cNoRoute);
                sendError(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.NET_UNREACHABLE, 0, now);
                return;
            }
            if (egress == side) {
                counters.increment(cSameSide);
                return;
            }
            // RFC 1812 section 5.3.1: a packet whose TTL would reach 0 is not forwarded; the error
            // comes from the receiving side's address (section 4.3.2.4).
            if (ip.ttl() <= 1) {
                counters.increment(cTtlExpired);
                sendError(frame, IcmpPacket.TIME_EXCEEDED, IcmpPacket.TTL_EXCEEDED_IN_TRANSIT, 0, now);
                return;
            }
            int mtu = interfaces[egress].mtu();
            // A GSO super-packet is many wire-sized segments: the size of one is what must fit.
            if (wireLength(frame, ip) > mtu && ip.dontFragment()) {
                // RFC 1191 section 4 / RFC 4787 REQ-13: tell the sender the egress MTU.
                counters.increment(cFragmentationNeeded);
                sendError(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.FRAGMENTATION_NEEDED, mtu, now);
                return;
            }
        }
        int verdict = side == Side.INSIDE
                ? translator.outbound(frame, EthernetFrame.HEADER_LENGTH, now)
                : translator.inbound(frame, EthernetFrame.HEADER_LENGTH, now);
        switch (verdict) {
            case Translator.FORWARD -> route(frame, side, now);
            case Translator.LOCAL -> deliverLocally(frame, now);
            case Translator.REJECT -> {
                counters.increment(cVerdictReject);
                reject(frame, EthernetFrame.HEADER_LENGTH, now);
            }
            case Translator.PROHIBITED -> {
                counters.increment(cVerdictProhibited);
                unreachable(frame, EthernetFrame.HEADER_LENGTH, IcmpPacket.ADMIN_PROHIBITED, now);
            }
            case Translator.CONSUMED -> counters.increment(cVerdictConsumed);
            default -> counters.increment(cVerdictDrop);
        }
    }

    /** Forwards a translated packet by its (possibly new) destination, or delivers it to us. */
    private void route(PacketBuffer frame, int side, long now) {
        Ipv4Packet ip = this.ip;
        if (!rewrap(frame)) {
            return;
        }
        int destination = ip.destinationAddress();
        if (martians.isOurs(destination)) {
            deliverLocally(frame, now);
            return;
        }
        int egress = routes.side(destination);
        if (egress == Side.NONE) {
            counters.increment(cNoRoute);
            return;
        }
        if (ip.ttl() <= 1) {
            // Only a packet to our own address, translated towards a host, gets here: an error
            // about the translated packet would leak the inside address, so it goes silently.
            counters.increment(cTtlExpiredAfterTranslation);
            return;
        }
        ip.decrementTtl();
        counters.increment(cForwarded);
        send(frame, egress, routes.nextHop(destination), now, true);
    }

    /**
     * Sends an IPv4 frame (header at 14) out of {@code side} to {@code nextHop}: fragments it when
     * it exceeds the MTU and DF is clear, else (DF set) answers fragmentation needed when
     * {@code errors}.
     */
    private void send(PacketBuffer frame, int side, int nextHop, long now, boolean errors) {
        if (frame.hasOffload()) {
            sendOffload(frame, side, nextHop, now, errors);
        } else {
            sendSized(frame, side, nextHop, now, errors);
        }
    }

    /**
     * {@link #send} for a frame with offload work (DESIGN section 3; Linux's
     * {@code validate_xmit_skb}): a device that does the work gets the frame as it is, metadata
     * and all (TAP to TAP); otherwise the router completes the checksum or segments the
     * super-packet in software. The MTU applies to the segments (Linux's
     * {@code skb_gso_validate_network_len}).
     */
    private void sendOffload(PacketBuffer frame, int side, int nextHop, long now, boolean errors) {
        Ipv4Packet ip = this.ip;
        if (!rewrap(frame)) {
            return;
        }
        Offloads offloads = interfaces[side].device().offloads();
        int action = EgressOffload.decide(frame, offloads);
        if (action == EgressOffload.UNSUPPORTED) {
            counters.increment(cOffloadUnsupported);
            return;
        }
        if (frame.gsoType == PacketBuffer.GSO_NONE) {
            if (action == EgressOffload.COMPLETE_CHECKSUM) {
                if (!completeChecksum(frame)) {
                    return;
                }
            } else {
                counters.increment(cOffloadPassed);
            }
            sendSized(frame, side, nextHop, now, errors);
            return;
        }
        int mtu = interfaces[side].mtu();
        int segment = GsoSegmenter.segmentLength(frame, EthernetFrame.HEADER_LENGTH);
        if (segment < 0) {
            counters.increment(cOffloadMalformed);
            return;
        }
        if (segment > mtu && ip.dontFragment() && EgressOffload.gsoType(frame) != PacketBuffer.GSO_UDP) {
            counters.increment(cFragmentationNeeded);
            if (errors) {
                sendError(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.FRAGMENTATION_NEEDED, mtu, now);
            }
            return;
        }
        if (action == EgressOffload.PASS_THROUGH && segment <= mtu) {
            counters.increment(cOffloadPassed);
            transmitIp(frame, side, nextHop, now);
            return;
        }
        // Segments that still exceed the MTU (DF clear) are fragmented one by one, as Linux's
        // ip_finish_output_gso does; a device that completes checksums gets them partial.
        segmentSide = side;
        segmentNextHop = nextHop;
        segmentNow = now;
        int n = segmenter.segment(frame, EthernetFrame.HEADER_LENGTH,
                offloads.vnetHeader() && offloads.partialChecksum(), segmentSink);
        if (n == 0) {
            counters.increment(cOffloadMalformed);
            return;
        }
        counters.increment(cOffloadSegmented);
        counters.add(cOffloadSegments, n);
    }

    /** {@link #send} for a frame that is no super-packet: MTU, fragmentation, next hop. */
    private void sendSized(PacketBuffer frame, int side, int nextHop, long now, boolean errors) {
        Ipv4Packet ip = this.ip;
        if (!rewrap(frame)) {
            return;
        }
        int mtu = interfaces[side].mtu();
        // A reassembled datagram goes out in fragments no larger than those it came in.
        int size = Math.min(mtu, fragmentLimit);
        if (ip.totalLength() <= size) {
            transmitIp(frame, side, nextHop, now);
            return;
        }
        if (ip.totalLength() > mtu && ip.dontFragment()) {
            counters.increment(cFragmentationNeeded);
            if (errors) {
                sendError(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.FRAGMENTATION_NEEDED, mtu, now);
            }
            return;
        }
        // Fragments carry no offload metadata: a partial checksum is completed over the whole first.
        if ((frame.flags & PacketBuffer.F_NEEDS_CSUM) != 0 && !completeChecksum(frame)) {
            return;
        }
        fragmentSide = side;
        fragmentNextHop = nextHop;
        fragmentNow = now;
        if (fragmenter.fragment(frame, EthernetFrame.HEADER_LENGTH, size, fragmentSink) == 0) {
            counters.increment(cFragmentFailed);
        } else {
            counters.increment(cFragmented);
        }
    }

    /**
     * Completes the partial transport checksum of the datagram {@link #ip} is wrapped over, for a
     * device that takes only whole ones or before fragmenting. False (counted) if its position is
     * out of bounds, which validation on arrival already refused.
     */
    private boolean completeChecksum(PacketBuffer frame) {
        if (!PartialChecksum.complete(frame, (int) ip.payloadOffset(), EthernetFrame.HEADER_LENGTH + ip.totalLength())) {
            counters.increment(cOffloadMalformed);
            return false;
        }
        counters.increment(cOffloadCompleted);
        return true;
    }

    /** Resolves the next hop and transmits, or holds the frame until the neighbor answers. */
    private void transmitIp(PacketBuffer frame, int side, int nextHop, long now) {
        long mac = neighbors[side].lookup(nextHop);
        if (mac == Neighbors.MISSING) {
            neighbors[side].hold(nextHop, frame, now);
            return;
        }
        ethernet.wrap(frame.segment(), 0).destination(mac).source(interfaces[side].mac());
        UdpCoalescer coalescer = coalescers[side];
        // A slot of the batch being processed: nothing writes to it before its device receives
        // again, which comes after flushCoalesced, so the coalescer may hold it by reference.
        if (coalescer != null && coalescer.offer(frame, frame == receiving)) {
            return;
        }
        transmit(frame, side);
    }

    /** Transmits after what the side's coalescer holds, so that frames leave in order. */
    private void transmit(PacketBuffer frame, int side) {
        UdpCoalescer coalescer = coalescers[side];
        if (coalescer != null) {
            coalescer.flush();
        }
        deviceTransmit(frame, side);
    }

    private void flushCoalesced() {
        for (UdpCoalescer coalescer : coalescers) {
            if (coalescer != null) {
                coalescer.flush();
            }
        }
    }

    private void deviceTransmit(PacketBuffer frame, int side) {
        if (interfaces[side].device().transmit(frame)) {
            counters.increment(cTransmitted[side]);
        } else {
            counters.increment(cTransmitFailed[side]);
        }
    }

    // ---- the router's own traffic ---------------------------------------------------------------

    private void deliverLocally(PacketBuffer frame, long now) {
        counters.increment(cLocal);
        fragmentLimit = Integer.MAX_VALUE; // our answers are new datagrams: only the MTU bounds them
        Ipv4Packet ip = this.ip;
        if (!rewrap(frame)) {
            return;
        }
        int protocol = ip.protocol();
        if (protocol != IpProtocol.ICMP) {
            // The router runs no TCP or UDP service: refuse as a closed port does (RFC 1122
            // section 4.2.2.20 / 3.2.2.1), rate-limited.
            counters.increment(cLocalRejected);
            if (protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) {
                reject(frame, EthernetFrame.HEADER_LENGTH, now);
            } else {
                sendError(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.PROTOCOL_UNREACHABLE, 0, now);
            }
            return;
        }
        IcmpPacket message = icmpPacket.wrap(frame.segment(), ip.payloadOffset());
        if (!message.check(ip.payloadLength()) || !message.checksumValid()) {
            counters.increment(cLocalIcmpBad);
            return;
        }
        int type = message.type();
        if (type == IcmpPacket.ECHO_REQUEST) {
            counters.increment(cEchoRequests);
            int source = ip.sourceAddress();
            int side = routes.side(source);
            if (side == Side.NONE) {
                counters.increment(cNoRoute);
                return;
            }
            // Built over the request.
            if (icmp.echoReply(frame, interfaces[side].mac(), ip) == 0) {
                counters.increment(cLocalIcmpBad);
                return;
            }
            send(frame, side, routes.nextHop(source), now, false);
        } else if (IcmpPacket.isError(type)) {
            counters.increment(cLocalIcmpErrors);
        } else {
            counters.increment(cLocalIcmpOther);
        }
    }

    @Override
    public boolean reject(PacketBuffer frame, int ipOffset, long nowNanos) {
        Ipv4Packet datagram = icmp.offending(frame, ipOffset);
        if (datagram == null) {
            return false;
        }
        if (datagram.protocol() != IpProtocol.TCP) {
            return sendError(frame, ipOffset, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.PORT_UNREACHABLE, 0,
                    nowNanos);
        }
        int source = datagram.sourceAddress();
        int side = routes.side(source);
        if (side == Side.NONE || !icmp.mayReport(frame, ipOffset, datagram, false) || !icmp.allow(nowNanos)
                || icmp.reset(own, interfaces[side].mac(), datagram) == 0) {
            return false;
        }
        sendOwn(side, routes.nextHop(source), nowNanos);
        return true;
    }

    /**
     * Sends the datagram the router wrote into {@link #own}: a new datagram, bounded only by the
     * MTU (an error quoting 548 bytes is fragmented on a link whose MTU is below 576).
     */
    private void sendOwn(int side, int nextHop, long now) {
        int saved = fragmentLimit;
        fragmentLimit = Integer.MAX_VALUE;
        send(own, side, nextHop, now, false);
        fragmentLimit = saved;
    }

    @Override
    public boolean unreachable(PacketBuffer frame, int ipOffset, int code, long nowNanos) {
        return sendError(frame, ipOffset, IcmpPacket.DESTINATION_UNREACHABLE, code, 0, nowNanos);
    }

    private boolean sendError(PacketBuffer frame, int type, int code, int restOfHeader, long now) {
        return sendError(frame, EthernetFrame.HEADER_LENGTH, type, code, restOfHeader, now);
    }

    /**
     * Sends an ICMP error about the datagram at {@code ipOffset} of {@code frame} to its source,
     * when RFC 1122 section 3.2.2 allows it and the rate limit has room. The error comes from the
     * address the datagram was sent to when that is ours, else from our address on the side it
     * goes out by (the receiving side: RFC 1812 section 4.3.2.4).
     */
    private boolean sendError(PacketBuffer frame, int ipOffset, int type, int code, int restOfHeader, long now) {
        Ipv4Packet offending = icmp.offending(frame, ipOffset);
        if (offending == null) {
            return false;
        }
        int source = offending.sourceAddress();
        // A datagram the NAT sent from the public address (it failed after the translation: its
        // next hop never answered): the error goes to the public address, and through the
        // translator like any error from the outside (RFC 5508 section 3), back to the inside host.
        boolean translated = source == interfaces[Side.OUTSIDE].address() && translator != Translator.ROUTING;
        if (!icmp.mayReport(frame, ipOffset, offending, translated)) {
            return false;
        }
        int side = translated ? Side.OUTSIDE : routes.side(source);
        if (side == Side.NONE || !icmp.allow(now)) {
            return false;
        }
        int destination = offending.destinationAddress();
        int from = martians.isOurs(destination) ? destination : interfaces[side].address();
        if (icmp.error(own, interfaces[side].mac(), from, type, code, restOfHeader, offending) == 0) {
            return false;
        }
        int nextHop;
        if (translated) {
            if (translator.inbound(own, EthernetFrame.HEADER_LENGTH, now) != Translator.FORWARD || !rewrap(own)) {
                return false;
            }
            int insideHost = ip.destinationAddress();
            side = routes.side(insideHost);
            if (side != Side.INSIDE) {
                return false;
            }
            ethernet.wrap(own.segment(), 0).source(interfaces[side].mac());
            nextHop = routes.nextHop(insideHost);
        } else {
            nextHop = routes.nextHop(source);
        }
        sendOwn(side, nextHop, now);
        return true;
    }

    /**
     * Wraps {@link #ip} over the datagram of {@code frame} again and re-reads its lengths (the view
     * caches them at check time; the translator or a builder may have rewritten the datagram).
     * False, counted, if it no longer holds a whole datagram.
     */
    /**
     * Checks a received frame's offload metadata against its headers (Linux's tun checks the same
     * in {@code virtio_net_hdr_to_skb}): the partial checksum's position lies in the transport
     * part, and a super-packet is one {@link GsoSegmenter} can cut. Counts and returns false if not.
     */
    private boolean offloadValid(PacketBuffer frame, Ipv4Packet ip) {
        int end = EthernetFrame.HEADER_LENGTH + ip.totalLength();
        if ((frame.flags & PacketBuffer.F_NEEDS_CSUM) != 0 && !PartialChecksum.valid(frame, (int) ip.payloadOffset(), end)) {
            counters.increment(cOffloadMalformed);
            return false;
        }
        if (frame.gsoType != PacketBuffer.GSO_NONE && !GsoSegmenter.valid(frame, EthernetFrame.HEADER_LENGTH)) {
            int type = EgressOffload.gsoType(frame);
            boolean known = type == PacketBuffer.GSO_TCPV4 || type == PacketBuffer.GSO_UDP_L4 || type == PacketBuffer.GSO_UDP;
            counters.increment(known ? cOffloadMalformed : cOffloadUnsupported);
            return false;
        }
        return true;
    }

    /** The IPv4 length one packet of this frame has on the wire: a GSO segment's, else Total Length. */
    private static int wireLength(PacketBuffer frame, Ipv4Packet ip) {
        return frame.gsoType == PacketBuffer.GSO_NONE ? ip.totalLength()
                : GsoSegmenter.segmentLength(frame, EthernetFrame.HEADER_LENGTH);
    }

    private boolean rewrap(PacketBuffer frame) {
        if (ip.wrap(frame.segment(), EthernetFrame.HEADER_LENGTH).check(frame.length() - EthernetFrame.HEADER_LENGTH)) {
            return true;
        }
        counters.increment(cIpBadLength);
        return false;
    }

    private void countMalformed(Ipv4Packet ip, int available) {
        if (available < Ipv4Packet.MIN_HEADER_LENGTH) {
            counters.increment(available >= 1 && ip.version() != 4 ? cIpBadVersion : cIpTruncated);
        } else if (ip.version() != 4) {
            counters.increment(cIpBadVersion);
        } else if (ip.headerLength() < Ipv4Packet.MIN_HEADER_LENGTH || ip.headerLength() > available) {
            counters.increment(cIpBadHeaderLength);
        } else {
            counters.increment(cIpBadLength);
        }
    }

    // ---- for tests, replay and the control plane ----------------------------------------------

    public Interface iface(int side) {
        return interfaces[side];
    }

    public Neighbors neighbors(int side) {
        return neighbors[side];
    }

    public Fragments fragments() {
        return fragments;
    }

    public Routes routes() {
        return routes;
    }

    public Counters counters() {
        return counters;
    }

    public Translator translator() {
        return translator;
    }

    /** What the ARP cache of one side asks of the router. */
    private final class NeighborListener implements Neighbors.Listener {
        private final int side;

        NeighborListener(int side) {
            this.side = side;
        }

        @Override
        public void sendRequest(int address) {
            Interface in = interfaces[side];
            int n = ArpFrames.request(requestFrame.segment(), in.mac(), in.address(), address);
            requestFrame.clearOffload();
            requestFrame.length(n);
            transmit(requestFrame, side);
        }

        @Override
        public void release(PacketBuffer frame, long mac) {
            ethernet.wrap(frame.segment(), 0).destination(mac).source(interfaces[side].mac());
            transmit(frame, side);
        }

        @Override
        public void unresolved(PacketBuffer frame, long now) {
            // RFC 1812 section 4.3.3.1 / RFC 1122 section 2.3.2.2: host unreachable for what was held.
            sendError(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.HOST_UNREACHABLE, 0, now);
        }
    }
}
