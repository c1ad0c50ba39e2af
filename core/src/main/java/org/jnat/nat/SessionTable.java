package org.jnat.nat;

/**
 * The sessions: one row per session in a {@code long[]} (four longs, so a lookup that hits touches
 * one cache line of rows), reachable through two open-addressing indexes, one by the inside key and
 * one by the outside key. These are the original and reply tuples of Linux conntrack:
 *
 * <pre>
 *   inside key : protocol, inside address, inside port, remote address, remote port
 *   outside key: protocol, external port, remote address, remote port
 * </pre>
 *
 * (the external address is the one public address, so it is not part of the key). For ICMP
 * queries the identifier plays the part of both inside and external port, and the remote port is 0.
 *
 * <p>Row layout, {@code id * 4 + }:
 * <pre>
 *   0  inside : inside address (32) | inside port (16) | protocol (8) | 0 (8)
 *   1  remote : remote address (32) | remote port (16) | external port (16)
 *   2  expiry : nanoseconds of the router clock at which the session is idle too long
 *   3  meta   : mapping id + 1 (32, 0 = none: a port-forward session) | flags (32)
 * </pre>
 *
 * <p>Index entries are {@code hash << 32 | (id + 1)}, 0 meaning empty; the stored hash lets a probe
 * skip foreign entries without reading their rows and lets deletion shift entries back without
 * rehashing (linear probing with backward-shift deletion: no tombstones, so the probe length never
 * degrades under churn). Each index has at least twice as many slots as the table has rows.
 * Nothing grows after construction; free rows are chained through their meta word.
 */
public final class SessionTable {
    public static final int NONE = -1;
    private static final int STRIDE = 4;
    /**
     * Rows start 6 longs in: a long[]'s data begins 16 bytes after the array's start, and a large
     * array (a G1 humongous object) starts on a region boundary, so with 48 more bytes every
     * 32-byte row sits inside one 64-byte cache line instead of every other one straddling two.
     */
    private static final int BASE = 6;

    private final long[] rows;
    private final long[] insideIndex;
    private final long[] outsideIndex;
    private final int mask;
    private final int capacity;
    private int freeHead;
    private int size;

    public SessionTable(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.rows = new long[BASE + capacity * STRIDE];
        int slots = Hashing.powerOfTwoAtLeast(capacity * 2);
        this.insideIndex = new long[slots];
        this.outsideIndex = new long[slots];
        this.mask = slots - 1;
        for (int id = 0; id < capacity; id++) {
            rows[(BASE + id * STRIDE) + 3] = id + 1 < capacity ? id + 1 : NONE;
        }
        this.freeHead = 0;
    }

    static long insideKey(int protocol, int insideAddress, int insidePort) {
        return ((long) insideAddress << 32) | ((long) insidePort << 16) | ((long) protocol << 8);
    }

    static long remoteKey(int remoteAddress, int remotePort, int externalPort) {
        return ((long) remoteAddress << 32) | ((long) remotePort << 16) | externalPort;
    }

    private static int insideHash(long inside, long remote) {
        return Hashing.hash(inside, remote >>> 16);
    }

    private static int outsideHash(long inside, long remote) {
        return Hashing.hash(remote, inside & 0xff00);
    }

    /** The hash {@link #findInside} starts from (for {@link #prefetch}). */
    static int insideHash(int protocol, int insideAddress, int insidePort, int remoteAddress, int remotePort) {
        return Hashing.hash(insideKey(protocol, insideAddress, insidePort), remoteKey(remoteAddress, remotePort, 0)
                >>> 16);
    }

    /** The hash {@link #findOutside} starts from (for {@link #prefetch}). */
    static int outsideHash(int protocol, int externalPort, int remoteAddress, int remotePort) {
        return Hashing.hash(remoteKey(remoteAddress, remotePort, externalPort), (long) protocol << 8);
    }

