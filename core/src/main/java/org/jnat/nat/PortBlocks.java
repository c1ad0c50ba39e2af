package org.jnat.nat;

/**
 * Which block of external ports each inside host has, for {@code port-allocation = "block"}: the
 * ports {@code first..last} of each public address cut into blocks of {@code size} ports (a
 * remainder smaller than a block is never given); block {@code k} is block {@code k mod perAddress}
 * of address index {@code k / perAddress}, {@code count} of them in all.
 *
 * <ul>
 *   <li>Deterministic (RFC 7422 section 2): host {@code h} has block
 *       {@code k = (h - insideBase) mod count}: address index {@code k / perAddress}, first port
 *       {@code first + (k mod perAddress) * size}. An
 *       operator computes it without logs. When the inside holds more hosts than there are blocks,
 *       hosts {@code count} apart share a block (each port still has one owner).</li>
 *   <li>Dynamic: a host gets a free block when it first needs a port (the one freed longest ago,
 *       so that ports held after their release, RFC 6888 REQ-8, are rarely in the way) and gives
 *       it back when it holds no port of it any more, in any protocol. With no block free, the
 *       host gets no port. A host that comes back within the hold gets the oldest free block, which need
 *       not be its former one.</li>
 * </ul>
 *
 * <p>Set-up path only; nothing allocates. Single-threaded, as the {@link PortAllocator} it serves.
 */
final class PortBlocks {
    private final int first;
    private final int size;
    private final int count;
    private final int perAddress;
    private final boolean deterministic;
    private final int insideBase;
    /** Dynamic: the host of each block (meaningful while {@link #held} > 0 or just given), 0 if free. */
    private final int[] hostOf;
    /** Dynamic: ports of each block held by counted allocations, over the three protocols. */
    private final int[] held;
    /** Dynamic: host to block + 1 (0 empty), linear probing, backward-shift deletion. */
    private final int[] index;
    private final int mask;
    /** Dynamic: free blocks, oldest freed first (a ring). */
    private final int[] free;
    private int freeHead;
    private int freeCount;
    /** Dynamic: bit per allocator slot, set while that port counts in its block's {@link #held}. */
    private final long[] counted;

    /**
     * @param slots the allocator's slots (protocols times ports), for the counted bits
     */
    PortBlocks(int first, int last, int size, int addresses, boolean deterministic, int insideBase, int slots) {
        this.first = first;
        this.size = size;
        this.perAddress = Math.max(1, (last - first + 1) / size);
        this.count = perAddress * addresses;
        if ((last - first + 1) < size) {
            throw new IllegalArgumentException("port-block-size " + size + " is larger than the port range "
                    + first + "-" + last);
        }
        this.deterministic = deterministic;
        this.insideBase = insideBase;
        int n = deterministic ? 0 : count;
        this.hostOf = new int[n];
        this.held = new int[n];
        this.free = new int[n];
        int indexSize = deterministic ? 1 : Hashing.powerOfTwoAtLeast(count * 2);
        this.index = new int[indexSize];
        this.mask = indexSize - 1;
        this.counted = new long[deterministic ? 0 : (slots + 63) / 64];
        for (int b = 0; b < n; b++) {
            free[b] = b;
        }
        this.freeCount = n;
    }

    /** No block given, every block free in order, as new ({@link NatEngine#reset}). */
    void reset() {
        java.util.Arrays.fill(hostOf, 0);
        java.util.Arrays.fill(held, 0);
        java.util.Arrays.fill(index, 0);
        java.util.Arrays.fill(counted, 0L);
        for (int b = 0; b < free.length; b++) {
            free[b] = b;
        }
        freeHead = 0;
        freeCount = free.length;
    }

    /** True if blocks follow RFC 7422's formula, false if they are given on first use. */
    boolean deterministic() {
        return deterministic;
    }

    /** Blocks over all the public addresses. */
    int count() {
        return count;
    }

    /** The first external endpoint of block {@code block}: {@code addressIndex << 16 | port}. */
    int firstExternal(int block) {
        return PublicAddresses.external(block / perAddress, first + (block % perAddress) * size);
    }

    /** The last port of block {@code block} (on the address of its {@link #firstExternal}). */
    int lastPort(int block) {
        return first + (block % perAddress) * size + size - 1;
    }

    /** RFC 7422's block of inside address {@code host}: {@code (host - insideBase) mod count}. */
    int deterministicBlock(int host) {
        return Integer.remainderUnsigned(host - insideBase, count);
    }

    /**
     * The block of {@code host}: its deterministic one, or its dynamic one, given now if it has none;
     * -1 when no block is free.
     */
    int blockOf(int host) {
        if (deterministic) {
            return deterministicBlock(host);
        }
        for (int i = hash(host); ; i = (i + 1) & mask) {
            int e = index[i];
            if (e == 0) {
                if (freeCount == 0) {
                    return -1;
                }
                int block = free[freeHead];
                freeHead = freeHead + 1 == count ? 0 : freeHead + 1;
                freeCount--;
                hostOf[block] = host;
                held[block] = 0;
                index[i] = block + 1;
                return block;
            }
            if (hostOf[e - 1] == host) {
                return e - 1;
            }
        }
    }

    /** The block that holds external endpoint {@code external}, or -1 (outside every block). */
    private int blockHolding(int external) {
        int port = PublicAddresses.port(external);
        int b = (port - first) / size;
        return port < first || b >= perAddress ? -1 : PublicAddresses.indexOfExternal(external) * perAddress + b;
    }

    /** {@code host} took {@code external} (allocator slot {@code slot}) of its block. */
    void taken(int slot, int external, int host) {
        if (deterministic) {
            return;
        }
        int b = blockHolding(external);
        if (b >= 0 && hostOf[b] == host) {
            held[b]++;
            counted[slot >>> 6] |= 1L << slot;
        }
    }

    /** {@code external} (slot {@code slot}) was released: its block goes back when it was the last one. */
    void released(int slot, int external) {
        if (deterministic || (counted[slot >>> 6] & (1L << slot)) == 0) {
            return;
        }
        counted[slot >>> 6] &= ~(1L << slot);
        int b = blockHolding(external);
        if (--held[b] == 0) {
            unindex(b);
            free[(freeHead + freeCount) % count] = b;
            freeCount++;
        }
    }

    /**
     * A block given for a host that then got no port of it goes back at once (the host would
     * otherwise keep a block it holds nothing of).
     */
    void unused(int block) {
        if (!deterministic && held[block] == 0) {
            unindex(block);
            free[(freeHead + freeCount) % count] = block;
            freeCount++;
        }
    }

    private void unindex(int block) {
        int i = hash(hostOf[block]);
        while (index[i] != block + 1) {
            i = (i + 1) & mask;
        }
        for (int j = (i + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int h = hash(hostOf[index[j] - 1]);
            if (((j - h) & mask) >= ((j - i) & mask)) {
                index[i] = index[j];
                i = j;
            }
        }
        index[i] = 0;
        hostOf[block] = 0;
    }

    /** Hosts with a dynamic block now (0 when deterministic). */
    int hostsWithBlocks() {
        return deterministic ? 0 : count - freeCount;
    }

    private int hash(int host) {
        int h = host * 0x9E3779B9;
        return (h ^ h >>> 16) & mask;
    }

    long bytes() {
        return 4L * (hostOf.length + held.length + index.length + free.length) + 8L * counted.length;
    }
}
