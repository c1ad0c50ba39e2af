package org.jnat.nat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jnat.runtime.Counters;

/**
 * The session log's hand-over from the data plane: a preallocated single-producer,
 * single-consumer ring of fixed-size records, one per session made or ended, which a writer thread
 * off the data plane turns into log lines (what a carrier-grade NAT operator must keep, RFC 6908
 * section 6 and RFC 6888 REQ-12). The {@link SessionStore} is the producer; it calls here only when
 * a session is added or deleted, never per packet.
 *
 * <p>The producer never waits and never allocates: when the writer has fallen behind and the ring
 * is full, the record is dropped and counted ({@code log.sessions.dropped}), and forwarding goes on.
 * A record is four {@code long}s: the time (the router's clock), the inside and remote
 * {@link Endpoint}s, and the session id, external port, event and reason packed in one word.
 */
public final class SessionLog {
    /** A session was made. */
    public static final int CREATED = 1;
    /** A session was deleted; the reason says why. */
    public static final int ENDED = 2;

    /** Why a session ended: its idle timeout passed (UDP, ICMP, open or half-open TCP). */
    public static final int EXPIRED = 1;
    /** A TCP session closed by both FINs or a RST that then ran out its transitory timeout. */
    public static final int CLOSED = 2;
    /** A closed TCP session given up early for a new session of its host ({@code nat.reclaimed.closed_tcp}). */
    public static final int RECLAIMED = 3;
    /** Flushed with the rest of its host's sessions by the control plane. */
    public static final int FLUSHED = 4;
    /** Cut because the port forward that made it was removed. */
    public static final int FORWARD_REMOVED = 5;
    /** Deleted by the control plane for another reason. */
    public static final int REMOVED = 6;

    /** The reasons' names in log lines, by number. */
    private static final String[] REASONS = {null, "expired", "closed", "reclaimed", "flushed", "forward-removed",
            "removed"};

    static final int LONGS = 4;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(SessionLog.class, "head", long.class);
            TAIL = lookup.findVarHandle(SessionLog.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] records;
    private final int mask;
    private final Counters counters;
    private final int dropped;
    /** Next record to read; written by the consumer only. */
    @SuppressWarnings("unused")
    private volatile long head;
    /** Next record to write; written by the producer only. */
    @SuppressWarnings("unused")
    private volatile long tail;
    /** The producer's last look at {@link #head}: it reads the volatile only when this says full. */
    private long headSeen;

    /** A ring of {@code size} records (a power of two), counting drops in {@code counters}. */
    public SessionLog(int size, Counters counters) {
        if (size < 1 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two, got " + size);
        }
        this.records = new long[size * LONGS];
        this.mask = size - 1;
        this.counters = counters;
        this.dropped = counters.register("log.sessions.dropped",
                "session log records dropped because the writer fell behind (forwarding never waits for it)");
    }

    /** The name of reason {@code reason} in log lines. */
    public static String reasonName(int reason) {
        return reason > 0 && reason < REASONS.length ? REASONS[reason] : "removed";
    }

    public int size() {
        return mask + 1;
    }

    /** Records dropped because the ring was full. */
    public long dropped() {
        return counters.get(dropped);
    }

    /** Session {@code id} was made. Data-plane thread only. */
    void created(int id, long inside, long remote, int externalPort, long now) {
        offer(CREATED, 0, id, inside, remote, externalPort, now);
    }

    /** Session {@code id} was deleted for {@code reason}. Data-plane thread only. */
    void ended(int id, long inside, long remote, int externalPort, int reason, long now) {
        offer(ENDED, reason, id, inside, remote, externalPort, now);
    }

    private void offer(int event, int reason, int id, long inside, long remote, int externalPort, long now) {
        long t = (long) TAIL.getOpaque(this);
        if (t - headSeen > mask) {
            headSeen = (long) HEAD.getAcquire(this);
            if (t - headSeen > mask) {
                counters.increment(dropped);
                return;
            }
        }
        int at = (int) (t & mask) * LONGS;
        records[at] = now;
        records[at + 1] = inside;
        records[at + 2] = remote;
        records[at + 3] = ((long) id << 32) | ((long) externalPort << 16) | (event << 8) | reason;
        TAIL.setRelease(this, t + 1);
    }

    /** One record as the consumer reads it; reused from one {@link #poll} to the next. */
    public static final class Record {
        public int event;
        public int reason;
        public int id;
        public long inside;
        public long remote;
        public int externalPort;
        /** The router's clock when it happened. */
        public long nanos;
    }

    /** Copies the oldest record into {@code into} and frees its slot; false when there is none. Consumer only. */
    public boolean poll(Record into) {
        long h = (long) HEAD.getOpaque(this);
        if (h == (long) TAIL.getAcquire(this)) {
            return false;
        }
        int at = (int) (h & mask) * LONGS;
        into.nanos = records[at];
        into.inside = records[at + 1];
        into.remote = records[at + 2];
        long word = records[at + 3];
        into.id = (int) (word >>> 32);
        into.externalPort = (int) (word >>> 16) & 0xffff;
        into.event = (int) (word >>> 8) & 0xff;
        into.reason = (int) word & 0xff;
        HEAD.setRelease(this, h + 1);
        return true;
    }
}
