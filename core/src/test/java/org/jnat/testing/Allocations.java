package org.jnat.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;

/**
 * Measures what the current thread allocates on a steady-state path, the way DESIGN section 5
 * asks: zero, or a small constant that does not grow with the number of frames.
 *
 * <p>A JIT deoptimisation or an OSR transition can allocate a few hundred bytes once, at any time,
 * on a loaded machine; a per-frame allocation costs at least 16 bytes per frame. So the step runs
 * {@code frames} times and then ten times as often, and both totals must stay under
 * {@link #CONSTANT_BOUND}: 100 000 frames allocating one 16-byte object each would be 1.6 MB.
 */
public final class Allocations {
    /** Bytes a run may allocate in all, whatever its length. */
    public static final long CONSTANT_BOUND = 4096;

    private Allocations() {
    }

    /** Bytes the current thread allocated while running {@code step} {@code times} times. */
    public static long allocatedBy(Runnable step, int times) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!threads.isThreadAllocatedMemorySupported()) {
            System.out.println("SKIPPED: this JVM cannot measure per-thread allocation");
        }
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
        threads.setThreadAllocatedMemoryEnabled(true);
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < times; i++) {
            step.run();
        }
        return threads.getCurrentThreadAllocatedBytes() - before;
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
