package org.jnat.nat;

import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.PublicPool.Pooling;
import org.jnat.config.Timeouts;
import org.jnat.wire.IpProtocol;

/**
 * The live sessions and every table kept in step with them: per-host counts and closed-session
 * lists, mapping references (and the port a mapping's last session frees), address-dependent filter
 * counts, and the timer wheel with the idle timeouts. Adding, refreshing and deleting a session go
 * through here, so that all of these stay in step ({@code NatInvariants} checks it); which session
 * a packet belongs to, and whether a new one may be made, is {@link NatTable}'s.
 *
 * <p>Lifetimes: UDP and ICMP sessions live their idle timeout from the last refresh; TCP ones the
 * established or the transitory timeout, by their {@link TcpTracker} state (RFC 5382 REQ-5, RFC 7857
 * section 2.2). Outbound packets refresh (RFC 4787 REQ-6), inbound ones only with
 * {@code inbound-refresh}. Expiry is lazy: a refresh moves the expiry, and the wheel looks at it when
 * the session's slot comes round ({@link TimerWheel}).
 */
final class SessionStore implements TimerWheel.Owner {
    /**
     * The reasons, initialized with this class: compiled code that met a reason's class before its
     * first expiry would otherwise be thrown away (deoptimized) there, allocating on the data plane.
     */
    private static final SessionLog.Reason EXPIRED = SessionLog.Reason.EXPIRED, FLUSHED = SessionLog.Reason.FLUSHED;

    final SessionTable sessions;
    final MappingTable mappings;
    final PortAllocator ports;
    final HostTable hosts;
    /** Sessions by protocol and TCP state, for the control plane's gauges. */
    final SessionGauges gauges = new SessionGauges();
    private final ClosedSessions closed;
    private final FilterTable filters;
    private final TimerWheel wheel;
    /** Bit {@code 1 << protocol} set for each IP protocol whose inbound packets refresh its sessions. */
    private final int inboundRefresh;
    // Plain fields, written only by the data-plane thread (a reload's command, timeouts(Timeouts)).
    private long udpTimeout;
    private long icmpTimeout;
    private long tcpEstablished;
    private long tcpTransitory;
    /** Where sessions made and ended are reported for the session log, or null when it is off. */
    private SessionLog log;

    SessionStore(NatConfig config, long seed, long portHoldNanos) {
        this(config, seed, portHoldNanos, 1, Pooling.PAIRED);
    }

    /** With {@code addresses} public addresses, given to mappings as {@code pooling} says. */
    SessionStore(NatConfig config, long seed, long portHoldNanos, int addresses, Pooling pooling) {
        int capacity = config.maxSessions();
        this.sessions = new SessionTable(capacity);
        // Every live mapping owns an external port of its protocol (no overloading, RFC 4787 REQ-3),
        // so there are never more mappings than ports in the range, whatever max-sessions says;
        // one more for the moment between inserting a mapping and giving it its port.
        int ownersAtMost = PortAllocator.maxOwners(config.portLow(), config.portHigh()) * addresses + 1;
        this.mappings = new MappingTable(Math.min(capacity, ownersAtMost));
        this.ports = new PortAllocator(config.portLow(), config.portHigh(), config.allocation(), addresses, pooling,
                portHoldNanos, seed);
        this.hosts = new HostTable(capacity);
        this.closed = new ClosedSessions(sessions.capacity(), hosts);
        // One table for all protocols: kept only when one of them filters by address.
        this.filters = config.udp().filtering() == Behavior.ADDRESS_DEPENDENT
                || config.tcp().filtering() == Behavior.ADDRESS_DEPENDENT
                || config.icmp().filtering() == Behavior.ADDRESS_DEPENDENT ? new FilterTable(capacity) : null;
        this.wheel = TimerWheel.forSessions(sessions.capacity()); // ids are rows, more of them than sessions
        this.inboundRefresh = (config.udp().inboundRefresh() ? 1 << IpProtocol.UDP : 0)
                | (config.tcp().inboundRefresh() ? 1 << IpProtocol.TCP : 0)
                | (config.icmp().inboundRefresh() ? 1 << IpProtocol.ICMP : 0);
        timeouts(config.timeouts());
    }

    /**
     * Empty, with {@code config}'s timeouts and no session log, the ports' random sequence started
     * from {@code seed}: as a new store of the same sizes ({@link NatEngine#reset}).
     */
    void reset(NatConfig config, long seed) {
        sessions.reset();
        mappings.reset();
        ports.reset(seed);
        hosts.reset();
        gauges.reset();
        closed.reset();
        if (filters != null) {
            filters.reset();
        }
        wheel.reset();
        timeouts(config.timeouts());
        log = null;
    }

