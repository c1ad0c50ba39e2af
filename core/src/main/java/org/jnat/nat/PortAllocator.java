package org.jnat.nat;

import org.jnat.config.PortAllocation;
import org.jnat.wire.IpProtocol;

/**
 * External ports (and ICMP query identifiers), per protocol: who owns each one, and which one a new
 * mapping gets.
 *
 * <ul>
 *   <li>Each port has at most one owner (a mapping id), so two inside endpoints can never hold the
 *       same external port of one protocol: no port overloading (RFC 4787 REQ-3).</li>
 *   <li>A port forward reserves its ports ({@link #reserve}): no mapping is given them. A port a
 *       mapping holds when it is reserved is reserved as that mapping lets it go.</li>
 *   <li>A freed port is held for {@link #DEFAULT_HOLD_NANOS} (120 s) before another inside host may
 *       have it (RFC 6888 REQ-8: "at least 120 seconds"; that is about 2 MSL, so a late segment or
 *       datagram of the old flow is not delivered to the new owner). The same host may have it back
 *       at once, which keeps port preservation working for a client that restarts. This holds in
 *       every mode.</li>
 * </ul>
 *
 * <p>Which free port a new mapping gets is the mode's ({@code [nat] port-allocation}, a switch on a
 * final int: one class, no strategy objects on the set-up path):
 * <ul>
 *   <li>{@code preserve} (the default): the inside port when it is free ("port preservation", RFC
 *       4787 section 4.2.1). Otherwise a random search, RFC 6056 section 3.3.1 (Algorithm 1: a
 *       random start, then a linear walk), over the ports of the same range class (0-1023 or
 *       1024-65535, RFC 4787 REQ-3a) and, when one is left, of the same parity (REQ-4, which
 *       matters for RTP/RTCP pairs), inside the configured range. When the configured range holds
 *       no port of the class, the whole configured range is used.</li>
 *   <li>{@code random}: that random search always, range class and parity kept as above; it never
 *       gives the inside port itself, so no mapping is preserved even by chance.</li>
 *   <li>{@code sequential}: per protocol and range class, the first available port from the one
 *       after the last given, {@code port-stride} ports on (wrapping within the class; ports a
 *       stride never reaches are tried last, one by one). The range class is kept; parity is not
 *       (consecutive ports are the point; an even stride keeps the parity of the first port).</li>
 *   <li>{@code block}: the host's block ({@link PortBlocks}: RFC 7422's deterministic formula, or
 *       one given on first use), and in it the random search with the same parity first. Blocks
 *       are laid over {@code max(low, 1024)..high} (the whole range when that is smaller than one
 *       block), so the range class of an inside port below 1024 is not kept: the block is all the
 *       host has, as in RFC 6888 CGNs.</li>
 * </ul>
 *
 * <p>The random source is a seeded SplitMix64, so tests are deterministic. Nothing allocates. The
 * per-port state is sized to the configured range (a small range is a small table: 16 bytes a
 * port and protocol), but for the reservations, which forwards may make anywhere in 1-65535.
 */
public final class PortAllocator {
    /** {@link #owner} of a free port. */
    public static final int FREE = -1;
    /** {@link #owner} of a port reserved for a port forward ({@link #reserve}). */
    public static final int RESERVED = -2;
    /** RFC 6888 REQ-8's minimum hold of a freed port. */
    public static final long DEFAULT_HOLD_NANOS = 120_000_000_000L;
    private static final int PROTOCOLS = 3;
    private static final int PORTS = 65536;

    /** Per protocol and port of low..high, at {@link #slot}: owner, when and by whom released. */
    private final int[] owners;
    private final long[] releasedAt;
    private final int[] releasedBy;
    /** Bit {@code protocolIndex * 65536 + port}: reserved for a port forward, whoever holds the port now. */
    private final long[] reserved = new long[PROTOCOLS * PORTS / 64];
    private final int low;
    private final int high;
    private final int span;
    private final long holdNanos;
    private long random;
    /** {@link #PRESERVE}, {@link #RANDOM}, {@link #SEQUENTIAL} or {@link #BLOCK}. */
    private final int mode;
    /** Sequential: the port step. */
    private final int stride;
    /** Sequential: per protocol and range class ({@code p * 2 + class}), the next port to try, 0 at first. */
    private final int[] cursor = new int[PROTOCOLS * 2];
    /** Block mode's blocks; null in the other modes. */
    private final PortBlocks blocks;

    private static final int PRESERVE = 0, RANDOM = 1, SEQUENTIAL = 2, BLOCK = 3;

    /**
     * @param low  the first port that may be allocated (at least 1)
     * @param high the last (at most 65535)
     */
    public PortAllocator(int low, int high, long holdNanos, long seed) {
        this(low, high, PortAllocation.defaults(), holdNanos, seed);
    }

