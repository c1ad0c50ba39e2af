package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jnat.runtime.Deadlines;
import org.junit.jupiter.api.Test;

class TimerWheelTest {
    /** An owner with settable expiries that records what expired and when. */
    static final class Entries implements TimerWheel.Owner {
        final long[] expiry;
        final List<long[]> expired = new ArrayList<>();

        Entries(int n) {
            expiry = new long[n];
        }

        @Override
        public long expiryOf(int id) {
            return expiry[id];
        }

        @Override
        public void expire(int id, long now) {
            expired.add(new long[] {id, now});
        }
    }

    @Test
    void expiresOnlyWhatIsDue() {
        Entries e = new Entries(4);
        TimerWheel w = new TimerWheel(4, 8, 10); // ticks of 1024 ns, horizon 8 ticks
        e.expiry[0] = 5_000;
        e.expiry[1] = 3_000;
        w.schedule(0, e.expiry[0], 0);
        w.schedule(1, e.expiry[1], 0);
        assertThat(w.advance(2_999, e)).isZero();
        assertThat(w.advance(3_500, e)).isEqualTo(1);
        assertThat(e.expired.get(0)[0]).isEqualTo(1);
        assertThat(w.isScheduled(1)).isFalse();
        assertThat(w.advance(4_999, e)).isZero();
        assertThat(w.advance(5_000, e)).isEqualTo(1);
        assertThat(w.isScheduled(0)).isFalse();
    }

    @Test
    void aRefreshedEntryIsRefiledNotExpired() {
        Entries e = new Entries(1);
        TimerWheel w = new TimerWheel(1, 8, 10);
        e.expiry[0] = 2_000;
        w.schedule(0, 2_000, 0);
        e.expiry[0] = 6_000; // refreshed: only the expiry moved
        assertThat(w.advance(3_000, e)).isZero();
        assertThat(w.isScheduled(0)).isTrue();
        assertThat(w.advance(6_000, e)).isEqualTo(1);
    }

    @Test
    void expiriesBeyondTheHorizonComeRound() {
        Entries e = new Entries(1);
        TimerWheel w = new TimerWheel(1, 8, 10); // horizon about 8 µs
        e.expiry[0] = 100_000;
        w.schedule(0, 100_000, 0);
        for (long t = 0; t < 100_000; t += 500) {
            assertThat(w.advance(t, e)).isZero();
        }
        assertThat(w.advance(100_000, e)).isEqualTo(1);
    }

    @Test
    void aLongJumpExpiresEverythingDueOnce() {
        Entries e = new Entries(100);
        TimerWheel w = new TimerWheel(100, 16, 10);
        for (int i = 0; i < 100; i++) {
            e.expiry[i] = 1_000L * (i + 1);
            w.schedule(i, e.expiry[i], 0);
        }
        assertThat(w.advance(1_000_000_000L, e)).isEqualTo(100);
    }

    @Test
    void aBudgetSpreadsABurstOfExpiriesOverCalls() {
        Entries e = new Entries(100);
        TimerWheel w = new TimerWheel(100, 16, 10);
        for (int i = 0; i < 100; i++) {
            e.expiry[i] = 5_000; // all in the same tick
            w.schedule(i, 5_000, 0);
        }
        assertThat(w.advance(6_000, e, 30)).isEqualTo(30);
        assertThat(w.advance(6_000, e, 30)).isEqualTo(30);
        assertThat(w.advance(6_000, e, 30)).isEqualTo(30);
        assertThat(w.advance(6_000, e, 30)).isEqualTo(10);
        assertThat(e.expired).hasSize(100);
        assertThat(e.expired.stream().mapToLong(x -> x[0]).distinct().count()).isEqualTo(100);
    }

    @Test
    void cancelledEntriesNeverExpire() {
        Entries e = new Entries(2);
        TimerWheel w = new TimerWheel(2, 8, 10);
        e.expiry[0] = 1_000;
        e.expiry[1] = 1_000;
        w.schedule(0, 1_000, 0);
        w.schedule(1, 1_000, 0);
        w.cancel(0);
        w.cancel(0);
        assertThat(w.advance(10_000, e)).isEqualTo(1);
        assertThat(e.expired.get(0)[0]).isEqualTo(1);
    }

