package org.jnat.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The one way the control plane changes or reads the data plane's state (DESIGN section 3): a
 * bounded single-producer, single-consumer ring of commands. Control threads (admin requests,
 * reload, the session log's reader) {@link #call} a command; the data-plane thread
 * {@link #drain}s the ring between rounds and runs each command to completion, so that it stays
 * the only writer of its tables and no lock is ever taken on the packet path.
 *
 * <p>Several control threads may call at once: they take turns on the producer side (a lock
 * there, never on the data plane's side), which keeps the ring single-producer. A command should
 * be short (tens of microseconds): it holds up the packets of the round it runs in, so a long job,
 * such as copying a million sessions, is cut into many calls that each do a chunk.
 *
 * <p>After a command is in the ring, {@code wakeUp} is run so that a data plane asleep in
 * poll(2) takes it at once (the poll loop's eventfd).
 */
public final class ControlQueue {
    /** What the data-plane thread runs for the control plane; {@code nowNanos} is the round's time. */
    @FunctionalInterface
    public interface Command<T> {
        T run(long nowNanos);
    }

    /** Commands waiting at most; a full ring makes {@link #call} fail fast instead of queueing without bound. */
    public static final int CAPACITY = 256;
    /**
     * How long the commands of one round may run before the rest wait for the next round: with each
     * command under ~100 µs, a round is held at most about this plus one command.
     */
    public static final long ROUND_BUDGET_NANOS = 500_000;

    private final AtomicReferenceArray<Entry<?>> ring = new AtomicReferenceArray<>(CAPACITY);
    /** Next slot to fill; written by the producer (under {@link #producer}), read by the consumer. */
    private final AtomicLong tail = new AtomicLong();
    /** Next slot to take; written by the consumer only. */
    private final AtomicLong head = new AtomicLong();
    private final Object producer = new Object();
    private volatile Runnable wakeUp = () -> { };
    /** Times the commands (real time, not the router's clock, which a replay may drive). */
    private final Clock timer;
    /**
     * The data-plane thread's CPU time: a command's wall time also counts the time the kernel ran
     * other threads in the middle of it, which this leaves out, so that the two together tell a
     * slow command from a preempted one.
     */
    private final Clock cpuTimer;
    /** The longest one {@link #drain} held the data plane, in nanoseconds; written by the consumer only. */
    private volatile long longestDrain;
    /** Commands run since the start. */
    private volatile long commands;
    /**
     * Upper bounds of the buckets commands are counted in by how long each held the data plane, in
     * nanoseconds; a last bucket takes the longer ones ({@link #holdCounts}).
     */
    public static final long[] HOLD_BOUNDS_NANOS = {25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
            10_000_000};
    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Commands by wall time and by the data-plane thread's CPU time. */
    private final Holds wall = new Holds();
    private final Holds cpu = new Holds();

    /** Commands by how long each took: written by the consumer only, read by any thread. */
    private static final class Holds {
        /** One slot per bucket of {@link #HOLD_BOUNDS_NANOS}, the last for longer ones (release writes). */
        final long[] counts = new long[HOLD_BOUNDS_NANOS.length + 1];
        volatile long longest;
        volatile long sum;

        void add(long nanos) {
            if (nanos > longest) {
                longest = nanos;
            }
            int b = 0;
            while (b < HOLD_BOUNDS_NANOS.length && nanos > HOLD_BOUNDS_NANOS[b]) {
                b++;
            }
            COUNTS.setRelease(counts, b, counts[b] + 1);
            sum += nanos; // one writer: the consumer
        }

        long[] snapshot() {
            long[] out = new long[counts.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (long) COUNTS.getAcquire(counts, i);
            }
            return out;
        }
    }

    /** A queue that times its commands with the system clock, without their CPU time. */
    public ControlQueue() {
        this(Clock.system());
    }

    /** A queue that times its commands with {@code timer} (tests pass a manual clock), without their CPU time. */
    public ControlQueue(Clock timer) {
        this(timer, () -> 0);
    }

    /**
     * A queue that times its commands with {@code timer}, and their CPU time with {@code cpuTimer},
     * the consuming thread's CPU clock in nanoseconds.
     */
    public ControlQueue(Clock timer, Clock cpuTimer) {
        this.timer = timer;
        this.cpuTimer = cpuTimer;
    }

    /**
     * A command's future, which the data plane takes before it runs the command and a caller that
     * gave up cancels: whichever comes first wins, so a command a caller was told failed never runs
     * later (a reload or a forward that timed out changes nothing).
     */
    private static final class Call<T> extends CompletableFuture<T> {
        private final AtomicBoolean taken = new AtomicBoolean();

        /** True if the command may run: nobody cancelled it first. */
        boolean take() {
            return taken.compareAndSet(false, true);
        }

        /** Cancels only a command the data plane has not taken; false once it runs or ran. */
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return taken.compareAndSet(false, true) && super.cancel(mayInterruptIfRunning);
        }
    }

    private record Entry<T>(Command<T> command, Call<T> result) {
        void run(long now) {
            if (!result.take()) {
                return; // withdrawn by its caller (callWithin timed out): it must not run late
            }
            try {
                result.complete(command.run(now));
            } catch (RuntimeException | Error e) {
                // A control command that fails must not take the data plane down with it.
                result.completeExceptionally(e);
            }
        }
    }

    /** What to run after a command is queued, e.g. the poll loop's wake-up. */
    public void wakeUp(Runnable wakeUp) {
        this.wakeUp = wakeUp;
    }

    /**
     * Queues {@code command} for the data plane; the future completes with its result once the
     * data-plane thread has run it (or exceptionally with what it threw). When the ring is full
     * the future fails at once with an {@link IllegalStateException}: the data plane is not
     * taking commands (stopped, or far behind).
     */
    public <T> CompletableFuture<T> call(Command<T> command) {
        Call<T> result = new Call<>();
        synchronized (producer) {
            long t = tail.get();
            if (t - head.get() >= CAPACITY) {
                result.completeExceptionally(new IllegalStateException(
                        "the data plane is not taking commands (" + CAPACITY + " waiting)"));
                return result;
            }
            ring.set((int) (t % CAPACITY), new Entry<>(command, result));
            tail.set(t + 1); // volatile write: publishes the entry
        }
        wakeUp.run();
        return result;
    }

    /**
     * Queues {@code command} and waits for its result at most {@code timeout}. When the data plane
     * has not taken the command by then, the command is withdrawn, never to run, and this throws
     * {@link TimeoutException}: the caller can say that nothing changed. One the data plane took
     * in time is waited for to the end (a command is short) and its result returned.
     *
     * @throws ExecutionException what the command threw, or the full ring's {@link IllegalStateException}
     */
    public <T> T callWithin(Command<T> command, long timeout, TimeUnit unit)
            throws TimeoutException, ExecutionException, InterruptedException {
        CompletableFuture<T> result = call(command);
        try {
            return result.get(timeout, unit);
        } catch (TimeoutException e) {
            if (result.cancel(false)) {
                throw e;
            }
            return result.get(); // taken just in time: running or done
        }
    }

    /**
     * Runs the waiting commands, at most {@code max}, on the data-plane thread; returns how many
     * ran. Allocates nothing itself when the ring is empty (the common case: one volatile read).
     */
    public int drain(long nowNanos, int max) {
        return drain(nowNanos, max, Long.MAX_VALUE);
    }

    /**
     * As {@link #drain(long, int)}, but starts no further command once {@code budgetNanos} have gone
     * by: several clients each listing a million sessions in chunks then hold one round for about the
     * budget plus one command, not for the sum of their chunks. What is left waits for the next call
     * ({@link #pending()}). Records the longest command and drain ({@link #longestCommandNanos}).
     */
    public int drain(long nowNanos, int max, long budgetNanos) {
        long h = head.get();
        long available = tail.get() - h;
        int n = (int) Math.min(available, max);
        if (n == 0) {
            return 0;
        }
        long start = timer.nanos();
        long last = start;
        long lastCpu = cpuTimer.nanos();
        int ran = 0;
        while (ran < n && last - start < budgetNanos) {
            int slot = (int) ((h + ran) % CAPACITY);
            Entry<?> entry = ring.get(slot);
            ring.set(slot, null);
            head.set(h + ran + 1); // frees the slot before running: a command may call() again
            entry.run(nowNanos);
            ran++;
            long t = timer.nanos();
            long c = cpuTimer.nanos();
            wall.add(t - last);
            cpu.add(c - lastCpu);
            last = t;
            lastCpu = c;
        }
        if (last - start > longestDrain) {
            longestDrain = last - start;
        }
        commands += ran; // one writer: the consumer
        return ran;
    }

    /**
     * Commands run since the start by how long each held the data plane: slot {@code i} counts those
     * of at most {@code HOLD_BOUNDS_NANOS[i]} (and more than the bound before), the last slot the
     * longer ones. Not cumulative. Any thread.
     */
    public long[] holdCounts() {
        return wall.snapshot();
    }

    /** The time all commands together held the data plane since the start, in nanoseconds. Any thread. */
    public long holdNanos() {
        return wall.sum;
    }

    /** The longest a single command has held the data plane, in nanoseconds, since the start. Any thread. */
    public long longestCommandNanos() {
        return wall.longest;
    }

    /**
     * As {@link #holdCounts()}, by the CPU time the data-plane thread spent in each command (all 0
     * in the first bucket without a CPU clock). Any thread.
     */
    public long[] cpuHoldCounts() {
        return cpu.snapshot();
    }

    /** The CPU time of all commands together, in nanoseconds. Any thread. */
    public long cpuHoldNanos() {
        return cpu.sum;
    }

    /** The most CPU time a single command has taken, in nanoseconds, since the start. Any thread. */
    public long longestCommandCpuNanos() {
        return cpu.longest;
    }

    /** Commands the data plane has run since the start. Any thread. */
    public long commandsRun() {
        return commands;
    }

    /** The longest one {@link #drain} has held the data plane (all the commands of one round). Any thread. */
    public long longestDrainNanos() {
        return longestDrain;
    }

    /** True when commands wait. Any thread. */
    public boolean pending() {
        return tail.get() != head.get();
    }
}
