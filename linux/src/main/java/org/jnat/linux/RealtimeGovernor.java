package org.jnat.linux;

import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;

/**
 * Real-time scheduling for the data-plane thread while the load is light only
 * ({@code [dataplane] realtime = "light-load"}): the thread runs under {@code SCHED_FIFO} while few
 * frames arrive, and under {@code SCHED_OTHER} while many do, with hysteresis. A pure decision: it
 * is told how many frames were received ({@link #received(int)}) and what time it is
 * ({@link #observe(long)}), and asks its {@link Scheduler} to switch; the system call itself is
 * {@link ThreadScheduling#policySwitch(int)}. Its clock is the loop's rounds: it says by
 * {@link #nextDeadline()} when it needs one, and needs none while it has nothing to decide, so
 * that it never keeps an idle router awake.
 *
 * <p>Why: {@code SCHED_FIFO} takes the scheduler's wake-up delay out of a round trip (ping p99
 * through jnat on TAP 323 → 70 µs, the kernel's NAT 55 µs, in one run of session 2; not reproduced
 * in session 3, where a halted vCPU's wake-up dominated: docs/PERFORMANCE.md), which is what
 * matters while the thread mostly sleeps. Under a flood it costs throughput on a small machine: a
 * real-time thread preempts the sender at every frame, so each receive finds one frame instead of
 * a batch, and the senders and receivers on the same CPUs lose their share (UDP 64-byte rate 0.95
 * → 0.79 of the kernel's on TAP, 0.50 on AF_PACKET, 2 vCPUs). Under such load a frame rarely waits
 * for a wake-up anyway (the thread is already running or about to), so fairness and batching are
 * worth more than preemption.
 *
 * <p>The signal is the number of frames received per {@link #WINDOW_NANOS window}, because it does
 * not depend on the policy: a real-time thread takes the same frames in more, smaller batches,
 * so counting rounds or batches would read higher under {@code SCHED_FIFO} than under
 * {@code SCHED_OTHER} and make the two states disagree about the same load. Thresholds:
 * <ul>
 * <li>demote at once when more than {@link #HEAVY_FRAMES} frames arrive within one window
 *     (20 000 frames/s: 40 times the 1 000 frames/s of a ping every 2 ms in both directions, a
 *     sixth of what a 64-byte UDP flood brings on the 2-vCPU bench machine);</li>
 * <li>promote after {@link #QUIET_NANOS} of consecutive windows at no more than
 *     {@link #LIGHT_FRAMES} frames per window (5 000 frames/s), rates scaled to a window's real
 *     length (a window without frames may last until the next frame or decision);</li>
 * <li>between the two rates the thread keeps its policy, so a steady load does not flip it.</li>
 * </ul>
 * A load that alternates (a burst every 150 ms, say) would switch twice per burst; so promotions
 * are rate-limited: at most {@link #PROMOTION_BURST} in a row, then one per
 * {@link #PROMOTION_INTERVAL_NANOS} (a token bucket, kept as the time the next one is allowed, GCRA
 * style). Every demotion follows a promotion, so that bounds the switches to two per second under
 * any load pattern after a short burst, and a steady load switches never. Demotions are never
 * held back: a late demotion costs throughput, a late promotion only the latency of a light load
 * that has just begun. (A doubling backoff was tried first: {@code bench/compare}'s one-second
 * pauses between tests made it grow at every test, so that the ping test began under
 * {@code SCHED_OTHER}.)
 *
 * <p>A switch that fails (the system refused, e.g. a real-time budget taken away at run time) is
 * counted and the governor carries on as if it had happened: retrying at once would make a system
 * call per round, and the next regular switch tries again anyway. Startup still fails with one line
 * when the thread cannot be made real-time at all: the caller applies {@code SCHED_FIFO} before
 * the first poll, as for {@code "always"}, and the governor starts in that state.
 *
 * <p>On the data-plane thread only; {@link #received(int)} and {@link #observe(long)} allocate
 * nothing and cost a few comparisons.
 */
public final class RealtimeGovernor {

    /** Moves the calling thread between the two policies. */
    public interface Scheduler {
        /**
         * {@code SCHED_FIFO} at the configured priority when {@code realtime}, else
         * {@code SCHED_OTHER}; false when the system refused. No allocation, no exception.
         */
        boolean realtime(boolean realtime);
    }

    /** Length of one measuring window. */
    public static final long WINDOW_NANOS = 10_000_000L;
    /** More frames than this within one window: demote to SCHED_OTHER at once (20 000 frames/s). */
    public static final long HEAVY_FRAMES = 200;
    /** A window with at most this many frames (5 000 frames/s, scaled to the window's length) is light. */
    public static final long LIGHT_FRAMES = 50;
    /** Light windows for this long in a row: promote to SCHED_FIFO. */
    public static final long QUIET_NANOS = 100_000_000L;
    /** Promotions allowed in a row before the rate limit applies. */
    public static final long PROMOTION_BURST = 3;
    /** After the burst, one promotion per this interval at most (so at most two switches per second). */
    public static final long PROMOTION_INTERVAL_NANOS = 1_000_000_000L;

