package org.jnat.nat;

import org.jnat.config.PortAllocation;
import org.jnat.config.PublicPool.Pooling;

/**
 * Which free external endpoint (public address and port) a new mapping gets: the public address
 * by the pooling, the port by the mode ({@code [nat] port-allocation}). A switch on a final int,
 * one class: no strategy objects on the set-up path. Nothing allocates.
 *
 * <p>The public address (RFC 4787 section 4.1, {@code [outside] pooling}):
 * <ul>
 *   <li>{@code paired} (REQ-2, the default): always the same one for an inside host, picked by a
 *       hash of its address; when that address has no port left the mapping gets none.</li>
 *   <li>{@code arbitrary}: the addresses in turn, mapping after mapping, passing over those with no
 *       port left.</li>
 *   <li>In block mode the host's block decides the address (so a host is paired either way).</li>
 * </ul>
 *
 * <p>The port, on that address:
 * <ul>
 *   <li>{@code preserve} (the default): the inside port when it is free ("port preservation", RFC
 *       4787 section 4.2.1). Otherwise a random search, RFC 6056 section 3.3.1 (Algorithm 1: a
 *       random start, then a linear walk), over the ports of the same range class (0-1023 or
 *       1024-65535, RFC 4787 REQ-3a) and, when one is left, of the same parity (REQ-4, which
 *       matters for RTP/RTCP pairs), inside the configured range. When the configured range holds
 *       no port of the class, the whole configured range is used.</li>
 *   <li>{@code random}: that random search always, range class and parity kept as above; it never
 *       gives the inside port itself, so no mapping is preserved even by chance.</li>
 *   <li>{@code sequential}: per address, protocol and range class, the first available port from
 *       the one after the last given, {@code port-stride} ports on (wrapping within the class; ports
 *       a stride never reaches are tried last, one by one). The range class is kept; parity is not
 *       (consecutive ports are the point; an even stride keeps the parity of the first port).</li>
 *   <li>{@code block}: the host's block ({@link PortBlocks}: RFC 7422's deterministic formula, or
 *       one given on first use), and in it the random search with the same parity first. Blocks
 *       are laid over {@code max(low, 1024)..high} (the whole range when that is smaller than one
 *       block), so the range class of an inside port below 1024 is not kept: the block is all the
 *       host has, as in RFC 6888 CGNs.</li>
 * </ul>
 *
 * <p>The random source is a seeded SplitMix64, so tests are deterministic.
 */
final class PortChooser {
    private static final int PRESERVE = 0, RANDOM = 1, SEQUENTIAL = 2;

    private final PortAllocator ports;
    private final PortBlocks blocks;
    /** PRESERVE, RANDOM, SEQUENTIAL or BLOCK (the {@link PortAllocation.Mode}'s ordinal). */
    private final int mode;
    private final int stride;
    private final int addresses;
    private final boolean paired;
    private final int low;
    private final int high;
    /** Sequential: per address, protocol and range class, the next port to try (0 at first). */
    private final int[] cursor;
    /** Arbitrary pooling: the address the next mapping tries first. */
    private int nextAddress;
    private long random;

    PortChooser(PortAllocator ports, PortAllocation allocation, PortBlocks blocks, int addresses, Pooling pooling,
            long seed) {
        this.ports = ports;
        this.blocks = blocks;
        this.mode = allocation.mode().ordinal();
        this.stride = allocation.stride();
        this.addresses = addresses;
        this.paired = pooling == Pooling.PAIRED;
        this.low = ports.low();
        this.high = ports.high();
        this.cursor = new int[addresses * PortAllocator.PROTOCOLS * 2];
        this.random = seed;
    }

    /** No cursor moved, the first address next, the random sequence from {@code seed}: as new ({@link NatEngine#reset}). */
    void reset(long seed) {
        java.util.Arrays.fill(cursor, 0);
        nextAddress = 0;
        random = seed;
    }

    /** The external endpoint for a new mapping of {@code host}'s {@code insidePort} (protocol index {@code p}), or -1. */
    int choose(int p, int host, int insidePort, long now) {
        if (blocks != null) {
            return block(p, host, insidePort, now);
        }
        if (paired || addresses == 1) {
            return on(pairedAddress(host), p, host, insidePort, now);
        }
        int start = nextAddress;
        nextAddress = start + 1 == addresses ? 0 : start + 1;
        for (int n = 0, a = start; n < addresses; n++, a = a + 1 == addresses ? 0 : a + 1) {
            int external = on(a, p, host, insidePort, now);
            if (external >= 0) {
                return external;
            }
        }
        return -1;
    }

