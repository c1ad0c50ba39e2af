package org.jnat.router;

import java.lang.foreign.Arena;
import java.util.List;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.device.FrameBatch;
import org.jnat.device.NetDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Clock;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.stack.Fragments;
import org.jnat.stack.Icmp;
import org.jnat.stack.Interface;
import org.jnat.stack.Martians;
import org.jnat.stack.Neighbors;
import org.jnat.stack.RateLimiter;
import org.jnat.stack.Routes;
import org.jnat.stack.Side;
import org.jnat.wire.EthernetFrame;

/**
 * The router: two {@link Interface}s, the stack, and the NAT seam, run as the pipeline of DESIGN
 * section 3, packet by packet, in one thread, without allocating. This class builds the stages
 * and drives them; a frame passes from one stage to the next without coming back here:
 *
 * <pre>
 * receive ─► {@link Ingress}: Ethernet, ARP, IPv4 validation, reassembly
 *    ─► {@link Forwarding}: route, TTL, MTU, the {@link Translator}'s verdict
 *    ─► {@link Egress} of the leaving side: offloads, segmentation, fragmentation, neighbor, coalescing, transmit
 *    (for us: {@link LocalDelivery}; the router's own errors and resets: {@link RouterIcmp})
 * </pre>
 *
 * <p>Drive it with {@link #pollOnce(long)} (receive a batch on each side, process it, run the
 * timers when due); everything it does is counted in {@link Counters}. {@link #nextDeadline()}
 * says when the timers are next due, so that a loop around it sleeps until then or a frame:
 * an idle router, with nothing to retry, age or expire, sleeps for good.
 */
public final class Router {
    /** Frames received per device per {@link #pollOnce}. */
    public static final int BATCH = 32;
    /** ARP: entries are trusted this long after the last reply (Linux's base_reachable_time is 30 s, randomized up to 45 s). */
    public static final long ARP_REACHABLE_NANOS = 60_000_000_000L;
    /** ARP: a request is repeated after this long (Linux's retrans_time)... */
    public static final long ARP_RETRY_NANOS = 1_000_000_000L;
    /** ...this many times in all before the held frames get host unreachable (Linux's mcast_solicit). */
    public static final int ARP_TRIES = 3;
    /**
     * Frames held per unresolved next hop, and in all per side (each slot is a whole frame, made at
     * start). 16 holds a burst of traceroute probes or of ICE's first checks; Linux holds up to
     * unres_qlen_bytes (some 200 KB) per neighbor, FreeBSD 16 frames (net.link.ether.inet.maxhold).
     */
    public static final int ARP_HELD_PER_NEIGHBOR = 16, ARP_HELD_FRAMES = 64;
    public static final int ARP_ENTRIES = 1024;

    private final Interface[] interfaces = new Interface[2];
    private final FrameBatch[] batches = new FrameBatch[2];
    private final Egress[] egress = new Egress[2];
    private final Ingress ingress;
    private final Routes routes;
    private final Fragments fragments;
    private final Translator translator;
    private final Clock clock;
    private final Counters counters;
    /** The router's own UDP service, or null. */
    private final LocalServices services;
    /** The NAT's public addresses ({@code [outside] addresses}; the outside address alone without a pool). */
    private final int[] publicAddresses;
    private final Icmp icmp;
    /** The largest frame either side carries, as made: a reset may lower it, not raise it. */
    private final int madeMaxFrame;
    private final RouterIcmp errors;
    private boolean started;

    public Router(RouterConfig config, NetDevice inside, NetDevice outside, Clock clock, Counters counters) {
        this(config, inside, outside, clock, counters, Translator.ROUTING);
    }

    public Router(RouterConfig config, NetDevice inside, NetDevice outside, Clock clock, Counters counters,
                  Translator translator) {
        this(config, inside, outside, clock, counters, translator, null);
    }

