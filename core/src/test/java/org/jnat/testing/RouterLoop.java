package org.jnat.testing;

import org.jnat.router.Router;
import org.jnat.runtime.Deadlines;
import org.jnat.runtime.ManualClock;

/** What the data-plane loop does with a router, for tests on memory links with a manual clock. */
public final class RouterLoop {
    private RouterLoop() {
    }

    /** Runs {@code router} until it has nothing left to read (at the clock's time). */
    public static void run(Router router, ManualClock clock) {
        while (router.pollOnce(clock.nanos()) > 0) {
            // keep going
        }
    }

    /**
     * Advances the clock as the data-plane loop does when no frame comes: from one of the
     * router's deadlines to the next, polling at each, then to the end. What is due is done on
     * time only if the router said when.
     */
    public static void advance(Router router, ManualClock clock, long nanos) {
        long end = clock.nanos() + nanos;
        while (clock.nanos() < end) {
            long next = router.nextDeadline();
            clock.set(next == Deadlines.NONE || next - end > 0 ? end : Math.max(next, clock.nanos() + 1));
            run(router, clock);
        }
    }
}
