package org.jnat.runtime;

/** Production time: {@link System#nanoTime()}. */
public final class SystemClock implements Clock {
    static final SystemClock INSTANCE = new SystemClock();

    private SystemClock() {
    }

    @Override
    public long nanos() {
        return System.nanoTime();
    }
}
