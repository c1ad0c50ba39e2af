package org.jnat.nat;

import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.PublicPool.Pooling;
import org.jnat.config.Timeouts;
import org.jnat.runtime.Counters;
import org.jnat.wire.IpProtocol;

/**
 * The NAT's rules for sessions, apart from the rewrite of packets: which session a packet belongs
 * to, and whether and how a new one is made (mapping and filtering behaviours, port allocation,
 * quotas). In mirage-nat's terms this is the table with its lookup, insert and delete; in Linux's,
 * the choice of tuple ({@code nf_nat_core.c}). Keys are {@link Endpoint}s. The sessions themselves,
 * with everything kept in step with them (host counts, TCP tracking, expiry), are the
 * {@link SessionStore}'s.
 *
 * <p>Every method returns a session id ({@code >= 0}) or a negative reason, never throws on
 * input from the network and never allocates. Everything is sized at construction from
 * {@code max-sessions}: a full table refuses new sessions cleanly and never evicts a live connection
 * (RFC 5508 REQ-8 asks for refusal, not eviction). The one exception is a TCP session already
 * closed (both FINs or a RST), which a new session of the same host may take the place of. Every
 * new session, whatever made it, passes the one admission step, {@link Admission}, which decides both.
 *
 * <p>Single-threaded: the data-plane thread is the only writer (DESIGN section 3).
 */
public final class NatTable {
    /** No session matches (and none was made: e.g. a TCP RST never sets one up). */
    public static final int NONE = -1;
    /** {@code max-sessions} reached. */
    public static final int TABLE_FULL = -2;
    /** {@code max-sessions-per-host} reached for this inside host. */
    public static final int HOST_QUOTA = -3;
    /** No external port left for a new mapping. */
    public static final int NO_PORT = -4;
    /** Inbound: the external port has no mapping (it may be a forward, or free for the DMZ). */
    public static final int NO_MAPPING = -5;
    /** Inbound: the port is mapped, but the filtering behaviour refuses this remote endpoint. */
    public static final int FILTERED = -6;

    /** Session flag bits above the {@link TcpTracker} state. */
    public static final int INBOUND = 1 << 8, FORWARD = 1 << 9, DMZ = 1 << 10;

    /**
     * At most this many sessions expire per {@link #expire(long)} call: about 2.5 ms of work, so a
     * burst of sessions all timing out together cannot stall the data plane. The rest is due at
     * once ({@link #nextDeadline()}), so the router's loop takes the next share in its next round,
     * between batches of frames.
     */
    public static final int EXPIRY_BUDGET = 16384;

    /** Pinned (PCP and NAT-PMP) mappings at most, whatever the table's size. */
    public static final int MAX_PINS = 4096;

    private final SessionStore store;
    private final SessionReader reader;
    private final SessionTable sessions;
    private final MappingTable mappings;
    private final PortAllocator ports;
    private final PinnedMappings pins;
    /**
     * The bits of a remote endpoint the mapping behaviour depends on (RFC 4787 section 4.1), and the
     * filtering behaviour, by IP protocol number ({@code [nat.udp]}, {@code [nat.tcp]},
     * {@code [nat.icmp]}): an array load where a single field was, no switch on the protocol.
     */
    private final long[] mappingMask = new long[IpProtocol.UDP + 1];
    private final Behavior[] filtering = new Behavior[IpProtocol.UDP + 1];
    /** What {@link #readAhead} read, kept so that its loads are not dead code. */
    private long readAhead;
    private final Admission admission;
    private final Counters counters;
    private final NatCounters count;

    public NatTable(NatConfig config, long seed) {
        this(config, seed, PortAllocator.DEFAULT_HOLD_NANOS, new NatCounters(new Counters()));
    }

    NatTable(NatConfig config, long seed, long portHoldNanos, NatCounters count) {
        this(config, seed, portHoldNanos, count, 1, Pooling.PAIRED);
    }

