package org.jnat.app;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.jnat.runtime.Clock;

/**
 * The calling thread's CPU time, for the control queue's timing of its commands: the difference
 * between a command's wall time and its CPU time is the time the kernel gave other threads while
 * the command held the data plane. HotSpot reads it with clock_gettime(CLOCK_THREAD_CPUTIME_ID),
 * allocating nothing; a JVM that cannot measure it gives 0 (every command then counts as free).
 */
final class ThreadCpuClock implements Clock {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final boolean measurable = threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();

    @Override
    public long nanos() {
        return measurable ? threads.getCurrentThreadCpuTime() : 0;
    }
}
