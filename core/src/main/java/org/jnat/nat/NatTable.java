package org.jnat.nat;

import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.Timeouts;
import org.jnat.runtime.Counters;
import org.jnat.wire.IpProtocol;

/**
 * The NAT's state and its rules, apart from the rewrite of packets: mappings, sessions, ports,
 * quotas, filtering, TCP tracking and expiry. In mirage-nat's terms this is the table with its
 * lookup, insert and delete; {@code NatEngine} does the rest.
 *
 * <p>Every method returns a session id ({@code >= 0}) or a negative reason, never throws on
 * input from the network and never allocates. Everything is sized at construction from
 * {@code max-sessions}: a full table refuses new sessions cleanly and never evicts a live connection
 * (RFC 5508 REQ-8 asks for refusal, not eviction). The one exception is a TCP session already
 * closed (both FINs or a RST), which a new session of the same host may take the place of: see
 * {@link #reclaim}.
 *
 * <p>Single-threaded: the data-plane thread is the only writer (DESIGN section 3).
 */
public final class NatTable implements TimerWheel.Owner {
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

    private final SessionTable sessions;
    private final MappingTable mappings;
    private final PortAllocator ports;
    private final HostTable hosts;
    private final ClosedSessions closed;
    private final FilterTable filters;
    private final TimerWheel wheel;
    private final Behavior mapping;
    private final Behavior filtering;
    private final int maxPerHost;
    private final boolean inboundRefresh;
    private final long udpTimeout;
    private final long icmpTimeout;
    private final long tcpEstablished;
    private final long tcpTransitory;
    private Counters counters;
    private int reclaimedCounter;
    private long reclaimed;

    public NatTable(NatConfig config, long seed) {
        this(config, seed, PortAllocator.DEFAULT_HOLD_NANOS);
    }

    public NatTable(NatConfig config, long seed, long portHoldNanos) {
        int capacity = config.maxSessions();
        this.sessions = new SessionTable(capacity);
        // Every live mapping owns an external port of its protocol (no overloading, RFC 4787 REQ-3),
        // so there are never more mappings than ports in the range, whatever max-sessions says;
        // one more for the moment between inserting a mapping and giving it its port.
        int ownersAtMost = PortAllocator.maxOwners(config.portLow(), config.portHigh()) + 1;
        this.mappings = new MappingTable(Math.min(capacity, ownersAtMost));
        this.ports = new PortAllocator(config.portLow(), config.portHigh(), portHoldNanos, seed);
        this.hosts = new HostTable(capacity);
        this.closed = new ClosedSessions(sessions.capacity(), hosts);
        this.filters = config.filtering() == Behavior.ADDRESS_DEPENDENT ? new FilterTable(capacity) : null;
        this.wheel = TimerWheel.forSessions(sessions.capacity()); // ids are rows, more of them than sessions
        this.mapping = config.mapping();
        this.filtering = config.filtering();
        this.maxPerHost = config.maxSessionsPerHost();
        this.inboundRefresh = config.inboundRefresh();
        Timeouts t = config.timeouts();
        this.udpTimeout = t.udpNanos();
        this.icmpTimeout = t.icmpNanos();
        this.tcpEstablished = t.tcpEstablishedNanos();
        this.tcpTransitory = t.tcpTransitoryNanos();
    }

    /**
     * Counts every reclaimed closed session (see {@link #reclaim}) in {@code slot} of {@code counters};
     * called once at set-up.
     */
    public void countReclaims(Counters counters, int slot) {
        this.counters = counters;
        this.reclaimedCounter = slot;
    }

    /** Closed TCP sessions deleted to make room for a new session of the same host, since construction. */
    public long reclaimed() {
        return reclaimed;
    }

    public SessionTable sessions() {
        return sessions;
    }

    public MappingTable mappings() {
        return mappings;
    }

    public PortAllocator ports() {
        return ports;
    }

    /** Sessions held by inside host {@code address}. */
    public int sessionsOf(int address) {
        return hosts.count(address);
    }

    /** The idle timeout of a session of {@code protocol} in TCP state {@code flags}. */
    public long timeout(int protocol, int flags) {
        return switch (protocol) {
            case IpProtocol.TCP -> TcpTracker.isEstablished(flags) ? tcpEstablished : tcpTransitory;
            case IpProtocol.UDP -> udpTimeout;
            default -> icmpTimeout;
        };
    }