    /** The governor's counters, {@code dataplane.realtime_*}: registered once, at set-up. */
    static final class Count {
        final int promotions, demotions, failures;

        Count(Counters counters) {
            promotions = counters.register("dataplane.realtime_promotions",
                    "data-plane thread moved to SCHED_FIFO when the load became light");
            demotions = counters.register("dataplane.realtime_demotions",
                    "data-plane thread moved to SCHED_OTHER when the load became heavy");
            failures = counters.register("dataplane.realtime_switch_failures",
                    "scheduling policy changes of the data-plane thread the system refused");
        }
    }

    private final Scheduler scheduler;
    private final Counters counters;
    private final Count count;

    private boolean realtime = true;
    private long windowStart;
    /** Frames received since {@link #windowStart}. */
    private long frames;
    /** Start of the current run of light windows. */
    private long lightSince;
    /** The rate limit: the time from which promotions are spent (GCRA's theoretical arrival time). */
    private long promotionsSpent;

    /**
     * A governor for a thread that already runs under {@code SCHED_FIFO} at {@code nowNanos}.
     * Registers its counters (set-up only).
     */
    public RealtimeGovernor(Scheduler scheduler, Counters counters, long nowNanos) {
        this.scheduler = scheduler;
        this.counters = counters;
        this.count = new Count(counters);
        windowStart = nowNanos;
        lightSince = nowNanos;
        promotionsSpent = nowNanos;
    }

    /** {@code n} frames were received (what a receive returned; 0 is fine). */
    public void received(int n) {
        frames += n;
    }

    /** Once per round of the loop: closes the window when it is over, and switches when due. */
    public void observe(long nowNanos) {
        if (realtime && frames > HEAVY_FRAMES) {
            demote(nowNanos);
            return;
        }
        long elapsed = nowNanos - windowStart;
        if (elapsed < WINDOW_NANOS) {
            return;
        }
        // frames / elapsed > LIGHT_FRAMES / WINDOW_NANOS, without division; frames stays far below
        // 2^63 / WINDOW_NANOS (a window would need 10^11 frames).
        if (frames * WINDOW_NANOS > LIGHT_FRAMES * elapsed) {
            lightSince = nowNanos;
        }
        windowStart = nowNanos;
        frames = 0;
        if (!realtime && nowNanos - lightSince >= QUIET_NANOS && promotionAllowed(nowNanos)) {
            promote(nowNanos);
        }
    }

    /** Token bucket: allowed while no more than the burst is spent ahead of now. */
    private boolean promotionAllowed(long nowNanos) {
        return promotionsSpent - nowNanos <= (PROMOTION_BURST - 1) * PROMOTION_INTERVAL_NANOS;
    }

    private void demote(long nowNanos) {
        switchTo(false, count.demotions);
        windowStart = nowNanos;
        lightSince = nowNanos;
        frames = 0;
    }

    private void promote(long nowNanos) {
        switchTo(true, count.promotions);
        promotionsSpent = Math.max(promotionsSpent, nowNanos) + PROMOTION_INTERVAL_NANOS;
    }

    private void switchTo(boolean on, int counter) {
        realtime = on;
        counters.increment(scheduler.realtime(on) ? counter : count.failures);
    }

    /**
     * When the governor next needs a round ({@link #observe(long)}), or {@link Deadlines#NONE}
     * when it has nothing to decide; call it after {@code observe} in the same round.
     * <ul>
     * <li>Frames came in the current window: its end, so that it is judged on its own ten
     *     milliseconds, as a loop that woke every window judged it (a late end would add the next
     *     burst's frames to it and demote on a load that is not heavy).</li>
     * <li>No frame yet, under SCHED_FIFO: nothing. An empty window is light whenever it ends, and
     *     light windows change nothing until the thread is demoted.</li>
     * <li>No frame yet, demoted: the promotion, once {@link #QUIET_NANOS} of quiet have passed
     *     since the last heavy window and the rate limit allows it, and never before the window
     *     ends (a promotion is decided when a window closes).</li>
     * </ul>
     * O(1), no allocation.
     */
    public long nextDeadline() {
        long windowEnd = windowStart + WINDOW_NANOS;
        if (frames > 0) {
            return windowEnd;
        }
        if (realtime) {
            return Deadlines.NONE;
        }
        long quiet = lightSince + QUIET_NANOS;
        long allowed = promotionsSpent - (PROMOTION_BURST - 1) * PROMOTION_INTERVAL_NANOS;
        long promotion = quiet - allowed >= 0 ? quiet : allowed;
        return promotion - windowEnd >= 0 ? promotion : windowEnd;
    }

    /** True while the governor wants the thread under SCHED_FIFO. */
    public boolean realtime() {
        return realtime;
    }
}
