package org.jnat.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;

/**
 * Measures what the current thread allocates on a steady-state path, the way DESIGN section 5
 * asks: zero, or a small constant that does not grow with the number of frames.
 *
 * <p>A JIT deoptimisation or an OSR transition can allocate a few hundred bytes once, at any time,
 * on a loaded machine; and until C2 has compiled the path, C1 code may allocate temporaries that
 * escape analysis later removes. A per-frame allocation costs at least 16 bytes per frame. So the
 * step is warmed up until one run of it stays under {@link #CONSTANT_BOUND} (a bounded number of
 * tries), then runs {@code times} times and ten times as often, and both totals must stay under
 * the bound: 100 000 frames allocating one 16-byte object each would be 1.6 MB.
 */
public final class Allocations {
    /** Bytes a run may allocate in all, whatever its length. */
    public static final long CONSTANT_BOUND = 4096;
    /** Warm-up runs allowed before measuring, for a slow JIT on a loaded machine. */
    private static final int WARM_UP_TRIES = 20;

    /** The platform's thread bean, read by {@link #allocatedSoFar} (call {@link #assumeMeasurable} first). */
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

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

    /** Skips the calling test, saying why on stdout, when this JVM cannot count a thread's allocations. */
    public static void assumeMeasurable() {
        boolean measurable = threads() != null;
        if (!measurable) {
            System.out.println("SKIPPED: this JVM cannot measure per-thread allocation");
        }
        Assumptions.assumeTrue(measurable, "no per-thread allocation counter");
    }

    /** Bytes the current thread allocated while running {@code step} {@code times} times. */
    public static long allocatedBy(Runnable step, int times) {
        assumeMeasurable();
        com.sun.management.ThreadMXBean threads = threads();
        threads.getCurrentThreadAllocatedBytes(); // link the call itself before measuring
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < times; i++) {
            step.run();
        }
        long after = threads.getCurrentThreadAllocatedBytes();
        assertThat(before).as("the thread's allocation counter (-1: not measured)").isNotNegative();
        return after - before; // (the assertion above runs after the second reading: not counted)
    }

    /**
     * Bytes thread {@code threadId} has allocated so far, failing if the JVM gives no reading (-1):
     * two such readings would subtract to a window of 0 bytes and pass any check.
     */
    public static long allocatedSoFar(long threadId) {
        // Only the reading: a window between two calls counts whatever this method allocates.
        long bytes = THREADS.getThreadAllocatedBytes(threadId);
        if (bytes < 0) { // (asserting only then: an assertion allocates, inside the measured window)
            throw new AssertionError("allocation counter of thread " + threadId + " read " + bytes
                    + ": not measured");
        }
        return bytes;
    }

    private static byte[] sink;
    private static boolean calibrated;

    /**
     * The positive control: a step that allocates a 64-byte array per run is seen allocating at
     * least that much. A counter that reads 0 whatever happens would make every "allocates
     * nothing" check pass; this makes it fail instead.
     */
    public static void assertCounterSeesAllocation() {
        if (calibrated) {
            return;
        }
        long bytes = allocatedBy(() -> sink = new byte[64], 1000);
        assertThat(bytes).as("bytes counted for 1000 allocations of a 64-byte array (the counter works)")
                .isGreaterThanOrEqualTo(64_000L);
        calibrated = sink.length == 64;
    }

    /**
     * Warms {@code step} up, then asserts that {@code times} and {@code 10 * times} runs each
     * allocate at most {@link #CONSTANT_BOUND} bytes. Returns the bytes of the longer run.
     * The step runs {@code times} times per warm-up try (at least once, at most 20 times) before.
     */
    public static long assertSteadyStateAllocatesNothing(String what, Runnable step, int times) {
        assertCounterSeesAllocation();
        int tries = 0;
        long warmUp;
        do { // class loading, JIT compilation up to C2
            warmUp = allocatedBy(step, times);
            tries++;
        } while (warmUp > CONSTANT_BOUND && tries < WARM_UP_TRIES);
        long shortRun = allocatedBy(step, times);
        long longRun = allocatedBy(step, 10 * times);
        System.out.printf("%s: %d bytes over %d runs, %d bytes over %d runs (after %d warm-up tries)%n", what,
                shortRun, times, longRun, 10 * times, tries);
        assertThat(shortRun).as("bytes allocated by %d runs of %s", times, what).isLessThanOrEqualTo(CONSTANT_BOUND);
        assertThat(longRun).as("bytes allocated by %d runs of %s", 10 * times, what)
                .isLessThanOrEqualTo(CONSTANT_BOUND);
        return longRun;
    }
}
