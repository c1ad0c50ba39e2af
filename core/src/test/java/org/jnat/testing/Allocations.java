package org.jnat.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;

/**
 * Measures the bytes the current thread allocates, for "the packet path allocates nothing" tests
 * (DESIGN section 5: zero, or a small constant that does not grow with the number of frames).
 *
 * <p>The first passes through fresh code may allocate once (class initialisation, the JIT moving a
 * method between tiers, a deoptimisation on a loaded machine), which is not steady state; a real
 * per-packet allocation costs at least 16 bytes per frame and shows in every pass. Two ways to
 * say it: {@link #steadyState} takes the fewest bytes of several passes;
 * {@link #assertSteadyStateAllocatesNothing} runs N and 10 N steps and bounds both totals by a
 * constant.
 */
public final class Allocations {
    /** Bytes a run may allocate in all, whatever its length. */
    public static final long CONSTANT_BOUND = 4096;

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

    /** Bytes the current thread allocated while running {@code step} {@code times} times. */
    public static long allocatedBy(Runnable step, int times) {
        assumeMeasurable("allocation test");
        return measure(() -> {
            for (int i = 0; i < times; i++) {
                step.run();
            }
        });
    }

    /**
     * Warms {@code step} up, then asserts that {@code times} and {@code 10 * times} runs each
     * allocate at most {@link #CONSTANT_BOUND} bytes. Returns the bytes of the longer run.
     */
    public static long assertSteadyStateAllocatesNothing(String what, Runnable step, int times) {
        allocatedBy(step, times); // warm-up: class loading, JIT compilation
        long shortRun = allocatedBy(step, times);
        long longRun = allocatedBy(step, 10 * times);
        System.out.printf("%s: %d bytes over %d runs, %d bytes over %d runs%n", what, shortRun, times, longRun,
                10 * times);
        assertThat(shortRun).as("bytes allocated by %d runs of %s", times, what).isLessThanOrEqualTo(CONSTANT_BOUND);
        assertThat(longRun).as("bytes allocated by %d runs of %s", 10 * times, what)
                .isLessThanOrEqualTo(CONSTANT_BOUND);
        return longRun;
    }
}