    /**
     * Brings into the cache, for {@code count} lookups about to happen, the index slot each starts
     * at and the row of the first entry there with the same hash: first every slot, then every row,
     * so that the cache misses of different lookups overlap instead of queueing one after another
     * (the loads of one loop do not depend on each other, and the out-of-order core issues them
     * together). Changes nothing; the sum of what it read keeps the loads from being dropped.
     *
     * @param hashes  from {@link #insideHash} ({@code inside}) or {@link #outsideHash}
     * @param entries scratch, at least {@code count} long
     */
    long prefetch(int[] hashes, long[] entries, int count, boolean inside) {
        long[] index = inside ? insideIndex : outsideIndex;
        int mask = this.mask;
        for (int k = 0; k < count; k++) {
            entries[k] = index[hashes[k] & mask];
        }
        long sum = 0;
        for (int k = 0; k < count; k++) {
            int hash = hashes[k];
            int i = hash & mask;
            for (long e = entries[k]; e != 0; e = index[i]) {
                if ((int) (e >>> 32) == hash) {
                    sum += rows[BASE + ((int) e - 1) * STRIDE];
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        return sum;
    }

    /** The session with this inside key, or {@link #NONE}. */
    public int findInside(int protocol, int insideAddress, int insidePort, int remoteAddress, int remotePort) {
        long inside = insideKey(protocol, insideAddress, insidePort);
        long remote = remoteKey(remoteAddress, remotePort, 0) >>> 16;
        int hash = Hashing.hash(inside, remote);
        long[] index = insideIndex;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long e = index[i];
            if (e == 0) {
                return NONE;
            }
            if ((int) (e >>> 32) == hash) {
                int id = (int) e - 1;
                int r = (BASE + id * STRIDE);
                if (rows[r] == inside && rows[r + 1] >>> 16 == remote) {
                    return id;
                }
            }
        }
    }

    /** The session with this outside key, or {@link #NONE}. */
    public int findOutside(int protocol, int externalPort, int remoteAddress, int remotePort) {
        long remote = remoteKey(remoteAddress, remotePort, externalPort);
        long proto = (long) protocol << 8;
        int hash = Hashing.hash(remote, proto);
        long[] index = outsideIndex;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long e = index[i];
            if (e == 0) {
                return NONE;
            }
            if ((int) (e >>> 32) == hash) {
                int id = (int) e - 1;
                int r = (BASE + id * STRIDE);
                if (rows[r + 1] == remote && (rows[r] & 0xff00) == proto) {
                    return id;
                }
            }
        }
    }

    /**
     * Adds a session; the caller has checked that neither key is present. Returns its id, or
     * {@link #NONE} when the table is full.
     */
    public int insert(int protocol, int insideAddress, int insidePort, int remoteAddress, int remotePort,
            int externalPort, int mapping, int flags, long expiry) {
        int id = freeHead;
        if (id == NONE) {
            return NONE;
        }
        int r = (BASE + id * STRIDE);
        freeHead = (int) rows[r + 3];
        long inside = insideKey(protocol, insideAddress, insidePort);
        long remote = remoteKey(remoteAddress, remotePort, externalPort);
        rows[r] = inside;
        rows[r + 1] = remote;
        rows[r + 2] = expiry;
        rows[r + 3] = ((long) (mapping + 1) << 32) | (flags & 0xffffffffL);
        put(insideIndex, insideHash(inside, remote), id);
        put(outsideIndex, outsideHash(inside, remote), id);
        size++;
        return id;
    }

    /** Removes session {@code id}, which must be live, from both indexes. */
    public void remove(int id) {
        int r = (BASE + id * STRIDE);
        long inside = rows[r];
        long remote = rows[r + 1];
        take(insideIndex, insideHash(inside, remote), id);
        take(outsideIndex, outsideHash(inside, remote), id);
        rows[r] = 0;
        rows[r + 1] = 0;
        rows[r + 2] = 0;
        rows[r + 3] = freeHead;
        freeHead = id;
        size--;
    }

    private void put(long[] index, int hash, int id) {
        int i = hash & mask;
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = ((long) hash << 32) | (id + 1);
    }

    private void take(long[] index, int hash, int id) {
        int i = hash & mask;
        long entry = ((long) hash << 32) | (id + 1);
        while (index[i] != entry) {
            if (index[i] == 0) {
                throw new IllegalStateException("session " + id + " missing from its index");
            }
            i = (i + 1) & mask;
        }
        for (int j = (i + 1) & mask; ; j = (j + 1) & mask) {
            long e = index[j];
            if (e == 0) {
                break;
            }
            int h = (int) (e >>> 32) & mask;
            if (((j - h) & mask) >= ((j - i) & mask)) {
                index[i] = e;
                i = j;
            }
        }
        index[i] = 0;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /** True if {@code id} is a live session (for walks over all rows on the control plane). */
    public boolean isLive(int id) {
        return (rows[(BASE + id * STRIDE)] & 0xff00) != 0; // the protocol is never 0 in a live row
    }

    public int protocol(int id) {
        return (int) (rows[(BASE + id * STRIDE)] >>> 8) & 0xff;
    }

    public int insideAddress(int id) {
        return (int) (rows[(BASE + id * STRIDE)] >>> 32);
    }

    public int insidePort(int id) {
        return (int) (rows[(BASE + id * STRIDE)] >>> 16) & 0xffff;
    }

    public int remoteAddress(int id) {
        return (int) (rows[(BASE + id * STRIDE) + 1] >>> 32);
    }

    public int remotePort(int id) {
        return (int) (rows[(BASE + id * STRIDE) + 1] >>> 16) & 0xffff;
    }

    public int externalPort(int id) {
        return (int) rows[(BASE + id * STRIDE) + 1] & 0xffff;
    }

    /** The mapping this session holds a reference on, or {@link #NONE} (port-forward sessions). */
    public int mapping(int id) {
        return (int) (rows[(BASE + id * STRIDE) + 3] >>> 32) - 1;
    }

    public int flags(int id) {
        return (int) rows[(BASE + id * STRIDE) + 3];
    }

    public void flags(int id, int flags) {
        int r = (BASE + id * STRIDE) + 3;
        rows[r] = (rows[r] & 0xffffffff00000000L) | (flags & 0xffffffffL);
    }

    public long expiry(int id) {
        return rows[(BASE + id * STRIDE) + 2];
    }

    public void expiry(int id, long expiry) {
        rows[(BASE + id * STRIDE) + 2] = expiry;
    }

    /** Bytes held by this table's arrays. */
    long bytes() {
        return 8L * rows.length + 8L * insideIndex.length + 8L * outsideIndex.length;
    }
}