    /** With {@code addresses} public addresses, given to new mappings as {@code pooling} says. */
    NatTable(NatConfig config, long seed, long portHoldNanos, NatCounters count, int addresses, Pooling pooling) {
        this.store = new SessionStore(config, seed, portHoldNanos, addresses, pooling);
        this.sessions = store.sessions;
        this.mappings = store.mappings;
        this.ports = store.ports;
        this.pins = new PinnedMappings(Math.min(MAX_PINS, mappings.capacity()), mappings, ports);
        this.reader = new SessionReader(store, pins);
        for (int protocol : new int[] {IpProtocol.ICMP, IpProtocol.TCP, IpProtocol.UDP}) {
            NatConfig.ProtocolBehavior b = config.behavior(protocol);
            mappingMask[protocol] = switch (b.mapping()) {
                case ENDPOINT_INDEPENDENT -> 0;
                case ADDRESS_DEPENDENT -> Endpoint.of(0, -1, 0);
                case ADDRESS_AND_PORT_DEPENDENT -> Endpoint.of(0, -1, 0xffff);
            };
            filtering[protocol] = b.filtering();
        }
        this.admission = new Admission(store, pins, config.maxSessionsPerHost(), count);
        this.counters = count.counters;
        this.count = count;
    }

    /** Empty, no pin, as new for {@code config} and {@code seed} ({@link NatEngine#reset}). */
    void reset(NatConfig config, long seed) {
        store.reset(config, seed);
        pins.reset();
        admission.maxPerHost(config.maxSessionsPerHost());
    }

    /** A new {@code max-sessions-per-host} (a reload): hosts above it keep their sessions but get no new one. */
    public void maxSessionsPerHost(int max) {
        admission.maxPerHost(max);
    }

    /** New idle timeouts (a reload): live sessions take them at their next refresh ({@link SessionStore#timeouts}). */
    public void timeouts(Timeouts timeouts) {
        store.timeouts(timeouts);
    }

    /** Closed TCP sessions deleted to make room for a new session of the same host, since construction. */
    public long reclaimed() {
        return counters.get(count.reclaimed);
    }

    public SessionTable sessions() {
        return sessions;
    }

    /** The control plane's chunked reads of the sessions (run on the data-plane thread). */
    public SessionReader reader() {
        return reader;
    }

    public MappingTable mappings() {
        return mappings;
    }

    public PortAllocator ports() {
        return ports;
    }

    /** Sessions held by inside host {@code address}. */
    public int sessionsOf(int address) {
        return store.sessionsOf(address);
    }

    /**
     * An outbound packet from {@code inside} to {@code remote}: its session, set up if needed (RFC
     * 4787 section 4.1: reuse the mapping the behaviour allows, else allocate a port). Refreshes the
     * session (REQ-6) and tracks TCP ({@code tcpFlags}, 0 for UDP and ICMP).
     */
    public int outbound(long inside, long remote, int tcpFlags, long now) {
        int protocol = Endpoint.protocol(inside);
        int id = store.use(sessions.findInside(inside, remote), protocol, tcpFlags, true, now);
        return id >= 0 ? id : setUp(inside, remote, protocol, tcpFlags, now);
    }

    /**
     * A new session of {@code inside} to {@code remote}, the inside lookup having missed. A method
     * of its own so that it stays out of the established path's compiled code: inlined there, it
     * took enough of the compiler's node budget that small methods on the path (the pool check,
     * the counters) were left as calls (PERFORMANCE, session 11).
     */
    private int setUp(long inside, long remote, int protocol, int tcpFlags, long now) {
        long mapped = remote & mappingMask[protocol];
        readAhead(inside, remote, mapped);
        int refusal = admission.admit(inside, tcpFlags, MappingTable.NONE, now);
        if (refusal != Admission.ADMITTED) {
            return refusal;
        }
        int m = mappings.find(inside, mapped);
        if (m < 0 && mappingMask[protocol] != 0 && pins.size() > 0) {
            m = pins.mappingOf(inside); // an explicit mapping is endpoint-independent whatever the behaviour (RFC 6887 section 11)
        }
        if (m < 0) {
            m = newMapping(inside, mapped, now);
            if (m < 0) {
                return m;
            }
        }
        return store.add(inside, remote, mappings.external(m), m, tcpState(protocol, tcpFlags, true), now);
    }

    /**
     * Before a new session of {@code inside} to {@code remote} is made: reads the lines of the
     * tables far larger than the caches that its set-up will look at, the mapping index slot of
     * {@code mapped} and, when the port allocation tries the inside port first, that port's state
     * and the outside index slot the session would take with it. The set-up is a chain of steps,
     * each of which waits on its own cache miss before the next one starts; read here together,
     * the misses overlap (PERFORMANCE: about 30 ns of 235 per new session). Changes nothing; the
     * sum of what it read is kept so that the loads are not dropped.
     */
    private void readAhead(long inside, long remote, long mapped) {
        long sum = mappings.prefetch(inside, mapped);
        int external = ports.firstTry(Endpoint.address(inside), Endpoint.port(inside));
        if (external >= 0) {
            sum += ports.prefetch(Endpoint.protocol(inside), external) + sessions.prefetchOutside(external, remote);
        }
        readAhead += sum;
    }

