package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import org.jnat.wire.EthernetFrame;

/**
 * One TPACKET_V2 ring of an AF_PACKET socket, RX or TX, as a view over its part of the socket's
 * mapping (Documentation/networking/packet_mmap.rst). The ring is {@code blocks} blocks of
 * {@code blockSize} bytes, each cut into fixed slots of {@code frameSize}; slots do not cross
 * blocks, and a block may end in a gap smaller than a slot ({@code packet_lookup_frame}). Each slot
 * starts with a {@code struct tpacket2_hdr} ({@link #TPACKET2_HDR}) whose {@code tp_status} says
 * who owns the slot: on RX the kernel fills slots it owns ({@code TP_STATUS_KERNEL}) and hands
 * them over ({@code TP_STATUS_USER}); on TX jnat fills available slots
 * ({@code TP_STATUS_AVAILABLE}) and hands them over ({@code TP_STATUS_SEND_REQUEST}). The status
 * is read with acquire and written with release semantics, so that the slot's other bytes are
 * seen, and published, whole.
 *
 * <p>Both sides take slots in ring order: {@link #head()} is the next one, {@link #advance()}
 * moves on, without a division per frame. Slots are addressed by their offset in the ring.
 * Packet path: no allocation, never throws for slots of this ring.
 */
final class PacketRing {
    /** {@code struct tpacket2_hdr} (include/uapi/linux/if_packet.h): 32 bytes. */
    static final StructLayout TPACKET2_HDR = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_status"),
            JAVA_INT.withName("tp_len"),
            JAVA_INT.withName("tp_snaplen"),
            JAVA_SHORT.withName("tp_mac"),
            JAVA_SHORT.withName("tp_net"),
            JAVA_INT.withName("tp_sec"),
            JAVA_INT.withName("tp_nsec"),
            JAVA_SHORT.withName("tp_vlan_tci"),
            JAVA_SHORT.withName("tp_vlan_tpid"),
            MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("tp_padding"));
    // Offsets taken from the layout and read with plain accessors: the same loads as before, with
    // no struct-sized bounds check per field on the packet path.
    static final long TP_STATUS = offset("tp_status"), TP_LEN = offset("tp_len"), TP_SNAPLEN = offset("tp_snaplen"),
            TP_MAC = offset("tp_mac");

    static final int TP_STATUS_KERNEL = 0, TP_STATUS_USER = 1, TP_STATUS_LOSING = 1 << 2, TP_STATUS_CSUMNOTREADY = 1 << 3;
    static final int TP_STATUS_AVAILABLE = 0, TP_STATUS_SEND_REQUEST = 1, TP_STATUS_WRONG_FORMAT = 4;

    static final int TPACKET_ALIGNMENT = 16;
    /** TPACKET_ALIGN(sizeof(struct tpacket2_hdr)): where a TX frame's data starts in its slot. */
    static final int TX_DATA = align(TPACKET2_HDR.byteSize());
    /** TPACKET2_HDRLEN: the slot header and the {@code struct sockaddr_ll} the kernel writes after it on receive. */
    static final int TPACKET2_HDRLEN = TX_DATA + (int) AfPacketSocket.SOCKADDR_LL.byteSize();

    /**
     * A slot for a whole GSO super-packet: on receive {@code tp_mac} is 76 (the 32-byte slot
     * header and the 20-byte sockaddr_ll, aligned, then the 10-byte vnet header, 16 − 14 bytes
     * from alignment) and the frame at most 65 549 bytes (an IPv4 datagram of 65 535 and its
     * Ethernet header; GRO and TSO stop there without BIG TCP); on transmit the data starts at
     * 32 + 10. A multiple of TPACKET_ALIGNMENT (16); 15 fit a 1 MiB block.
     */
    static final int VNET_FRAME_SIZE = (1 << 16) + 128;

    private static final VarHandle INT = JAVA_INT.varHandle();

    /**
     * The size of one ring as {@code struct tpacket_req} gives it: {@code blocks} blocks of
     * {@code blockSize} bytes, cut into slots of {@code frameSize}. Block sizes are powers of two
     * (the kernel allocates each block as 2^order pages), frame sizes multiples of 16.
     */
    record Size(int blockSize, int blocks, int frameSize) {
        int framesPerBlock() {
            return blockSize / frameSize;
        }

        int frames() {
            return framesPerBlock() * blocks;
        }

        long bytes() {
            return (long) blockSize * blocks;
        }
    }

    /**
     * The RX ring: without a vnet header, slots for one MTU-sized frame, 32 blocks of 256 KiB
     * (8 MiB: 4096 slots of 2 KiB, a burst of 4096 full-size frames while the data plane is busy);
     * with one, slots for a whole 64 KiB super-packet ({@link #VNET_FRAME_SIZE}), 15 to a 1 MiB
     * block: 16 MiB (240 slots) of kernel memory per device. Small frames take a whole slot too,
     * the price of V2's fixed slots.
     */
    static Size rxSize(boolean vnetHeader) {
        return vnetHeader ? new Size(1 << 20, 16, VNET_FRAME_SIZE) : new Size(1 << 18, 32, 2048);
    }

    /**
     * The TX ring: 8 blocks of 64 KiB, slots for the slot header, the vnet header if any and an
     * MTU-sized frame (256 slots of 2 KiB at MTU 1500); a larger frame takes the device's second
     * socket.
     */
    static Size txSize(int mtu, boolean vnetHeader) {
        return new Size(1 << 16, 8, txFrameSize(mtu, vnetHeader));
    }

    /** A power of two holding the slot header, the vnet header if any, and an MTU-sized frame with a VLAN tag. */
    static int txFrameSize(int mtu, boolean vnetHeader) {
        int need = TX_DATA + (vnetHeader ? VirtioNetHeader.LEGACY_SIZE : 0) + mtu + EthernetFrame.TAGGED_HEADER_LENGTH;
        int size = 2048;
        while (size < need) {
            size <<= 1;
        }
        return size;
    }

    /**
     * Where {@code tpacket_rcv} puts an Ethernet frame in an RX slot ({@code tp_mac}): the network
     * header at TPACKET_ALIGN(TPACKET2_HDRLEN + 16), after the vnet header if any, and the 14-byte
     * link header before it: 66, or 76 with the vnet header.
     */
    static int rxMacOffset(boolean vnetHeader) {
        return align(TPACKET2_HDRLEN + 16) + (vnetHeader ? VirtioNetHeader.LEGACY_SIZE : 0)
                - EthernetFrame.HEADER_LENGTH;
    }

    /** The ring's memory: the slot at offset {@code s} starts at byte {@code s}. */
    final MemorySegment memory;
    /** Slots in the ring. */
    final int frames;
    /** Bytes per slot. */
    final int frameSize;
    private final int blockSize;
    private final int blocks;
    private final int framesPerBlock;
    // The head: the slot taken next, as its block and its place in the block.
    private int headBlock;
    private int headSlot;

    /** A view over {@code memory}, this ring's part of the mapping, of {@code size}. */
    PacketRing(MemorySegment memory, Size size) {
        this.memory = memory;
        this.blockSize = size.blockSize();
        this.blocks = size.blocks();
        this.frameSize = size.frameSize();
        this.framesPerBlock = size.framesPerBlock();
        this.frames = size.frames();
    }

    /** Where slot {@code index} (0 to {@link #frames} − 1, in ring order) starts. */
    long slot(int index) {
        return (long) (index / framesPerBlock) * blockSize + (long) (index % framesPerBlock) * frameSize;
    }

    /** Where the head slot starts. */
    long head() {
        return (long) headBlock * blockSize + (long) headSlot * frameSize;
    }

    /** The head slot's index. */
    int headIndex() {
        return headBlock * framesPerBlock + headSlot;
    }

    /** Moves the head to the next slot, from the last back to the first. */
    void advance() {
        if (++headSlot == framesPerBlock) {
            headSlot = 0;
            headBlock = headBlock + 1 == blocks ? 0 : headBlock + 1;
        }
    }

    /** {@code tp_status} of the slot at {@code slot}, read with acquire semantics. */
    int status(long slot) {
        return (int) INT.getAcquire(memory, slot + TP_STATUS);
    }

    /** Hands the slot over: writes {@code tp_status} with release semantics. */
    void status(long slot, int status) {
        INT.setRelease(memory, slot + TP_STATUS, status);
    }

    /** {@code tp_len}: the frame's length on the wire. */
    int length(long slot) {
        return memory.get(JAVA_INT, slot + TP_LEN);
    }

    /** {@code tp_snaplen}: how much of it the slot holds. */
    int snapLength(long slot) {
        return memory.get(JAVA_INT, slot + TP_SNAPLEN);
    }

    /** {@code tp_mac}: where the frame starts, from the start of the slot. */
    int macOffset(long slot) {
        return Short.toUnsignedInt(memory.get(JAVA_SHORT, slot + TP_MAC));
    }

    /** Sets {@code tp_len} and {@code tp_snaplen} of a TX slot: the frame is {@code length} bytes from {@link #TX_DATA}. */
    void length(long slot, int length) {
        memory.set(JAVA_INT, slot + TP_LEN, length);
        memory.set(JAVA_INT, slot + TP_SNAPLEN, length);
    }

    private static long offset(String field) {
        return TPACKET2_HDR.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    /** TPACKET_ALIGN. */
    static int align(long length) {
        return (int) ((length + TPACKET_ALIGNMENT - 1) & ~(TPACKET_ALIGNMENT - 1));
    }
}
