package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class EthernetFrameTest {
    private static final long CLIENT = MacAddress.parse("16:6e:36:a4:8d:ef");
    private static final long ROUTER_INSIDE = MacAddress.parse("5a:75:f7:80:43:b1");

    @Test
    void parsesRealFrame() {
        // tcp-http-inside.pcap frame 1: the client's SYN to the router's inside MAC.
        byte[] bytes = Vectors.frame("tcp-http-inside", 1);
        EthernetFrame frame = new EthernetFrame().wrap(Vectors.segment(bytes), 0);
        assertThat(frame.check(bytes.length)).isTrue();
        assertThat(frame.destination()).isEqualTo(ROUTER_INSIDE);
        assertThat(frame.source()).isEqualTo(CLIENT);
        assertThat(frame.etherType()).isEqualTo(EtherType.IPV4);
        assertThat(frame.hasVlanTag()).isFalse();
        assertThat(frame.vlanId()).isZero();
        assertThat(frame.headerLength()).isEqualTo(14);
        assertThat(frame.payloadOffset()).isEqualTo(14);
    }

    @Test
    void buildsHeader() {
        MemorySegment segment = MemorySegment.ofArray(new byte[14]);
        long payload = EthernetFrame.writeHeader(segment, 0, ROUTER_INSIDE, CLIENT, EtherType.IPV4);
        assertThat(payload).isEqualTo(14);
        assertThat(Vectors.bytes(segment, 0, 14)).isEqualTo(Vectors.hex("5a75f78043b1 166e36a48def 0800"));
    }

    @Test
    void roundTripsEveryField() {
        MemorySegment segment = MemorySegment.ofArray(new byte[64]);
        EthernetFrame frame = new EthernetFrame().wrap(segment, 2);
        frame.destination(MacAddress.BROADCAST).source(CLIENT);
        segment.set(NetworkOrder.U16, 2 + 12, (short) EtherType.ARP);
        assertThat(frame.check(62)).isTrue();
        frame.etherType(EtherType.IPV4);
        assertThat(frame.destination()).isEqualTo(MacAddress.BROADCAST);
        assertThat(frame.source()).isEqualTo(CLIENT);
        assertThat(frame.etherType()).isEqualTo(EtherType.IPV4);
    }

    @Test
    void readsTheInnerTypeAfterOneVlanTag() {
        byte[] bytes = Vectors.hex("ffffffffffff 166e36a48def 8100 a07b 0806" + "00".repeat(28));
        EthernetFrame frame = new EthernetFrame().wrap(MemorySegment.ofArray(bytes), 0);
        assertThat(frame.check(bytes.length)).isTrue();
        assertThat(frame.hasVlanTag()).isTrue();
        assertThat(frame.vlanId()).isEqualTo(0x07b);
        assertThat(frame.etherType()).isEqualTo(EtherType.ARP);
        assertThat(frame.headerLength()).isEqualTo(18);
        assertThat(frame.payloadOffset()).isEqualTo(18);
        assertThat(frame.check(17)).isFalse();
    }

    @Test
    void rejectsTruncatedInput() {
        byte[] bytes = Vectors.frame("tcp-http-inside", 1);
        EthernetFrame frame = new EthernetFrame().wrap(Vectors.segment(bytes), 0);
        for (int length = 0; length < 14; length++) {
            assertThat(frame.check(length)).as("length %d", length).isFalse();
        }
        assertThat(frame.check(14)).isTrue();
        // A length beyond the segment is a caller's mistake; check refuses it instead of throwing.
        assertThat(frame.check(bytes.length + 1)).isFalse();
    }
}
