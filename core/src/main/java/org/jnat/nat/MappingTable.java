package org.jnat.nat;

/**
 * The mappings (RFC 4787 section 4.1): which external port an inside endpoint uses. The key is
 * the inside endpoint plus as much of the remote endpoint as the mapping behaviour depends on:
 * nothing for endpoint-independent mapping, the remote address for address-dependent, address and
 * port for address-and-port-dependent (the caller zeroes what does not count). So in the dependent
 * modes every new remote address (or address and port) gets an external port of its own.
 *
 * <p>A mapping lives while at least one session references it. The reverse direction (external
 * port to mapping) is {@link PortAllocator#owner}, which also makes port overloading impossible.
 *
 * <p>Rows, {@code id * 2 +}: 0 the inside {@link Endpoint}; 1 remote address (32) | remote port (16) |
 * external port (16), the remote part masked by the behaviour. The index holds {@code id + 1}
 * (0 = empty), linear probing, backward-shift deletion; mapping lookups happen only on session
 * set-up, so the index stores no hash and recomputes it from the row when shifting.
 */
public final class MappingTable {
    public static final int NONE = -1;

    private final long[] rows;
    private final int[] references;
    /** The external address index of each mapping ({@link PublicAddresses}; 0 with one address). */
    private final byte[] addressIndexes;
    private final int[] index;
    private final int mask;
    private final int capacity;
    private int freeHead;
    private int size;

    public MappingTable(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.rows = new long[capacity * 2];
        this.references = new int[capacity];
        this.addressIndexes = new byte[capacity];
        int slots = Hashing.powerOfTwoAtLeast(capacity * 2);
        this.index = new int[slots];
        this.mask = slots - 1;
        for (int id = 0; id < capacity; id++) {
            rows[id * 2] = id + 1 < capacity ? id + 1 : NONE;
        }
    }

    /**
     * No mapping, every id on the free list in order, as a new table.
     * For a fuzzer that reuses one instance per configuration ({@link NatEngine#reset}): no
     * allocation, every field as the constructor left it.
     */
    void reset() {
        java.util.Arrays.fill(rows, 0L);
        java.util.Arrays.fill(references, 0);
        java.util.Arrays.fill(addressIndexes, (byte) 0);
        java.util.Arrays.fill(index, 0);
        for (int id = 0; id < capacity; id++) {
            rows[id * 2] = id + 1 < capacity ? id + 1 : NONE;
        }
        freeHead = 0;
        size = 0;
    }

    private static int hash(long inside, long remote) {
        return Hashing.hash(inside, remote >>> 16);
    }

    /**
     * The mapping of {@code inside} ({@link Endpoint}) for {@code remote}, the remote endpoint masked
     * to what the mapping behaviour depends on (address, port or nothing; protocol bits clear), or
     * {@link #NONE}.
     */
    public int find(long inside, long remote) {
        long remoteEnd = remote >>> 16;
        for (int i = Hashing.hash(inside, remoteEnd) & mask; ; i = (i + 1) & mask) {
            int e = index[i];
            if (e == 0) {
                return NONE;
            }
            int id = e - 1;
            if (rows[id * 2] == inside && rows[id * 2 + 1] >>> 16 == remoteEnd) {
                return id;
            }
        }
    }

    /** Reads the index slot {@link #find} and {@link #insert} start from for this key ({@link NatTable}'s read-ahead); changes nothing. */
    int prefetch(long inside, long remote) {
        return index[hash(inside, remote) & mask];
    }

    /**
     * Adds a mapping (the key of {@link #find}) with no references yet; {@link #NONE} if full.
     * {@code external} is {@code addressIndex << 16 | port}.
     */
    public int insert(long inside, long remote, int external) {
        int externalPort = external & 0xffff;
        int id = freeHead;
        if (id == NONE) {
            return NONE;
        }
        freeHead = (int) rows[id * 2];
        long word = (remote & ~0xffffL) | externalPort;
        rows[id * 2] = inside;
        rows[id * 2 + 1] = word;
        references[id] = 0;
        addressIndexes[id] = (byte) (external >>> 16);
        int i = hash(inside, word) & mask;
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = id + 1;
        size++;
        return id;
    }

    public void retain(int id) {
        references[id]++;
    }

    /** Drops a reference; true if that was the last one (the caller then removes the mapping). */
    public boolean release(int id) {
        return --references[id] == 0;
    }

    public int references(int id) {
        return references[id];
    }

    public void remove(int id) {
        long inside = rows[id * 2];
        long remote = rows[id * 2 + 1];
        int i = hash(inside, remote) & mask;
        while (index[i] != id + 1) {
            if (index[i] == 0) {
                throw new IllegalStateException("mapping " + id + " missing from its index");
            }
            i = (i + 1) & mask;
        }
        for (int j = (i + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int other = index[j] - 1;
            int h = hash(rows[other * 2], rows[other * 2 + 1]) & mask;
            if (((j - h) & mask) >= ((j - i) & mask)) {
                index[i] = index[j];
                i = j;
            }
        }
        index[i] = 0;
        rows[id * 2] = freeHead;
        rows[id * 2 + 1] = 0;
        references[id] = 0;
        freeHead = id;
        size--;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /** The inside {@link Endpoint} of mapping {@code id}. */
    public long inside(int id) {
        return rows[id * 2];
    }

    public int externalPort(int id) {
        return (int) rows[id * 2 + 1] & 0xffff;
    }

    /** The mapping's external endpoint: {@code addressIndex << 16 | port}. */
    public int external(int id) {
        return addressIndexes[id] << 16 | externalPort(id);
    }

    /** Sets the external endpoint once the allocator has chosen it (the allocator needs the id first). */
    public void external(int id, int external) {
        rows[id * 2 + 1] = (rows[id * 2 + 1] & ~0xffffL) | (external & 0xffff);
        addressIndexes[id] = (byte) (external >>> 16);
    }

    long bytes() {
        return 8L * rows.length + 4L * references.length + 4L * index.length + addressIndexes.length;
    }
}