    /**
     * @param low        the first port that may be allocated (at least 1)
     * @param high       the last (at most 65535)
     * @param allocation the mode and its settings
     */
    public PortAllocator(int low, int high, PortAllocation allocation, long holdNanos, long seed) {
        if (low < 1 || high > 65535 || low > high) {
            throw new IllegalArgumentException("port range " + low + "-" + high + " is not within 1-65535");
        }
        this.low = low;
        this.high = high;
        this.span = high - low + 1;
        this.owners = new int[PROTOCOLS * span];
        this.releasedAt = new long[PROTOCOLS * span];
        this.releasedBy = new int[PROTOCOLS * span];
        this.holdNanos = holdNanos;
        this.random = seed;
        java.util.Arrays.fill(owners, FREE);
        java.util.Arrays.fill(releasedAt, Long.MIN_VALUE);
        this.mode = allocation.mode().ordinal(); // PRESERVE..BLOCK in the enum's order
        this.stride = allocation.stride();
        if (allocation.mode() == PortAllocation.Mode.BLOCK) {
            int first = high - Math.max(low, 1024) + 1 >= allocation.blockSize() ? Math.max(low, 1024) : low;
            this.blocks = new PortBlocks(first, high, allocation.blockSize(), allocation.deterministic(),
                    allocation.insideBase(), PROTOCOLS * span);
        } else {
            this.blocks = null;
        }
    }

    /** The most owners ports {@code low..high} can have at once: one per port and protocol. */
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

    /** The owner of {@code port}: a mapping id, {@link #FREE} or {@link #RESERVED}. */
    public int owner(int protocol, int port) {
        if (port < low || port > high) { // never a mapping's: a forward's, or nobody's
            return isReserved(protocol, port) ? RESERVED : FREE;
        }
        return owners[slot(protocolIndex(protocol), port)];
    }

    /** Index of {@code port} (within low..high) of protocol index {@code p} in the per-port arrays. */
    private int slot(int p, int port) {
        return p * span + port - low;
    }

    private boolean inRange(int port) {
        return port >= low && port <= high;
    }

    /**
     * Reserves {@code port} for a port forward: it is never allocated nor claimed. If a mapping holds
     * it now, it is reserved when that mapping releases it.
     */
    public void reserve(int protocol, int port) {
        int bit = protocolIndex(protocol) * PORTS + port;
        reserved[bit >>> 6] |= 1L << bit;
        if (inRange(port) && owners[slot(protocolIndex(protocol), port)] == FREE) {
            owners[slot(protocolIndex(protocol), port)] = RESERVED;
        }
    }

    /**
     * Ends the reservation of {@code port}: it is free, and held from hosts other than
     * {@code host} (the forward's target) as if {@code host} had released it at {@code now}.
     */
    public void unreserve(int protocol, int port, int host, long now) {
        int bit = protocolIndex(protocol) * PORTS + port;
        reserved[bit >>> 6] &= ~(1L << bit);
        if (inRange(port) && owners[slot(protocolIndex(protocol), port)] == RESERVED) {
            release(protocol, port, host, now);
        }
    }

    public boolean isReserved(int protocol, int port) {
        int bit = protocolIndex(protocol) * PORTS + port;
        return (reserved[bit >>> 6] & (1L << bit)) != 0;
    }

    /**
     * True if {@code host} may take {@code port} now: nobody owns it and it is not held for someone
     * else. A port outside the range is nobody's and held for nobody, but never given.
     */
    public boolean isAvailable(int protocol, int port, int host, long now) {
        if (!inRange(port)) {
            return !isReserved(protocol, port);
        }
        return available(slot(protocolIndex(protocol), port), host, now);
    }

    private boolean available(int slot, int host, long now) {
        if (owners[slot] != FREE) {
            return false;
        }
        long at = releasedAt[slot];
        return at == Long.MIN_VALUE || releasedBy[slot] == host || now - at >= holdNanos;
    }

    /** Gives exactly {@code port} to {@code owner} if it is available (the DMZ host keeps the port). */
    public boolean claim(int protocol, int port, int host, int owner, long now) {
        if (!inRange(port) || !available(slot(protocolIndex(protocol), port), host, now)) {
            return false;
        }
        owners[slot(protocolIndex(protocol), port)] = owner;
        if (blocks != null) {
            blocks.taken(slot(protocolIndex(protocol), port), port, host);
        }
        return true;
    }

    /**
     * Allocates an external port for a new mapping of {@code host}'s {@code insidePort}, as the mode
     * says; returns it, or -1 when none is available.
     */
    public int allocate(int protocol, int host, int insidePort, int owner, long now) {
        int p = protocolIndex(protocol);
        int port = switch (mode) {
            case PRESERVE -> inRange(insidePort) && available(slot(p, insidePort), host, now)
                    ? insidePort : random(p, host, insidePort, -1, now);
            case RANDOM -> random(p, host, insidePort, insidePort, now);
            case SEQUENTIAL -> sequential(p, host, insidePort, now);
            default -> block(p, host, insidePort, now);
        };
        if (port >= 0) {
            owners[slot(p, port)] = owner;
            if (blocks != null) {
                blocks.taken(slot(p, port), port, host);
            }
        }
        return port;
    }

    /** The first port of {@code insidePort}'s range class within the range (REQ-3a), or the range's. */
    private int classFrom(int insidePort) {
        int from = insidePort < 1024 ? Math.max(low, 1) : Math.max(low, 1024);
        return from > classTo(insidePort) ? low : from;
    }

