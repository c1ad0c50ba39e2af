package org.jnat.nat;

/**
 * The sessions: one row per session in a {@code long[]}, each row where the hash of its inside key
 * says, so that an outbound packet of an established flow finds its whole session, key and all, in
 * the one cache line the hash points at (one memory access where an index and then a row took two).
 * An index by the outside key leads inbound packets to the same rows. These are the original and
 * reply tuples of Linux conntrack:
 *
 * <pre>
 *   inside key : protocol, inside address, inside port, remote address, remote port
 *   outside key: protocol, external address, external port, remote address, remote port
 * </pre>
 *
 * (the external address is a public address's index in the pool, {@link PublicAddresses}: 0 with
 * one address; an external endpoint is {@code index << 16 | port}). For ICMP
 * queries the identifier plays the part of both inside and external port, and the remote port is 0.
 *
 * <p>Row layout, {@code id * 4 + }:
 * <pre>
 *   0  inside : the inside {@link Endpoint}: address (32) | port (16) | protocol (8) | 0 (8)  (0: free)
 *   1  remote : remote address (32) | remote port (16) | external port (16)
 *   2  expiry : nanoseconds of the router clock at which the session is idle too long
 *   3  meta   : overflow (24, first row of a chunk only) | mapping id + 1 (24, 0 = none) | flags (16)
 * </pre>
 *
 * <p>The flags are the {@link TcpTracker} state (bits 0-5), {@link NatTable}'s kind bits (8-10) and
 * the external address's index (bits 11-15: at most 32 public addresses).
 *
 * <p>Rows come in chunks of two, one 64-byte cache line. A session's home is the chunk its inside
 * hash picks (a multiply-shift of the 32-bit hash, so the number of chunks need not be a power of
 * two); it takes a free row there, or in the next chunk with one (linear probing by chunks). Rows
 * never move, so a session's id (its row) is stable for its life, as the timer wheel and the
 * outside index need. Instead of tombstones, each chunk counts the sessions that passed over it
 * because it was full (F14's "outbound overflow count"): a lookup goes on to the next chunk only
 * while that count is not 0, and a removal takes one off the count of every chunk its session
 * passed over, so probe runs shrink back under churn. There are about 1.5 rows per session allowed
 * (at most two thirds full); ids run from 0 to {@link #capacity()} - 1.
 *
 * <p>Outside index entries are {@code hash << 32 | (id + 1)}, 0 meaning empty; the stored hash lets a
 * probe skip foreign entries without reading their rows and lets deletion shift entries back
 * without rehashing (linear probing with backward-shift deletion). The index has at least twice as
 * many slots as sessions are allowed. Nothing grows after construction.
 */
public final class SessionTable {
    public static final int NONE = -1;
    /** Longs per row. */
    private static final int STRIDE = 4;
    /** Longs per chunk: two rows, one 64-byte cache line. */
    private static final int CHUNK = 2 * STRIDE;
    /**
     * Rows start 6 longs in: a long[]'s data begins 16 bytes after the array's start, and a large
     * array (a G1 humongous object) starts on a region boundary, so with 48 more bytes every chunk
     * is one 64-byte cache line instead of straddling two.
     */
    private static final int BASE = 6;
    private static final int OVERFLOW_SHIFT = 40;
    private static final long OVERFLOW_ONE = 1L << OVERFLOW_SHIFT;
    /** A count this high stays (F14 does the same): lookups then just look one chunk further. */
    private static final long OVERFLOW_SATURATED = 0xffffffL;
    private static final long OVERFLOW_MASK = OVERFLOW_SATURATED << OVERFLOW_SHIFT;
    private static final int MAPPING_SHIFT = 16;
    private static final long MAPPING_MASK = 0xffffffL << MAPPING_SHIFT;
    private static final long FLAGS_MASK = 0xffffL;
    /** Where the external address's index sits in the flags (5 bits, see the class comment). */
    static final int ADDRESS_SHIFT = 11;
    /** The flags bits the address index takes: {@link #flags(int, int)} keeps them. */
    private static final int ADDRESS_BITS = 31 << ADDRESS_SHIFT;
    /** Largest max-sessions: the rows must fit one array. */
    static final int MAX_SESSIONS = 1 << 28;

