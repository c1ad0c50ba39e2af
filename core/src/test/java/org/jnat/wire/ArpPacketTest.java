package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class ArpPacketTest {
    private static final long CLIENT = MacAddress.parse("16:6e:36:a4:8d:ef");
    private static final long ROUTER_INSIDE = MacAddress.parse("5a:75:f7:80:43:b1");
    private static final int ROUTER = Ipv4Address.parse("192.168.1.1");
    private static final int HOST_11 = Ipv4Address.parse("192.168.1.11");

    @Test
    void parsesRealRequestAndReply() {
        // two-hosts-same-port-inside.pcap frame 4: "Who has 192.168.1.11? Tell 192.168.1.1".
        byte[] bytes = Vectors.frame("two-hosts-same-port-inside", 4);
        EthernetFrame frame = new EthernetFrame().wrap(Vectors.segment(bytes), 0);
        assertThat(frame.check(bytes.length)).isTrue();
        assertThat(frame.etherType()).isEqualTo(EtherType.ARP);
        assertThat(frame.destination()).isEqualTo(MacAddress.BROADCAST);
        ArpPacket arp = new ArpPacket().wrap(frame.segment(), frame.payloadOffset());
        assertThat(arp.check(bytes.length - 14)).isTrue();
        assertThat(arp.operation()).isEqualTo(ArpPacket.REQUEST);
        assertThat(arp.senderHardwareAddress()).isEqualTo(ROUTER_INSIDE);
        assertThat(arp.senderProtocolAddress()).isEqualTo(ROUTER);
        assertThat(arp.targetHardwareAddress()).isZero();
        assertThat(arp.targetProtocolAddress()).isEqualTo(HOST_11);

        // Frame 5: "192.168.1.11 is at 16:6e:36:a4:8d:ef".
        byte[] reply = Vectors.frame("two-hosts-same-port-inside", 5);
        arp.wrap(Vectors.segment(reply), 14);
        assertThat(arp.check(reply.length - 14)).isTrue();
        assertIsHost11sReplyToTheRouter(arp);
    }

    /** The reply of the capture's frame 5: "192.168.1.11 is at 16:6e:36:a4:8d:ef", to the router. */
    private static void assertIsHost11sReplyToTheRouter(ArpPacket arp) {
        assertThat(arp.operation()).isEqualTo(ArpPacket.REPLY);
        assertThat(arp.senderHardwareAddress()).isEqualTo(CLIENT);
        assertThat(arp.senderProtocolAddress()).isEqualTo(HOST_11);
        assertThat(arp.targetHardwareAddress()).isEqualTo(ROUTER_INSIDE);
        assertThat(arp.targetProtocolAddress()).isEqualTo(ROUTER);
    }

    @Test
    void buildsTheSameBytesAsLinux() {
        byte[] real = Vectors.frame("two-hosts-same-port-inside", 4);
        MemorySegment segment = MemorySegment.ofArray(new byte[ArpPacket.LENGTH]);
        new ArpPacket().wrap(segment, 0).writeFixed(ArpPacket.REQUEST).senderHardwareAddress(ROUTER_INSIDE)
                .senderProtocolAddress(ROUTER).targetHardwareAddress(0).targetProtocolAddress(HOST_11);
        assertThat(Vectors.bytes(segment, 0, ArpPacket.LENGTH)).isEqualTo(Vectors.bytes(Vectors.segment(real), 14, 28));
    }

    @Test
    void roundTripsEveryField() {
        MemorySegment segment = MemorySegment.ofArray(new byte[ArpPacket.LENGTH]);
        ArpPacket arp = new ArpPacket().wrap(segment, 0).writeFixed(ArpPacket.REPLY);
        arp.senderHardwareAddress(CLIENT).senderProtocolAddress(HOST_11).targetHardwareAddress(ROUTER_INSIDE)
                .targetProtocolAddress(ROUTER);
        assertThat(arp.check(ArpPacket.LENGTH)).isTrue();
        assertThat(arp.hardwareType()).isEqualTo(ArpPacket.HARDWARE_ETHERNET);
        assertThat(arp.protocolType()).isEqualTo(EtherType.IPV4);
        assertIsHost11sReplyToTheRouter(arp);
    }

    @Test
    void rejectsTruncatedAndForeignPackets() {
        byte[] bytes = Vectors.frame("two-hosts-same-port-inside", 4);
        MemorySegment segment = Vectors.segment(bytes);
        ArpPacket arp = new ArpPacket().wrap(segment, 14);
        for (int length = 0; length < ArpPacket.LENGTH; length++) {
            assertThat(arp.check(length)).as("length %d", length).isFalse();
        }
        assertThat(arp.check(ArpPacket.LENGTH)).isTrue();
        for (int field : new int[] {ArpPacket.HARDWARE_TYPE + 1, ArpPacket.PROTOCOL_TYPE, ArpPacket.HARDWARE_LENGTH,
                ArpPacket.PROTOCOL_LENGTH}) {
            MemorySegment copy = Vectors.segment(bytes);
            copy.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 14 + field, (byte) 0x33);
            assertThat(new ArpPacket().wrap(copy, 14).check(ArpPacket.LENGTH)).as("field %d", field).isFalse();
        }
    }
}
