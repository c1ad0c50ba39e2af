package org.jnat.nat;

import org.jnat.runtime.Counters;
import org.jnat.runtime.RingCursors;

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
 * {@link Endpoint}s, and the session id, external port, event and reason packed in one word (the
 * external address's index rides in the remote endpoint's spare low byte). The {@code external}
 * arguments are {@code addressIndex << 16 | port}.
 */
public final class SessionLog {
    /** The events: a session was made, or deleted (the {@link Reason} says why). */
    public static final int CREATED = 1, ENDED = 2;

    /** Why a session ended, as the log line says it ({@link #logName()}). */
    public enum Reason {
        /** Its idle timeout passed (UDP, ICMP, open or half-open TCP). */
        EXPIRED,
        /** A TCP session closed by both FINs or a RST, then out of its transitory timeout. */
        CLOSED,
        /** A closed TCP session given up early for a new session of its host ({@code nat.reclaimed.closed_tcp}). */
        RECLAIMED,
        /** Flushed with the rest of its host's sessions by the control plane. */
        FLUSHED,
        /** Cut because the port forward that made it was removed. */
        FORWARD_REMOVED,
        /** Deleted by the control plane for another reason. */
        REMOVED,
        /** Still live when the router stopped. */
        STOPPED;

        private static final Reason[] ALL = values();
        private final String logName = name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');

        /** "expired", "closed", "reclaimed", "flushed", "forward-removed" or "removed". */
        public String logName() {
            return logName;
        }
    }

    static final int LONGS = 4;

    private final long[] records;
    private final int mask;
    private final RingCursors cursors;
    private final Counters counters;
    private final int dropped;

    /** A ring of {@code size} records (a power of two), counting drops in {@code counters}. */
    public SessionLog(int size, Counters counters) {
        if (size < 1 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two, got " + size);
        }
        this.records = new long[size * LONGS];
        this.mask = size - 1;
        this.cursors = new RingCursors(size);
        this.counters = counters;
        this.dropped = counters.register("log.sessions.dropped",
                "session log records dropped because the writer fell behind (forwarding never waits for it)");
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
    void ended(int id, long inside, long remote, int externalPort, Reason reason, long now) {
        offer(ENDED, reason.ordinal() + 1, id, inside, remote, externalPort, now);
    }

    /**
     * As {@link #ended}, but only if the ring has room: false, counting nothing, when it has not.
     * For the thread that reports the sessions left when the data plane has stopped ({@link Reason#STOPPED}).
     */
    boolean endedIfRoom(int id, long inside, long remote, int externalPort, Reason reason, long now) {
        if (cursors.claim(1) < 0) {
            return false;
        }
        ended(id, inside, remote, externalPort, reason, now);
        return true;
    }

    private void offer(int event, int reason, int id, long inside, long remote, int externalPort, long now) {
        long t = cursors.claim(1);
        if (t < 0) {
            counters.increment(dropped);
            return;
        }
        int at = (int) (t & mask) * LONGS;
        records[at] = now;
        records[at + 1] = inside;
        // An endpoint's low byte is 0 (Endpoint): it carries the external address's index.
        records[at + 2] = remote | (externalPort >>> 16);
        records[at + 3] = ((long) id << 32) | ((long) (externalPort & 0xffff) << 16) | (event << 8) | reason;
        cursors.publish(t + 1);
    }

    /** One record as the consumer reads it; reused from one {@link #poll} to the next. */
    public static final class Record {
        public int event;
        /** Why an ended session ended; null for a made one. */
        public Reason reason;
        public int id;
        public long inside;
        public long remote;
        public int externalPort;
        /** The index of the external address in the pool ({@link PublicAddresses}; 0 with one address). */
        public int externalAddressIndex;
        /** The router's clock when it happened. */
        public long nanos;
    }

    /** Copies the oldest record into {@code into} and frees its slot; false when there is none. Consumer only. */
    public boolean poll(Record into) {
        long h = cursors.head();
        if (h == cursors.tail()) {
            return false;
        }
        int at = (int) (h & mask) * LONGS;
        into.nanos = records[at];
        into.inside = records[at + 1];
        into.remote = records[at + 2] & ~0xffL;
        into.externalAddressIndex = (int) records[at + 2] & 0xff;
        long word = records[at + 3];
        into.id = (int) (word >>> 32);
        into.externalPort = (int) (word >>> 16) & 0xffff;
        into.event = (int) (word >>> 8) & 0xff;
        int reason = (int) word & 0xff;
        into.reason = reason == 0 ? null : Reason.ALL[reason - 1];
        cursors.free(h + 1);
        return true;
    }
}