    /** Random schedules, refreshes, cancels and clock steps: an entry expires iff due, never early, never twice. */
    @Test
    void randomScheduleAgreesWithAModel() {
        agreesWithAModel(11, 200, 32, 50_000, 3_000);
    }

    /**
     * A wheel with many slots and few entries, driven by jumps of up to nearly a turn (1024 ticks
     * of 256 ns) with expiries up to two turns ahead: most slots are empty, so {@code advance} goes
     * from occupied slot to occupied slot, and what it expires must still be exactly what is due.
     * (Jumps of more than a turn are left out: there an entry re-filed during the walk into a tick
     * before the target waits for its slot to come round, with or without the skip.)
     */
    @Test
    void aSparseWheelSkipsEmptySlotsAndAgreesWithAModel() {
        agreesWithAModel(12, 6, 1024, 600_000, 260_000);
    }

    /** Random schedules, moves, cancels and advances ({@code jump} ns at most) against a model. */
    private static void agreesWithAModel(long seed, int n, int slots, long horizon, long jump) {
        SplittableRandom r = new SplittableRandom(seed);
        Entries e = new Entries(n);
        boolean[] on = new boolean[n];
        TimerWheel w = new TimerWheel(n, slots, 8);
        long now = 1_000_000;
        w.advance(now, e);
        for (int step = 0; step < 20_000; step++) {
            int op = r.nextInt(4);
            if (op < 3) {
                mutate(op, r.nextInt(n), horizon, r, w, e, on, now);
            } else {
                now += r.nextLong(jump);
                e.expired.clear();
                w.advance(now, e);
                for (long[] x : e.expired) {
                    int i = (int) x[0];
                    assertThat(on[i]).isTrue();
                    assertThat(e.expiry[i]).isLessThanOrEqualTo(now);
                    on[i] = false;
                }
                for (int i = 0; i < n; i++) {
                    if (on[i]) {
                        assertThat(e.expiry[i]).as("due entries all went").isGreaterThan(now);
                    }
                }
            }
        }
    }

    // ---- the next deadline ----------------------------------------------------------------

    @Test
    void anEmptyWheelHasNoDeadline() {
        Entries e = new Entries(4);
        TimerWheel w = new TimerWheel(4, 8, 10);
        assertThat(w.nextDeadline()).isEqualTo(Deadlines.NONE);
        w.advance(5_000, e);
        assertThat(w.nextDeadline()).isEqualTo(Deadlines.NONE);
    }

    @Test
    void oneEntryIsDueAtTheStartOfItsTickThenAtItsExpiryThenNever() {
        Entries e = new Entries(1);
        TimerWheel w = new TimerWheel(1, 8, 10); // ticks of 1024 ns
        e.expiry[0] = 5_000; // tick 4: 4096 to 5119
        w.schedule(0, 5_000, 0);
        assertThat(w.nextDeadline()).isEqualTo(4 * 1024L);
        assertThat(w.advance(4 * 1024L, e)).isZero();
        assertThat(w.nextDeadline()).as("due later in the tick the cursor is on").isEqualTo(5_000L);
        assertThat(w.advance(5_000, e)).isEqualTo(1);
        assertThat(w.nextDeadline()).isEqualTo(Deadlines.NONE);
    }

    @Test
    void anEntryDueWithinTheCurrentTickIsDueAtItsExpiry() {
        Entries e = new Entries(1);
        TimerWheel w = new TimerWheel(1, 8, 10);
        e.expiry[0] = 900;
        w.schedule(0, 900, 100); // tick 0, the cursor's
        assertThat(w.nextDeadline()).isEqualTo(900L);
    }

    @Test
    void cancellingTheLastEntryLeavesNoDeadline() {
        Entries e = new Entries(2);
        TimerWheel w = new TimerWheel(2, 8, 10);
        w.schedule(0, 3_000, 0);
        w.schedule(1, 6_000, 0);
        w.cancel(0);
        assertThat(w.nextDeadline()).as("early is allowed, late is not").isLessThanOrEqualTo(6_000L);
        w.cancel(1);
        assertThat(w.nextDeadline()).isEqualTo(Deadlines.NONE);
        assertThat(w.size()).isZero();
        assertThat(w.advance(10_000, e)).isZero();
    }

