package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The structs the AF_PACKET set-up hands the kernel, byte for byte, against the kernel's layouts
 * (include/uapi/linux/if_packet.h, checked with offsetof): {@code sockaddr_ll},
 * {@code packet_mreq}, {@code tpacket_req} and {@code tpacket_stats}. No socket, no privileges.
 */
class AfPacketSocketTest {

    @Test
    void sockaddrLlHasTheKernelsLayout() {
        assertThat(KernelStructs.layout(AfPacketSocket.SOCKADDR_LL)).isEqualTo("sll_family@0 sll_protocol@2 sll_ifindex@4"
                + " sll_hatype@8 sll_pkttype@10 sll_halen@11 sll_addr@12 size 20");
        assertThat(AfPacketSocket.SOCKADDR_LL.byteAlignment()).isEqualTo(4);
    }

    /** AF_PACKET (17) in host order, the protocol in network order (htons), the index in host order. */
    @Test
    void theBindAddressIsTheKernelsBytes() {
        try (Arena arena = Arena.ofConfined()) {
            assertThat(KernelStructs.bytes(AfPacketSocket.bindAddress(arena, 7, AfPacketSocket.ETH_P_ALL))).containsExactly(
                    17, 0, 0, 3, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            assertThat(KernelStructs.bytes(AfPacketSocket.bindAddress(arena, 0x01020304, 0x0800))).containsExactly(
                    17, 0, 8, 0, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            // The large-frame socket binds with protocol 0: it receives nothing.
            assertThat(KernelStructs.bytes(AfPacketSocket.bindAddress(arena, 2, 0))).containsExactly(
                    17, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    @Test
    void packetMreqHasTheKernelsLayoutAndBytes() {
        assertThat(KernelStructs.layout(AfPacketSocket.PACKET_MREQ)).isEqualTo("mr_ifindex@0 mr_type@4 mr_alen@6 mr_address@8 size 16");
        try (Arena arena = Arena.ofConfined()) {
            // PACKET_MR_PROMISC (1); no address.
            assertThat(KernelStructs.bytes(AfPacketSocket.promiscuousMembership(arena, 0x01020304))).containsExactly(
                    4, 3, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    @Test
    void tpacketReqAndStatsHaveTheKernelsLayout() {
        assertThat(KernelStructs.layout(AfPacketSocket.TPACKET_REQ))
                .isEqualTo("tp_block_size@0 tp_block_nr@4 tp_frame_size@8 tp_frame_nr@12 size 16");
        try (Arena arena = Arena.ofConfined()) {
            // The RX ring without a vnet header: 32 blocks of 256 KiB, 4096 slots of 2 KiB.
            MemorySegment filled = AfPacketSocket.ringRequest(arena.allocate(AfPacketSocket.TPACKET_REQ), PacketRing.rxSize(false));
            assertThat(KernelStructs.bytes(filled)).containsExactly(0, 0, 4, 0, 32, 0, 0, 0, 0, 8, 0, 0, 0, 0x10, 0, 0);
        }
        assertThat(KernelStructs.layout(AfPacketSocket.TPACKET_STATS)).isEqualTo("tp_packets@0 tp_drops@4 size 8");
    }

    @Test
    void ethtoolValueHasTheKernelsLayout() {
        assertThat(KernelStructs.layout(GroControl.ETHTOOL_VALUE)).isEqualTo("cmd@0 data@4 size 8");
        assertThat(GroControl.ETHTOOL_GGRO).isEqualTo(0x2b);
        assertThat(GroControl.ETHTOOL_SGRO).isEqualTo(0x2c);
    }
}
