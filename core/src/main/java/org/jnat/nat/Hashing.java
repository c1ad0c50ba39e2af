package org.jnat.nat;

/**
 * Hash mixing for the open-addressing tables. Keys are packed into {@code long}s, so one strong
 * 64-bit finaliser (MurmurHash3's fmix64) spreads them; the tables take the top 32 bits.
 * HashingTest shows the session table's hashes spreading the keys a NAT sees as a random function would.
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

    /**
     * A 32-bit hash of two packed keys. {@code b} is spread by one multiply (an odd constant, so
     * that it stays one to one) before the mix, not by a mix of its own: the hash is on the path
     * to every lookup's first load (a second mix cost the inbound path some 4 ns a frame: PERFORMANCE,
     * session 14).
     */
    static int hash(long a, long b) {
        return (int) (mix(a ^ b * 0x9e3779b97f4a7c15L) >>> 32);
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
