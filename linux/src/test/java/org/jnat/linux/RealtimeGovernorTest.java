package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.testing.Allocations;
import org.junit.jupiter.api.Test;

/**
 * The governor driven the way the loop drives it (frames received, then a round at the next time),
 * with a fake clock and a scheduler that records what it was asked.
 */
class RealtimeGovernorTest {
    private static final long MS = 1_000_000L;
    private static final long US = 1_000L;

    /** Records every switch; refuses them while {@link #refuse} is set. */
    static final class FakeScheduler implements RealtimeGovernor.Scheduler {
        final List<Boolean> calls = new ArrayList<>();
        boolean refuse;

        @Override
        public boolean realtime(boolean realtime) {
            calls.add(realtime);
            return !refuse;
        }
    }

    private final FakeScheduler scheduler = new FakeScheduler();
    private final Counters counters = new Counters();
    private long now = 1_000 * MS;
    private final RealtimeGovernor governor = new RealtimeGovernor(scheduler, counters, now);

    /** A steady load: one round every {@code gapNanos} with {@code framesPerRound}, for {@code durationNanos}. */
    private void load(long framesPerRound, long gapNanos, long durationNanos) {
        long end = now + durationNanos;
        while (now < end) {
            now += gapNanos;
            governor.received((int) framesPerRound);
            governor.observe(now);
        }
    }

    /** No frames, and the loop woken every 10 ms by something else (the router's timers, say). */
    private void idle(long durationNanos) {
        load(0, 10 * MS, durationNanos);
    }

    /**
     * No frames and nothing else pending: the loop wakes only when {@code g} asks
     * ({@link RealtimeGovernor#nextDeadline()}), until {@code end}. Returns the time of the
     * first switch it saw, or -1, and counts the rounds in {@link #rounds}.
     */
    private long sleepUntil(RealtimeGovernor g, long end) {
        long switchedAt = -1;
        rounds = 0;
        while (true) {
            long d = g.nextDeadline();
            if (d == Deadlines.NONE || d > end) {
                break;
            }
            assertThat(d).as("a deadline ahead of the round that asked").isGreaterThan(now);
            now = d;
            boolean before = g.realtime();
            g.observe(now);
            rounds++;
            if (g.realtime() != before && switchedAt < 0) {
                switchedAt = now;
            }
        }
        now = end;
        return switchedAt;
    }

    private int rounds;

    @Test
    void aPingEvery2msKeepsTheThreadRealtimeWithoutASingleSwitch() {
        load(1, 1 * MS, 10_000 * MS); // request and reply: 1 000 frames/s
        assertThat(governor.realtime()).isTrue();
        assertThat(scheduler.calls).isEmpty();
    }

    @Test
    void aFloodDemotesWithinAWindowAndStaysDemotedWithoutFurtherSwitches() {
        load(1, 5 * US, 2 * MS); // 200 000 frames/s, one frame per round as under SCHED_FIFO
        assertThat(governor.realtime()).isFalse();
        assertThat(scheduler.calls).containsExactly(false);
        load(32, 200 * US, 10_000 * MS); // batches of 32 under SCHED_OTHER, 160 000 frames/s
        assertThat(scheduler.calls).containsExactly(false);
        assertThat(counters.get("dataplane.realtime_demotions")).isEqualTo(1);
    }

    @Test
    void afterTheFloodTheThreadIsPromotedOnceTheQuietTimeHasPassed() {
        load(32, 200 * US, 1_000 * MS);
        assertThat(governor.realtime()).isFalse();
        idle(RealtimeGovernor.QUIET_NANOS - 20 * MS);
        assertThat(governor.realtime()).as("before the quiet time").isFalse();
        idle(40 * MS);
        assertThat(governor.realtime()).isTrue();
        assertThat(scheduler.calls).containsExactly(false, true);
        assertThat(counters.get("dataplane.realtime_promotions")).isEqualTo(1);
    }

    @Test
    void aLoadBetweenTheThresholdsKeepsWhicheverPolicyTheThreadHas() {
        load(1, 100 * US, 2_000 * MS); // 10 000 frames/s: neither light nor heavy
        assertThat(governor.realtime()).isTrue();
        load(32, 200 * US, 100 * MS); // flood: demote
        load(1, 100 * US, 5_000 * MS); // back to 10 000 frames/s
        assertThat(governor.realtime()).isFalse();
        assertThat(scheduler.calls).containsExactly(false);
    }

