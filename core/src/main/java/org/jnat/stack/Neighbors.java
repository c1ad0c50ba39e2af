package org.jnat.stack;

import java.util.Arrays;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;

/**
 * The ARP cache of one side (RFC 826): neighbor address to MAC, in primitive arrays, with the
 * frames that wait for a resolution.
 *
 * <p>States, after RFC 1122 section 2.3.2.1 and Linux's neighbour state machine:
 * <ul>
 *   <li>{@code INCOMPLETE}: a request is out; up to {@code perNeighbor} frames are held, copied into
 *       preallocated slots. Requests are repeated every {@code retryNanos}; after {@code maxTries}
 *       requests without a reply the entry is dropped and each held frame is handed to
 *       {@link Listener#unresolved} so that the router sends ICMP host unreachable (RFC 1812
 *       section 4.3.3.1, RFC 1122 section 2.3.2.2).</li>
 *   <li>{@code REACHABLE}: the MAC is known until {@code reachableNanos} after the last reply.</li>
 *   <li>{@code PROBE}: it aged out while in use: the MAC is still used, and requests go out; if
 *       none is answered the entry is dropped (RFC 1122 section 2.3.2.1, "unicast poll"). An
 *       entry that aged out unused is simply dropped.</li>
 *   <li>{@code STATIC}: from the config; never aged, never overwritten by what is heard.</li>
 * </ul>
 *
 * <p>Bounded memory: at most {@code capacity} entries and {@code pendingSlots} held frames, all
 * allocated at construction. When the table is full, the oldest learned entry that holds no
 * frames is reused.
 *
 * <p>{@link #nextDeadline()} says when {@link #poll} next has work (a request to repeat, an entry
 * to age or drop), so that the router sleeps until then: kept as each deadline is set, and found
 * again by the sweep that every poll makes anyway, never by a scan of its own.
 */
public final class Neighbors {
    /** {@link #lookup} result when the MAC is not known. */
    public static final long MISSING = -1;

    /** {@link #hold} results. */
    public static final int HELD = 0, DROPPED = 1;

    private static final byte FREE = 0, INCOMPLETE = 1, REACHABLE = 2, PROBE = 3, STATIC = 4;

    /** What the router does for the cache: send requests, send held frames, report failures. */
    public interface Listener {
        /** Broadcast an ARP request for {@code address}. */
        void sendRequest(int address);

        /** {@code frame} (held earlier) may go now, to {@code mac}; the callee copies it out before returning. */
        void release(PacketBuffer frame, long mac);

        /** {@code frame} could not be delivered: no neighbor answered for its next hop by {@code now}. */
        void unresolved(PacketBuffer frame, long now);
    }

    private final Listener listener;
    private final long reachableNanos;
    private final long retryNanos;
    private final int maxTries;
    private final int perNeighbor;

    // Entries, by stable index.
    private final int[] address;
    private final long[] mac;
    private final byte[] state;
    private final long[] deadline;   // REACHABLE: expiry; INCOMPLETE/PROBE: next request
    private final long[] updated;    // when the entry was last confirmed (for eviction)
    private final int[] tries;
    private final boolean[] used;
    private final int[] pendingHead;
    private final int[] pendingTail;
    private final int[] pendingCount;
    private int size;
    /**
     * Entries from here on have never been used, and so are free: {@link #allocate} takes the
     * lowest free entry. The sweep of {@link #poll} stops here instead of walking all of them.
     */
    private int highWater;
    /** No entry's deadline comes before this (it may be early: entries confirmed or removed since); NONE if none. */
    private long earliest = Deadlines.NONE;

    private final AddressIndex index;

    // Held frames.
    private final HeldFrames held;

    private final Counters counters;
    private final int cLearned, cUpdated, cExpired, cRequests, cHeld, cHeldDropped, cReleased, cUnresolved,
            cTableFull, cStaticConflict;