    /** A mapping of {@code inside} for {@code mapped} with an external endpoint of its own, or a reason. */
    private int newMapping(long inside, long mapped, long now) {
        int m = mappings.insert(inside, mapped, 0);
        if (m < 0) {
            return TABLE_FULL; // cannot happen: never more mappings than sessions
        }
        int protocol = Endpoint.protocol(inside);
        int host = Endpoint.address(inside);
        int insidePort = Endpoint.port(inside);
        int external = ports.allocate(protocol, host, insidePort, m, now);
        if (external < 0 && protocol == IpProtocol.TCP && admission.reclaimPort(host, now)) {
            external = ports.allocate(protocol, host, insidePort, m, now); // this host may have it back at once
        }
        if (external < 0) {
            mappings.remove(m);
            return NO_PORT;
        }
        mappings.external(m, external);
        return m;
    }

    /**
     * An inbound packet from {@code remote} to external endpoint {@code external} (address index
     * {@code << 16 |} port, {@link PublicAddresses}): its session; or,
     * when the port's mapping lets this remote endpoint in (RFC 4787 section 5), a new session of
     * that mapping. Tracks TCP; refreshes only if {@code inboundRefresh} is configured.
     */
    public int inbound(int external, long remote, int tcpFlags, long now) {
        int protocol = Endpoint.protocol(remote);
        int id = store.use(sessions.findOutside(external, remote), protocol, tcpFlags, false, now);
        if (id >= 0) {
            return id;
        }
        int m = ports.owner(protocol, external);
        if (m < 0) {
            return NO_MAPPING;
        }
        if (protocol == IpProtocol.ICMP || !(pins.isPinned(m)
                ? pins.admits(m, Endpoint.address(remote), Endpoint.port(remote))
                : filteringAdmits(external, remote))) {
            return FILTERED; // (a query reply only ever answers a query that went out)
        }
        long inside = mappings.inside(m);
        // With a dependent mapping the inside endpoint may already talk to this remote endpoint
        // through another external port; one inside key cannot have two sessions, so refuse.
        if (store.live(sessions.findInside(inside, remote), now) >= 0
                || ports.owner(protocol, external) != m) { // (removing an expired one may not free m)
            return FILTERED;
        }
        int refusal = admission.admit(inside, tcpFlags, m, now);
        if (refusal != Admission.ADMITTED) {
            return refusal;
        }
        return store.add(inside, remote, external, m, INBOUND | tcpState(protocol, tcpFlags, false), now);
    }

    /** The filtering behaviour of {@code protocol} this table was made with (for tests). */
    Behavior filtering(int protocol) {
        return filtering[protocol];
    }

    private boolean filteringAdmits(int external, long remote) {
        return switch (filtering[Endpoint.protocol(remote)]) {
            case ENDPOINT_INDEPENDENT -> true;
            case ADDRESS_DEPENDENT ->
                    store.contacted(Endpoint.protocol(remote), external, Endpoint.address(remote));
            case ADDRESS_AND_PORT_DEPENDENT -> false;
        };
    }

    /**
     * A session for an inbound packet from {@code remote} to {@code external} that a port
     * forward sends to {@code inside}. It holds no mapping: the forward reserves its external port.
     */
    public int forward(int external, long inside, long remote, int tcpFlags, long now) {
        if (store.live(sessions.findInside(inside, remote), now) >= 0) {
            return FILTERED;
        }
        int refusal = admission.admit(inside, tcpFlags, MappingTable.NONE, now);
        if (refusal != Admission.ADMITTED) {
            return refusal;
        }
        int state = INBOUND | FORWARD | tcpState(Endpoint.protocol(inside), tcpFlags, false);
        return store.add(inside, remote, external, MappingTable.NONE, state, now);
    }

