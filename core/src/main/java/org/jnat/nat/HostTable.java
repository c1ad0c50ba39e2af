package org.jnat.nat;

/**
 * Sessions per inside host, for {@code max-sessions-per-host}: an open-addressing map from an IPv4
 * address to a count, linear probing, backward-shift deletion (no tombstones). A host is in the
 * table exactly while it holds at least one session, so a slot is empty iff its count is 0.
 *
 * <p>Sized at construction for {@code capacity} hosts at load factor 1/2; never grows.
 */
final class HostTable {
    private final int[] addresses;
    private final int[] counts;
    private final int mask;
    private final int capacity;
    private int size;

    HostTable(int capacity) {
        int slots = Hashing.powerOfTwoAtLeast(Math.max(2, capacity * 2));
        this.addresses = new int[slots];
        this.counts = new int[slots];
        this.mask = slots - 1;
        this.capacity = capacity;
    }

    private int home(int address) {
        return (int) (Hashing.mix(address & 0xffffffffL) >>> 32) & mask;
    }

    /** Sessions held by {@code address}, 0 if none. */
    int count(int address) {
        for (int i = home(address); ; i = (i + 1) & mask) {
            if (counts[i] == 0) {
                return 0;
            }
            if (addresses[i] == address) {
                return counts[i];
            }
        }
    }

    /** Adds one session to {@code address}; false (nothing changed) if the table of hosts is full. */
    boolean increment(int address) {
        int i = home(address);
        for (; counts[i] != 0; i = (i + 1) & mask) {
            if (addresses[i] == address) {
                counts[i]++;
                return true;
            }
        }
        if (size == capacity) {
            return false;
        }
        addresses[i] = address;
        counts[i] = 1;
        size++;
        return true;
    }

    /** Removes one session of {@code address}, which must hold one. */
    void decrement(int address) {
        int i = home(address);
        while (counts[i] != 0 && addresses[i] != address) {
            i = (i + 1) & mask;
        }
        if (counts[i] == 0) {
            throw new IllegalStateException("host holds no session");
        }
        if (--counts[i] > 0) {
            return;
        }
        size--;
        // Backward shift: pull later members of the probe run into the hole.
        for (int j = (i + 1) & mask; counts[j] != 0; j = (j + 1) & mask) {
            int h = home(addresses[j]);
            if (((j - h) & mask) >= ((j - i) & mask)) {
                addresses[i] = addresses[j];
                counts[i] = counts[j];
                i = j;
            }
        }
        counts[i] = 0;
        addresses[i] = 0;
    }

    /** Hosts holding at least one session. */
    int size() {
        return size;
    }

    long bytes() {
        return 8L * addresses.length;
    }
}
