package org.jnat.runtime;

/**
 * Deadlines in {@link Clock} nanoseconds, with {@link #NONE} for "nothing pending". Clock values
 * are compared by their difference, as {@link System#nanoTime()} asks (only differences mean
 * anything), and {@code NONE} is never compared that way: {@code now - Long.MAX_VALUE} overflows
 * for a negative {@code now}, and would call a deadline that never comes due.
 */
public final class Deadlines {
    /** No deadline: sleep until a frame or a wake-up comes. */
    public static final long NONE = Long.MAX_VALUE;

    private Deadlines() {
    }

    /** The earlier of two deadlines; {@link #NONE} only if both are. */
    public static long earliest(long a, long b) {
        if (a == NONE) {
            return b;
        }
        if (b == NONE) {
            return a;
        }
        return a - b <= 0 ? a : b;
    }

    /** True if {@code deadline} is not {@link #NONE} and has come by {@code nowNanos}. */
    public static boolean isDue(long deadline, long nowNanos) {
        return deadline != NONE && nowNanos - deadline >= 0;
    }
}