    private final long[] rows;
    private final long[] outsideIndex;
    private final int mask;
    private final int chunks;
    private final int maxSessions;
    private int size;

    /** A table for at most {@code maxSessions} sessions. */
    public SessionTable(int maxSessions) {
        if (maxSessions < 1 || maxSessions > MAX_SESSIONS) {
            throw new IllegalArgumentException("max-sessions must be between 1 and " + MAX_SESSIONS);
        }
        this.maxSessions = maxSessions;
        this.chunks = (int) ((3L * maxSessions + 3) / 4); // 2 rows each: 1.5 rows per session
        this.rows = new long[BASE + chunks * CHUNK];
        int slots = Hashing.powerOfTwoAtLeast(maxSessions * 2);
        this.outsideIndex = new long[slots];
        this.mask = slots - 1;
    }

    /**
     * Empties the table, as a new one.
     * For a fuzzer that reuses one instance per configuration ({@link NatEngine#reset}): no
     * allocation, every field as the constructor left it.
     */
    void reset() {
        java.util.Arrays.fill(rows, 0L);
        java.util.Arrays.fill(outsideIndex, 0L);
        size = 0;
    }

    /** A row's remote word: the remote endpoint's address and port, and the external port. */
    private static long remoteWord(long remote, int externalPort) {
        return (remote & ~0xffffL) | externalPort;
    }

    /**
     * The hash {@link #findInside} starts from. {@code remote} may be a remote endpoint or a row's
     * remote word: only its address and port count.
     */
    static int insideHash(long inside, long remote) {
        return Hashing.hash(inside, remote >>> 16);
    }

    /** The hash {@link #findOutside} starts from; {@code external} is {@code addressIndex << 16 | port}. */
    static int outsideHash(int external, long remote) {
        return hashOfWord(remoteWord(remote, external & 0xffff), (remote & 0xff00) | (long) (external >>> 16) << 16);
    }

    /**
     * The outside hash of a remote word and the protocol bits of an endpoint with the external
     * address index above them (0 with one address: the hash is what it was before pools).
     */
    private static int hashOfWord(long remoteWord, long protocolAndAddress) {
        return Hashing.hash(remoteWord, protocolAndAddress);
    }

    /** The protocol bits of inside word {@code inside} and the address index of {@code flags}, for {@link #hashOfWord}. */
    private static long protocolAndAddress(long inside, long flags) {
        return (inside & 0xff00) | ((flags & ADDRESS_BITS) << (16 - ADDRESS_SHIFT));
    }

    /** The home chunk of an inside hash: multiply-shift onto 0..chunks-1. */
    int home(int hash) {
        return (int) (((hash & 0xffffffffL) * chunks) >>> 32);
    }

    private int next(int chunk) {
        return chunk + 1 == chunks ? 0 : chunk + 1;
    }

    private static int row(int id) {
        return BASE + id * STRIDE;
    }

    /** How many sessions passed over {@code chunk} because it was full (for tests). */
    int overflow(int chunk) {
        return (int) (rows[BASE + chunk * CHUNK + 3] >>> OVERFLOW_SHIFT);
    }

    int chunks() {
        return chunks;
    }

    /**
     * Reads the outside index slot a session with external endpoint {@code external} and remote
     * endpoint {@code remote} would be filed at ({@link NatTable}'s read-ahead of a set-up); changes nothing.
     */
    long prefetchOutside(int external, long remote) {
        return outsideIndex[outsideHash(external, remote) & mask];
    }