    /**
     * A router that also runs {@code service} (null: none) on its inside address: the PCP and NAT-PMP
     * server ({@link LocalService}).
     */
    public Router(RouterConfig config, NetDevice inside, NetDevice outside, Clock clock, Counters counters,
                  Translator translator, LocalService service) {
        this.clock = clock;
        this.counters = counters;
        this.publicAddresses = config.pool().addresses().stream().mapToInt(Integer::intValue).toArray();
        this.translator = translator == null ? Translator.ROUTING : translator;
        interfaces[Side.INSIDE] = Interface.of(Side.INSIDE, config.inside(), inside);
        interfaces[Side.OUTSIDE] = Interface.of(Side.OUTSIDE, config.outside(), outside);
        routes = Routes.of(interfaces[Side.INSIDE], interfaces[Side.OUTSIDE], config.outside().gateway());
        Martians martians = new Martians(interfaces[Side.INSIDE], interfaces[Side.OUTSIDE],
                config.pool().addresses().stream().mapToInt(Integer::intValue).toArray());
        icmp = new Icmp(martians, RateLimiter.icmpDefault(), counters);
        int maxFrame = EthernetFrame.TAGGED_HEADER_LENGTH
                + Math.max(interfaces[Side.INSIDE].mtu(), interfaces[Side.OUTSIDE].mtu());
        Drops drops = new Drops(counters);
        madeMaxFrame = maxFrame;
        errors = new RouterIcmp(icmp, interfaces, routes, martians, this.translator, egress, maxFrame, drops);
        Arena arena = Arena.ofAuto();
        for (int side = 0; side < 2; side++) {
            Interface in = interfaces[side];
            NetDevice device = in.device();
            // A device that hands over GSO super-packets needs slots for 64 KiB of them.
            Offloads offloads = device.offloads();
            boolean gso = offloads.vnetHeader() && (offloads.tcpSegmentation() || offloads.udpSegmentation());
            batches[side] = new FrameBatch(arena, BATCH, gso ? PacketBuffer.DEFAULT_CAPACITY
                    : Math.max(device.mtu(), in.mtu()) + EthernetFrame.TAGGED_HEADER_LENGTH);
            egress[side] = new Egress(in, maxFrame, config.dataPlane().udpCoalesce(), errors, counters, drops);
        }
        addStaticNeighbors(config.neighbors());
        fragments = Fragments.withDefaults(counters);
        services = service == null ? null
                : new LocalServices(service, interfaces[Side.INSIDE], routes, egress[Side.INSIDE], maxFrame);
        LocalDelivery local = new LocalDelivery(icmp, errors, interfaces, routes, egress, services, counters, drops);
        Forwarding forwarding = new Forwarding(interfaces, routes, martians, this.translator, egress, local, errors,
                counters, drops);
        ingress = new Ingress(interfaces, egress, martians, fragments, forwarding, counters, drops);
        this.translator.attach(errors);
    }

    private void addStaticNeighbors(List<StaticNeighbor> neighbors) {
        for (StaticNeighbor n : neighbors) {
            // A static entry belongs to the side whose prefix holds it; else it is the gateway's side.
            int side = interfaces[Side.INSIDE].onLink(n.address()) ? Side.INSIDE : Side.OUTSIDE;
            egress[side].neighbors().addStatic(n.address(), n.mac());
        }
    }

    /**
     * Back to the state of a new router made with {@code config} on the same devices, for the fuzz
     * targets, which reuse one router per configuration instead of allocating its native slots per
     * input. {@code config} may differ from the one the router was made with in its MTUs (each
     * no larger than made with, whatever the devices say) and static neighbors only; the devices
     * must be reset first (their MTU counts). Back to new: the interfaces' MTUs and every frame
     * sized by them (held frames, fragments, segments, the router's own messages), neighbor tables
     * (static entries again) and held frames, reassembly, the UDP coalescers, the ICMP rate limiter
     * and identification, and the gratuitous ARP again at the next poll. The receive batches keep
     * their size: a device delivers no frame above its own MTU, which the batch holds. Not the
     * translator, the counters or the devices, which are the caller's to reset (a NAT engine's
     * {@code reset}, {@link Counters#zero}, {@code MemoryDevice.reset}). Set-up time only, never
     * while a thread runs the router; refused for a router with a local service, whose state is its own.
     * RouterResetTest shows that a reset router sends what a new one sends.
     */
    void reset(RouterConfig config) {
        if (services != null) {
            throw new IllegalStateException("a router with a local service can not be reset");
        }
        int inside = Interface.mtu(config.inside(), interfaces[Side.INSIDE].device());
        int outside = Interface.mtu(config.outside(), interfaces[Side.OUTSIDE].device());
        int maxFrame = EthernetFrame.TAGGED_HEADER_LENGTH + Math.max(inside, outside);
        if (maxFrame > madeMaxFrame) {
            throw new IllegalArgumentException("MTUs " + inside + " and " + outside + " exceed those the router was made with");
        }
        interfaces[Side.INSIDE].mtu(inside);
        interfaces[Side.OUTSIDE].mtu(outside);
        errors.resize(maxFrame);
        egress[Side.INSIDE].reset(maxFrame);
        egress[Side.OUTSIDE].reset(maxFrame);
        addStaticNeighbors(config.neighbors());
        fragments.reset();
        icmp.reset();
        batches[Side.INSIDE].count(0);
        batches[Side.OUTSIDE].count(0);
        started = false;
    }