    private boolean expired(int id, long now) {
        return sessions.expiry(id) - now <= 0;
    }

    /**
     * An outbound packet (inside to outside): its session, set up if needed (RFC 4787 section 4.1:
     * reuse the mapping the behaviour allows, else allocate a port). Refreshes the session
     * (REQ-6) and tracks TCP ({@code tcpFlags}, 0 for UDP and ICMP).
     */
    public int outbound(int protocol, int insideAddress, int insidePort, int remoteAddress, int remotePort,
            int tcpFlags, long now) {
        int id = sessions.findInside(protocol, insideAddress, insidePort, remoteAddress, remotePort);
        if (id >= 0) {
            if (!expired(id, now)) {
                touch(id, protocol, tcpFlags, true, now);
                return id;
            }
            delete(id, now);
        }
        if (protocol == IpProtocol.TCP && (tcpFlags & TcpTracker.TCP_RST) != 0) {
            return NONE;
        }
        if (full(now) && !reclaim(insideAddress, MappingTable.NONE, now)) {
            return TABLE_FULL;
        }
        if (hosts.count(insideAddress) >= maxPerHost && !reclaim(insideAddress, MappingTable.NONE, now)) {
            return HOST_QUOTA;
        }
        int mappedAddress = mapping == Behavior.ENDPOINT_INDEPENDENT ? 0 : remoteAddress;
        int mappedPort = mapping == Behavior.ADDRESS_AND_PORT_DEPENDENT ? remotePort : 0;
        int m = mappings.find(protocol, insideAddress, insidePort, mappedAddress, mappedPort);
        if (m < 0) {
            m = mappings.insert(protocol, insideAddress, insidePort, mappedAddress, mappedPort, 0);
            if (m < 0) {
                return TABLE_FULL; // cannot happen: never more mappings than sessions
            }
            int port = ports.allocate(protocol, insideAddress, insidePort, m, now);
            if (port < 0 && protocol == IpProtocol.TCP && reclaimPort(insideAddress, now)) {
                port = ports.allocate(protocol, insideAddress, insidePort, m, now); // this host may have it back at once
            }
            if (port < 0) {
                mappings.remove(m);
                return NO_PORT;
            }
            mappings.externalPort(m, port);
        }
        int flags = protocol == IpProtocol.TCP ? TcpTracker.initial(tcpFlags, true) : 0;
        return add(protocol, insideAddress, insidePort, remoteAddress, remotePort, mappings.externalPort(m), m,
                flags, now);
    }

    /**
     * An inbound packet (outside to inside) to external port {@code externalPort}: its session; or,
     * when the port's mapping lets this remote endpoint in (RFC 4787 section 5), a new session of
     * that mapping. Tracks TCP; refreshes only if {@code inboundRefresh} is configured.
     */
    public int inbound(int protocol, int externalPort, int remoteAddress, int remotePort, int tcpFlags, long now) {
        int id = sessions.findOutside(protocol, externalPort, remoteAddress, remotePort);
        if (id >= 0) {
            if (!expired(id, now)) {
                touch(id, protocol, tcpFlags, false, now);
                return id;
            }
            delete(id, now);
        }
        int m = ports.owner(protocol, externalPort);
        if (m < 0) {
            return NO_MAPPING;
        }
        if (protocol == IpProtocol.ICMP) {
            return FILTERED; // a query reply only ever answers a query that went out
        }
        boolean allowed = switch (filtering) {
            case ENDPOINT_INDEPENDENT -> true;
            case ADDRESS_DEPENDENT -> filters.contains(FilterTable.key(protocol, externalPort, remoteAddress));
            case ADDRESS_AND_PORT_DEPENDENT -> false;
        };
        if (!allowed) {
            return FILTERED;
        }
        int insideAddress = mappings.insideAddress(m);
        int insidePort = mappings.insidePort(m);
        // With a dependent mapping the inside endpoint may already talk to this remote endpoint
        // through another external port; one inside key cannot have two sessions, so refuse.
        if (liveInside(protocol, insideAddress, insidePort, remoteAddress, remotePort, now)
                || ports.owner(protocol, externalPort) != m) { // (removing an expired one may not free m)
            return FILTERED;
        }
        if (protocol == IpProtocol.TCP && (tcpFlags & TcpTracker.TCP_RST) != 0) {
            return NONE;
        }
        if (full(now) && !reclaim(insideAddress, m, now)) {
            return TABLE_FULL;
        }
        if (ports.owner(protocol, externalPort) != m) {
            return NO_MAPPING; // making room expired the mapping's last session
        }
        if (hosts.count(insideAddress) >= maxPerHost && !reclaim(insideAddress, m, now)) {
            return HOST_QUOTA;
        }
        int flags = INBOUND | (protocol == IpProtocol.TCP ? TcpTracker.initial(tcpFlags, false) : 0);
        return add(protocol, insideAddress, insidePort, remoteAddress, remotePort, externalPort, m, flags, now);
    }

