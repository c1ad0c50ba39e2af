package org.jnat.nat;

import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
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
    final SessionTable sessions;
    final MappingTable mappings;
    final PortAllocator ports;
    final HostTable hosts;
    /** Sessions by protocol and TCP state, for the control plane's gauges. */
    final SessionGauges gauges = new SessionGauges();
    private final ClosedSessions closed;
    private final FilterTable filters;
    private final TimerWheel wheel;
    private final boolean inboundRefresh;
    private final long udpTimeout;
    private final long icmpTimeout;
    private final long tcpEstablished;
    private final long tcpTransitory;

    SessionStore(NatConfig config, long seed, long portHoldNanos) {
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
        this.inboundRefresh = config.inboundRefresh();
        Timeouts t = config.timeouts();
        this.udpTimeout = t.udpNanos();
        this.icmpTimeout = t.icmpNanos();
        this.tcpEstablished = t.tcpEstablishedNanos();
        this.tcpTransitory = t.tcpTransitoryNanos();
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
            delete(id, now);
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

    /** True if an address-dependent filter lets {@code remoteAddress} in to {@code externalPort}. */
    boolean contacted(int protocol, int externalPort, int remoteAddress) {
        return filters.contains(FilterTable.key(protocol, externalPort, remoteAddress));
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

    /** Adds a session (neither key present) holding a reference on mapping {@code m}, if any. */
    int add(long inside, long remote, int externalPort, int m, int flags, long now) {
        int protocol = Endpoint.protocol(inside);
        int host = Endpoint.address(inside);
        long expiry = now + timeout(protocol, flags);
        int id = sessions.insert(inside, remote, externalPort, m, flags, expiry);
        hosts.increment(host); // cannot fail: fewer hosts than sessions, room for all
        gauges.added(protocol, flags);
        if (closedTcp(protocol, flags)) {
            closed.append(host, id);
        }
        if (m >= 0) {
            mappings.retain(m);
        }
        if (filters != null) {
            filters.increment(FilterTable.key(protocol, externalPort, Endpoint.address(remote)));
        }
        wheel.schedule(id, expiry, now);
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

    /** Removes session {@code id}: both directions, its share of the mapping, host and filter counts. */
    void delete(int id, long now) {
        int protocol = sessions.protocol(id);
        int insideAddress = sessions.insideAddress(id);
        int externalPort = sessions.externalPort(id);
        int m = sessions.mapping(id);
        if (filters != null) {
            filters.decrement(FilterTable.key(protocol, externalPort, sessions.remoteAddress(id)));
        }
        int flags = sessions.flags(id);
        if (closedTcp(protocol, flags)) {
            closed.remove(insideAddress, id);
        }
        gauges.removed(protocol, flags);
        wheel.cancel(id);
        sessions.remove(id);
        hosts.decrement(insideAddress);
        if (m >= 0 && mappings.release(m)) {
            ports.release(protocol, externalPort, insideAddress, now);
            mappings.remove(m);
        }
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
                delete(id, now);
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
        delete(id, now);
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
