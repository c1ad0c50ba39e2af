package org.jnat.nat;

/**
 * The mappings an inside host asked for by PCP or NAT-PMP ("explicit" mappings, RFC 6887 section
 * 11): endpoint-independent {@link MappingTable} mappings that a pin keeps alive, by a reference of
 * its own, whether or not any session uses them; and the remote peers each lets in (FILTER, RFC 6887
 * section 13.3: none means every peer). Their lifetimes are the PCP server's to keep; this class
 * holds what the NAT's inbound step needs, by mapping id, and the pins per host for the quotas.
 *
 * <p>Slots are numbered 0..capacity-1; nothing allocates after construction. Data-plane thread only.
 */
public final class PinnedMappings {
    public static final int NONE = -1;
    /** Remote peer filters a pin holds at most (RFC 6887 section 13.3 lets a server limit them). */
    public static final int MAX_FILTERS = 4;

    /** Per mapping: its pin's slot, or {@link #NONE}; a short, as pins are at most {@link NatTable#MAX_PINS} (4096), to keep 2 B a mapping. */
    private final short[] slotOf;
    private final int[] mappingOf;
    private final int[] filterCount;
    private final int[] filterAddress;
    private final int[] filterMask;
    private final int[] filterPort;
    private final HostTable hosts;
    private final MappingTable mappings;
    private final PortAllocator ports;
    private final int capacity;
    private int freeHead;
    private int size;

    PinnedMappings(int capacity, MappingTable mappings, PortAllocator ports) {
        this.capacity = capacity;
        this.mappings = mappings;
        this.ports = ports;
        this.slotOf = new short[mappings.capacity()];
        java.util.Arrays.fill(slotOf, (short) NONE);
        this.mappingOf = new int[capacity];
        this.filterCount = new int[capacity];
        this.filterAddress = new int[capacity * MAX_FILTERS];
        this.filterMask = new int[capacity * MAX_FILTERS];
        this.filterPort = new int[capacity * MAX_FILTERS];
        this.hosts = new HostTable(capacity);
        for (int i = 0; i < capacity; i++) {
            mappingOf[i] = i + 1 < capacity ? -(i + 2) : NONE; // free: -(next + 1)
        }
        freeHead = capacity > 0 ? 0 : NONE;
    }

    /** No pin, every slot free in order, as new ({@link NatEngine#reset}). */
    void reset() {
        java.util.Arrays.fill(slotOf, (short) NONE);
        java.util.Arrays.fill(filterCount, 0);
        java.util.Arrays.fill(filterAddress, 0);
        java.util.Arrays.fill(filterMask, 0);
        java.util.Arrays.fill(filterPort, 0);
        hosts.reset();
        for (int i = 0; i < capacity; i++) {
            mappingOf[i] = i + 1 < capacity ? -(i + 2) : NONE;
        }
        freeHead = capacity > 0 ? 0 : NONE;
        size = 0;
    }

    /**
     * Pins an endpoint-independent mapping of {@code inside} (TCP or UDP): the one it has (an
     * outbound mapping; or a pin already, a renewal, which the caller tells by {@link #slotOf}), else
     * a new one on {@code suggested} when that port is free for this host, else on a port the
     * allocator chooses; with {@code exact}, {@code suggested} or nothing (PREFER_FAILURE, RFC 6887
     * section 13.2). Never a port a forward reserves. {@code room} is what the host's quota has left
     * for its sessions and pins together. Returns the pin's slot, or {@link NatTable#NO_PORT},
     * {@link NatTable#HOST_QUOTA} or {@link NatTable#TABLE_FULL} (no pin slot or mapping left).
     */
    int pin(long inside, int suggested, boolean exact, int room, long now) {
        int host = Endpoint.address(inside);
        int m = mappings.find(inside, 0);
        if (m >= 0 && slotOf[m] != NONE) {
            return slotOf[m];
        }
        if (m >= 0 && exact && suggested != 0 && suggested != mappings.externalPort(m)) {
            return NatTable.NO_PORT;
        }
        if (of(host) >= room) {
            return NatTable.HOST_QUOTA;
        }
        if (size == capacity) {
            return NatTable.TABLE_FULL;
        }
        if (m < 0) {
            m = newMapping(inside, suggested, exact, now);
            if (m < 0) {
                return m;
            }
        }
        mappings.retain(m);
        return add(m, host);
    }

    private int newMapping(long inside, int suggested, boolean exact, long now) {
        int protocol = Endpoint.protocol(inside);
        int host = Endpoint.address(inside);
        int m = mappings.insert(inside, 0, 0);
        if (m < 0) {
            return NatTable.TABLE_FULL;
        }
        int port;
        if (suggested != 0 && ports.claim(protocol, suggested, host, m, now)) {
            port = suggested;
        } else if (exact && suggested != 0) {
            port = -1;
        } else {
            port = ports.allocate(protocol, host, suggested != 0 ? suggested : Endpoint.port(inside), m, now);
        }
        if (port < 0) {
            mappings.remove(m);
            return NatTable.NO_PORT;
        }
        mappings.external(m, port); // the allocator's external endpoint (address index 0: see the config check)
        return m;
    }

