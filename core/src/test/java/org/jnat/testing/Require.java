package org.jnat.testing;

/**
 * Plain checks for the fuzz properties' per-step and per-frame invariants, where AssertJ's
 * assertion objects (one or two per check, thousands per input) cost more than the code under
 * test: each check here allocates nothing unless it fails, and then throws the AssertionError
 * AssertJ would, with the same description. For checks that run once per input, AssertJ stays.
 */
public final class Require {
    private Require() {
    }

    /** {@code ok}, or fails with {@code [description] expected: true but was: false}. */
    public static void isTrue(boolean ok, String description) {
        if (!ok) {
            throw new AssertionError("[" + description + "] expected: true but was: false");
        }
    }

    /** As {@link #isTrue(boolean, String)}, the description formatted with {@code args} (boxed per call). */
    public static void isTrue(boolean ok, String description, Object... args) {
        if (!ok) {
            throw new AssertionError("[" + description.formatted(args) + "] expected: true but was: false");
        }
    }

    /** {@code actual == expected}, or fails with {@code [what id] expected: expected but was: actual}. */
    public static void equal(long actual, long expected, String what, long id) {
        if (actual != expected) {
            throw new AssertionError("[" + what.formatted(id) + "] expected: " + expected + " but was: " + actual);
        }
    }

    /** {@code actual == expected}, or fails with {@code [what] expected: expected but was: actual}. */
    public static void equal(long actual, long expected, String what) {
        if (actual != expected) {
            throw new AssertionError("[" + what + "] expected: " + expected + " but was: " + actual);
        }
    }

    /** {@code min <= actual <= max}, or fails with {@code [what] expected between min and max but was: actual}. */
    public static void between(long actual, long min, long max, String what) {
        if (actual < min || actual > max) {
            throw new AssertionError("[" + what + "] expected between " + min + " and " + max + " but was: " + actual);
        }
    }

    /** {@code actual <= max}, or fails with {@code [what arg] expected at most max but was: actual}. */
    public static void atMost(long actual, long max, String what, long arg) {
        if (actual > max) {
            throw new AssertionError("[" + what.formatted(arg) + "] expected at most " + max + " but was: " + actual);
        }
    }
}