    /**
     * New idle timeouts (a reload). A live session keeps its expiry until its next refresh, which
     * takes the new timeout; one made shorter is then found expired by a lookup at once, and by the
     * timer wheel no later than the slot its longer expiry had.
     */
    void timeouts(Timeouts t) {
        this.udpTimeout = t.udpNanos();
        this.icmpTimeout = t.icmpNanos();
        this.tcpEstablished = t.tcpEstablishedNanos();
        this.tcpTransitory = t.tcpTransitoryNanos();
    }

    /** Reports every session made and ended to {@code log} from now on (null: to none). Before the data plane runs. */
    void log(SessionLog log) {
        this.log = log;
    }

    /** The idle timeout of a session of {@code protocol} in TCP state {@code flags}. */
    long timeout(int protocol, int flags) {
        return switch (protocol) {
            case IpProtocol.TCP -> TcpTracker.isEstablished(flags) ? tcpEstablished : tcpTransitory;
            case IpProtocol.UDP -> udpTimeout;
            default -> icmpTimeout;
        };
    }

    private boolean expired(int id, long now) {
        return sessions.expiry(id) - now <= 0;
    }

    /** {@code id}, if it is a live session; an expired one is deleted on the way ({@link SessionTable#NONE}). */
    int live(int id, long now) {
        if (id >= 0 && expired(id, now)) {
            delete(id, now, EXPIRED);
            return SessionTable.NONE;
        }
        return id;
    }

    /**
     * {@code id}, if it is a live session, tracked and refreshed for a packet in direction
     * {@code outbound} ({@link #touch}); an expired one is deleted on the way ({@link SessionTable#NONE}).
     */
    int use(int id, int protocol, int tcpFlags, boolean outbound, long now) {
        id = live(id, now);
        if (id >= 0) {
            touch(id, protocol, tcpFlags, outbound, now);
        }
        return id;
    }

    /** {@code id}, if it is a live session, else {@link SessionTable#NONE}; changes nothing. */
    int unexpired(int id, long now) {
        return id >= 0 && !expired(id, now) ? id : SessionTable.NONE;
    }

    /** Sessions held by inside host {@code address}. */
    int sessionsOf(int address) {
        return hosts.count(address);
    }

    /** The closed TCP session {@code address} closed first, or -1. */
    int oldestClosed(int address) {
        return closed.oldest(address);
    }

    /** True if an address-dependent filter lets {@code remoteAddress} in to {@code external} (address index and port). */
    boolean contacted(int protocol, int external, int remoteAddress) {
        return filters.contains(FilterTable.key(protocol, external, remoteAddress));
    }

    /**
     * True if the table is full even after expiring what is due: expiry runs on a budget, so idle
     * sessions may still be waiting to go when a new one needs their room.
     */
    boolean full(long now) {
        if (sessions.size() < sessions.maxSessions()) {
            return false;
        }
        wheel.advance(now, this, 64);
        return sessions.size() == sessions.maxSessions();
    }

    private static boolean closedTcp(int protocol, int flags) {
        return protocol == IpProtocol.TCP && TcpTracker.isClosed(flags & TcpTracker.STATE_MASK);
    }

    /**
     * Adds a session (neither key present) holding a reference on mapping {@code m}, if any;
     * {@code external} is {@code addressIndex << 16 | port}.
     */
    int add(long inside, long remote, int external, int m, int flags, long now) {
        int protocol = Endpoint.protocol(inside);
        int host = Endpoint.address(inside);
        long expiry = now + timeout(protocol, flags);
        int id = sessions.insert(inside, remote, external, m, flags, expiry);
        hosts.increment(host); // cannot fail: fewer hosts than sessions, room for all
        gauges.added(protocol, flags);
        if (closedTcp(protocol, flags)) {
            closed.append(host, id);
        }
        if (m >= 0) {
            mappings.retain(m);
        }
        if (filters != null) {
            filters.increment(FilterTable.key(protocol, external, Endpoint.address(remote)));
        }
        wheel.schedule(id, expiry, now);
        if (log != null) {
            log.created(id, inside, remote, external, now);
        }
        return id;
    }

