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

    /** The smallest power of two {@code >= n} (n at least 1, at most 2^30). */
    static int powerOfTwoAtLeast(int n) {
        if (n > (1 << 30)) {
            throw new IllegalArgumentException("table too large: " + n);
        }
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }
}