    /**
     * Ends pin {@code slot}: its mapping lives on while sessions use it (they keep their lifetimes,
     * as an outbound mapping's do), and with its last one its port is freed.
     */
    void unpin(int slot, long now) {
        int m = mappingOf[slot];
        long inside = mappings.inside(m);
        int host = Endpoint.address(inside);
        remove(slot, host);
        if (mappings.release(m)) {
            ports.release(Endpoint.protocol(inside), mappings.external(m), host, now);
            mappings.remove(m);
        }
    }

    /** The inside endpoint ({@link Endpoint}) of pin {@code slot}. */
    public long inside(int slot) {
        return mappings.inside(mappingOf[slot]);
    }

    /** The external port of pin {@code slot}. */
    public int externalPort(int slot) {
        return mappings.externalPort(mappingOf[slot]);
    }

    /** Takes a slot for mapping {@code m} of {@code host}; {@link #NONE} when every slot is taken. */
    private int add(int m, int host) {
        int slot = freeHead;
        if (slot == NONE) {
            return NONE;
        }
        int next = mappingOf[slot];
        freeHead = next == NONE ? NONE : -next - 1;
        mappingOf[slot] = m;
        slotOf[m] = (short) slot;
        filterCount[slot] = 0;
        hosts.increment(host);
        size++;
        return slot;
    }

    /** Frees {@code slot}, a pin of {@code host}. */
    private void remove(int slot, int host) {
        slotOf[mappingOf[slot]] = (short) NONE;
        mappingOf[slot] = freeHead == NONE ? NONE : -(freeHead + 1);
        freeHead = slot;
        hosts.decrement(host);
        size--;
    }

    /** The pin of inside endpoint {@code inside} ({@link Endpoint}), or {@link #NONE}. */
    public int find(long inside) {
        int m = mappings.find(inside, 0);
        return m >= 0 ? slotOf[m] : NONE;
    }

    /** The pinned mapping of {@code inside}, or {@link MappingTable#NONE}. */
    int mappingOf(long inside) {
        int m = mappings.find(inside, 0);
        return m >= 0 && slotOf[m] != NONE ? m : MappingTable.NONE;
    }

    /** The pin of mapping {@code m}, or {@link #NONE}. */
    public int slotOf(int m) {
        return slotOf[m];
    }

    /** The mapping pinned in {@code slot}, or a negative number for a free slot. */
    public int mapping(int slot) {
        return mappingOf[slot];
    }

    public boolean isPinned(int m) {
        return slotOf[m] != NONE;
    }

    /** Pins held by inside host {@code address}. */
    public int of(int address) {
        return hosts.count(address);
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /** Drops every filter of {@code slot}: every peer may come in (a request without FILTER, section 13.3). */
    public void clearFilters(int slot) {
        filterCount[slot] = 0;
    }

    /**
     * Adds a remote peer filter to {@code slot}: addresses matching {@code address} in their first
     * {@code prefixLength} bits, from {@code port} (0: any port). A filter already there is not
     * added twice. False if the pin holds {@link #MAX_FILTERS} already.
     */
    public boolean addFilter(int slot, int address, int prefixLength, int port) {
        int mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
        int base = slot * MAX_FILTERS;
        int n = filterCount[slot];
        for (int i = 0; i < n; i++) {
            if (filterAddress[base + i] == (address & mask) && filterMask[base + i] == mask
                    && filterPort[base + i] == port) {
                return true;
            }
        }
        if (n == MAX_FILTERS) {
            return false;
        }
        filterAddress[base + n] = address & mask;
        filterMask[base + n] = mask;
        filterPort[base + n] = port;
        filterCount[slot] = n + 1;
        return true;
    }

    public int filters(int slot) {
        return filterCount[slot];
    }

    /** True if pinned mapping {@code m} lets {@code remoteAddress:remotePort} in (RFC 6887 section 13.3). */
    boolean admits(int m, int remoteAddress, int remotePort) {
        int slot = slotOf[m];
        int n = filterCount[slot];
        if (n == 0) {
            return true;
        }
        int base = slot * MAX_FILTERS;
        for (int i = 0; i < n; i++) {
            if ((remoteAddress & filterMask[base + i]) == filterAddress[base + i]
                    && (filterPort[base + i] == 0 || filterPort[base + i] == remotePort)) {
                return true;
            }
        }
        return false;
    }

    long bytes() {
        return 2L * slotOf.length + 4L * mappingOf.length + 4L * filterCount.length
                + 12L * filterAddress.length + hosts.bytes();
    }
}