    /** A packet of session {@code id}: tracks TCP ({@code tcpFlags}, 0 otherwise) and refreshes the session. */
    private void touch(int id, int protocol, int tcpFlags, boolean outbound, long now) {
        int flags = sessions.flags(id);
        if (protocol == IpProtocol.TCP) {
            int next = (flags & ~TcpTracker.STATE_MASK) | TcpTracker.next(flags & TcpTracker.STATE_MASK,
                    tcpFlags, outbound);
            if (next != flags) {
                sessions.flags(id, next);
                gauges.changed(flags, next);
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
                } else if (outbound || refreshesInbound(protocol)) {
                    sessions.expiry(id, expiry);
                }
                return;
            }
        }
        if (outbound || refreshesInbound(protocol)) {
            sessions.expiry(id, now + timeout(protocol, flags));
        }
    }

    /** True if an inbound packet of {@code protocol} refreshes its session (inbound-refresh, per protocol). */
    private boolean refreshesInbound(int protocol) {
        return (inboundRefresh >>> protocol & 1) != 0;
    }

    /**
     * Removes session {@code id}: both directions, its share of the mapping, host and filter counts.
     * {@code reason} is a {@link SessionLog.Reason}, for the log line; an expired TCP session that
     * had closed is logged as {@link SessionLog.Reason#CLOSED}.
     */
    void delete(int id, long now, SessionLog.Reason reason) {
        int protocol = sessions.protocol(id);
        int insideAddress = sessions.insideAddress(id);
        int external = sessions.external(id);
        int m = sessions.mapping(id);
        int flags = sessions.flags(id);
        if (log != null) {
            SessionLog.Reason why = reason == EXPIRED && closedTcp(protocol, flags)
                    ? SessionLog.Reason.CLOSED : reason;
            log.ended(id, Endpoint.of(protocol, insideAddress, sessions.insidePort(id)),
                    Endpoint.of(protocol, sessions.remoteAddress(id), sessions.remotePort(id)), external, why, now);
        }
        if (filters != null) {
            filters.decrement(FilterTable.key(protocol, external, sessions.remoteAddress(id)));
        }
        if (closedTcp(protocol, flags)) {
            closed.remove(insideAddress, id);
        }
        gauges.removed(protocol, flags);
        wheel.cancel(id);
        sessions.remove(id);
        hosts.decrement(insideAddress);
        if (m >= 0 && mappings.release(m)) {
            ports.release(protocol, external, insideAddress, now);
            mappings.remove(m);
        }
    }

    /**
     * Reports the live sessions from id {@code from} on as ended ({@link SessionLog.Reason#STOPPED})
     * without removing them, while the log's ring has room; returns the id to go on from, or the
     * table's capacity when all are reported. Only once the data plane has stopped: the caller is
     * then the ring's one producer.
     */
    int logStopped(int from, long now) {
        for (int id = from; log != null && id < sessions.capacity(); id++) {
            if (sessions.isLive(id) && !log.endedIfRoom(id,
                    Endpoint.of(sessions.protocol(id), sessions.insideAddress(id), sessions.insidePort(id)),
                    Endpoint.of(sessions.protocol(id), sessions.remoteAddress(id), sessions.remotePort(id)),
                    sessions.external(id), SessionLog.Reason.STOPPED, now)) {
                return id;
            }
        }
        return sessions.capacity();
    }

    /** Removes every session of inside host {@code address}; returns how many. Walks the table. */
    int deleteHost(int address, long now) {
        return deleteHost(address, 0, sessions.capacity(), now);
    }

    /**
     * Removes the sessions of inside host {@code address} among ids {@code from..to-1}; returns how
     * many. A walk in parts, so that flushing a host of a large table never holds the data plane long.
     */
    int deleteHost(int address, int from, int to, long now) {
        int removed = 0;
        for (int id = from; id < to && hosts.count(address) > 0; id++) {
            if (sessions.isLive(id) && sessions.insideAddress(id) == address) {
                delete(id, now, FLUSHED);
                removed++;
            }
        }
        return removed;
    }

    /** Expires idle sessions up to {@code now}, at most {@code budget}; returns how many went. */
    int expire(long now, int budget) {
        return wheel.advance(now, this, budget);
    }

    /** When {@link #expire} next has work: see {@link TimerWheel#nextDeadline()}. */
    long nextDeadline() {
        return wheel.nextDeadline();
    }

    @Override
    public long expiryOf(int id) {
        return sessions.expiry(id);
    }

    @Override
    public void expire(int id, long now) {
        delete(id, now, EXPIRED);
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

    /** Bytes held by all the tables (for the memory-per-session figure). */
    long bytes() {
        return sessions.bytes() + mappings.bytes() + hosts.bytes() + closed.bytes() + ports.bytes() + wheel.bytes()
                + (filters == null ? 0 : filters.bytes());
    }
}
