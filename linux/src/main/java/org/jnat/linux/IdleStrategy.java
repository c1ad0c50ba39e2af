package org.jnat.linux;

/**
 * What {@link PollLoop} does when a round finds nothing to do: the idle policy as a small object
 * chosen at set-up, after Agrona's {@code IdleStrategy}, instead of flags inside the loop. Agrona's
 * strategies spin, yield or park the thread themselves; here the wait is always the loop's
 * {@code poll(2)}, so a strategy only chooses that call's timeout: the loop says how long it may
 * sleep (until its next deadline), the strategy may shorten it to 0 (poll without sleeping), and
 * learns when a round found frames ({@link #workDone(long)}, Agrona's {@code idle(workCount)}
 * with work).
 *
 * <ul>
 * <li>{@link Sleep}: sleep until the next deadline, a frame or a wake-up; an idle router uses no
 *     CPU. The default ({@code [dataplane] busy-poll = "0s"}).</li>
 * <li>{@link BusyPoll}: for a window after a round that found frames, poll without sleeping, so
 *     that the next frame of an exchange is taken without the wake-up from sleep; once the window
 *     passes without frames, sleep as above ({@code [dataplane] busy-poll}). Off by default
 *     because on the 2-vCPU bench machine four alternating {@code bench/compare} runs with 0 and
 *     200 µs showed no difference beyond run-to-run noise (ping median 67–96 µs either way):
 *     docs/PERFORMANCE.md.</li>
 * </ul>
 * Called once per round (not per frame) on the loop's thread; a process runs one policy, so the
 * call site sees one class. No allocation. One strategy per loop: {@link BusyPoll} has state.
 */
public sealed interface IdleStrategy permits IdleStrategy.Sleep, IdleStrategy.BusyPoll {

    /**
     * The policy for a busy-poll window of {@code windowNanos} ({@code [dataplane] busy-poll}):
     * {@link Sleep} for 0, else a fresh {@link BusyPoll}. Throws {@link IllegalArgumentException}
     * for a negative window.
     */
    static IdleStrategy forBusyPoll(long windowNanos) {
        if (windowNanos < 0) {
            throw new IllegalArgumentException("the busy-poll window must not be negative, got " + windowNanos + " ns");
        }
        return windowNanos == 0 ? Sleep.INSTANCE : new BusyPoll(windowNanos);
    }

    /** Sleep whenever nothing is ready. */
    static IdleStrategy sleep() {
        return Sleep.INSTANCE;
    }

    /**
     * The timeout of this round's {@code poll(2)} in milliseconds, given {@code sleepMillis}, how
     * long the loop may sleep (until its next deadline; −1: no deadline; 0: something is due) and
     * the loop's clock at the start of the round.
     */
    int pollTimeout(int sleepMillis, long nowNanos);

    /** The round that polled found frames; {@code nowNanos} is the loop's clock after the poll. */
    void workDone(long nowNanos);

    /** Sleeps until the next deadline, a frame or a wake-up. Stateless. */
    final class Sleep implements IdleStrategy {
        static final Sleep INSTANCE = new Sleep();

        private Sleep() {
        }

        @Override
        public int pollTimeout(int sleepMillis, long nowNanos) {
            return sleepMillis;
        }

        @Override
        public void workDone(long nowNanos) {
        }
    }

    /**
     * Polls without sleeping until {@code windowNanos} after the last round that found frames, on
     * the loop's clock (a clock that does not advance keeps the loop spinning), then sleeps as
     * {@link Sleep} does. Before the first frame it sleeps.
     */
    final class BusyPoll implements IdleStrategy {
        private final long windowNanos;
        private boolean spinning;
        /** The loop does not sleep before this clock time, once {@link #spinning}. */
        private long spinUntil;

        private BusyPoll(long windowNanos) {
            this.windowNanos = windowNanos;
        }

        @Override
        public int pollTimeout(int sleepMillis, long nowNanos) {
            return spinning && nowNanos - spinUntil < 0 ? 0 : sleepMillis;
        }

        @Override
        public void workDone(long nowNanos) {
            spinning = true;
            spinUntil = nowNanos + windowNanos;
        }
    }
}
