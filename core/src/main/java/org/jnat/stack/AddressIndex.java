package org.jnat.stack;

/**
 * An index from an IPv4 address to a table entry, for tables kept in primitive arrays: open
 * addressing over two arrays with linear probing, at most half full, and backward-shift deletion
 * (Knuth 6.4, algorithm R), so that it needs no tombstones and lookups stay short however many
 * entries come and go. Nothing is allocated after construction.
 */
final class AddressIndex {
    private final int[] keys;
    /** Entry + 1; 0 for an empty bucket. */
    private final int[] entries;
    private final int mask;

    /** An index for up to {@code capacity} entries. */
    AddressIndex(int capacity) {
        int buckets = Integer.highestOneBit(Math.max(2, capacity * 2 - 1)) << 1;
        keys = new int[buckets];
        entries = new int[buckets];
        mask = buckets - 1;
    }

    /** Empties the index (set-up time: a table's reset). */
    void clear() {
        java.util.Arrays.fill(keys, 0);
        java.util.Arrays.fill(entries, 0);
    }

    /** The entry of {@code address}, or -1. */
    int find(int address) {
        int b = bucket(address);
        while (true) {
            int v = entries[b];
            if (v == 0) {
                return -1;
            }
            if (keys[b] == address) {
                return v - 1;
            }
            b = (b + 1) & mask;
        }
    }

    /** Indexes {@code entry} under {@code address}, which is not in the index yet. */
    void put(int address, int entry) {
        int b = bucket(address);
        while (entries[b] != 0) {
            b = (b + 1) & mask;
        }
        keys[b] = address;
        entries[b] = entry + 1;
    }

    /** Removes {@code address}, which is in the index. */
    void remove(int address) {
        int b = bucket(address);
        while (keys[b] != address || entries[b] == 0) {
            b = (b + 1) & mask;
        }
        int hole = b;
        int j = b;
        while (true) {
            j = (j + 1) & mask;
            if (entries[j] == 0) {
                break;
            }
            int home = bucket(keys[j]);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                entries[hole] = entries[j];
                hole = j;
            }
        }
        entries[hole] = 0;
    }

    private int bucket(int address) {
        return (address * 0x9E3779B9 >>> 7) & mask;
    }
}
