package org.jnat.nat;


/**
 * The control plane's reads of the session table, and its one bulk change (flushing a host), cut
 * into calls that each touch a bounded part of the table: every method runs on the data-plane
 * thread (a {@code ControlQueue} command), holds the data plane for well under 100 µs, and writes
 * only into a {@link Chunk} the control thread allocated, so the data plane allocates nothing
 * while it serves a listing of a million sessions.
 *
 * <p>A walk goes by session id (rows never move, {@link SessionTable}), one chunk per call, the
 * control thread passing the chunk back until {@link Chunk#done()}. Like {@code conntrack -L} it is
 * not a snapshot: a session made behind the cursor during the walk is missed, one that ends ahead
 * of it is not seen.
 */
public final class SessionReader {
    /** Rows a listing call looks at: 4096 rows, at most ~2700 sessions, about 50-100 µs. */
    public static final int ROWS_PER_CALL = 4096;
    /** Rows a flush call looks at: fewer, since each session deleted costs more than one copied. */
    public static final int FLUSH_ROWS_PER_CALL = 1024;
    /** Host slots a {@link #topHosts} call looks at (two int reads each). */
    public static final int HOST_SLOTS_PER_CALL = 16384;

    /** Longs per session copied by {@link #copy}, and the offset of each field. */
    public static final int FIELDS = 10;
    public static final int PROTOCOL = 0, INSIDE_ADDRESS = 1, INSIDE_PORT = 2, EXTERNAL_PORT = 3,
            REMOTE_ADDRESS = 4, REMOTE_PORT = 5, FLAGS = 6, EXPIRES_IN_NANOS = 7, IDLE_NANOS = 8,
            EXTERNAL_ADDRESS_INDEX = 9;

    /** {@link #gauges} writes: sessions by kind (TCP phases, UDP, ICMP), then these. */
    public static final int GAUGE_SESSIONS = SessionGauges.SIZE, GAUGE_MAX_SESSIONS = GAUGE_SESSIONS + 1,
            GAUGE_HOSTS = GAUGE_SESSIONS + 2, GAUGE_PINNED = GAUGE_SESSIONS + 3, GAUGES = GAUGE_SESSIONS + 4;
    /** Index in {@link #gauges}' output of UDP and ICMP sessions; TCP phases are at {@link TcpTracker#phase}. */
    public static final int GAUGE_UDP = SessionGauges.UDP, GAUGE_ICMP = SessionGauges.ICMP;

    /**
     * Which sessions a listing wants: of inside host {@code host} (0: any), of {@code protocol}
     * (0: any), with {@code port} as inside, external or remote port (-1: any).
     */
    public record Filter(int host, int protocol, int port) {
        public static final Filter ALL = new Filter(0, 0, -1);

        boolean matches(SessionTable s, int id) {
            return (host == 0 || s.insideAddress(id) == host) && (protocol == 0 || s.protocol(id) == protocol)
                    && (port < 0 || s.insidePort(id) == port || s.externalPort(id) == port || s.remotePort(id) == port);
        }

        /** True if every session matches. */
        public boolean all() {
            return host == 0 && protocol == 0 && port < 0;
        }
    }

    /**
     * A walk's state and output, allocated and owned by the control thread, written by the data plane
     * during a call only. {@link #rows} holds {@link #copied} sessions of {@link #FIELDS} longs each
     * (or, for {@link #topHosts}, the hosts); {@link #room} caps how many a call may copy.
     */
    public static final class Chunk {
        public final long[] rows;
        /** How many sessions (or hosts) this call may copy: at most rows.length / FIELDS. */
        public int room;
        /** The id (or slot) the next call starts from. */
        public int next;
        /** Where the walk ends; {@link #next} reaches it when the walk is over. */
        public int end = Integer.MAX_VALUE;
        /** Sessions copied by the last call. */
        public int copied;
        /** Sessions the last call found matching (copied or not, for the total); removed ones for a flush. */
        public int matched;

        public Chunk(int sessions) {
            this.rows = new long[sessions * FIELDS];
            this.room = sessions;
        }

        public boolean done() {
            return next >= end;
        }
    }

    private final SessionStore store;
    private final SessionTable sessions;
    private final PinnedMappings pins;

    SessionReader(SessionStore store, PinnedMappings pins) {
        this.store = store;
        this.pins = pins;
        this.sessions = store.sessions;
    }