    public Neighbors(String side, int capacity, int pendingSlots, int perNeighbor, int slotCapacity,
                     long reachableNanos, long retryNanos, int maxTries, Counters counters, Listener listener) {
        if (capacity < 1 || pendingSlots < 1 || perNeighbor < 1 || maxTries < 1) {
            throw new IllegalArgumentException("neighbor table bounds must be positive");
        }
        this.listener = listener;
        this.reachableNanos = reachableNanos;
        this.retryNanos = retryNanos;
        this.maxTries = maxTries;
        this.perNeighbor = perNeighbor;
        address = new int[capacity];
        mac = new long[capacity];
        state = new byte[capacity];
        deadline = new long[capacity];
        updated = new long[capacity];
        tries = new int[capacity];
        used = new boolean[capacity];
        pendingHead = new int[capacity];
        pendingTail = new int[capacity];
        pendingCount = new int[capacity];
        index = new AddressIndex(capacity);
        held = new HeldFrames(pendingSlots, slotCapacity);
        this.counters = counters;
        String p = "arp." + side + ".";
        cLearned = counters.register(p + "learned", "neighbors learned on the " + side);
        cUpdated = counters.register(p + "updated", "neighbor entries confirmed or changed on the " + side);
        cExpired = counters.register(p + "expired", "neighbor entries aged out on the " + side);
        cRequests = counters.register(p + "requests_sent", "ARP requests sent on the " + side);
        cHeld = counters.register(p + "frames_held", "frames held while resolving a next hop on the " + side);
        cHeldDropped = counters.register(p + "dropped.queue_full", "frames dropped: too many already waiting for a next hop on the " + side);
        cReleased = counters.register(p + "frames_released", "held frames sent once their next hop answered on the " + side);
        cUnresolved = counters.register(p + "frames_unresolved", "held frames given up on: their next hop never answered on the " + side);
        cTableFull = counters.register(p + "dropped.table_full", "neighbors not learned: the table is full on the " + side);
        cStaticConflict = counters.register(p + "static_conflict", "ARP messages that claimed a static neighbor's address with another MAC on the " + side);
    }

    /** Adds a static entry (config {@code [[neighbor]]}); set-up time only. */
    public void addStatic(int a, long m) {
        int e = find(a);
        if (e < 0) {
            e = allocate(a, 0);
            if (e < 0) {
                throw new IllegalStateException("neighbor table too small for the static entries");
            }
        }
        state[e] = STATIC;
        mac[e] = m;
    }

    /** The MAC of {@code a}, or {@link #MISSING}. Marks the entry as in use, so that it is re-probed when it ages. */
    public long lookup(int a) {
        int e = find(a);
        if (e < 0) {
            return MISSING;
        }
        byte s = state[e];
        if (s == REACHABLE || s == PROBE || s == STATIC) {
            used[e] = true;
            return mac[e];
        }
        return MISSING;
    }

    /**
     * Holds a copy of {@code frame} until {@code nextHop} is resolved, and starts resolving it if
     * needed. Returns {@link #HELD}, or {@link #DROPPED} when no room is left (counted). The caller
     * keeps its frame.
     */
    public int hold(int nextHop, PacketBuffer frame, long now) {
        int e = find(nextHop);
        boolean fresh = false;
        if (e < 0) {
            e = allocate(nextHop, now);
            if (e < 0) {
                counters.increment(cTableFull);
                counters.increment(cHeldDropped);
                return DROPPED;
            }
            state[e] = INCOMPLETE;
            tries[e] = 1;
            deadline(e, now + retryNanos);
            fresh = true;
        } else if (state[e] != INCOMPLETE) {
            // Known after all (the caller raced a learn): nothing to hold.
            listener.release(frame, mac[e]);
            return HELD;
        }
        int result = enqueue(e, frame);
        if (fresh) {
            // After the copy: the listener may reuse the caller's frame to write the request.
            counters.increment(cRequests);
            listener.sendRequest(nextHop);
        }
        return result;
    }

    private int enqueue(int e, PacketBuffer frame) {
        if (!held.fits(frame)) {
            counters.increment(cHeldDropped);
            return DROPPED;
        }
        if (pendingCount[e] == perNeighbor) {
            // Like Linux's unres_qlen: the oldest frame makes way for the newest.
            held.release(popPending(e));
            counters.increment(cHeldDropped);
        }
        if (held.full()) {
            counters.increment(cHeldDropped);
            return DROPPED;
        }
        int s = held.hold(frame);
        if (pendingCount[e] == 0) {
            pendingHead[e] = s;
        } else {
            held.link(pendingTail[e], s);
        }
        pendingTail[e] = s;
        pendingCount[e]++;
        counters.increment(cHeld);
        return HELD;
    }

    /**
     * What an ARP message taught us: {@code sender} is at {@code senderMac}. Following RFC 826's
     * merge rule, an entry already there is updated; a new one is made only when the message was
     * addressed to us ({@code targetIsUs}). The caller has already checked that {@code sender} is on
     * this side's connected prefix and not one of our own addresses. Held frames are released.
     */
    public void learn(int sender, long senderMac, boolean targetIsUs, long now) {
        int e = find(sender);
        if (e >= 0) {
            if (state[e] == STATIC) {
                if (mac[e] != senderMac) {
                    counters.increment(cStaticConflict);
                }
                return;
            }
            counters.increment(cUpdated);
        } else {
            if (!targetIsUs) {
                return;
            }
            e = allocate(sender, now);
            if (e < 0) {
                counters.increment(cTableFull);
                return;
            }
            counters.increment(cLearned);
        }
        mac[e] = senderMac;
        state[e] = REACHABLE;
        deadline(e, now + reachableNanos);
        updated[e] = now;
        tries[e] = 0;
        used[e] = false;
        while (pendingCount[e] > 0) {
            int s = popPending(e);
            counters.increment(cReleased);
            listener.release(held.frame(s), senderMac);
            held.release(s);
        }
    }