    private int classTo(int insidePort) {
        int to = insidePort < 1024 ? Math.min(high, 1023) : high;
        int from = insidePort < 1024 ? Math.max(low, 1) : Math.max(low, 1024);
        return from > to ? high : to;
    }

    /** RFC 6056 Algorithm 1 in the range class, same parity first; never {@code avoid}. */
    private int random(int p, int host, int insidePort, int avoid, long now) {
        int from = classFrom(insidePort);
        int to = classTo(insidePort);
        int parity = insidePort & 1;
        int port = search(p, from, to, parity, host, now, avoid);
        return port >= 0 ? port : search(p, from, to, parity ^ 1, host, now, avoid);
    }

    /** The first available port from the class's cursor on, {@link #stride} at a time, then one at a time. */
    private int sequential(int p, int host, int insidePort, long now) {
        int from = classFrom(insidePort);
        int count = classTo(insidePort) - from + 1;
        int c = p * 2 + (insidePort < 1024 ? 0 : 1);
        int start = cursor[c] >= from && cursor[c] - from < count ? cursor[c] - from : 0;
        for (int n = 0, i = start; n < count; n++, i = (int) ((i + (long) stride) % count)) {
            if (available(slot(p, from + i), host, now)) {
                cursor[c] = from + (int) ((i + (long) stride) % count);
                return from + i;
            }
        }
        for (int n = 0, i = start; stride > 1 && n < count; n++, i = i + 1 == count ? 0 : i + 1) {
            if (available(slot(p, from + i), host, now)) { // a port the stride never reaches
                cursor[c] = from + (int) ((i + (long) stride) % count);
                return from + i;
            }
        }
        return -1;
    }

    /** The random search within the host's block; -1 (and the block back, if new) when it is full. */
    private int block(int p, int host, int insidePort, long now) {
        int b = blocks.blockOf(host);
        if (b < 0) {
            return -1;
        }
        int from = blocks.firstPort(b);
        int to = from + blocks.size() - 1;
        int parity = insidePort & 1;
        int port = search(p, from, to, parity, host, now, -1);
        if (port < 0) {
            port = search(p, from, to, parity ^ 1, host, now, -1);
        }
        if (port < 0) {
            blocks.unused(b);
        }
        return port;
    }

    /** RFC 6056 Algorithm 1 over the ports of one parity in from..to, but {@code avoid}. */
    private int search(int p, int from, int to, int parity, int host, long now, int avoid) {
        int first = (from & 1) == parity ? from : from + 1;
        if (first > to) {
            return -1;
        }
        int count = (to - first) / 2 + 1;
        int next = (int) Long.remainderUnsigned(nextRandom(), count);
        for (int n = 0; n < count; n++) {
            int port = first + 2 * next;
            if (port != avoid && available(slot(p, port), host, now)) {
                return port;
            }
            if (++next == count) {
                next = 0;
            }
        }
        return -1;
    }

    /**
     * RFC 7422's block of inside address {@code host} (block mode with {@code deterministic}): its
     * first port, or -1 in any other mode. What an operator computes as
     * {@code first + ((host - insideBase) mod blocks) * port-block-size}.
     */
    public int deterministicBlockStart(int host) {
        return blocks == null || !blocks.deterministic() ? -1 : blocks.firstPort(blocks.deterministicBlock(host));
    }

    /**
     * Frees {@code port}, which {@code host} held; it is held back from other hosts for a while. A
     * reserved port goes back to its forward.
     */
    public void release(int protocol, int port, int host, long now) {
        if (!inRange(port)) {
            return; // nobody held it
        }
        int slot = slot(protocolIndex(protocol), port);
        owners[slot] = isReserved(protocol, port) ? RESERVED : FREE;
        releasedAt[slot] = now;
        releasedBy[slot] = host;
        if (blocks != null) {
            blocks.released(slot, port);
        }
    }

    private long nextRandom() {
        long z = (random += 0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * How many ports of the range a mapping of {@code protocol} holds now (the range's occupancy; ports
     * reserved for forwards are not counted). Walks the range: tens of microseconds, for the control plane.
     */
    public int inUse(int protocol) {
        int p = protocolIndex(protocol);
        int n = 0;
        for (int port = low; port <= high; port++) {
            if (owners[slot(p, port)] >= 0) {
                n++;
            }
        }
        return n;
    }

    /** Block mode: how many blocks there are; 0 in the other modes. */
    public int blockCount() {
        return blocks == null ? 0 : blocks.count();
    }

    /** Block mode without {@code deterministic}: the hosts that have a block now; else 0. */
    public int hostsWithBlocks() {
        return blocks == null ? 0 : blocks.hostsWithBlocks();
    }

    public int low() {
        return low;
    }

    public int high() {
        return high;
    }

    long bytes() {
        return 4L * owners.length + 8L * releasedAt.length + 4L * releasedBy.length + 8L * reserved.length
                + (blocks == null ? 0 : blocks.bytes());
    }
}