    /**
     * A session for an inbound packet to the DMZ host, on the same port, which must be free (on the
     * public address the packet came to): the DMZ host gets a mapping of it, as if it had sent first.
     */
    public int dmz(int external, int dmzAddress, long remote, int tcpFlags, long now) {
        int protocol = Endpoint.protocol(remote);
        long inside = Endpoint.of(protocol, dmzAddress, PublicAddresses.port(external));
        if (store.live(sessions.findInside(inside, remote), now) >= 0) {
            return FILTERED;
        }
        long mapped = remote & mappingMask[protocol];
        if (mappings.find(inside, mapped) >= 0) {
            return FILTERED; // its mapping holds another external port
        }
        int refusal = admission.admit(inside, tcpFlags, MappingTable.NONE, now);
        if (refusal != Admission.ADMITTED) {
            return refusal;
        }
        int m = mappings.insert(inside, mapped, external);
        if (m < 0) {
            return TABLE_FULL;
        }
        if (!ports.claim(protocol, external, dmzAddress, m, now)) {
            mappings.remove(m);
            return NO_PORT;
        }
        return store.add(inside, remote, external, m, INBOUND | DMZ | tcpState(protocol, tcpFlags, false), now);
    }

    // ---------------------------------------------------------------- pinned mappings (PCP, NAT-PMP)

    /** The pinned mappings, for the PCP server (lifetimes, filters) and the control plane's listing. */
    public PinnedMappings pins() {
        return pins;
    }

    /**
     * Pins an endpoint-independent mapping of {@code inside}: see {@link PinnedMappings#pin}; the
     * pin counts in the host's quota ({@link #HOST_QUOTA} when it is full).
     */
    public int pin(long inside, int suggested, boolean exact, long now) {
        return pins.pin(inside, suggested, exact, admission.leftForPins(Endpoint.address(inside)), now);
    }

    /** Ends pin {@code slot}: see {@link PinnedMappings#unpin}. */
    public void unpin(int slot, long now) {
        pins.unpin(slot, now);
    }

    private static int tcpState(int protocol, int tcpFlags, boolean outbound) {
        return protocol == IpProtocol.TCP ? TcpTracker.initial(tcpFlags, outbound) : 0;
    }

    /**
     * The live session with this inside key, without refreshing it or changing its state: for ICMP
     * errors (RFC 4787 REQ-12, RFC 5508 REQ-6) and hairpin checks.
     */
    public int peekInside(long inside, long remote, long now) {
        return store.unexpired(sessions.findInside(inside, remote), now);
    }

    /** The live session with this outside key ({@code external}: address index {@code << 16 |} port), as it is. */
    public int peekOutside(int external, long remote, long now) {
        return store.unexpired(sessions.findOutside(external, remote), now);
    }

    /** Removes session {@code id}: both directions, its share of the mapping, host and filter counts. */
    public void delete(int id, long now) {
        store.delete(id, now, SessionLog.Reason.REMOVED);
    }

    /** As {@link #delete(int, long)}, saying why for the session log. */
    public void delete(int id, long now, SessionLog.Reason reason) {
        store.delete(id, now, reason);
    }

    /** Reports every session made and ended to {@code log} (null: to none). Before the data plane runs. */
    public void log(SessionLog log) {
        store.log(log);
    }

    /** Once the data plane has stopped: logs the live sessions as ended by it, see {@link SessionStore#logStopped}. */
    public int logStopped(int from, long now) {
        return store.logStopped(from, now);
    }

    /** Removes every session of inside host {@code address}; returns how many. Control plane only: walks the table. */
    public int deleteHost(int address, long now) {
        return store.deleteHost(address, now);
    }

    /** The closed TCP session {@code address} closed first, or -1 (for tests). */
    int oldestClosed(int address) {
        return store.oldestClosed(address);
    }

    /** The sessions with all that is kept in step with them (for tests). */
    SessionStore store() {
        return store;
    }

    /** Expires idle sessions up to {@code now}, at most {@link #EXPIRY_BUDGET}; returns how many went. */
    public int expire(long now) {
        return store.expire(now, EXPIRY_BUDGET);
    }

    /** Expires idle sessions up to {@code now}, at most {@code budget}; returns how many went. */
    public int expire(long now, int budget) {
        return store.expire(now, budget);
    }

    public int size() {
        return sessions.size();
    }

    /**
     * When {@link #expire(long)} next has work, in clock nanoseconds: the timer wheel's next
     * non-empty tick (or the expiry due within the current one); {@link org.jnat.runtime.Deadlines#NONE}
     * with no session. Never later than a session's expiry; O(1) but for one scan of the wheel's
     * bitmap after each expiry step.
     */
    public long nextDeadline() {
        return store.nextDeadline();
    }

    /** Bytes held by all the tables (for the memory-per-session figure). */
    public long bytes() {
        return store.bytes() + pins.bytes();
    }
}
