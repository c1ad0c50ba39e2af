package org.jnat.nat;

/**
 * Per inside host: how many sessions it holds, for {@code max-sessions-per-host}, and the oldest of
 * its closed TCP sessions (the head of its list in {@link ClosedSessions}). An open-addressing map
 * from an IPv4 address, linear probing, backward-shift deletion (no tombstones). A host is in the
 * table exactly while it holds at least one session, so a slot is empty iff its count is 0.
 *
 * <p>Sized at construction for {@code capacity} hosts, never grows. There are 1.25 slots per host
 * (a multiply-shift home, so the number of slots need not be a power of two): at most 80% full, and
 * only when every session belongs to a different host; a home router's few dozen hosts leave it
 * nearly empty.
 */
final class HostTable {
    static final int NONE = -1;

    private final int[] addresses;
    private final int[] counts;
    /** Id + 1 of the host's oldest closed TCP session, 0 if it has none. */
    private final int[] oldestClosed;
    private final int slots;
    private final int capacity;
    private int size;

    HostTable(int capacity) {
        this.slots = Hashing.slotsFor(capacity);
        this.addresses = new int[slots];
        this.counts = new int[slots];
        this.oldestClosed = new int[slots];
        this.capacity = capacity;
    }

    /**
     * No host, as a new table.
     * For a fuzzer that reuses one instance per configuration ({@link NatEngine#reset}): no
     * allocation, every field as the constructor left it.
     */
    void reset() {
        java.util.Arrays.fill(addresses, 0);
        java.util.Arrays.fill(counts, 0);
        java.util.Arrays.fill(oldestClosed, 0);
        size = 0;
    }

    private int home(int address) {
        return Hashing.home(address & 0xffffffffL, slots);
    }

    private int next(int i) {
        return Hashing.next(i, slots);
    }

    /** The slot of {@code address}, or {@link #NONE} if it holds no session. */
    int slot(int address) {
        for (int i = home(address); ; i = next(i)) {
            if (counts[i] == 0) {
                return NONE;
            }
            if (addresses[i] == address) {
                return i;
            }
        }
    }

    /** Sessions held by {@code address}, 0 if none. */
    int count(int address) {
        int i = slot(address);
        return i < 0 ? 0 : counts[i];
    }

    /** The oldest closed TCP session of the host in {@code slot} (from {@link #slot}), or {@link #NONE}. */
    int oldestClosed(int slot) {
        return oldestClosed[slot] - 1;
    }

    void oldestClosed(int slot, int id) {
        oldestClosed[slot] = id + 1;
    }

    /** Adds one session to {@code address}; false (nothing changed) if the table of hosts is full. */
    boolean increment(int address) {
        int i = home(address);
        for (; counts[i] != 0; i = next(i)) {
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
        oldestClosed[i] = 0;
        size++;
        return true;
    }

    /** Removes one session of {@code address}, which must hold one. */
    void decrement(int address) {
        int i = slot(address);
        if (i < 0) {
            throw new IllegalStateException("host holds no session");
        }
        if (--counts[i] > 0) {
            return;
        }
        size--;
        // Backward shift: pull later members of the probe run into the hole.
        for (int j = next(i); counts[j] != 0; j = next(j)) {
            if (Hashing.distance(home(addresses[j]), j, slots) >= Hashing.distance(i, j, slots)) {
                addresses[i] = addresses[j];
                counts[i] = counts[j];
                oldestClosed[i] = oldestClosed[j];
                i = j;
            }
        }
        counts[i] = 0;
        addresses[i] = 0;
        oldestClosed[i] = 0;
    }

    /** Hosts holding at least one session. */
    int size() {
        return size;
    }

    /** Slots to walk with {@link #countAt} and {@link #addressAt} (control plane). */
    int slots() {
        return slots;
    }

    /** Sessions of the host in {@code slot}, 0 for an empty slot. */
    int countAt(int slot) {
        return counts[slot];
    }

    int addressAt(int slot) {
        return addresses[slot];
    }

    long bytes() {
        return 12L * slots;
    }
}
