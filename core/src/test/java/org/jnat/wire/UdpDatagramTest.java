package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class UdpDatagramTest {
    private static final int CLIENT = Ipv4Address.parse("192.168.1.10");
    private static final int SERVER = Ipv4Address.parse("198.51.100.10");
    private static final int PUBLIC = Ipv4Address.parse("203.0.113.1");

    @Test
    void parsesRealDatagram() {
        // udp-echo-inside.pcap frame 1: 41001 -> 5353, "hello\n", checksum 0x1af3.
        byte[] bytes = Vectors.frame("udp-echo-inside", 1);
        MemorySegment segment = Vectors.segment(bytes);
        UdpDatagram udp = new UdpDatagram().wrap(segment, 34);
        assertThat(udp.check(bytes.length - 34)).isTrue();
        assertThat(udp.sourcePort()).isEqualTo(41001);
        assertThat(udp.destinationPort()).isEqualTo(5353);
        assertThat(udp.length()).isEqualTo(14);
        assertThat(udp.checksum()).isEqualTo(0x1af3);
        assertThat(udp.payloadOffset()).isEqualTo(42);
        assertThat(udp.payloadLength()).isEqualTo(6);
        assertThat(new String(Vectors.bytes(segment, 42, 6))).isEqualTo("hello\n");
        assertThat(udp.checksumValid(CLIENT, SERVER)).isTrue();
        assertThat(udp.checksumValid(PUBLIC, SERVER)).isFalse();
        assertThat(Checksum.udp(segment, 34, 14, CLIENT, SERVER)).isEqualTo(0x1af3);
    }

    @Test
    void buildsAndRoundTrips() {
        MemorySegment segment = MemorySegment.ofArray(new byte[14]);
        UdpDatagram udp = new UdpDatagram().wrap(segment, 0);
        udp.sourcePort(41001).destinationPort(5353).length(14);
        MemorySegment.copy(MemorySegment.ofArray("hello\n".getBytes()), 0, segment, 8, 6);
        udp.fillChecksum(CLIENT, SERVER);
        byte[] real = Vectors.frame("udp-echo-inside", 1);
        assertThat(Vectors.bytes(segment, 0, 14)).isEqualTo(Vectors.bytes(Vectors.segment(real), 34, 14));
        assertThat(udp.check(14)).isTrue();
    }

    @Test
    void natRewriteMatchesTheKernel() {
        // udp-echo-outside.pcap frame 1 is frame 1 inside after the kernel's masquerade.
        byte[] inside = Vectors.frame("udp-echo-inside", 1);
        byte[] outside = Vectors.frame("udp-echo-outside", 1);
        MemorySegment segment = Vectors.segment(inside);
        Ipv4Packet ip = new Ipv4Packet().wrap(segment, 14);
        UdpDatagram udp = new UdpDatagram().wrap(segment, 34);
        assertThat(ip.check(inside.length - 14) && udp.check(ip.payloadLength())).isTrue();
        MemorySegment expected = Vectors.segment(outside);
        int publicAddress = new Ipv4Packet().wrap(expected, 14).sourceAddress();
        int publicPort = new UdpDatagram().wrap(expected, 34).sourcePort();
        int old = ip.sourceAddress();
        ip.sourceAddressUpdatingChecksum(publicAddress).decrementTtl();
        udp.addressChanged(old, publicAddress).sourcePortUpdatingChecksum(publicPort);
        assertThat(Vectors.bytes(segment, 34, 14)).isEqualTo(Vectors.bytes(expected, 34, 14));
        assertThat(ip.ttl()).isEqualTo(63);
        assertThat(ip.headerChecksumValid()).isTrue();
    }

    @Test
    void keepsAnAbsentChecksumAbsent() {
        byte[] bytes = Vectors.frame("udp-echo-inside", 1);
        MemorySegment segment = Vectors.segment(bytes);
        UdpDatagram udp = new UdpDatagram().wrap(segment, 34);
        udp.checksum(0);
        assertThat(udp.checksumValid(CLIENT, SERVER)).isTrue();
        udp.addressChanged(CLIENT, PUBLIC).sourcePortUpdatingChecksum(1024);
        assertThat(udp.checksum()).isZero();
    }

    @Test
    void sendsAComputedZeroAsAllOnes() {
        // Find a source port for which the true checksum is 0: it must go out as 0xFFFF.
        byte[] bytes = Vectors.frame("udp-echo-inside", 1);
        MemorySegment segment = Vectors.segment(bytes);
        UdpDatagram udp = new UdpDatagram().wrap(segment, 34);
        int port = udp.sourcePort();
        int target = -1;
        for (int p = 0; p < 65536 && target < 0; p++) {
            udp.sourcePort(p);
            if (Checksum.transport(segment, 34, 14, CLIENT, SERVER, IpProtocol.UDP, UdpDatagram.CHECKSUM) == 0) {
                target = p;
            }
        }
        assertThat(target).isNotNegative();
        udp.sourcePort(port).fillChecksum(CLIENT, SERVER);
        udp.sourcePortUpdatingChecksum(target);
        assertThat(udp.checksum()).isEqualTo(0xffff);
        assertThat(udp.checksumValid(CLIENT, SERVER)).isTrue();
        udp.fillChecksum(CLIENT, SERVER);
        assertThat(udp.checksum()).isEqualTo(0xffff);
    }

    @Test
    void rejectsTruncatedInput() {
        byte[] bytes = Vectors.frame("udp-echo-inside", 1);
        UdpDatagram udp = new UdpDatagram().wrap(Vectors.segment(bytes), 34);
        for (int length = 0; length < 14; length++) {
            assertThat(udp.check(length)).as("length %d", length).isFalse();
        }
        assertThat(udp.check(14)).isTrue();
        assertThat(udp.checkQuoted(8)).isTrue();
        assertThat(udp.checkQuoted(7)).isFalse();
        udp.length(7);
        assertThat(udp.check(14)).isFalse();
    }
}
