package org.jnat.nat;

import org.jnat.runtime.Deadlines;

/**
 * Expiry of sessions through a hashed timer wheel (Varghese and Lauck), so that the cost of
 * expiring does not grow with the table: each tick looks only at the sessions filed under it.
 *
 * <p>Entries are the ids {@code 0..capacity-1} of the owner's rows, kept in intrusive circular
 * doubly linked lists ({@link Links}; ids {@code capacity..capacity+slots-1} are the sentinels of
 * the slots), so filing, moving and cancelling are O(1) and allocate nothing.
 *
 * <p>Refreshing a session does not touch the wheel: the owner just moves the session's expiry
 * later. When the session's slot comes round, the wheel asks the owner for the real expiry and
 * either expires the session or files it again under its new tick ("lazy" refresh: a packet costs
 * one store, not a list move). Expiries beyond the wheel's horizon are filed at the horizon and
 * re-filed when it comes round, so a session of the 2 h 4 min TCP timeout is looked at a handful of
 * times in its life, whatever the size of the table.
 *
 * <p>{@link #nextDeadline()} says when {@link #advance} next has work, so that an idle router
 * sleeps instead of walking empty slots: {@link Deadlines#NONE} when nothing is filed; else the
 * earliest expiry filed in the slot under the cursor, or the start of the nearest tick ahead whose
 * slot holds anything, whichever is sooner. A bitmap of the slots that hold entries, kept on every
 * file and cancel (one bit store), makes "the nearest slot ahead" a scan of at most
 * {@code slots / 64} words, done at most once per {@link #advance} and only when asked. The answer
 * may be early (an entry whose expiry moved later, or that was cancelled), never late.
 */
public final class TimerWheel {
    /** What the wheel asks of the table it expires. */
    public interface Owner {
        /** The current expiry of entry {@code id}, in clock nanoseconds. */
        long expiryOf(int id);

        /** Entry {@code id} has expired: the owner removes it (and calls {@link #cancel}). */
        void expire(int id, long now);
    }

    /** The slots' lists, {@link Links}: entries and sentinels. */
    private final int[] links;
    private final int capacity;
    private final int slots;
    private final int slotMask;
    private final int tickShift;
    private long cursor;
    private boolean started;
    /** Bit {@code s} set: slot {@code s} holds at least one entry. */
    private final long[] occupied;
    /** As many words as {@link #occupied}, all zero: {@link #reset} finds the occupied words by {@code Arrays.mismatch}. */
    private final long[] noBits;
    /** Entries on the wheel. */
    private int filed;
    /** The earliest time the slot under the cursor needs walking again, or NONE. */
    private long cursorDue = Deadlines.NONE;
    /** The start of the nearest occupied tick after the cursor, or NONE; valid unless {@link #aheadStale}. */
    private long aheadDue = Deadlines.NONE;
    /** The cursor moved since {@link #aheadDue} was found: find it again when asked. */
    private boolean aheadStale;

