package org.jnat.testing;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;

/**
 * Measures the bytes the current thread allocates, for "the packet path allocates nothing" tests.
 *
 * <p>The first passes through fresh code may allocate once (class initialisation, the JIT moving a
 * method between tiers, a profile upset by an earlier test), which is not steady state. So
 * {@link #steadyState} runs the pass up to {@code attempts} times and returns the smallest count,
 * stopping at the first zero: a real per-packet allocation shows in every pass and fails the test.
 */
public final class Allocations {
    private Allocations() {
    }

    private static com.sun.management.ThreadMXBean threads() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported()) {
            threads.setThreadAllocatedMemoryEnabled(true);
            return threads;
        }
        return null;
    }

    /** Skips the calling test, saying why, when this JVM cannot count a thread's allocations. */
    public static void assumeMeasurable(String test) {
        boolean measurable = threads() != null;
        if (!measurable) {
            System.out.println(test + ": this JVM cannot measure per-thread allocation; skipping");
        }
        Assumptions.assumeTrue(measurable, "no per-thread allocation counter");
    }

    /** Bytes the current thread allocated while running {@code pass} once. */
    public static long measure(Runnable pass) {
        com.sun.management.ThreadMXBean threads = threads();
        if (threads == null) {
            throw new IllegalStateException("this JVM cannot measure per-thread allocation");
        }
        threads.getCurrentThreadAllocatedBytes(); // link the call itself before measuring
        long before = threads.getCurrentThreadAllocatedBytes();
        pass.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    /**
     * Runs {@code pass} up to {@code attempts} times and returns the fewest bytes one run allocated
     * (0 as soon as a run allocates nothing). Prints each run's count when it is not zero.
     */
    public static long steadyState(String what, Runnable pass, int attempts) {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < attempts; i++) {
            long bytes = measure(pass);
            if (bytes == 0) {
                return 0;
            }
            System.out.println(what + ": pass " + (i + 1) + " allocated " + bytes + " bytes");
            least = Math.min(least, bytes);
        }
        return least;
    }
}