    @Test
    void whatABudgetLeftIsDueAtOnce() {
        Entries e = new Entries(100);
        TimerWheel w = new TimerWheel(100, 16, 10);
        for (int i = 0; i < 100; i++) {
            e.expiry[i] = 5_000;
            w.schedule(i, 5_000, 0);
        }
        assertThat(w.advance(6_000, e, 30)).isEqualTo(30);
        assertThat(w.nextDeadline()).isLessThanOrEqualTo(6_000L);
        assertThat(w.advance(6_000, e)).isEqualTo(70);
        assertThat(w.nextDeadline()).isEqualTo(Deadlines.NONE);
    }

    @Test
    void beyondTheHorizonTheWheelWakesAboutOncePerTurnNotOncePerTick() {
        Entries e = new Entries(1);
        TimerWheel w = new TimerWheel(1, 8, 10); // a turn is 8 ticks, 8192 ns
        e.expiry[0] = 100_000; // 97 ticks ahead
        w.schedule(0, 100_000, 0);
        int wakeUps = 0;
        while (e.expired.isEmpty() && wakeUps < 1_000) {
            long d = w.nextDeadline();
            assertThat(d).isLessThanOrEqualTo(100_000L);
            w.advance(d, e);
            wakeUps++;
        }
        assertThat(e.expired).hasSize(1);
        assertThat(e.expired.getFirst()[1]).as("expired exactly on time").isEqualTo(100_000L);
        assertThat(wakeUps).as("wake-ups for one entry 97 ticks ahead on a wheel of 8 slots").isLessThanOrEqualTo(15);
    }

    @Test
    void anEmptyWheelThatSleptForManyTurnsFilesAgainstThePresent() {
        Entries e = new Entries(1);
        TimerWheel w = new TimerWheel(1, 8, 10);
        w.schedule(0, 1_000, 0);
        w.advance(1_000, e);
        long now = 1_000_000_000L; // many turns later, nothing filed meanwhile
        e.expiry[0] = now + 5_000;
        w.schedule(0, now + 5_000, now);
        assertThat(w.nextDeadline()).isGreaterThan(now).isLessThanOrEqualTo(now + 5_000);
        w.advance(w.nextDeadline(), e);
        w.advance(w.nextDeadline(), e);
        assertThat(e.expired).hasSize(2);
        assertThat(e.expired.get(1)[1]).isEqualTo(now + 5_000);
    }

    /**
     * The wheel advanced only at its own deadlines, as the router's loop does when nothing else
     * wakes it, between random schedules, refreshes, earlier reschedules and cancels: every entry
     * expires exactly at its expiry (a late deadline would show as a later time), and the
     * deadline is never after a filed entry's expiry.
     */
    @Test
    void drivenOnlyByItsDeadlinesEveryEntryExpiresExactlyOnTime() {
        SplittableRandom r = new SplittableRandom(7);
        int n = 300;
        Entries e = new Entries(n);
        boolean[] on = new boolean[n];
        TimerWheel w = new TimerWheel(n, 32, 8); // ticks of 256 ns, a turn of 8192 ns
        long now = 1_000_000;
        int expired = 0;
        for (int step = 0; step < 30_000; step++) {
            long next = now + r.nextLong(2_000);
            for (int guard = 0; ; guard++) {
                assertThat(guard).as("the wheel makes progress").isLessThan(10_000);
                long d = w.nextDeadline();
                if (d == Deadlines.NONE || d > next) {
                    break;
                }
                now = Math.max(now, d);
                e.expired.clear();
                w.advance(now, e);
                for (long[] x : e.expired) {
                    int i = (int) x[0];
                    assertThat(on[i]).isTrue();
                    assertThat(x[1]).as("entry %d expired at", i).isEqualTo(e.expiry[i]);
                    on[i] = false;
                    expired++;
                }
            }
            now = next;
            int op = r.nextInt(4);
            if (op < 3) {
                mutate(op, r.nextInt(n), 30_000, r, w, e, on, now); // up to nearly four turns
            }
            long d = w.nextDeadline();
            int filed = 0;
            for (int i = 0; i < n; i++) {
                if (on[i]) {
                    filed++;
                    assertThat(d).as("deadline against entry %d", i).isNotEqualTo(Deadlines.NONE)
                            .isLessThanOrEqualTo(e.expiry[i]);
                }
            }
            assertThat(w.size()).isEqualTo(filed);
            if (filed == 0) {
                assertThat(d).isEqualTo(Deadlines.NONE);
            }
        }
        assertThat(expired).as("entries that expired on the way").isGreaterThan(1_000);
    }