    /**
     * A session for an inbound packet that a port forward sends to {@code insideAddress:insidePort}.
     * It holds no mapping: the forward reserves its external port for good.
     */
    public int forward(int protocol, int externalPort, int insideAddress, int insidePort, int remoteAddress,
            int remotePort, int tcpFlags, long now) {
        return inboundSession(protocol, externalPort, insideAddress, insidePort, remoteAddress, remotePort,
                tcpFlags, now, MappingTable.NONE, FORWARD);
    }

    /**
     * A session for an inbound packet to the DMZ host, on the same port, which must be free: the
     * DMZ host gets a mapping of that port, as if it had sent first.
     */
    public int dmz(int protocol, int externalPort, int dmzAddress, int remoteAddress, int remotePort, int tcpFlags,
            long now) {
        if (liveInside(protocol, dmzAddress, externalPort, remoteAddress, remotePort, now)) {
            return FILTERED;
        }
        int mappedAddress = mapping == Behavior.ENDPOINT_INDEPENDENT ? 0 : remoteAddress;
        int mappedPort = mapping == Behavior.ADDRESS_AND_PORT_DEPENDENT ? remotePort : 0;
        if (mappings.find(protocol, dmzAddress, externalPort, mappedAddress, mappedPort) >= 0) {
            return FILTERED; // its mapping holds another external port
        }
        if (protocol == IpProtocol.TCP && (tcpFlags & TcpTracker.TCP_RST) != 0) {
            return NONE;
        }
        if (full(now) && !reclaim(dmzAddress, MappingTable.NONE, now)) {
            return TABLE_FULL;
        }
        if (hosts.count(dmzAddress) >= maxPerHost && !reclaim(dmzAddress, MappingTable.NONE, now)) {
            return HOST_QUOTA;
        }
        int m = mappings.insert(protocol, dmzAddress, externalPort, mappedAddress, mappedPort, externalPort);
        if (m < 0) {
            return TABLE_FULL;
        }
        if (!ports.claim(protocol, externalPort, dmzAddress, m, now)) {
            mappings.remove(m);
            return NO_PORT;
        }
        int flags = INBOUND | DMZ | (protocol == IpProtocol.TCP ? TcpTracker.initial(tcpFlags, false) : 0);
        return add(protocol, dmzAddress, externalPort, remoteAddress, remotePort, externalPort, m, flags, now);
    }

    private int inboundSession(int protocol, int externalPort, int insideAddress, int insidePort, int remoteAddress,
            int remotePort, int tcpFlags, long now, int m, int kind) {
        if (liveInside(protocol, insideAddress, insidePort, remoteAddress, remotePort, now)) {
            return FILTERED;
        }
        if (protocol == IpProtocol.TCP && (tcpFlags & TcpTracker.TCP_RST) != 0) {
            return NONE;
        }
        if (full(now) && !reclaim(insideAddress, MappingTable.NONE, now)) {
            return TABLE_FULL;
        }
        if (hosts.count(insideAddress) >= maxPerHost && !reclaim(insideAddress, MappingTable.NONE, now)) {
            return HOST_QUOTA;
        }
        int flags = INBOUND | kind | (protocol == IpProtocol.TCP ? TcpTracker.initial(tcpFlags, false) : 0);
        return add(protocol, insideAddress, insidePort, remoteAddress, remotePort, externalPort, m, flags, now);
    }

    /**
     * True if the table is full even after expiring what is due: expiry runs on a budget, so idle
     * sessions may still be waiting to go when a new one needs their room.
     */
    private boolean full(long now) {
        if (sessions.size() < sessions.maxSessions()) {
            return false;
        }
        wheel.advance(now, this, 64);
        return sessions.size() == sessions.maxSessions();
    }

