package org.jnat.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One frame slot: a fixed native buffer, the length of the frame in it, and the offload metadata
 * that travels with it (the fields of Linux's {@code struct virtio_net_hdr}).
 *
 * <p>Slots are allocated once, when a device or a batch is made, and reused for every frame: the
 * packet path never allocates. A device fills a slot on receive; the router rewrites the frame in
 * place and hands the same slot to the other device to transmit.
 *
 * <p>The frame starts at offset 0 of {@link #segment()} with the Ethernet header. Offload metadata
 * is all zero for an ordinary, fully checksummed, wire-sized frame.
 */
public final class PacketBuffer {
    /** Room for a 64 KiB GSO super-packet plus its Ethernet and VLAN headers. */
    public static final int DEFAULT_CAPACITY = 65536 + 64;

    /** {@code gsoType} values, from {@code VIRTIO_NET_HDR_GSO_*}. */
    public static final int GSO_NONE = 0, GSO_TCPV4 = 1, GSO_UDP = 3, GSO_TCPV6 = 4, GSO_UDP_L4 = 5;
    /** {@code flags} bits, from {@code VIRTIO_NET_HDR_F_*}. */
    public static final int F_NEEDS_CSUM = 1, F_DATA_VALID = 2;

    private final MemorySegment segment;
    private int length;

    /** virtio_net_hdr.flags: {@link #F_NEEDS_CSUM} means the transport checksum is partial. */
    public int flags;
    /** virtio_net_hdr.gso_type: {@link #GSO_NONE} for a single frame. */
    public int gsoType;
    /** virtio_net_hdr.hdr_len: length of all headers of a GSO packet. */
    public int headerLength;
    /** virtio_net_hdr.gso_size: payload bytes per segment of a GSO packet (the MSS). */
    public int gsoSize;
    /** virtio_net_hdr.csum_start: offset from the frame start where checksumming starts. */
    public int checksumStart;
    /** virtio_net_hdr.csum_offset: offset from checksumStart where the checksum is stored. */
    public int checksumOffset;
    /** When the frame was received, in the router clock's nanoseconds (pcap replay sets it). */
    public long timestampNanos;

    public PacketBuffer(MemorySegment segment) {
        this.segment = segment;
    }

    /** A slot of {@code capacity} bytes in {@code arena}. */
    public static PacketBuffer allocate(Arena arena, int capacity) {
        return new PacketBuffer(arena.allocate(capacity, 64));
    }

    /**
     * A slot over the first {@code capacity} bytes of {@code memory}: how an owner that is reset to
     * a smaller frame size (a router's reset to other MTUs) sizes its slot again without
     * allocating native memory, its capacity exactly that of a new slot of that size.
     */
    public static PacketBuffer over(MemorySegment memory, int capacity) {
        if (capacity < 0 || capacity > memory.byteSize()) {
            throw new IllegalArgumentException("a slot of " + capacity + " bytes in " + memory.byteSize());
        }
        return new PacketBuffer(memory.asSlice(0, capacity));
    }

    /** A slot of {@link #DEFAULT_CAPACITY} bytes with its own automatic arena. */
    public static PacketBuffer allocate() {
        return allocate(Arena.ofAuto(), DEFAULT_CAPACITY);
    }

    public MemorySegment segment() {
        return segment;
    }

    public int capacity() {
        return (int) segment.byteSize();
    }

    /** Length of the frame in bytes, from the start of the Ethernet header. */
    public int length() {
        return length;
    }

    public void length(int length) {
        if (length < 0 || length > segment.byteSize()) {
            throw new IllegalArgumentException("frame length " + length + " outside 0.." + segment.byteSize());
        }
        this.length = length;
    }

    /** True if this frame carries offload work (GSO or a partial checksum) for the receiver. */
    public boolean hasOffload() {
        return gsoType != GSO_NONE || (flags & F_NEEDS_CSUM) != 0;
    }

    /** Clears the offload metadata: an ordinary, fully checksummed frame. */
    public void clearOffload() {
        flags = 0;
        gsoType = GSO_NONE;
        headerLength = 0;
        gsoSize = 0;
        checksumStart = 0;
        checksumOffset = 0;
    }

    /** Copies the frame bytes and metadata of {@code other} into this slot. */
    public void copyFrom(PacketBuffer other) {
        MemorySegment.copy(other.segment, 0, segment, 0, other.length);
        length = other.length;
        flags = other.flags;
        gsoType = other.gsoType;
        headerLength = other.headerLength;
        gsoSize = other.gsoSize;
        checksumStart = other.checksumStart;
        checksumOffset = other.checksumOffset;
        timestampNanos = other.timestampNanos;
    }
}
