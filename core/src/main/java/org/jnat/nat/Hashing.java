package org.jnat.nat;

/**
 * Hash mixing for the open-addressing tables. Keys are packed into {@code long}s, so one strong
 * 64-bit finaliser (MurmurHash3's fmix64) spreads them; the tables take the top 32 bits.
 */
final class Hashing {
    private Hashing() {
    }

    static long mix(long key) {
        key ^= key >>> 33;
        key *= 0xff51afd7ed558ccdL;
        key ^= key >>> 33;
        key *= 0xc4ceb9fe1a85ec53L;
        key ^= key >>> 33;
        return key;
    }

    /** A 32-bit hash of two packed keys. */
    static int hash(long a, long b) {
        return (int) (mix(a ^ mix(b)) >>> 32);
    }

    /**
     * Slots for a linear-probing table of at most {@code capacity} keys: 1.25 per key (at most 80%
     * full) plus one that always stays empty, so that every probe ends. Any number, not a power of
     * two: {@link #home} reduces by multiplication.
     */
    static int slotsFor(int capacity) {
        return capacity + capacity / 4 + 1;
    }

    /** The home slot of {@code key} in a table of {@code slots}: the mix's top 32 bits, multiply-shifted. */
    static int home(long key, int slots) {
        return (int) (((mix(key) >>> 32) * slots) >>> 32);
    }

    /** The slot after {@code i}, going round. */
    static int next(int i, int slots) {
        return i + 1 == slots ? 0 : i + 1;
    }

    /** How far slot {@code to} is past slot {@code from}, going round (backward-shift deletion). */
    static int distance(int from, int to, int slots) {
        return to >= from ? to - from : to - from + slots;
    }

    /** The smallest power of two {@code >= n} (n at least 1, at most 2^30). */
    static int powerOfTwoAtLeast(int n) {
        if (n > (1 << 30)) {
            throw new IllegalArgumentException("table too large: " + n);
        }
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }
}
