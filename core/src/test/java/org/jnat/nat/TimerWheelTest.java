package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
        SplittableRandom r = new SplittableRandom(11);
        int n = 200;
        Entries e = new Entries(n);
        boolean[] on = new boolean[n];
        TimerWheel w = new TimerWheel(n, 32, 8);
        long now = 1_000_000;
        w.advance(now, e);
        for (int step = 0; step < 20_000; step++) {
            int id = r.nextInt(n);
            switch (r.nextInt(4)) {
                case 0 -> {
                    if (!on[id]) {
                        e.expiry[id] = now + 1 + r.nextLong(50_000);
                        w.schedule(id, e.expiry[id], now);
                        on[id] = true;
                    }
                }
                case 1 -> {
                    if (on[id]) {
                        long expiry = now + 1 + r.nextLong(50_000);
                        if (expiry < e.expiry[id]) {
                            w.reschedule(id, expiry);
                        }
                        e.expiry[id] = expiry;
                    }
                }
                case 2 -> {
                    if (on[id] && r.nextInt(4) == 0) {
                        w.cancel(id);
                        on[id] = false;
                    }
                }
                default -> {
                    now += r.nextLong(3_000);
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
    }
}
