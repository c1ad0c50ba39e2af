package org.jnat.app.config;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the config file writes them: whole numbers with units from hours down to
 * microseconds, largest first, each unit at most once: {@code "5m"}, {@code "2h4m"}, {@code "60s"},
 * {@code "500ms"}, {@code "1m30s"}, {@code "200us"}.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|us|h|m|s)");
    private static final String[] UNITS = {"h", "m", "s", "ms", "us"};
    private static final long[] NANOS = {
            TimeUnit.HOURS.toNanos(1), TimeUnit.MINUTES.toNanos(1), TimeUnit.SECONDS.toNanos(1),
            TimeUnit.MILLISECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(1)};

    private Durations() {
    }

    /** Nanoseconds, or -1 if {@code text} is not a duration in this syntax. Zero is a valid parse. */
    public static long parse(String text) {
        if (text.isEmpty()) {
            return -1;
        }
        Matcher m = PART.matcher(text);
        int position = 0;
        int lastUnit = -1;
        long total = 0;
        while (position < text.length()) {
            if (!m.find(position) || m.start() != position) {
                return -1;
            }
            int unit = java.util.Arrays.asList(UNITS).indexOf(m.group(2));
            if (unit <= lastUnit) {
                return -1; // units largest first, once each
            }
            lastUnit = unit;
            try {
                total = Math.addExact(total, Math.multiplyExact(Long.parseLong(m.group(1)), NANOS[unit]));
            } catch (ArithmeticException e) {
                return -1;
            }
            position = m.end();
        }
        return total;
    }

    /** The shortest text that {@link #parse} reads back as {@code nanos} (whole microseconds). */
    public static String format(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long rest = nanos;
        for (int i = 0; i < UNITS.length; i++) {
            long n = rest / NANOS[i];
            if (n > 0) {
                sb.append(n).append(UNITS[i]);
                rest -= n * NANOS[i];
            }
        }
        if (rest != 0) {
            throw new IllegalArgumentException(nanos + " ns is not a whole number of microseconds");
        }
        return sb.toString();
    }
}