    /**
     * The external endpoint {@link #choose} tries first for {@code host}'s {@code insidePort}, when
     * that is known before looking: the inside port itself on the host's address (preserve mode,
     * paired pooling or one address); else -1.
     */
    int firstTry(int host, int insidePort) {
        return mode == PRESERVE && (paired || addresses == 1) && insidePort >= low && insidePort <= high
                ? PublicAddresses.external(pairedAddress(host), insidePort) : -1;
    }

    /** The address index of inside host {@code host} under paired pooling: a hash of it, stable for its life. */
    int pairedAddress(int host) {
        if (addresses == 1) {
            return 0;
        }
        int h = host * 0x9E3779B9;
        return Integer.remainderUnsigned(h ^ h >>> 16, addresses);
    }

    /** A port of address {@code a} by the mode, as an external endpoint; -1 if it has none. */
    private int on(int a, int p, int host, int insidePort, long now) {
        int port = switch (mode) {
            case PRESERVE -> insidePort >= low && insidePort <= high
                    && ports.available(ports.slot(a, p, insidePort), host, now)
                    ? insidePort : random(a, p, host, insidePort, -1, now);
            case RANDOM -> random(a, p, host, insidePort, insidePort, now);
            default -> sequential(a, p, host, insidePort, now);
        };
        return port < 0 ? -1 : PublicAddresses.external(a, port);
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
    private int random(int a, int p, int host, int insidePort, int avoid, long now) {
        int from = classFrom(insidePort);
        int to = classTo(insidePort);
        int parity = insidePort & 1;
        int port = search(a, p, from, to, parity, host, now, avoid);
        return port >= 0 ? port : search(a, p, from, to, parity ^ 1, host, now, avoid);
    }

    /** The first available port from the class's cursor on, {@link #stride} at a time, then one at a time. */
    private int sequential(int a, int p, int host, int insidePort, long now) {
        int from = classFrom(insidePort);
        int count = classTo(insidePort) - from + 1;
        int c = (a * PortAllocator.PROTOCOLS + p) * 2 + (insidePort < 1024 ? 0 : 1);
        int start = cursor[c] >= from && cursor[c] - from < count ? cursor[c] - from : 0;
        for (int n = 0, i = start; n < count; n++, i = (int) ((i + (long) stride) % count)) {
            if (ports.available(ports.slot(a, p, from + i), host, now)) {
                cursor[c] = from + (int) ((i + (long) stride) % count);
                return from + i;
            }
        }
        for (int n = 0, i = start; stride > 1 && n < count; n++, i = i + 1 == count ? 0 : i + 1) {
            if (ports.available(ports.slot(a, p, from + i), host, now)) { // a port the stride never reaches
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
        int first = blocks.firstExternal(b);
        int a = PublicAddresses.indexOfExternal(first);
        int from = PublicAddresses.port(first);
        int to = blocks.lastPort(b);
        int parity = insidePort & 1;
        int port = search(a, p, from, to, parity, host, now, -1);
        if (port < 0) {
            port = search(a, p, from, to, parity ^ 1, host, now, -1);
        }
        if (port < 0) {
            blocks.unused(b);
            return -1;
        }
        return PublicAddresses.external(a, port);
    }

    /** RFC 6056 Algorithm 1 over the ports of one parity in from..to of address {@code a}, but {@code avoid}. */
    private int search(int a, int p, int from, int to, int parity, int host, long now, int avoid) {
        int first = (from & 1) == parity ? from : from + 1;
        if (first > to) {
            return -1;
        }
        int count = (to - first) / 2 + 1;
        int next = (int) Long.remainderUnsigned(nextRandom(), count);
        for (int n = 0; n < count; n++) {
            int port = first + 2 * next;
            if (port != avoid && ports.available(ports.slot(a, p, port), host, now)) {
                return port;
            }
            if (++next == count) {
                next = 0;
            }
        }
        return -1;
    }

    private long nextRandom() {
        long z = (random += 0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
