package org.jnat.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * How the calling thread is scheduled: pinned to one CPU ({@code sched_setaffinity(2)}) and/or run
 * under the real-time policy {@code SCHED_FIFO} ({@code sched_setscheduler(2)}). The data-plane
 * thread calls this once, before its first poll, when {@code [dataplane]} asks for it; with
 * {@code realtime = "light-load"} it then switches between {@code SCHED_FIFO} and
 * {@code SCHED_OTHER} as {@link RealtimeGovernor} decides, through {@link #policySwitch(int)}.
 *
 * <p>Why: a frame that arrives while the data-plane thread sleeps in poll(2) waits for the thread
 * to be woken and scheduled. Under {@code SCHED_OTHER} that wait is whatever the fair scheduler
 * grants next to the other runnable tasks (on a loaded 2-vCPU machine, hundreds of microseconds at
 * the 99th percentile, measured with {@code perf sched timehist}); a {@code SCHED_FIFO} thread
 * preempts them when woken. Linux keeps 5 % of each second for other tasks
 * ({@code sched_rt_runtime_us}), so a flood cannot lock the machine up.
 *
 * <p>{@link #pinCurrentThread(int)} and {@link #realtimeCurrentThread(int)} are set-up only:
 * they allocate, and throw {@link SystemCallException} with what to do. The switch that
 * {@link #policySwitch(int)} returns does neither.
 */
public final class ThreadScheduling {
    private ThreadScheduling() {
    }

    static final int SCHED_OTHER = 0;
    static final int SCHED_FIFO = 1;
    /** Bytes of the cpu_set_t passed to sched_setaffinity: 1024 CPUs, as glibc's CPU_SETSIZE. */
    private static final int CPU_SET_BYTES = 128;

    private static final MethodHandle SCHED_SETAFFINITY = LibC.bind("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), LibC.ERRNO);
    private static final MethodHandle SCHED_SETSCHEDULER = LibC.bind("sched_setscheduler",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), LibC.ERRNO);

    private static final MethodHandle GETTID = LibC.bind("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SETPRIORITY = LibC.bind("setpriority",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), LibC.ERRNO);
    /** setpriority's "which": with a thread id as "who", Linux sets that one thread's nice value. */
    private static final int PRIO_PROCESS = 0;

    /**
     * Gives the calling thread the nice value {@code nice} (0 to 19: a lower share of the CPU under
     * the fair scheduler). The control plane's threads take 10, so that when they and the data
     * plane want the same CPU, the data plane gets it (a control command it runs is then rarely
     * cut by the kernel in the middle). Raising one's own nice needs no privilege; returns false if
     * the system refused anyway, and never throws: a control thread runs as well without it.
     */
    public static boolean niceCurrentThread(int nice) {
        if (nice < 0 || nice > 19) {
            throw new IllegalArgumentException("a nice value for a control thread is from 0 to 19, got " + nice);
        }
        try (Arena arena = Arena.ofConfined()) {
            CallState state = new CallState(arena);
            int tid = (int) GETTID.invokeExact();
            return (int) SETPRIORITY.invokeExact(state.segment, PRIO_PROCESS, tid, nice) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Pins the calling thread to {@code cpu} (0-based, below 1024). */
    public static void pinCurrentThread(int cpu) {
        if (cpu < 0 || cpu >= CPU_SET_BYTES * 8) {
            throw new IllegalArgumentException("cpu must be from 0 to " + (CPU_SET_BYTES * 8 - 1) + ", got " + cpu);
        }
        try (Arena arena = Arena.ofConfined()) {
            CallState state = new CallState(arena);
            MemorySegment set = arena.allocate(CPU_SET_BYTES, 8);
            set.set(JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            int result;
            try {
                // pid 0: the calling thread (Linux schedules threads, not processes).
                result = (int) SCHED_SETAFFINITY.invokeExact(state.segment, 0, (long) CPU_SET_BYTES, set);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            state.check(result, "sched_setaffinity(cpu " + cpu + ")", errno -> errno == Errno.EINVAL
                    ? "CPU " + cpu + " is not online or not allowed for jnat (this machine has "
                      + Runtime.getRuntime().availableProcessors() + " CPUs, numbered from 0); pick another [dataplane] cpu"
                    : null);
        }
    }

    /** Runs the calling thread under SCHED_FIFO at {@code priority} (1 to 99). */
    public static void realtimeCurrentThread(int priority) {
        if (priority < 1 || priority > 99) {
            throw new IllegalArgumentException("a SCHED_FIFO priority is from 1 to 99, got " + priority);
        }
        try (Arena arena = Arena.ofConfined()) {
            CallState state = new CallState(arena);
            MemorySegment param = arena.allocate(JAVA_INT);
            param.set(JAVA_INT, 0, priority);
            int result;
            try {
                result = (int) SCHED_SETSCHEDULER.invokeExact(state.segment, 0, SCHED_FIFO, param);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            state.check(result, "sched_setscheduler(SCHED_FIFO, " + priority + ")", errno -> switch (errno) {
                case Errno.EPERM -> "real-time scheduling needs CAP_SYS_NICE (or an RLIMIT_RTPRIO of at least "
                        + priority + ") and a cgroup with a real-time budget: run jnat as root, or remove realtime-priority from [dataplane]";
                default -> null;
            });
        }
    }

    /**
     * A switch between {@code SCHED_FIFO} at {@code priority} and {@code SCHED_OTHER} for the
     * thread that calls it (each call applies to the calling thread, so only the data-plane thread
     * uses it). Made once at set-up; a switch is one {@code sched_setscheduler} call, allocates
     * nothing and returns false instead of throwing when the system refuses.
     */
    public static RealtimeGovernor.Scheduler policySwitch(int priority) {
        if (priority < 1 || priority > 99) {
            throw new IllegalArgumentException("a SCHED_FIFO priority is from 1 to 99, got " + priority);
        }
        Arena arena = Arena.ofAuto();
        CallState state = new CallState(arena);
        MemorySegment fifo = arena.allocate(JAVA_INT);
        fifo.set(JAVA_INT, 0, priority);
        // SCHED_OTHER takes priority 0 (sched(7)); the nice value is kept.
        MemorySegment other = arena.allocate(JAVA_INT);
        return realtime -> {
            // Typed locals: invokeExact takes the static types of its arguments as the call's type.
            int policy = realtime ? SCHED_FIFO : SCHED_OTHER;
            MemorySegment param = realtime ? fifo : other;
            try {
                return (int) SCHED_SETSCHEDULER.invokeExact(state.segment, 0, policy, param) == 0;
            } catch (Throwable t) {
                return false;
            }
        };
    }
}