    /** The timer step: repeat requests, give up on silent neighbors, age entries. */
    public void poll(long now) {
        // Found again by this sweep; deadlines the listener sets meanwhile (it may resolve other
        // next hops from its callbacks) lower it through deadline(), wherever their entry is.
        earliest = Deadlines.NONE;
        for (int e = 0; e < highWater; e++) {
            byte s = state[e];
            if (s != INCOMPLETE && s != PROBE && s != REACHABLE) {
                continue;
            }
            if (now - deadline[e] < 0) {
                earliest = Deadlines.earliest(earliest, deadline[e]);
                continue;
            }
            if (s == REACHABLE) {
                counters.increment(cExpired);
                if (!used[e]) {
                    remove(e);
                    continue;
                }
                state[e] = PROBE;
                tries[e] = 0;
            }
            if (tries[e] < maxTries) {
                tries[e]++;
                deadline(e, now + retryNanos);
                counters.increment(cRequests);
                listener.sendRequest(address[e]);
            } else {
                // Detach the held frames and drop the entry first: the listener may resolve
                // other next hops (and so change this table) while it reports these.
                int slot = pendingHead[e];
                int n = pendingCount[e];
                pendingCount[e] = 0;
                remove(e);
                for (int i = 0; i < n; i++) {
                    int next = held.next(slot);
                    counters.increment(cUnresolved);
                    listener.unresolved(held.frame(slot), now);
                    held.release(slot);
                    slot = next;
                }
            }
        }
    }

    /**
     * When {@link #poll} next has work, in clock nanoseconds: the earliest request retry or ageing
     * of any entry; {@link Deadlines#NONE} when none is pending (empty, or static entries only).
     * May be earlier than needed, never later. O(1).
     */
    public long nextDeadline() {
        return earliest;
    }

    /** Entries in use (all states). */
    public int size() {
        return size;
    }

    /** Frames held now. */
    public int heldFrames() {
        return held.held();
    }

    /** The most frames this table ever holds. */
    public int heldCapacity() {
        return held.capacity();
    }

    /** The most entries this table ever holds. */
    public int capacity() {
        return address.length;
    }

    /**
     * Back to the state of a new table whose held frames are at most {@code slotCapacity} bytes
     * (no more than made with), static entries gone (the owner adds those again): a fuzzer reuses
     * one router per configuration. Set-up time only.
     */
    public void reset(int slotCapacity) {
        // Entries from highWater on were never written: they are as new already.
        for (int[] a : new int[][] {address, tries, pendingHead, pendingTail, pendingCount}) {
            Arrays.fill(a, 0, highWater, 0);
        }
        for (long[] a : new long[][] {mac, deadline, updated}) {
            Arrays.fill(a, 0, highWater, 0);
        }
        Arrays.fill(state, 0, highWater, FREE);
        Arrays.fill(used, 0, highWater, false);
        index.clear();
        size = 0;
        highWater = 0;
        earliest = Deadlines.NONE;
        held.reset(slotCapacity);
    }

    // ---- internals ------------------------------------------------------------------------

    private void deadline(int e, long at) {
        deadline[e] = at;
        earliest = Deadlines.earliest(earliest, at);
    }

    private int find(int a) {
        return index.find(a);
    }

    /** A free entry for {@code a}, evicting the oldest learned idle entry when full; -1 if none. */
    private int allocate(int a, long now) {
        int e = -1;
        if (size < address.length) {
            for (int i = 0; i < address.length; i++) {
                if (state[i] == FREE) {
                    e = i;
                    break;
                }
            }
            highWater = Math.max(highWater, e + 1);
        } else {
            long oldest = Long.MAX_VALUE;
            for (int i = 0; i < address.length; i++) {
                if ((state[i] == REACHABLE || state[i] == PROBE) && pendingCount[i] == 0
                        && (e < 0 || updated[i] - oldest < 0)) {
                    oldest = updated[i];
                    e = i;
                }
            }
            if (e < 0) {
                return -1;
            }
            remove(e);
        }
        address[e] = a;
        mac[e] = MISSING;
        state[e] = INCOMPLETE;
        updated[e] = now;
        tries[e] = 0;
        used[e] = false;
        pendingCount[e] = 0;
        size++;
        index.put(a, e);
        return e;
    }

    private void remove(int e) {
        index.remove(address[e]);
        state[e] = FREE;
        size--;
    }

    private int popPending(int e) {
        int s = pendingHead[e];
        pendingHead[e] = held.next(s);
        pendingCount[e]--;
        return s;
    }
}
