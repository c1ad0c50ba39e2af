package org.jnat.runtime;

import java.time.Duration;

/** Time that moves only when told to: for tests (timeouts in microseconds) and for pcap replay. */
public final class ManualClock implements Clock {
    private long nanos;

    public ManualClock() {
        this(0);
    }

    public ManualClock(long startNanos) {
        this.nanos = startNanos;
    }

    @Override
    public long nanos() {
        return nanos;
    }

    public void set(long nanos) {
        this.nanos = nanos;
    }

    public void advance(long deltaNanos) {
        nanos += deltaNanos;
    }

    public void advance(Duration delta) {
        nanos += delta.toNanos();
    }
}