    /**
     * Makes room for a new session of {@code insideAddress} by deleting the TCP session it closed
     * first (both FINs seen, or a RST), if it has one that is not the last session of mapping
     * {@code keep}; true if it did. O(1): the host's closed sessions are a list, oldest first
     * ({@link ClosedSessions}).
     *
     * <p>Why a closed session may go before its transitory timeout: RFC 5382 REQ-5 sets the
     * 4-minute floor for abandoning a session when the NAT "cannot determine whether the endpoints
     * of a TCP connection are active"; after both FINs or a RST it can, the connection is over,
     * and the row is kept only for the segments still in flight (the last ACK, a retransmitted FIN:
     * the endpoints' TIME-WAIT). RFC 7857 section 2.1 lets a NAT treat the closing phase apart from
     * the partially open one and configure the transitory timeout below 4 minutes; Linux conntrack
     * likewise lets new connections push out entries in TIME_WAIT or CLOSE. Refusing a host's new
     * connection because of thousands it has already closed would be worse than losing a late ACK
     * of the oldest of them (at worst its peer sees no session and the host's stack answers nothing:
     * the connection is closed on both sides already). The freed external port stays held from
     * other hosts ({@link PortAllocator}, RFC 6888 REQ-8), so a late segment reaches no one else.
     * Half-open handshakes, established connections, UDP and ICMP sessions are never reclaimed.
     */
    private boolean reclaim(int insideAddress, int keep, long now) {
        int id = closed.oldest(insideAddress);
        if (id < 0 || (keep >= 0 && sessions.mapping(id) == keep && mappings.references(keep) == 1)) {
            return false;
        }
        reclaimSession(id, now);
        return true;
    }

    /**
     * As {@link #reclaim}, for a new TCP mapping that found no free port: reclaims the host's
     * oldest closed session only if that frees its external port (it is its mapping's last session),
     * which the same host may then have at once.
     */
    private boolean reclaimPort(int insideAddress, long now) {
        int id = closed.oldest(insideAddress);
        if (id < 0) {
            return false;
        }
        int m = sessions.mapping(id);
        if (m < 0 || mappings.references(m) != 1) {
            return false;
        }
        reclaimSession(id, now);
        return true;
    }

    private void reclaimSession(int id, long now) {
        delete(id, now);
        reclaimed++;
        if (counters != null) {
            counters.increment(reclaimedCounter);
        }
    }

    private static boolean closedTcp(int protocol, int flags) {
        return protocol == IpProtocol.TCP && TcpTracker.isClosed(flags & TcpTracker.STATE_MASK);
    }

    /** True if a live session has this inside key; an expired one found on the way is removed. */
    private boolean liveInside(int protocol, int insideAddress, int insidePort, int remoteAddress, int remotePort,
            long now) {
        int id = sessions.findInside(protocol, insideAddress, insidePort, remoteAddress, remotePort);
        if (id < 0) {
            return false;
        }
        if (expired(id, now)) {
            delete(id, now);
            return false;
        }
        return true;
    }

    private int add(int protocol, int insideAddress, int insidePort, int remoteAddress, int remotePort,
            int externalPort, int m, int flags, long now) {
        long expiry = now + timeout(protocol, flags);
        int id = sessions.insert(protocol, insideAddress, insidePort, remoteAddress, remotePort, externalPort, m,
                flags, expiry);
        hosts.increment(insideAddress); // cannot fail: fewer hosts than sessions, room for all
        if (closedTcp(protocol, flags)) {
            closed.append(insideAddress, id);
        }
        if (m >= 0) {
            mappings.retain(m);
        }
        if (filters != null) {
            filters.increment(FilterTable.key(protocol, externalPort, remoteAddress));
        }
        wheel.schedule(id, expiry, now);
        return id;
    }

    private void touch(int id, int protocol, int tcpFlags, boolean outbound, long now) {
        int flags = sessions.flags(id);
        if (protocol == IpProtocol.TCP) {
            int next = (flags & ~TcpTracker.STATE_MASK) | TcpTracker.next(flags & TcpTracker.STATE_MASK,
                    tcpFlags, outbound);
            if (next != flags) {
                sessions.flags(id, next);
                boolean nowClosed = TcpTracker.isClosed(next & TcpTracker.STATE_MASK);
                if (nowClosed != TcpTracker.isClosed(flags & TcpTracker.STATE_MASK)) {
                    // Closed by both FINs or a RST; or back from a RST (RFC 7857 section 2.2).
                    if (nowClosed) {
                        closed.append(sessions.insideAddress(id), id);
                    } else {
                        closed.remove(sessions.insideAddress(id), id);
                    }
                }
                long expiry = now + timeout(protocol, next);
                // A RST or the second FIN shortens the life even when inbound does not refresh.
                long old = sessions.expiry(id);
                if (expiry - old < 0) {
                    sessions.expiry(id, expiry);
                    wheel.reschedule(id, expiry);
                } else if (outbound || inboundRefresh) {
                    sessions.expiry(id, expiry);
                }
                return;
            }
        }
        if (outbound || inboundRefresh) {
            sessions.expiry(id, now + timeout(protocol, flags));
        }
    }

