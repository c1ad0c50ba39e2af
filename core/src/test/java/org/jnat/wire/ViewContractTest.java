package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The flyweight contract every layer relies on: accessors read the bytes under the view, not a
 * copy taken by {@code check}. The router and the NAT re-wrap views over frames that builders and
 * copies rewrote without a fresh check; a cached field would answer for the old bytes.
 */
class ViewContractTest {
    private final MemorySegment frame = Arena.ofAuto().allocate(128);

    @Test
    void ipv4AccessorsFollowTheBytesAfterCheck() {
        Ipv4Packet ip = new Ipv4Packet().wrap(frame, 14);
        ip.headerLength(20).totalLength(40);
        assertThat(ip.check(100)).isTrue();
        // Another writer (a builder, a copy) changes the datagram under the view.
        frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 14, (byte) 0x46); // IHL 6: 24-byte header
        frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 14 + 2, (byte) 0);
        frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 14 + 3, (byte) 60); // Total Length 60
        assertThat(ip.headerLength()).isEqualTo(24);
        assertThat(ip.totalLength()).isEqualTo(60);
        assertThat(ip.payloadLength()).isEqualTo(36);
        assertThat(ip.payloadOffset()).isEqualTo(14 + 24);
    }

    @Test
    void ipv4AccessorsReadTheBytesWithoutCheck() {
        Ipv4Packet writer = new Ipv4Packet().wrap(frame, 14);
        writer.headerLength(24).totalLength(52);
        Ipv4Packet reader = new Ipv4Packet().wrap(frame, 14);
        assertThat(reader.headerLength()).isEqualTo(24);
        assertThat(reader.totalLength()).isEqualTo(52);
    }

    @Test
    void ethernetTypeFollowsTheBytes() {
        EthernetFrame eth = new EthernetFrame().wrap(frame, 0);
        eth.etherType(EtherType.ARP);
        assertThat(eth.check(64)).isTrue();
        new EthernetFrame().wrap(frame, 0).etherType(EtherType.IPV4);
        assertThat(eth.etherType()).isEqualTo(EtherType.IPV4);
    }
}
