package org.jnat.nat;

/**
 * Address-dependent filtering state (RFC 4787 section 5, "Address-Dependent Filtering"): how many
 * sessions an external endpoint (protocol, public port) holds with each remote address. An inbound
 * packet from a new remote port passes iff its address already has a count here.
 *
 * <p>Open addressing over a {@code long} key (protocol, public port, remote address pack into 56
 * bits), linear probing, backward-shift deletion; a slot is empty iff its count is 0. Only
 * allocated when filtering is address-dependent.
 */
final class FilterTable {
    private final long[] keys;
    private final int[] counts;
    private final int mask;

    FilterTable(int capacity) {
        int slots = Hashing.powerOfTwoAtLeast(Math.max(2, capacity * 2));
        this.keys = new long[slots];
        this.counts = new int[slots];
        this.mask = slots - 1;
    }

    static long key(int protocol, int externalPort, int remoteAddress) {
        return ((long) protocol << 48) | ((long) externalPort << 32) | (remoteAddress & 0xffffffffL);
    }

    private int home(long key) {
        return (int) (Hashing.mix(key) >>> 32) & mask;
    }

    boolean contains(long key) {
        for (int i = home(key); counts[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return true;
            }
        }
        return false;
    }

    /** Never fails: there are never more keys than sessions, and the table has room for all. */
    void increment(long key) {
        int i = home(key);
        for (; counts[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == key) {
                counts[i]++;
                return;
            }
        }
        keys[i] = key;
        counts[i] = 1;
    }

    void decrement(long key) {
        int i = home(key);
        while (counts[i] != 0 && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (counts[i] == 0) {
            throw new IllegalStateException("no filter entry");
        }
        if (--counts[i] > 0) {
            return;
        }
        for (int j = (i + 1) & mask; counts[j] != 0; j = (j + 1) & mask) {
            int h = home(keys[j]);
            if (((j - h) & mask) >= ((j - i) & mask)) {
                keys[i] = keys[j];
                counts[i] = counts[j];
                i = j;
            }
        }
        counts[i] = 0;
        keys[i] = 0;
    }

    long bytes() {
        return 12L * keys.length;
    }
}