    /**
     * The live session with this inside key, without refreshing it or changing its state: for ICMP
     * errors (RFC 4787 REQ-12, RFC 5508 REQ-6) and hairpin checks.
     */
    public int peekInside(int protocol, int insideAddress, int insidePort, int remoteAddress, int remotePort,
            long now) {
        int id = sessions.findInside(protocol, insideAddress, insidePort, remoteAddress, remotePort);
        return id >= 0 && !expired(id, now) ? id : NONE;
    }

    /** The live session with this outside key, without refreshing it or changing its state. */
    public int peekOutside(int protocol, int externalPort, int remoteAddress, int remotePort, long now) {
        int id = sessions.findOutside(protocol, externalPort, remoteAddress, remotePort);
        return id >= 0 && !expired(id, now) ? id : NONE;
    }

    /** Removes session {@code id}: both directions, its share of the mapping, host and filter counts. */
    public void delete(int id, long now) {
        int protocol = sessions.protocol(id);
        int insideAddress = sessions.insideAddress(id);
        int externalPort = sessions.externalPort(id);
        int m = sessions.mapping(id);
        if (filters != null) {
            filters.decrement(FilterTable.key(protocol, externalPort, sessions.remoteAddress(id)));
        }
        if (closedTcp(protocol, sessions.flags(id))) {
            closed.remove(insideAddress, id);
        }
        wheel.cancel(id);
        sessions.remove(id);
        hosts.decrement(insideAddress);
        if (m >= 0 && mappings.release(m)) {
            ports.release(protocol, externalPort, insideAddress, now);
            mappings.remove(m);
        }
    }

    /** The closed TCP session {@code address} closed first, or -1 (for tests). */
    int oldestClosed(int address) {
        return closed.oldest(address);
    }

    ClosedSessions closedSessions() {
        return closed;
    }

    /** True if session {@code id} is on the timer wheel (for tests). */
    boolean scheduled(int id) {
        return wheel.isScheduled(id);
    }

    /** Sessions counted for address-dependent filtering under this key, -1 without that filtering (for tests). */
    int filterCount(int protocol, int externalPort, int remoteAddress) {
        return filters == null ? -1 : filters.count(FilterTable.key(protocol, externalPort, remoteAddress));
    }

    /** Removes every session of inside host {@code address}; returns how many. Control plane only: walks the table. */
    public int deleteHost(int address, long now) {
        int removed = 0;
        for (int id = 0; id < sessions.capacity() && hosts.count(address) > 0; id++) {
            if (sessions.isLive(id) && sessions.insideAddress(id) == address) {
                delete(id, now);
                removed++;
            }
        }
        return removed;
    }

    /**
     * At most this many sessions expire per {@link #expire(long)} call: about 2.5 ms of work, so a
     * burst of sessions all timing out together cannot stall the data plane. The rest is due at
     * once ({@link #nextDeadline()}), so the router's loop takes the next share in its next round,
     * between batches of frames.
     */
    public static final int EXPIRY_BUDGET = 16384;

    /** Expires idle sessions up to {@code now}, at most {@link #EXPIRY_BUDGET}; returns how many went. */
    public int expire(long now) {
        return wheel.advance(now, this, EXPIRY_BUDGET);
    }

    /** Expires idle sessions up to {@code now}, at most {@code budget}; returns how many went. */
    public int expire(long now, int budget) {
        return wheel.advance(now, this, budget);
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
        return wheel.nextDeadline();
    }

    @Override
    public long expiryOf(int id) {
        return sessions.expiry(id);
    }

    @Override
    public void expire(int id, long now) {
        delete(id, now);
    }

    /** Bytes held by all the tables (for the memory-per-session figure). */
    public long bytes() {
        return sessions.bytes() + mappings.bytes() + hosts.bytes() + closed.bytes() + ports.bytes() + wheel.bytes()
                + (filters == null ? 0 : filters.bytes());
    }
}
