package org.jnat.device;

import java.time.Instant;
import org.jnat.runtime.Clock;

/**
 * Nanoseconds since the Unix epoch, for pcap timestamps that tools show as wall-clock time. Read
 * once from the wall clock when made, then advanced by {@link System#nanoTime()}, so it never
 * jumps back and {@link #nanos()} allocates nothing.
 */
public final class EpochClock implements Clock {
    private final long epochNanosAtStart;
    private final long nanoTimeAtStart;

    public EpochClock() {
        Instant now = Instant.now();
        nanoTimeAtStart = System.nanoTime();
        epochNanosAtStart = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public long nanos() {
        return epochNanosAtStart + (System.nanoTime() - nanoTimeAtStart);
    }
}