    /**
     * Brings into the cache, for {@code count} lookups about to happen, where each will look: for
     * inside lookups the home chunk (and the next one when sessions overflowed from it), for
     * outside ones the index slot and then the row of the first entry there with the same hash;
     * first every slot or chunk, then every row, so that the cache misses of different lookups
     * overlap instead of queueing one after another (the loads of one loop do not depend on each
     * other, and the out-of-order core issues them together). Changes nothing; the sum of what it
     * read keeps the loads from being dropped.
     *
     * @param hashes  from {@link #insideHash(long, long)} ({@code inside}) or {@link #outsideHash(int, long)}
     * @param entries scratch, at least {@code count} long
     */
    long prefetch(int[] hashes, long[] entries, int count, boolean inside) {
        long[] rows = this.rows;
        long sum = 0;
        if (inside) {
            for (int k = 0; k < count; k++) {
                entries[k] = rows[BASE + home(hashes[k]) * CHUNK + 3];
            }
            for (int k = 0; k < count; k++) {
                if (entries[k] >>> OVERFLOW_SHIFT != 0) {
                    sum += rows[BASE + next(home(hashes[k])) * CHUNK];
                }
            }
            return sum;
        }
        long[] index = outsideIndex;
        int mask = this.mask;
        for (int k = 0; k < count; k++) {
            entries[k] = index[hashes[k] & mask];
        }
        for (int k = 0; k < count; k++) {
            int hash = hashes[k];
            int i = hash & mask;
            for (long e = entries[k]; e != 0; e = index[i]) {
                if ((int) (e >>> 32) == hash) {
                    sum += rows[row((int) e - 1)];
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        return sum;
    }

    /** The session with this inside key ({@link Endpoint}), or {@link #NONE}. */
    public int findInside(long inside, long remote) {
        long remoteEnd = remote >>> 16;
        long[] rows = this.rows;
        int c = home(Hashing.hash(inside, remoteEnd));
        // At most every chunk once: after deletions every count on a cycle may be non-zero.
        for (int n = 0; n < chunks; n++) {
            int r = BASE + c * CHUNK;
            if (rows[r] == inside && rows[r + 1] >>> 16 == remoteEnd) {
                return 2 * c;
            }
            if (rows[r + STRIDE] == inside && rows[r + STRIDE + 1] >>> 16 == remoteEnd) {
                return 2 * c + 1;
            }
            if (rows[r + 3] >>> OVERFLOW_SHIFT == 0) {
                return NONE;
            }
            c = next(c);
        }
        return NONE;
    }

    /**
     * The session with this outside key, or {@link #NONE}: {@code external} is
     * {@code addressIndex << 16 | port}, {@code remote} an {@link Endpoint}.
     */
    public int findOutside(int external, long remote) {
        long word = remoteWord(remote, external & 0xffff);
        long protocol = remote & 0xff00;
        long address = (long) (external >>> 16) << ADDRESS_SHIFT;
        int hash = hashOfWord(word, protocol | address << (16 - ADDRESS_SHIFT));
        long[] index = outsideIndex;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long e = index[i];
            if (e == 0) {
                return NONE;
            }
            if ((int) (e >>> 32) == hash) {
                int r = row((int) e - 1);
                if (rows[r + 1] == word && (rows[r] & 0xff00) == protocol && (rows[r + 3] & ADDRESS_BITS) == address) {
                    return (int) e - 1;
                }
            }
        }
    }

    /**
     * Adds a session; the caller has checked that neither key is present. Returns its id, or
     * {@link #NONE} when the table holds max-sessions already. {@code external} is
     * {@code addressIndex << 16 | port}; the index goes into the flags' address bits.
     */
    public int insert(long inside, long remote, int external, int mapping, int flags, long expiry) {
        if (size == maxSessions) {
            return NONE;
        }
        flags = (flags & ~ADDRESS_BITS) | (external >>> 16) << ADDRESS_SHIFT;
        long word = remoteWord(remote, external & 0xffff);
        long[] rows = this.rows;
        int c = home(insideHash(inside, word));
        int id;
        // There are more rows than sessions allowed, so a free one comes before the walk returns here.
        while (true) {
            int r = BASE + c * CHUNK;
            if (rows[r] == 0) {
                id = 2 * c;
                break;
            }
            if (rows[r + STRIDE] == 0) {
                id = 2 * c + 1;
                break;
            }
            if (rows[r + 3] >>> OVERFLOW_SHIFT != OVERFLOW_SATURATED) {
                rows[r + 3] += OVERFLOW_ONE;
            }
            c = next(c);
        }
        int r = row(id);
        rows[r] = inside;
        rows[r + 1] = word;
        rows[r + 2] = expiry;
        rows[r + 3] = (rows[r + 3] & OVERFLOW_MASK) | ((long) (mapping + 1) << MAPPING_SHIFT) | (flags & FLAGS_MASK);
        put(outsideIndex, hashOfWord(word, protocolAndAddress(inside, flags)), id);
        size++;
        return id;
    }

    /** Removes session {@code id}, which must be live, from its chunk and the outside index. */
    public void remove(int id) {
        int r = row(id);
        long inside = rows[r];
        long word = rows[r + 1];
        int chunk = id >>> 1;
        for (int c = home(insideHash(inside, word)); c != chunk; c = next(c)) {
            int at = BASE + c * CHUNK + 3;
            if (rows[at] >>> OVERFLOW_SHIFT != OVERFLOW_SATURATED) {
                rows[at] -= OVERFLOW_ONE;
            }
        }
        take(outsideIndex, hashOfWord(word, protocolAndAddress(inside, rows[r + 3])), id);
        rows[r] = 0;
        rows[r + 1] = 0;
        rows[r + 2] = 0;
        rows[r + 3] &= OVERFLOW_MASK; // the chunk's count, if this is its first row
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

    /** The most sessions the table holds. */
    public int maxSessions() {
        return maxSessions;
    }

    /** The number of rows: ids run from 0 to {@code capacity() - 1} (walk them with {@link #isLive}). */
    public int capacity() {
        return chunks * 2;
    }

    /** True if {@code id} is a live session (for walks over all rows on the control plane). */
    public boolean isLive(int id) {
        return (rows[row(id)] & 0xff00) != 0; // the protocol is never 0 in a live row
    }

    public int protocol(int id) {
        return Endpoint.protocol(rows[row(id)]);
    }

    public int insideAddress(int id) {
        return Endpoint.address(rows[row(id)]);
    }

    public int insidePort(int id) {
        return Endpoint.port(rows[row(id)]);
    }

    public int remoteAddress(int id) {
        return Endpoint.address(rows[row(id) + 1]);
    }

    public int remotePort(int id) {
        return Endpoint.port(rows[row(id) + 1]);
    }

    public int externalPort(int id) {
        return (int) rows[row(id) + 1] & 0xffff;
    }

    /** The index of the session's public address in the pool ({@link PublicAddresses}). */
    public int externalAddressIndex(int id) {
        return (int) (rows[row(id) + 3] & ADDRESS_BITS) >>> ADDRESS_SHIFT;
    }

    /** The session's external endpoint: {@code addressIndex << 16 | port}. */
    public int external(int id) {
        int r = row(id);
        return (int) (rows[r + 3] & ADDRESS_BITS) << (16 - ADDRESS_SHIFT) | (int) rows[r + 1] & 0xffff;
    }

    /** The mapping this session holds a reference on, or {@link #NONE} (port-forward sessions). */
    public int mapping(int id) {
        return (int) ((rows[row(id) + 3] & MAPPING_MASK) >>> MAPPING_SHIFT) - 1;
    }

    /** The session's flags: its {@link TcpTracker} state and {@link NatTable}'s kind bits (16 bits). */
    public int flags(int id) {
        return (int) (rows[row(id) + 3] & FLAGS_MASK);
    }

    /** Sets the session's flags but for its address index, which stays as it was inserted. */
    public void flags(int id, int flags) {
        int r = row(id) + 3;
        rows[r] = (rows[r] & ~(FLAGS_MASK & ~ADDRESS_BITS)) | (flags & FLAGS_MASK & ~ADDRESS_BITS);
    }

    public long expiry(int id) {
        return rows[row(id) + 2];
    }

    public void expiry(int id, long expiry) {
        rows[row(id) + 2] = expiry;
    }

    /** Bytes held by this table's arrays. */
    long bytes() {
        return 8L * rows.length + 8L * outsideIndex.length;
    }
}
