package org.jnat.nat;

import org.jnat.config.PortAllocation;
import org.jnat.config.PublicPool.Pooling;
import org.jnat.wire.IpProtocol;

/**
 * External endpoints (public address and port, or ICMP query identifier), per protocol: who owns
 * each one. Which one a new mapping gets is the {@link PortChooser}'s.
 *
 * <p>An external endpoint is {@code addressIndex << 16 | port} ({@link PublicAddresses#external});
 * with one public address it is the port itself.
 *
 * <ul>
 *   <li>Each external endpoint has at most one owner (a mapping id), so two inside endpoints can
 *       never hold the same public address and port of one protocol: no port overloading (RFC 4787
 *       REQ-3).</li>
 *   <li>A port forward reserves its ports ({@link #reserve}): no mapping is given them. A port a
 *       mapping holds when it is reserved is reserved as that mapping lets it go.</li>
 *   <li>A freed port is held for {@link #DEFAULT_HOLD_NANOS} (120 s) before another inside host may
 *       have it (RFC 6888 REQ-8: "at least 120 seconds"; that is about 2 MSL, so a late segment or
 *       datagram of the old flow is not delivered to the new owner). The same host may have it back
 *       at once, which keeps port preservation working for a client that restarts. This holds in
 *       every allocation mode.</li>
 * </ul>
 *
 * <p>Nothing allocates. The per-port state is sized to the configured range and the pool (16 bytes
 * a port, protocol and public address), but for the reservations, which forwards may make anywhere
 * in 1-65535 (1 bit a port, protocol and address).
 */
public final class PortAllocator {
    /** {@link #owner} of a free port. */
    public static final int FREE = -1;
    /** {@link #owner} of a port reserved for a port forward ({@link #reserve}). */
    public static final int RESERVED = -2;
    /** RFC 6888 REQ-8's minimum hold of a freed port. */
    public static final long DEFAULT_HOLD_NANOS = 120_000_000_000L;
    static final int PROTOCOLS = 3;
    private static final int PORTS = 65536;

    /** Per address, protocol and port of low..high, at {@link #slot}: owner, when and by whom released. */
    private final int[] owners;
    private final long[] releasedAt;
    private final int[] releasedBy;
    /** Bit {@code (address * 3 + protocolIndex) * 65536 + port}: reserved for a port forward. */
    private final long[] reserved;
    /**
     * The words of {@link #reserved} that a reservation may have set since construction or the
     * last reset, {@code [reservedFrom, reservedTo)}: a reset clears only those (the bits are
     * 24 KiB an address, most of a small allocator's reset where no forward is configured).
     */
    private int reservedFrom = Integer.MAX_VALUE;
    private int reservedTo;
    private final int low;
    private final int high;
    private final int span;
    private final int addresses;
    private final long holdNanos;
    private final PortChooser chooser;
    /** Per protocol index: ports (over every address) a mapping holds now, kept as they are taken and released. */
    private final int[] inUse = new int[PROTOCOLS];
    /** Block mode's blocks; null in the other modes. */
    private final PortBlocks blocks;

    /**
     * One public address, the inside port kept when free.
     *
     * @param low  the first port that may be allocated (at least 1)
     * @param high the last (at most 65535)
     */
    public PortAllocator(int low, int high, long holdNanos, long seed) {
        this(low, high, PortAllocation.defaults(), 1, Pooling.PAIRED, holdNanos, seed);
    }

    /**
     * @param low        the first port that may be allocated (at least 1)
     * @param high       the last (at most 65535)
     * @param allocation the mode and its settings
     * @param addresses  how many public addresses there are (1 to 32)
     * @param pooling    which of them a new mapping gets
     */
    public PortAllocator(int low, int high, PortAllocation allocation, int addresses, Pooling pooling,
            long holdNanos, long seed) {
        if (low < 1 || high > 65535 || low > high) {
            throw new IllegalArgumentException("port range " + low + "-" + high + " is not within 1-65535");
        }
        if (addresses < 1 || addresses > 32) {
            throw new IllegalArgumentException("1 to 32 public addresses, not " + addresses);
        }
        this.low = low;
        this.high = high;
        this.span = high - low + 1;
        this.addresses = addresses;
        this.owners = new int[addresses * PROTOCOLS * span];
        this.releasedAt = new long[owners.length];
        this.releasedBy = new int[owners.length];
        this.reserved = new long[addresses * PROTOCOLS * PORTS / 64];
        this.holdNanos = holdNanos;
        java.util.Arrays.fill(owners, FREE);
        java.util.Arrays.fill(releasedAt, Long.MIN_VALUE);
        if (allocation.mode() == PortAllocation.Mode.BLOCK) {
            int first = high - Math.max(low, 1024) + 1 >= allocation.blockSize() ? Math.max(low, 1024) : low;
            this.blocks = new PortBlocks(first, high, allocation.blockSize(), addresses, allocation.deterministic(),
                    allocation.insideBase(), owners.length);
        } else {
            this.blocks = null;
        }
        this.chooser = new PortChooser(this, allocation, blocks, addresses, pooling, seed);
    }

