package org.jnat.nat;

import org.jnat.runtime.Counters;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.TcpSegment;

/**
 * The one admission step every new session of the {@link NatTable} passes, whatever made it (an
 * outbound packet, a filter that lets an inbound one in, a forward, the DMZ): a full table and the
 * host's quota ({@code max-sessions-per-host}, RFC 6888 REQ-4 and REQ-5) refuse it, unless the host's oldest
 * closed TCP session makes room ({@link #reclaim}). Never throws, never allocates; single-threaded,
 * as the table.
 */
final class Admission {
    /** What {@link #admit} answers when the new session may be made. */
    static final int ADMITTED = 0;

    private final SessionStore store;
    private final SessionTable sessions;
    private final MappingTable mappings;
    private final PinnedMappings pins;
    private final Counters counters;
    private final NatCounters count;
    /** Written only by the data-plane thread ({@link #maxPerHost(int)}, a reload). */
    private int maxPerHost;

    Admission(SessionStore store, PinnedMappings pins, int maxPerHost, NatCounters count) {
        this.store = store;
        this.sessions = store.sessions;
        this.mappings = store.mappings;
        this.pins = pins;
        this.maxPerHost = maxPerHost;
        this.counters = count.counters;
        this.count = count;
    }

    /** A new {@code max-sessions-per-host}: hosts above it keep their sessions but get no new one. */
    void maxPerHost(int max) {
        this.maxPerHost = max;
    }

    /** What {@code host}'s quota leaves for pinned mappings: {@code max-sessions-per-host} less its sessions. */
    int leftForPins(int host) {
        return maxPerHost - store.sessionsOf(host);
    }

    /**
     * The admission step of every new session of {@code inside}: a TCP RST never makes one
     * ({@link NatTable#NONE}); then a full table ({@link NatTable#TABLE_FULL}) and the host's quota
     * ({@link NatTable#HOST_QUOTA}) refuse it, unless the host's oldest closed TCP session makes room
     * ({@link #reclaim}). {@code keep} is the mapping the new session joins, or
     * {@link MappingTable#NONE}: its last session is never reclaimed for it, and if making room
     * expired it after all, {@link NatTable#NO_MAPPING}. {@link #ADMITTED} when the session may be made.
     */
    int admit(long inside, int tcpFlags, int keep, long now) {
        if (Endpoint.protocol(inside) == IpProtocol.TCP && (tcpFlags & TcpSegment.RST) != 0) {
            return NatTable.NONE;
        }
        int host = Endpoint.address(inside);
        if (store.full(now) && !reclaim(host, keep, now)) {
            return NatTable.TABLE_FULL;
        }
        if (keep >= 0 && mappings.references(keep) == 0) {
            return NatTable.NO_MAPPING; // the expiry that made room took the mapping's last session
        }
        if (heldBy(host) >= maxPerHost && !reclaim(host, keep, now)) {
            return NatTable.HOST_QUOTA;
        }
        return ADMITTED;
    }

    /** What counts in {@code host}'s quota: its sessions and its pinned mappings. */
    private int heldBy(int host) {
        int n = store.sessionsOf(host);
        return pins.size() == 0 ? n : n + pins.of(host);
    }

    /**
     * Makes room for a new session of {@code host} by deleting the TCP session it closed first
     * (both FINs seen, or a RST), if it has one that is not the last session of mapping
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
    private boolean reclaim(int host, int keep, long now) {
        int id = store.oldestClosed(host);
        if (id < 0 || lastOfMapping(id, keep)) {
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
    boolean reclaimPort(int host, long now) {
        int id = store.oldestClosed(host);
        if (id < 0 || !lastOfMapping(id, sessions.mapping(id))) {
            return false;
        }
        reclaimSession(id, now);
        return true;
    }

    /** True if session {@code id} is the last session of mapping {@code m} (never for no mapping). */
    private boolean lastOfMapping(int id, int m) {
        return m >= 0 && sessions.mapping(id) == m && mappings.references(m) == 1;
    }

    private void reclaimSession(int id, long now) {
        store.delete(id, now, SessionLog.Reason.RECLAIMED);
        counters.increment(count.reclaimed);
    }
}
