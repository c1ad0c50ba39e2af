package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.jnat.runtime.Clock;

/**
 * The data-plane loop: waits in {@code poll(2)} on the devices' descriptors and an eventfd, and
 * calls back for each device that has frames. When nothing arrives it sleeps in the kernel until
 * the next timer deadline, so an idle router uses no CPU.
 *
 * <p>One round:
 * <ol>
 * <li>{@link Handler#onTimers(long)} runs what is due and returns the next deadline;</li>
 * <li>every device is {@link PollableDevice#flush() flushed} (frames queued by transmits go out
 *     before the loop sleeps; if a device could not send them all, the loop sleeps at most
 *     1 ms);</li>
 * <li>{@code poll} waits until a device is readable, the deadline passes, or
 *     {@link #wakeup()}/{@link #stop()} is called; the loop's {@link IdleStrategy} may make it
 *     return at once instead (a busy-poll window);</li>
 * <li>{@link Handler#onReadable(int, long)} for each readable device, in order.</li>
 * </ol>
 * Polling is level-triggered: a handler may take one batch and return; if more frames wait, the
 * next poll returns at once. That keeps devices fair to each other.
 *
 * <p>When nothing is ready the loop sleeps in poll, by default; a busy-poll window
 * ({@code [dataplane] busy-poll}) is an {@link IdleStrategy} given at set-up.
 *
 * <p>{@link #run()} is called on the data-plane thread and does not allocate per round.
 * {@link #stop()} and {@link #wakeup()} may be called from any thread (a shutdown hook, the
 * control plane).
 */
public final class PollLoop implements AutoCloseable {

    /** What the loop drives: the router, in production. Called on the loop's thread only. */
    public interface Handler {
        /** Device {@code deviceIndex} (its position in the list) has frames: receive and process them. */
        void onReadable(int deviceIndex, long nowNanos);

        /**
         * Runs the timers due at {@code nowNanos} and returns the next deadline in the clock's
         * nanoseconds, or {@link Long#MAX_VALUE} when no timer is pending.
         */
        long onTimers(long nowNanos);

        /** Someone called {@link PollLoop#wakeup()}: e.g. take commands from the control plane. */
        default void onWakeup(long nowNanos) {
        }
    }

    private static final int POLLFD_SIZE = 8;

    private final PollableDevice[] devices;
    private final Clock clock;
    private final Handler handler;
    private final Arena arena = Arena.ofShared();
    private final CallState state = new CallState(arena);
    private final MemorySegment pollfds;
    private final MemorySegment drain;
    private final int wakeFd;
    private final int count;
    private final IdleStrategy idle;

    private final Object wakeLock = new Object();
    private final CallState wakeState = new CallState(arena);
    private final MemorySegment wakeValue;

    private volatile boolean stopping;
    private boolean closed;

    /** A loop that sleeps as soon as nothing is ready ({@link IdleStrategy#sleep()}). */
    public PollLoop(List<? extends PollableDevice> devices, Clock clock, Handler handler) {
        this(devices, clock, handler, IdleStrategy.sleep());
    }