    /**
     * Every port free and unreserved, no block given, the chooser's cursors and random sequence
     * started from {@code seed}, as a new one.
     * For a fuzzer that reuses one instance per configuration ({@link NatEngine#reset}): no
     * allocation, every field as the constructor left it.
     */
    void reset(long seed) {
        java.util.Arrays.fill(owners, FREE);
        java.util.Arrays.fill(releasedAt, Long.MIN_VALUE);
        java.util.Arrays.fill(releasedBy, 0);
        if (reservedFrom < reservedTo) {
            java.util.Arrays.fill(reserved, reservedFrom, reservedTo, 0L);
        }
        reservedFrom = Integer.MAX_VALUE;
        reservedTo = 0;
        java.util.Arrays.fill(inUse, 0);
        if (blocks != null) {
            blocks.reset();
        }
        chooser.reset(seed);
    }

    /** The most owners ports {@code low..high} of one address can have at once: one per port and protocol. */
    static int maxOwners(int low, int high) {
        return PROTOCOLS * (high - low + 1);
    }

    /** 0, 1 or 2 for TCP, UDP, ICMP; -1 for a protocol jnat does not translate. */
    public static int protocolIndex(int protocol) {
        return switch (protocol) {
            case IpProtocol.TCP -> 0;
            case IpProtocol.UDP -> 1;
            case IpProtocol.ICMP -> 2;
            default -> -1;
        };
    }

    /** The owner of {@code external}: a mapping id, {@link #FREE} or {@link #RESERVED}. */
    public int owner(int protocol, int external) {
        int port = external & 0xffff;
        if (port < low || port > high || external >>> 16 >= addresses) { // never a mapping's
            return external >>> 16 < addresses && isReserved(protocol, external) ? RESERVED : FREE;
        }
        return owners[slot(external >>> 16, protocolIndex(protocol), port)];
    }

    /** Index of {@code port} (within low..high) of address {@code a} and protocol index {@code p}. */
    int slot(int a, int p, int port) {
        return (a * PROTOCOLS + p) * span + port - low;
    }

    private boolean inRange(int external) {
        int port = external & 0xffff;
        return port >= low && port <= high && external >>> 16 < addresses;
    }

    private int slotOf(int protocol, int external) {
        return slot(external >>> 16, protocolIndex(protocol), external & 0xffff);
    }

    private static int reservedBit(int protocol, int external) {
        return ((external >>> 16) * PROTOCOLS + protocolIndex(protocol)) * PORTS + (external & 0xffff);
    }

    /**
     * Reserves {@code external} for a port forward: it is never allocated nor claimed. If a mapping
     * holds it now, it is reserved when that mapping releases it.
     */
    public void reserve(int protocol, int external) {
        int bit = reservedBit(protocol, external);
        int word = bit >>> 6;
        reserved[word] |= 1L << bit;
        reservedFrom = Math.min(reservedFrom, word);
        reservedTo = Math.max(reservedTo, word + 1);
        if (inRange(external) && owners[slotOf(protocol, external)] == FREE) {
            owners[slotOf(protocol, external)] = RESERVED;
        }
    }

    /**
     * Ends the reservation of {@code external}: it is free, and held from hosts other than
     * {@code host} (the forward's target) as if {@code host} had released it at {@code now}.
     */
    public void unreserve(int protocol, int external, int host, long now) {
        int bit = reservedBit(protocol, external);
        reserved[bit >>> 6] &= ~(1L << bit);
        if (inRange(external) && owners[slotOf(protocol, external)] == RESERVED) {
            release(protocol, external, host, now);
        }
    }

    public boolean isReserved(int protocol, int external) {
        int bit = reservedBit(protocol, external);
        return (reserved[bit >>> 6] & (1L << bit)) != 0;
    }

