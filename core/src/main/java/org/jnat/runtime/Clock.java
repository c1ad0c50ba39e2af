package org.jnat.runtime;

/**
 * The router's time. Nothing in core reads the time any other way, so that replays follow pcap
 * timestamps and tests step time by hand.
 */
@FunctionalInterface
public interface Clock {
    /** Monotonic nanoseconds; only differences mean anything. */
    long nanos();

    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