    // ---- driving ---------------------------------------------------------------------------

    /** Announces both addresses with gratuitous ARP (RFC 5227 section 3). Called by the first poll if not before. */
    public void start(long nowNanos) {
        if (started) {
            return;
        }
        started = true;
        egress[Side.INSIDE].announce();
        egress[Side.OUTSIDE].announce();
        for (int address : publicAddresses) {
            if (address != interfaces[Side.OUTSIDE].address()) {
                egress[Side.OUTSIDE].announce(address); // each address of the pool
            }
        }
        if (services != null) {
            services.start(nowNanos);
            services.poll(nowNanos);
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
                ingress.receive(batch.get(i), side, nowNanos);
            }
            flush(); // no datagram waits beyond the batch it came in
            total += n;
        }
        if (Deadlines.isDue(nextDeadline(), nowNanos)) {
            timers(nowNanos);
        }
        return total;
    }

    /**
     * Processes one frame received on {@code side}, as {@link #pollOnce} does each frame of a
     * batch, and sends what it leads to before returning: the frame is the caller's again then.
     */
    public void handleFrame(PacketBuffer frame, int side, long now) {
        ingress.receive(frame, side, now);
        flush();
    }

    private void flush() {
        egress[Side.INSIDE].flush();
        egress[Side.OUTSIDE].flush();
    }

    /**
     * The timer step: ARP retries and ageing, fragment timeouts, the translator's own. Returns
     * the {@link #nextDeadline() next deadline}.
     */
    public long timers(long nowNanos) {
        egress[Side.INSIDE].neighbors().poll(nowNanos);
        egress[Side.OUTSIDE].neighbors().poll(nowNanos);
        fragments.expire(nowNanos);
        translator.poll(nowNanos);
        if (services != null) {
            services.poll(nowNanos);
        }
        return nextDeadline();
    }

    /**
     * When {@link #timers} next has work, in clock nanoseconds: the earliest of each side's
     * neighbor table (a request to repeat, an entry to age), reassembly's next timeout and the
     * translator's {@link Translator#nextDeadline()}, the local service's (lifetimes, announcements);
     * {@link Deadlines#NONE} when nothing is
     * pending. Nothing else the router holds waits for a time: held frames wait in the neighbor
     * tables, the gratuitous ARP goes once at {@link #start}, the UDP coalescer flushes after each
     * batch, and the ICMP rate limiter refills when asked. May be earlier than needed (then the
     * step finds nothing to do), never later. O(1): call it every round.
     */
    public long nextDeadline() {
        long deadline = Deadlines.earliest(
                Deadlines.earliest(egress[Side.INSIDE].neighbors().nextDeadline(),
                        egress[Side.OUTSIDE].neighbors().nextDeadline()),
                Deadlines.earliest(fragments.nextDeadline(), translator.nextDeadline()));
        return services == null ? deadline : Deadlines.earliest(deadline, services.nextDeadline());
    }

    // ---- for tests, replay and the control plane ----------------------------------------------

    public Interface iface(int side) {
        return interfaces[side];
    }

    public Neighbors neighbors(int side) {
        return egress[side].neighbors();
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
}