    /**
     * True if {@code host} may take {@code external} now: nobody owns it and it is not held for
     * someone else. A port outside the range is nobody's and held for nobody, but never given.
     */
    public boolean isAvailable(int protocol, int external, int host, long now) {
        if (!inRange(external)) {
            return !isReserved(protocol, external);
        }
        return available(slotOf(protocol, external), host, now);
    }

    /** True if slot {@code slot} is free and not held from {@code host}. */
    boolean available(int slot, int host, long now) {
        if (owners[slot] != FREE) {
            return false;
        }
        long at = releasedAt[slot];
        return at == Long.MIN_VALUE || releasedBy[slot] == host || now - at >= holdNanos;
    }

    /**
     * The external endpoint a new mapping of {@code host}'s {@code insidePort} would get if it is
     * free, when the mode says so before looking ({@link PortChooser#firstTry}); else -1.
     */
    int firstTry(int host, int insidePort) {
        return chooser.firstTry(host, insidePort);
    }

    /**
     * Reads the state of {@code external} (within the range) that {@link #allocate} looks at
     * first ({@link NatTable}'s read-ahead of a set-up); changes nothing.
     */
    long prefetch(int protocol, int external) {
        int slot = slotOf(protocol, external);
        return owners[slot] + releasedAt[slot];
    }

    /** Gives exactly {@code external} to {@code owner} if it is available (the DMZ host keeps the port). */
    public boolean claim(int protocol, int external, int host, int owner, long now) {
        if (!inRange(external) || !available(slotOf(protocol, external), host, now)) {
            return false;
        }
        take(protocolIndex(protocol), slotOf(protocol, external), external, host, owner);
        return true;
    }

    /**
     * Allocates an external endpoint for a new mapping of {@code host}'s {@code insidePort}, as the
     * mode and the pooling say ({@link PortChooser}); returns it, or -1 when none is available.
     */
    public int allocate(int protocol, int host, int insidePort, int owner, long now) {
        int p = protocolIndex(protocol);
        int external = chooser.choose(p, host, insidePort, now);
        if (external >= 0) {
            take(p, slot(external >>> 16, p, external & 0xffff), external, host, owner);
        }
        return external;
    }

    private void take(int p, int slot, int external, int host, int owner) {
        owners[slot] = owner;
        inUse[p]++;
        if (blocks != null) {
            blocks.taken(slot, external, host);
        }
    }

    /**
     * Frees {@code external}, which {@code host} held; it is held back from other hosts for a
     * while. A reserved port goes back to its forward.
     */
    public void release(int protocol, int external, int host, long now) {
        if (!inRange(external)) {
            return; // nobody held it
        }
        int slot = slotOf(protocol, external);
        if (owners[slot] >= 0) {
            inUse[protocolIndex(protocol)]--;
        }
        owners[slot] = isReserved(protocol, external) ? RESERVED : FREE;
        releasedAt[slot] = now;
        releasedBy[slot] = host;
        if (blocks != null) {
            blocks.released(slot, external);
        }
    }

    /**
     * RFC 7422's block of inside address {@code host} (block mode with {@code deterministic}): its
     * first external endpoint ({@code addressIndex << 16 | port}), or -1 in any other mode. What an
     * operator computes as block {@code k = (host - insideBase) mod (addresses * blocksPerAddress)},
     * address index {@code k / blocksPerAddress}, first port
     * {@code first + (k mod blocksPerAddress) * port-block-size}.
     */
    public int deterministicBlockStart(int host) {
        return blocks == null || !blocks.deterministic() ? -1 : blocks.firstExternal(blocks.deterministicBlock(host));
    }

    /** Block mode: how many blocks there are, over all addresses; 0 in the other modes. */
    public int blockCount() {
        return blocks == null ? 0 : blocks.count();
    }

    /** Block mode without {@code deterministic}: the hosts that have a block now; else 0. */
    public int hostsWithBlocks() {
        return blocks == null ? 0 : blocks.hostsWithBlocks();
    }

    /**
     * How many ports of the range mappings of {@code protocol} hold now, over every address (ports
     * reserved for forwards are not counted). O(1): counted as ports are taken and released, so a
     * pool of 32 addresses costs the control plane no walk of 2 million ports.
     */
    public int inUse(int protocol) {
        return inUse[protocolIndex(protocol)];
    }

    public int low() {
        return low;
    }

    public int high() {
        return high;
    }

    /** How many public addresses the ports are kept for. */
    public int addresses() {
        return addresses;
    }

    long bytes() {
        return 4L * owners.length + 8L * releasedAt.length + 4L * releasedBy.length + 8L * reserved.length
                + (blocks == null ? 0 : blocks.bytes());
    }
}