    /**
     * @param capacity  entries are ids 0..capacity-1
     * @param slots     a power of two
     * @param tickShift a tick is 2^tickShift nanoseconds
     */
    public TimerWheel(int capacity, int slots, int tickShift) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two");
        }
        this.capacity = capacity;
        this.slots = slots;
        this.slotMask = slots - 1;
        this.tickShift = tickShift;
        this.links = new int[2 * (capacity + slots)];
        this.occupied = new long[(slots + 63) >>> 6];
        this.noBits = new long[occupied.length];
        // Every id alone (Links.alone: both of its links point at itself), i.e. links[k] = k / 2.
        // Filled by the JDK's loop: the same values, and under a fuzzer's instrumentation it costs
        // one store per entry instead of an instrumented comparison (16 384 sentinels per table).
        java.util.Arrays.setAll(links, k -> k >> 1);
    }

    /**
     * Empties the wheel, as a new one.
     * For a fuzzer that reuses one instance per configuration ({@link NatEngine#reset}): no
     * allocation, every field as the constructor left it.
     */
    void reset() {
        // Every entry alone, and the sentinel of every occupied slot (an empty slot's sentinel is
        // alone already): for a fuzzer's wheel of a few entries this is a few stores, where
        // refilling all 16 384 sentinels cost as much as making a new wheel.
        for (int id = 0; id < capacity; id++) {
            Links.alone(links, id);
        }
        for (int word = nextOccupiedWord(0); word >= 0; word = nextOccupiedWord(word + 1)) {
            for (long bits = occupied[word]; bits != 0; bits &= bits - 1) {
                Links.alone(links, capacity + (word << 6) + Long.numberOfTrailingZeros(bits));
            }
            occupied[word] = 0;
        }
        cursor = 0;
        started = false;
        filed = 0;
        cursorDue = Deadlines.NONE;
        aheadDue = Deadlines.NONE;
        aheadStale = false;
    }

    /**
     * The first word of {@link #occupied} from {@code from} on with a bit set, or -1: the JDK's
     * vectorized comparison against zeros, where a loop of ours over all 256 words cost a fuzzer
     * an instrumented comparison per word on every reset.
     */
    private int nextOccupiedWord(int from) {
        int found = from >= occupied.length ? -1
                : java.util.Arrays.mismatch(occupied, from, occupied.length, noBits, from, occupied.length);
        return found < 0 ? -1 : from + found;
    }

    /** 16384 slots of 2^26 ns (67 ms): a horizon of about 18 minutes, beyond UDP, ICMP and transitory TCP. */
    public static TimerWheel forSessions(int capacity) {
        return new TimerWheel(capacity, 16384, 26);
    }

    private long tick(long nanos) {
        return nanos >> tickShift;
    }

    /** Files {@code id} (not on the wheel) to expire at {@code expiry}. */
    public void schedule(int id, long expiry, long now) {
        if (!started || filed == 0) {
            // An empty wheel may have slept through many turns: bring the cursor to now, so that
            // the expiry is filed against the present (nothing is on the wheel to be skipped).
            cursor = tick(now);
            started = true;
            cursorDue = Deadlines.NONE;
            aheadDue = Deadlines.NONE;
            aheadStale = false;
        }
        file(id, expiry);
    }

    private void file(int id, long expiry) {
        long t = tick(expiry);
        // Never behind the slot now being walked, never beyond one turn ahead.
        if (t < cursor) {
            t = cursor;
        } else if (t - cursor >= slots) {
            t = cursor + slots - 1;
        }
        int slot = (int) (t & slotMask);
        Links.insertBefore(links, capacity + slot, id);
        occupied[slot >>> 6] |= 1L << slot;
        filed++;
        if (t == cursor) {
            cursorDue = Deadlines.earliest(cursorDue, expiry);
        } else if (!aheadStale) {
            aheadDue = Deadlines.earliest(aheadDue, t << tickShift);
        }
    }

    /**
     * Files {@code id} again for an expiry that moved earlier. (Moving it later needs no call: the
     * wheel finds out when the old slot comes round.)
     */
    public void reschedule(int id, long expiry) {
        cancel(id);
        file(id, expiry);
    }

    /** Takes {@code id} off the wheel; harmless if it is not on it. */
    public void cancel(int id) {
        int n = Links.next(links, id);
        if (n == id) {
            return;
        }
        int p = Links.previous(links, id);
        Links.unlink(links, id);
        filed--;
        if (n == p && n >= capacity) {
            // Its slot's sentinel now points at itself: the slot is empty.
            int slot = n - capacity;
            occupied[slot >>> 6] &= ~(1L << slot);
        }
    }

    public boolean isScheduled(int id) {
        return Links.next(links, id) != id;
    }

    /**
     * Walks the ticks from the last call up to {@code now}, expiring what is due and re-filing
     * what was refreshed. Returns how many entries expired. A jump of more than one turn walks each
     * slot once, since every entry is filed within one turn.
     */
    public int advance(long now, Owner owner) {
        return advance(now, owner, Integer.MAX_VALUE);
    }

    /**
     * As {@link #advance(long, Owner)}, but stops after {@code budget} expiries, so that one call
     * never stalls the data plane for long (a million sessions set up in the same tick also expire
     * in the same tick); the next call carries on where this one stopped.
     */
    public int advance(long now, Owner owner, int budget) {
        if (!started) {
            cursor = tick(now);
            started = true;
            return 0;
        }
        long target = tick(now);
        if (filed == 0) {
            // Nothing to walk: an idle router may call after hours; the cursor just catches up.
            cursor = Math.max(cursor, target);
            cursorDue = Deadlines.NONE;
            aheadDue = Deadlines.NONE;
            aheadStale = false;
            return 0;
        }
        int expired = 0;
        long walked = 0;
        aheadStale = true;
        while (cursor <= target) {
            int sentinel = capacity + (int) (cursor & slotMask);
            cursorDue = Deadlines.NONE;
            int id = Links.next(links, sentinel);
            while (id != sentinel) {
                int after = Links.next(links, id);
                long expiry = owner.expiryOf(id);
                if (expiry - now <= 0) {
                    cancel(id);
                    owner.expire(id, now);
                    if (++expired >= budget) {
                        // The cursor stays: the rest of this slot comes next call, at once.
                        cursorDue = now;
                        return expired;
                    }
                } else if (tick(expiry) != cursor) {
                    cancel(id);
                    file(id, expiry);
                } else {
                    // Due later in this very tick: stays, and this slot is walked again at its expiry.
                    cursorDue = Deadlines.earliest(cursorDue, expiry);
                }
                id = after;
            }
            if (cursor == target) {
                break;
            }
            // Empty slots hold nothing to walk: go straight to the next occupied one (or the
            // target), so that a clock jump costs the occupied slots, not every tick in between.
            // The count of slots walked is kept as if each had been, so the one-turn cap is the same.
            long step = Math.min(distanceToOccupied(), target - cursor);
            cursor += step;
            walked += step;
            if (walked >= slots) {
                cursor = target;
            }
        }
        return expired;
    }

    /** Ticks from the cursor to the nearest later tick whose slot holds entries; {@code slots} if none within a turn. */
    private int distanceToOccupied() {
        int from = (int) (cursor & slotMask);
        int distance = 1;
        while (distance < slots) {
            int slot = (from + distance) & slotMask;
            long bits = occupied[slot >>> 6] >>> slot; // this slot and the rest of its word
            if (bits != 0) {
                return Math.min(distance + Long.numberOfTrailingZeros(bits), slots);
            }
            distance += Math.min(64 - (slot & 63), slots - slot);
        }
        return slots;
    }

    /**
     * When {@link #advance} next has something to do (an entry may be due, or must be re-filed),
     * in clock nanoseconds; {@link Deadlines#NONE} when the wheel is empty. Never later than an
     * entry's filed expiry; it may be earlier (refreshed or cancelled entries). A time already
     * past means at once: after an {@code advance} that stopped on its budget, for one.
     */
    public long nextDeadline() {
        if (filed == 0) {
            return Deadlines.NONE;
        }
        if (aheadStale) {
            aheadDue = nearestOccupiedTickAhead();
            aheadStale = false;
        }
        return Deadlines.earliest(cursorDue, aheadDue);
    }

    /** The start of the nearest tick after the cursor whose slot holds entries, or NONE: one turn at most. */
    private long nearestOccupiedTickAhead() {
        int distance = distanceToOccupied();
        return distance < slots ? (cursor + distance) << tickShift : Deadlines.NONE;
    }

    /** Entries on the wheel. */
    public int size() {
        return filed;
    }

    long bytes() {
        return 4L * links.length + 8L * occupied.length;
    }
}