    @Test
    void aShortBurstOfAFewFramesDoesNotDemote() {
        load(1, 10 * US, 1_500 * US); // 150 frames in 1.5 ms, e.g. a TCP exchange
        idle(100 * MS);
        load(1, 10 * US, 1_500 * US);
        assertThat(scheduler.calls).isEmpty();
    }

    @Test
    void aRateAboveTheLightThresholdResetsTheQuietTime() {
        load(32, 200 * US, 100 * MS);
        for (int i = 0; i < 50; i++) { // 6 000 frames/s, never light for 100 ms
            load(1, 166 * US, 20 * MS);
        }
        assertThat(governor.realtime()).isFalse();
        load(1, 1 * MS, 150 * MS); // 1 000 frames/s
        assertThat(governor.realtime()).isTrue();
    }

    /** {@code bursts} times: 20 ms of flood (batches of 32 every 200 µs), then {@code pauseNanos} of nothing. */
    private static long bursts(RealtimeGovernor g, long now, int bursts, long pauseNanos) {
        for (int b = 0; b < bursts; b++) {
            for (long t = 0; t < 20 * MS; t += 200 * US) {
                now += 200 * US;
                g.received(32);
                g.observe(now);
            }
            for (long t = 0; t < pauseNanos; t += 10 * MS) {
                now += 10 * MS;
                g.observe(now);
            }
        }
        return now;
    }

    @Test
    void anAlternatingLoadSwitchesAtMostTwicePerSecond() {
        // Without the limit a pause of 130 ms would give two switches per burst (13 per second).
        // Every pause length from 50 ms to 3 s, 60 s each; count the second 30 s.
        for (long pause = 50 * MS; pause <= 3_000 * MS; pause += 40 * MS) {
            RealtimeGovernor g = new RealtimeGovernor(scheduler, new Counters(), now);
            int cycles = (int) (30_000 * MS / (20 * MS + pause));
            now = bursts(g, now, cycles, pause);
            int before = scheduler.calls.size();
            long start = now;
            now = bursts(g, now, cycles, pause);
            long seconds = (now - start + 999 * MS) / (1_000 * MS);
            assertThat(scheduler.calls.size() - before).as("policy changes in %d s with pauses of %d ms", seconds,
                    pause / MS).isLessThanOrEqualTo((int) (2 * seconds + 1));
        }
    }

    @Test
    void promotionsAreRateLimitedAfterTheBurst() {
        now = bursts(governor, now, 6, 130 * MS); // 900 ms
        // Promoted in the first three pauses, then held back by the rate limit.
        assertThat(scheduler.calls).containsExactly(false, true, false, true, false, true, false);
        now = bursts(governor, now, 1, 1_000 * MS);
        assertThat(governor.realtime()).as("a second on: one promotion allowed again").isTrue();
        assertThat(scheduler.calls).hasSize(8);
    }

    @Test
    void theRateLimitRefillsWhileTheThreadStaysRealtime() {
        now = bursts(governor, now, 10, 130 * MS);
        assertThat(governor.realtime()).isFalse();
        idle(5_000 * MS);
        assertThat(governor.realtime()).isTrue();
        int before = scheduler.calls.size();
        now = bursts(governor, now, 3, 130 * MS);
        assertThat(scheduler.calls.subList(before, scheduler.calls.size()))
                .containsExactly(false, true, false, true, false, true);
    }

    @Test
    void aRefusedSwitchIsCountedAndNotRetriedEveryRound() {
        scheduler.refuse = true;
        load(32, 200 * US, 1_000 * MS);
        assertThat(scheduler.calls).containsExactly(false);
        assertThat(counters.get("dataplane.realtime_switch_failures")).isEqualTo(1);
        assertThat(counters.get("dataplane.realtime_demotions")).isZero();
    }

    @Test
    void ratesAreScaledToTheWindowsRealLength() {
        load(32, 200 * US, 100 * MS);
        // The thread sleeps 20 ms between rounds: 80 frames per round is 4 000 frames/s, light,
        // though more than LIGHT_FRAMES per window.
        load(80, 20 * MS, 200 * MS);
        assertThat(governor.realtime()).isTrue();
        assertThat(scheduler.calls).containsExactly(false, true);
    }

