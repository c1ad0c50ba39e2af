package org.jnat.nat;

/**
 * Address-dependent filtering state (RFC 4787 section 5, "Address-Dependent Filtering"): how many
 * sessions an external endpoint (protocol, public port) holds with each remote address. An inbound
 * packet from a new remote port passes iff its address already has a count here.
 *
 * <p>Open addressing over a {@code long} key (protocol, public port, remote address pack into 56
 * bits), linear probing, backward-shift deletion; a slot is empty iff its count is 0. Only
 * allocated when filtering is address-dependent. There are 1.25 slots per session (a multiply-shift
 * home, so the number of slots need not be a power of two): at most 80% full, which keeps the whole
 * NAT within 128 bytes per session with this table too.
 */
final class FilterTable {
    private final long[] keys;
    private final int[] counts;
    private final int slots;

    FilterTable(int capacity) {
        this.slots = Hashing.slotsFor(capacity);
        this.keys = new long[slots];
        this.counts = new int[slots];
    }

    /**
     * No key, as a new table.
     * For a fuzzer that reuses one instance per configuration ({@link NatEngine#reset}): no
     * allocation, every field as the constructor left it.
     */
    void reset() {
        java.util.Arrays.fill(keys, 0L);
        java.util.Arrays.fill(counts, 0);
    }

    static long key(int protocol, int externalPort, int remoteAddress) {
        // externalPort is addressIndex << 16 | port: 21 bits, below the protocol's 8.
        return ((long) protocol << 56) | ((long) externalPort << 32) | (remoteAddress & 0xffffffffL);
    }

    private int home(long key) {
        return Hashing.home(key, slots);
    }

    private int next(int i) {
        return Hashing.next(i, slots);
    }

    /** Sessions counted under {@code key}, 0 if none. */
    int count(long key) {
        for (int i = home(key); counts[i] != 0; i = next(i)) {
            if (keys[i] == key) {
                return counts[i];
            }
        }
        return 0;
    }

    boolean contains(long key) {
        return count(key) > 0;
    }

    /** Never fails: there are never more keys than sessions, and the table has room for all. */
    void increment(long key) {
        int i = home(key);
        for (; counts[i] != 0; i = next(i)) {
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
            i = next(i);
        }
        if (counts[i] == 0) {
            throw new IllegalStateException("no filter entry");
        }
        if (--counts[i] > 0) {
            return;
        }
        for (int j = next(i); counts[j] != 0; j = next(j)) {
            if (Hashing.distance(home(keys[j]), j, slots) >= Hashing.distance(i, j, slots)) {
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