    /** As above, idling as {@code idle} says (one strategy per loop). */
    public PollLoop(List<? extends PollableDevice> devices, Clock clock, Handler handler, IdleStrategy idle) {
        this.idle = idle;
        this.devices = devices.toArray(new PollableDevice[0]);
        this.clock = clock;
        this.handler = handler;
        this.count = this.devices.length + 1;
        pollfds = arena.allocate((long) POLLFD_SIZE * count, 8);
        drain = arena.allocate(JAVA_LONG);
        wakeValue = arena.allocate(JAVA_LONG);
        wakeValue.set(JAVA_LONG, 0, 1);
        int fd = LibC.eventfd(state.segment, 0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        if (fd < 0) {
            int errno = state.errno();
            arena.close();
            throw new SystemCallException("eventfd", errno, null);
        }
        wakeFd = fd;
        for (int i = 0; i < this.devices.length; i++) {
            pollfds.set(JAVA_INT, (long) i * POLLFD_SIZE, this.devices[i].fd());
            pollfds.set(JAVA_SHORT, (long) i * POLLFD_SIZE + 4, LibC.POLLIN);
        }
        pollfds.set(JAVA_INT, (long) (count - 1) * POLLFD_SIZE, wakeFd);
        pollfds.set(JAVA_SHORT, (long) (count - 1) * POLLFD_SIZE + 4, LibC.POLLIN);
    }

    /**
     * Runs rounds until {@link #stop()}. Returns normally after a stop; throws
     * {@link IllegalStateException} if a device's descriptor fails for good (the interface was
     * deleted, the descriptor closed), naming the device.
     */
    public void run() {
        while (!stopping) {
            runOnce(Long.MAX_VALUE);
        }
    }

    /**
     * One round, waiting at most until {@code latestNanos} (clock nanoseconds) or the next timer,
     * whichever is sooner. Returns the number of devices that were readable.
     */
    public int runOnce(long latestNanos) {
        long now = clock.nanos();
        long deadline = Math.min(handler.onTimers(now), latestNanos);
        boolean pending = false;
        for (PollableDevice device : devices) {
            device.flush();
            pending |= device.transmitPending();
        }
        if (stopping) {
            return 0;
        }
        int timeout = timeoutMillis(deadline, now);
        if (pending && (timeout < 0 || timeout > 1)) {
            // Frames the kernel did not take yet go with the next flush, soon, even if nothing arrives.
            timeout = 1;
        }
        timeout = idle.pollTimeout(timeout, now);
        int ready = LibC.poll(pollfds, count, timeout);
        if (ready <= 0) {
            // 0: the deadline passed; -1 with EINTR: a signal; both just start the next round.
            return 0;
        }
        now = clock.nanos();
        int readable = 0;
        for (int i = 0; i < devices.length; i++) {
            short revents = pollfds.get(JAVA_SHORT, (long) i * POLLFD_SIZE + 6);
            if (revents == 0) {
                continue;
            }
            if ((revents & LibC.POLLIN) != 0) {
                readable++;
                handler.onReadable(i, now);
            }
            if ((revents & (LibC.POLLHUP | LibC.POLLNVAL)) != 0
                    || ((revents & LibC.POLLERR) != 0 && !devices[i].clearError())) {
                throw new IllegalStateException("device " + devices[i].name() + " failed (poll events 0x"
                        + Integer.toHexString(revents) + "): check that the interface still exists and restart jnat");
            }
        }
        if (readable > 0) {
            idle.workDone(now);
        }
        short wake = pollfds.get(JAVA_SHORT, (long) (count - 1) * POLLFD_SIZE + 6);
        if ((wake & LibC.POLLIN) != 0) {
            LibC.read(wakeFd, drain, 8);
            if (!stopping) {
                handler.onWakeup(now);
            }
        }
        return readable;
    }

    /** Milliseconds until {@code deadline}, rounded up so the loop never wakes just too early. */
    static int timeoutMillis(long deadline, long now) {
        if (deadline == Long.MAX_VALUE) {
            return -1;
        }
        long delta = deadline - now;
        if (delta <= 0) {
            return 0;
        }
        long millis = (delta + 999_999) / 1_000_000;
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    /** Makes the loop return from {@link #run()} soon. Any thread. */
    public void stop() {
        stopping = true;
        wakeup();
    }

    /** Wakes the loop from poll; it calls {@link Handler#onWakeup(long)}. Any thread. */
    public void wakeup() {
        synchronized (wakeLock) {
            if (!closed) {
                LibC.write(wakeState.segment, wakeFd, wakeValue, 8);
            }
        }
    }

    /** True once {@link #stop()} was called. */
    public boolean stopping() {
        return stopping;
    }

    /** Closes the eventfd; the devices stay open (their owner closes them). Call after run() returned. */
    @Override
    public void close() {
        synchronized (wakeLock) {
            if (closed) {
                return;
            }
            closed = true;
            LibC.close(state.segment, wakeFd);
        }
        arena.close();
    }
}