    /**
     * Copies the live sessions matching {@code filter} among the next {@link #ROWS_PER_CALL} rows
     * from {@code chunk.next}, at most {@code chunk.room} of them, and counts every match; moves
     * {@code chunk.next} on. A session past its expiry that the timer wheel has not reaped yet is
     * left out: it is no longer live.
     */
    public void copy(Filter filter, Chunk chunk, long now) {
        int end = Math.min(chunk.next + ROWS_PER_CALL, sessions.capacity());
        long[] out = chunk.rows;
        int copied = 0;
        int matched = 0;
        for (int id = chunk.next; id < end; id++) {
            if (!sessions.isLive(id) || !filter.matches(sessions, id)) {
                continue;
            }
            long left = sessions.expiry(id) - now;
            if (left <= 0) {
                continue;
            }
            matched++;
            if (copied < chunk.room) {
                write(id, left, out, copied * FIELDS);
                copied++;
            }
        }
        chunk.copied = copied;
        chunk.matched = matched;
        chunk.next = end;
        chunk.end = sessions.capacity();
    }

    private void write(int id, long left, long[] out, int at) {
        int protocol = sessions.protocol(id);
        int flags = sessions.flags(id);
        out[at + PROTOCOL] = protocol;
        out[at + INSIDE_ADDRESS] = sessions.insideAddress(id) & 0xffffffffL;
        out[at + INSIDE_PORT] = sessions.insidePort(id);
        out[at + EXTERNAL_PORT] = sessions.externalPort(id);
        out[at + REMOTE_ADDRESS] = sessions.remoteAddress(id) & 0xffffffffL;
        out[at + REMOTE_PORT] = sessions.remotePort(id);
        out[at + FLAGS] = flags;
        out[at + EXPIRES_IN_NANOS] = left;
        // Every refresh sets the expiry to now + the timeout of the session's state, so the time
        // since the last refresh is what of that timeout has run (no last-seen time is kept).
        out[at + IDLE_NANOS] = Math.max(0, store.timeout(protocol, flags) - left);
        out[at + EXTERNAL_ADDRESS_INDEX] = sessions.externalAddressIndex(id); // PublicAddresses#address
    }

    /**
     * Deletes the sessions of inside host {@code address} among the next
     * {@link #FLUSH_ROWS_PER_CALL} rows from {@code chunk.next}; {@code chunk.matched} is how many
     * went. The walk ends early once the host holds no session.
     */
    public void flushHost(int address, Chunk chunk, long now) {
        int end = Math.min(chunk.next + FLUSH_ROWS_PER_CALL, sessions.capacity());
        chunk.matched = store.deleteHost(address, chunk.next, end, now);
        chunk.copied = 0;
        chunk.end = sessions.capacity();
        chunk.next = store.sessionsOf(address) == 0 ? chunk.end : end;
    }

    /** Writes {@link #GAUGES} longs into {@code into}: sessions by kind, sessions, max-sessions, hosts, pinned (PCP) mappings. O(1). */
    public void gauges(long[] into) {
        store.gauges.copyTo(into, 0);
        into[GAUGE_SESSIONS] = sessions.size();
        into[GAUGE_MAX_SESSIONS] = sessions.maxSessions();
        into[GAUGE_HOSTS] = store.hosts.size();
        into[GAUGE_PINNED] = pins.size();
    }

    /** External ports of {@code protocol}'s range held by mappings ({@link PortAllocator#inUse}). */
    public int portsInUse(int protocol) {
        return store.ports.inUse(protocol);
    }

    /** Ports in the configured range, per protocol, over every public address. */
    public int portRangeSize() {
        return (store.ports.high() - store.ports.low() + 1) * store.ports.addresses();
    }

    /**
     * The busiest inside hosts, part of a walk over the host table: looks at the next
     * {@link #HOST_SLOTS_PER_CALL} slots from {@code chunk.next} and keeps in {@code chunk.rows} the
     * {@code chunk.room} hosts with the most sessions seen so far in the walk, most first, each as
     * {@code sessions << 32 | address}; {@code chunk.copied} is how many it holds. The control thread
     * starts the walk with {@code next} and {@code copied} 0.
     */
    public void topHosts(Chunk chunk) {
        HostTable hosts = store.hosts;
        int end = Math.min(chunk.next + HOST_SLOTS_PER_CALL, hosts.slots());
        long[] top = chunk.rows;
        int size = chunk.copied;
        int n = Math.min(chunk.room, top.length);
        for (int slot = chunk.next; slot < end; slot++) {
            int count = hosts.countAt(slot);
            if (count == 0) {
                continue;
            }
            long entry = (long) count << 32 | (hosts.addressAt(slot) & 0xffffffffL);
            if (size == n && (n == 0 || entry <= top[size - 1])) {
                continue;
            }
            int i = size == n ? size - 1 : size++;
            for (; i > 0 && top[i - 1] < entry; i--) {
                top[i] = top[i - 1]; // insertion into a short array kept sorted, largest first
            }
            top[i] = entry;
        }
        chunk.copied = size;
        chunk.next = end;
        chunk.end = hosts.slots();
    }
}
