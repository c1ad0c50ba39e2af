package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Ring sizes and the kernel-release check, without privileges. */
class AfPacketGeometryTest {

    @Test
    void withoutVnetHeaderSlotsHoldOneFrame() {
        AfPacketDevice.Geometry g = AfPacketDevice.Geometry.of(1500, false);
        assertThat(g.rxFrames()).isEqualTo(4096);
        assertThat(g.rxBytes()).isEqualTo(8L << 20);
        assertThat(g.txFrameSize()).isEqualTo(2048);
        assertThat(g.txFrames()).isEqualTo(256);
    }

    /**
     * tpacket_rcv puts the frame at tp_mac 76 with a vnet header (TPACKET_ALIGN(32 + 20 + 16) + 10
     * − 14): a 65 535-byte IPv4 datagram with its Ethernet header must fit the slot whole.
     */
    @Test
    void withVnetHeaderAnRxSlotHoldsASuperPacket() {
        AfPacketDevice.Geometry g = AfPacketDevice.Geometry.of(1500, true);
        assertThat(g.rxFrameSize()).isGreaterThanOrEqualTo(76 + 14 + 65535);
        assertThat(g.rxFrameSize() % 16).isZero();
        assertThat(Integer.bitCount(g.rxBlockSize())).isEqualTo(1);
        assertThat(g.rxFramesPerBlock()).isEqualTo(15);
        assertThat(g.rxFrames()).isEqualTo(240);
        assertThat(g.rxBytes()).isEqualTo(16L << 20);
        // TX slots keep MTU-sized frames (with the vnet header); super-packets take the other socket.
        assertThat(g.txFrameSize()).isEqualTo(2048);
        assertThat(g.txBytes()).isEqualTo(512L << 10);
    }

    @Test
    void largeMtusGetLargerTxSlots() {
        assertThat(AfPacketDevice.txFrameSize(9000, true)).isEqualTo(16384);
        assertThat(AfPacketDevice.txFrameSize(2048 - 32 - 18, false)).isEqualTo(2048);
        assertThat(AfPacketDevice.txFrameSize(2048 - 32 - 18, true)).isEqualTo(4096);
    }

    @Test
    void kernelReleasesCompare() {
        KernelRelease k = KernelRelease.parse("6.18.44-fc-v669\n");
        assertThat(k.toString()).isEqualTo("6.18");
        assertThat(k.atLeast(5, 8)).isTrue();
        assertThat(k.atLeast(6, 18)).isTrue();
        assertThat(k.atLeast(6, 19)).isFalse();
        assertThat(k.atLeast(7, 0)).isFalse();
        assertThat(KernelRelease.parse("5.4.0-150-generic").atLeast(5, 8)).isFalse();
        assertThat(KernelRelease.parse("garbage").atLeast(0, 1)).isFalse();
        assertThat(KernelRelease.running().atLeast(4, 0)).isTrue();
    }
}
