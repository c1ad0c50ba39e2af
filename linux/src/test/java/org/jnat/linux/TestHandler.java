package org.jnat.linux;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The {@link PollLoop.Handler} the loop and device tests share: no timer is ever pending, each
 * readable device goes to {@code onReadable}, and wake-ups are counted.
 */
final class TestHandler implements PollLoop.Handler {
    final AtomicInteger wakeups = new AtomicInteger();
    private final IntConsumer onReadable;

    TestHandler(IntConsumer onReadable) {
        this.onReadable = onReadable;
    }

    /** A handler that leaves readable devices alone. */
    static TestHandler idle() {
        return new TestHandler(deviceIndex -> {
        });
    }

    @Override
    public void onReadable(int deviceIndex, long nowNanos) {
        onReadable.accept(deviceIndex);
    }

    @Override
    public long onTimers(long nowNanos) {
        return Long.MAX_VALUE;
    }

    @Override
    public void onWakeup(long nowNanos) {
        wakeups.incrementAndGet();
    }
}