    @Test
    void theRoundsAllocateNothing() {
        long[] t = {now};
        Allocations.assertSteadyStateAllocatesNothing("governor rounds", () -> {
            for (int i = 0; i < 1_000; i++) {
                t[0] += 7 * US;
                governor.received(i % 64 == 0 ? 32 : 0);
                governor.observe(t[0]);
            }
        }, 100);
    }

    // ---- the rounds it asks for --------------------------------------------------------------

    @Test
    void withNothingToDecideItAsksForNoRound() {
        assertThat(governor.nextDeadline()).isEqualTo(Deadlines.NONE);
        assertThat(sleepUntil(governor, now + 10_000 * MS)).isEqualTo(-1);
        assertThat(rounds).isZero();
        assertThat(governor.realtime()).isTrue();
    }

    @Test
    void framesInTheCurrentWindowAskForItsEnd() {
        long windowStart = now;
        now += 1 * MS;
        governor.received(3);
        governor.observe(now);
        assertThat(governor.nextDeadline()).isEqualTo(windowStart + RealtimeGovernor.WINDOW_NANOS);
        sleepUntil(governor, now + 1_000 * MS);
        assertThat(rounds).as("the window's end, then nothing").isEqualTo(1);
    }

    @Test
    void aBurstAfterAQuietSpellIsJudgedOnItsOwnWindow() {
        now += 1 * MS;
        governor.received(150); // below HEAVY_FRAMES
        governor.observe(now);
        sleepUntil(governor, now + 5_000 * MS);
        now += 1 * MS;
        governor.received(150); // so is this one; the two together are not
        governor.observe(now);
        assertThat(governor.realtime()).isTrue();
        assertThat(scheduler.calls).isEmpty();
    }

    @Test
    void demotedItAsksForTheRoundThatPromotesIt() {
        load(32, 200 * US, 100 * MS);
        assertThat(governor.realtime()).isFalse();
        long lastHeavyWindowEnd = governor.nextDeadline();
        long promotedAt = sleepUntil(governor, now + 1_000 * MS);
        assertThat(governor.realtime()).isTrue();
        assertThat(promotedAt).isEqualTo(lastHeavyWindowEnd + RealtimeGovernor.QUIET_NANOS);
        assertThat(rounds).as("rounds in the idle second").isLessThanOrEqualTo(3);
        assertThat(governor.nextDeadline()).isEqualTo(Deadlines.NONE);
        assertThat(scheduler.calls).containsExactly(false, true);
    }

    /**
     * Held back by the rate limit, the promotion comes when the limit allows it, no later than
     * when a loop woken every 10 ms would make it (and at most 10 ms earlier: its windows end on
     * another grid).
     */
    @Test
    void aRateLimitedPromotionIsAskedForWhenAllowed() {
        long start = now;
        RealtimeGovernor stepped = new RealtimeGovernor(new FakeScheduler(), new Counters(), start);
        long end = bursts(stepped, start, 6, 130 * MS);
        assertThat(stepped.realtime()).as("held back by the limit").isFalse();
        long steppedAt = -1;
        for (long t = end + 10 * MS; steppedAt < 0 && t < end + 5_000 * MS; t += 10 * MS) {
            stepped.observe(t);
            if (stepped.realtime()) {
                steppedAt = t;
            }
        }

        RealtimeGovernor sleeping = new RealtimeGovernor(new FakeScheduler(), new Counters(), start);
        now = bursts(sleeping, start, 6, 130 * MS);
        long sleptAt = sleepUntil(sleeping, end + 5_000 * MS);
        assertThat(sleeping.realtime()).isTrue();
        assertThat(steppedAt).isPositive();
        assertThat(sleptAt).isLessThanOrEqualTo(steppedAt).isGreaterThan(steppedAt - 10 * MS);
        assertThat(rounds).as("rounds while held back").isLessThanOrEqualTo(3);
    }

    @Test
    void askingAllocatesNothing() {
        Allocations.assertSteadyStateAllocatesNothing("governor deadlines", () -> {
            for (int i = 0; i < 1_000; i++) {
                now += 7 * US;
                governor.received(i % 64 == 0 ? 32 : 0);
                governor.observe(now);
                if (governor.nextDeadline() == 0) {
                    throw new AssertionError();
                }
            }
        }, 100);
    }
}
