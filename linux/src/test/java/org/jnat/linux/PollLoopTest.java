package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jnat.device.FrameBatch;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Clock;
import org.jnat.runtime.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PollLoopTest {

    /** A stand-in device whose descriptor is an eventfd: readable while its counter is non-zero. */
    static final class EventDevice implements PollableDevice {
        final CallState st = new CallState();
        final MemorySegment value = Arena.ofAuto().allocate(JAVA_LONG);
        final int fd = st.check(LibC.eventfd(st.segment, 0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC), "eventfd", null);
        final AtomicInteger flushes = new AtomicInteger();
        boolean closed;

        void signal() {
            value.set(JAVA_LONG, 0, 1);
            LibC.write(st.segment, fd, value, 8);
        }

        @Override
        public int fd() {
            return fd;
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
        }

        @Override
        public String name() {
            return "event:" + fd;
        }

        @Override
        public int receive(FrameBatch batch) {
            return LibC.read(st.segment, fd, value, 8) == 8 ? 1 : 0;
        }

        @Override
        public boolean transmit(PacketBuffer frame) {
            return true;
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public Offloads offloads() {
            return Offloads.NONE;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                LibC.close(st.segment, fd);
            }
        }
    }

    private final List<EventDevice> devices = new ArrayList<>();

    @AfterEach
    void closeDevices() {
        devices.forEach(EventDevice::close);
    }

    private EventDevice device() {
        EventDevice d = new EventDevice();
        devices.add(d);
        return d;
    }

    @Test
    void callsBackForTheReadableDeviceOnly() throws Exception {
        EventDevice a = device(), b = device();
        List<Integer> ready = new CopyOnWriteArrayList<>();
        try (PollLoop loop = new PollLoop(List.of(a, b), Clock.system(), new TestHandler(deviceIndex -> {
            ready.add(deviceIndex);
            devices.get(deviceIndex).receive(null);
        }))) {
            b.signal();
            assertThat(loop.runOnce(Long.MAX_VALUE)).isEqualTo(1);
            assertThat(ready).containsExactly(1);
            a.signal();
            b.signal();
            assertThat(loop.runOnce(Long.MAX_VALUE)).isEqualTo(2);
            assertThat(ready).containsExactly(1, 0, 1);
            assertThat(a.flushes.get()).isEqualTo(2);
            assertThat(b.flushes.get()).isEqualTo(2);
        }
    }

    @Test
    void sleepsUntilTheTimerDeadlineThenRunsIt() {
        EventDevice a = device();
        AtomicLong deadline = new AtomicLong();
        List<Long> timerCalls = new ArrayList<>();
        try (PollLoop loop = new PollLoop(List.of(a), Clock.system(), new PollLoop.Handler() {
            @Override
            public void onReadable(int deviceIndex, long nowNanos) {
                throw new AssertionError("nothing was sent");
            }

            @Override
            public long onTimers(long nowNanos) {
                timerCalls.add(nowNanos);
                if (deadline.get() == 0) {
                    deadline.set(nowNanos + TimeUnit.MILLISECONDS.toNanos(20));
                }
                return deadline.get();
            }
        })) {
            while (timerCalls.isEmpty() || timerCalls.getLast() < deadline.get()) {
                assertThat(loop.runOnce(Long.MAX_VALUE)).isZero();
                assertThat(timerCalls.size()).as("the loop sleeps instead of spinning").isLessThan(10);
            }
            assertThat(timerCalls.getLast()).isGreaterThanOrEqualTo(deadline.get());
        }
    }

    /**
     * After a round with frames the loop polls without sleeping until the busy-poll window has
     * passed on its clock; then it sleeps again (here until a wake-up from another thread).
     */
    @Test
    void spinsForTheWindowAfterFramesThenSleeps() throws Exception {
        EventDevice a = device();
        ManualClock clock = new ManualClock(1_000_000_000L);
        TestHandler handler = new TestHandler(deviceIndex -> a.receive(null));
        AtomicInteger wakeups = handler.wakeups;
        try (PollLoop loop = new PollLoop(List.of(a), clock, handler, IdleStrategy.forBusyPoll(50_000))) {
            a.signal();
            assertThat(loop.runOnce(Long.MAX_VALUE)).isEqualTo(1);
            // Inside the window: nothing is ready, and the round returns instead of sleeping for ever.
            clock.advance(49_000);
            assertThat(loop.runOnce(Long.MAX_VALUE)).isZero();
            assertThat(loop.runOnce(Long.MAX_VALUE)).isZero();
            assertThat(wakeups.get()).isZero();
            // Past the window: the round sleeps until something wakes it.
            clock.advance(2_000);
            Thread waker = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                loop.wakeup();
            });
            assertThat(loop.runOnce(Long.MAX_VALUE)).isZero();
            assertThat(wakeups.get()).as("the round slept until the wake-up").isEqualTo(1);
            waker.join();
        }
    }

    @Test
    void stopFromAnotherThreadEndsAnIdleRun() throws Exception {
        EventDevice a = device();
        TestHandler handler = TestHandler.idle();
        AtomicInteger wakeups = handler.wakeups;
        PollLoop loop = new PollLoop(List.of(a), Clock.system(), handler);
        Thread runner = Thread.ofPlatform().start(loop::run);
        loop.wakeup();
        while (wakeups.get() == 0) {
            Thread.sleep(1);
        }
        loop.stop();
        runner.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(runner.isAlive()).isFalse();
        assertThat(loop.stopping()).isTrue();
        loop.close();
        loop.close();
    }

    @Test
    void aDeviceWhoseDescriptorIsGoneStopsTheLoopWithItsName() {
        EventDevice a = device();
        try (PollLoop loop = new PollLoop(List.of(a), Clock.system(), TestHandler.idle())) {
            a.close();
            assertThatThrownBy(() -> loop.runOnce(Long.MAX_VALUE))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("device " + a.name() + " failed")
                    .hasMessageContaining("check that the interface still exists");
        }
    }

    @Test
    void timeoutsRoundUp() {
        assertThat(PollLoop.timeoutMillis(Long.MAX_VALUE, 0)).isEqualTo(-1);
        assertThat(PollLoop.timeoutMillis(100, 200)).isZero();
        assertThat(PollLoop.timeoutMillis(1, 0)).isEqualTo(1);
        assertThat(PollLoop.timeoutMillis(2_000_000, 0)).isEqualTo(2);
        assertThat(PollLoop.timeoutMillis(2_000_001, 0)).isEqualTo(3);
    }
}
