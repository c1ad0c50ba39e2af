package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The TPACKET_V2 ring without a socket: {@code struct tpacket2_hdr} against the kernel's offsets
 * (include/uapi/linux/if_packet.h, checked with offsetof), the ring sizes, and the walk over a
 * ring in ordinary memory.
 */
class PacketRingTest {

    @Test
    void tpacket2HeaderHasTheKernelsLayout() {
        assertThat(KernelStructs.layout(PacketRing.TPACKET2_HDR)).isEqualTo("tp_status@0 tp_len@4 tp_snaplen@8 tp_mac@12"
                + " tp_net@14 tp_sec@16 tp_nsec@20 tp_vlan_tci@24 tp_vlan_tpid@26 tp_padding@28 size 32");
        // TPACKET_ALIGN(sizeof(struct tpacket2_hdr)) and TPACKET2_HDRLEN (with the 20-byte sockaddr_ll).
        assertThat(PacketRing.TX_DATA).isEqualTo(32);
        assertThat(PacketRing.TPACKET2_HDRLEN).isEqualTo(52);
        // tpacket_rcv's macoff for Ethernet: TPACKET_ALIGN(52 + 16) [+ 10] - 14.
        assertThat(PacketRing.rxMacOffset(false)).isEqualTo(66);
        assertThat(PacketRing.rxMacOffset(true)).isEqualTo(76);
    }

    /** The accessors read and write the kernel's bytes: little-endian fields at the header's offsets. */
    @Test
    void slotHeaderFieldsAreTheKernelsBytes() {
        MemorySegment memory = Arena.ofAuto().allocate(4096, 16);
        PacketRing ring = new PacketRing(memory, new PacketRing.Size(4096, 1, 2048));
        long slot = ring.slot(1);
        assertThat(slot).isEqualTo(2048);
        memory.asSlice(slot, 14).copyFrom(MemorySegment.ofArray(new byte[] {
            0x0d, 0, 0, 0,            // tp_status: USER | LOSING | CSUMNOTREADY
            (byte) 0xdc, 0x05, 0, 0,  // tp_len 1500
            0x40, 0x02, 0, 0,         // tp_snaplen 576
            (byte) 0xfe, (byte) 0xff  // tp_mac 65534: unsigned
        }));
        assertThat(ring.status(slot)).isEqualTo(PacketRing.TP_STATUS_USER | PacketRing.TP_STATUS_LOSING
                | PacketRing.TP_STATUS_CSUMNOTREADY);
        assertThat(ring.length(slot)).isEqualTo(1500);
        assertThat(ring.snapLength(slot)).isEqualTo(576);
        assertThat(ring.macOffset(slot)).isEqualTo(65534);

        ring.length(slot, 0x0102);
        ring.status(slot, PacketRing.TP_STATUS_SEND_REQUEST);
        assertThat(KernelStructs.bytes(memory.asSlice(slot, 12)))
                .containsExactly(1, 0, 0, 0, 0x02, 0x01, 0, 0, 0x02, 0x01, 0, 0);
    }

    /** Slots do not cross blocks: a block ends in a gap when the frame size does not divide it. */
    @Test
    void theHeadWalksTheSlotsInRingOrderAcrossBlocks() {
        PacketRing.Size size = new PacketRing.Size(4096, 2, 1536);
        assertThat(size.framesPerBlock()).isEqualTo(2);
        assertThat(size.frames()).isEqualTo(4);
        assertThat(size.bytes()).isEqualTo(8192);
        PacketRing ring = new PacketRing(Arena.ofAuto().allocate(size.bytes(), 16), size);
        long[] starts = {0, 1536, 4096, 4096 + 1536};
        for (int lap = 0; lap < 2; lap++) {
            for (int i = 0; i < 4; i++) {
                assertThat(ring.headIndex()).isEqualTo(i);
                assertThat(ring.head()).isEqualTo(starts[i]).isEqualTo(ring.slot(i));
                ring.advance();
            }
        }
        assertThat(ring.head()).isZero();
    }

    @Test
    void withoutVnetHeaderSlotsHoldOneFrame() {
        PacketRing.Size rx = PacketRing.rxSize(false);
        PacketRing.Size tx = PacketRing.txSize(1500, false);
        assertThat(rx.frames()).isEqualTo(4096);
        assertThat(rx.bytes()).isEqualTo(8L << 20);
        assertThat(tx.frameSize()).isEqualTo(2048);
        assertThat(tx.frames()).isEqualTo(256);
    }

    /**
     * tpacket_rcv puts the frame at tp_mac 76 with a vnet header (TPACKET_ALIGN(32 + 20 + 16) + 10
     * − 14): a 65 535-byte IPv4 datagram with its Ethernet header must fit the slot whole.
     */
    @Test
    void withVnetHeaderAnRxSlotHoldsASuperPacket() {
        PacketRing.Size rx = PacketRing.rxSize(true);
        PacketRing.Size tx = PacketRing.txSize(1500, true);
        assertThat(rx.frameSize()).isGreaterThanOrEqualTo(76 + 14 + 65535);
        assertThat(rx.frameSize() % 16).isZero();
        assertThat(Integer.bitCount(rx.blockSize())).isEqualTo(1);
        assertThat(rx.framesPerBlock()).isEqualTo(15);
        assertThat(rx.frames()).isEqualTo(240);
        assertThat(rx.bytes()).isEqualTo(16L << 20);
        // TX slots keep MTU-sized frames (with the vnet header); super-packets take the other socket.
        assertThat(tx.frameSize()).isEqualTo(2048);
        assertThat(tx.bytes()).isEqualTo(512L << 10);
    }

    @Test
    void largeMtusGetLargerTxSlots() {
        assertThat(PacketRing.txFrameSize(9000, true)).isEqualTo(16384);
        assertThat(PacketRing.txFrameSize(2048 - 32 - 18, false)).isEqualTo(2048);
        assertThat(PacketRing.txFrameSize(2048 - 32 - 18, true)).isEqualTo(4096);
    }
}