    /**
     * One random step of the model-checked drivers: 0 schedules an idle entry, 1 moves a filed
     * entry's expiry (the wheel is told only when it comes earlier, as the NAT does), 2 cancels a
     * filed entry one time in four. Expiries are up to {@code horizon} ns ahead.
     */
    private static void mutate(int op, int id, long horizon, SplittableRandom r, TimerWheel w, Entries e,
                               boolean[] on, long now) {
        switch (op) {
            case 0 -> {
                if (!on[id]) {
                    e.expiry[id] = now + 1 + r.nextLong(horizon);
                    w.schedule(id, e.expiry[id], now);
                    on[id] = true;
                }
            }
            case 1 -> {
                if (on[id]) {
                    long expiry = now + 1 + r.nextLong(horizon);
                    if (expiry < e.expiry[id]) {
                        w.reschedule(id, expiry);
                    }
                    e.expiry[id] = expiry;
                }
            }
            default -> {
                if (on[id] && r.nextInt(4) == 0) {
                    w.cancel(id);
                    on[id] = false;
                }
            }
        }
    }

    /**
     * A reset wheel (NatEngine.reset, for the fuzzer) behaves as a new one: the same entries
     * scheduled at the same times into the same slots the first use left occupied expire in the
     * same order, with the same next deadlines.
     */
    @Test
    void aResetWheelExpiresAsANewOne() {
        TimerWheel used = new TimerWheel(64, 256, 10);
        TimerWheel fresh = new TimerWheel(64, 256, 10);
        long[] expiry = new long[64];
        java.util.Random random = new java.util.Random(5);
        for (int id = 0; id < 64; id++) {
            expiry[id] = 1_000 + random.nextInt(200_000);
        }
        for (int id = 0; id < 64; id += 2) { // half filed, some cancelled, some expired: then reset
            used.schedule(id, expiry[id], 0);
        }
        used.cancel(10);
        used.advance(50_000, owner(expiry, used::cancel));
        assertThat(used.size()).as("entries the first use left filed").isPositive();
        used.reset();
        assertThat(runToEnd(used, expiry)).isEqualTo(runToEnd(fresh, expiry));
    }

    /** Schedules every entry at time 0, then advances to the end: the ids in the order they expired, and each deadline. */
    private static java.util.List<Long> runToEnd(TimerWheel wheel, long[] expiry) {
        java.util.List<Long> seen = new java.util.ArrayList<>();
        for (int id = 0; id < expiry.length; id++) {
            wheel.schedule(id, expiry[id], 0);
        }
        TimerWheel.Owner owner = owner(expiry, id -> {
            if (seen.size() > 10_000) {
                throw new AssertionError("the wheel expires without end: a slot's list does not close");
            }
            seen.add((long) id);
            wheel.cancel(id);
        });
        for (long now = 0; now <= 300_000 && seen.size() < 10_000; now += 3_000) {
            wheel.advance(now, owner);
            seen.add(-wheel.nextDeadline());
        }
        seen.add((long) wheel.size());
        return seen;
    }

    /** An owner whose entry {@code id} expires at {@code expiry[id]}; {@code expired} takes each that does. */
    private static TimerWheel.Owner owner(long[] expiry, java.util.function.IntConsumer expired) {
        return new TimerWheel.Owner() {
            @Override
            public long expiryOf(int id) {
                return expiry[id];
            }

            @Override
            public void expire(int id, long now) {
                expired.accept(id);
            }
        };
    }
}
