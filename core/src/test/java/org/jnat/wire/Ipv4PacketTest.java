package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class Ipv4PacketTest {
    private static final int CLIENT = Ipv4Address.parse("192.168.1.10");
    private static final int SERVER = Ipv4Address.parse("198.51.100.10");

    @Test
    void parsesRealHeader() {
        // tcp-http-inside.pcap frame 1: 45 00 003c b2b3 4000 40 06 9c18 c0a8010a c633640a
        byte[] bytes = Vectors.frame("tcp-http-inside", 1);
        Ipv4Packet ip = new Ipv4Packet().wrap(Vectors.segment(bytes), 14);
        assertThat(ip.check(bytes.length - 14)).isTrue();
        assertThat(ip.version()).isEqualTo(4);
        assertThat(ip.headerLength()).isEqualTo(20);
        assertThat(ip.typeOfService()).isZero();
        assertThat(ip.dscp()).isZero();
        assertThat(ip.ecn()).isZero();
        assertThat(ip.totalLength()).isEqualTo(60);
        assertThat(ip.identification()).isEqualTo(0xb2b3);
        assertThat(ip.dontFragment()).isTrue();
        assertThat(ip.moreFragments()).isFalse();
        assertThat(ip.fragmentOffset()).isZero();
        assertThat(ip.isFragment()).isFalse();
        assertThat(ip.ttl()).isEqualTo(64);
        assertThat(ip.protocol()).isEqualTo(IpProtocol.TCP);
        assertThat(ip.headerChecksum()).isEqualTo(0x9c18);
        assertThat(ip.sourceAddress()).isEqualTo(CLIENT);
        assertThat(ip.destinationAddress()).isEqualTo(SERVER);
        assertThat(ip.optionsLength()).isZero();
        assertThat(ip.payloadOffset()).isEqualTo(34);
        assertThat(ip.payloadLength()).isEqualTo(40);
        assertThat(ip.headerChecksumValid()).isTrue();
        assertThat(Checksum.ipv4Header(ip.segment(), 14, 20)).isEqualTo(0x9c18)
                .isEqualTo(Vectors.referenceChecksum(zeroChecksum(bytes), 14, 34, 0));
    }

    @Test
    void parsesRealFragments() {
        // udp-fragmented-inside.pcap frames 1-3: one 3008-byte UDP datagram, id 0xc82c, cut in three.
        int[][] expected = {{1, 1500, 1, 0}, {2, 1500, 1, 1480}, {3, 68, 0, 2960}};
        Ipv4Packet ip = new Ipv4Packet();
        for (int[] e : expected) {
            byte[] bytes = Vectors.frame("udp-fragmented-inside", e[0]);
            ip.wrap(Vectors.segment(bytes), 14);
            assertThat(ip.check(bytes.length - 14)).isTrue();
            assertThat(ip.identification()).isEqualTo(0xc82c);
            assertThat(ip.totalLength()).isEqualTo(e[1]);
            assertThat(ip.moreFragments()).isEqualTo(e[2] == 1);
            assertThat(ip.fragmentOffset()).isEqualTo(e[3]);
            assertThat(ip.isFragment()).isTrue();
            assertThat(ip.dontFragment()).isFalse();
            assertThat(ip.headerChecksumValid()).isTrue();
        }
    }

    @Test
    void parsesTheEchoRefragmentedForMtu1400() {
        // udp-fragmented-inside.pcap frames 4-6: the echo, cut by the server for the 1400-byte
        // link into 1376-byte pieces (a multiple of 8), and translated back by the kernel's NAT.
        int[][] expected = {{4, 1396, 1, 0}, {5, 1396, 1, 1376}, {6, 276, 0, 2752}};
        Ipv4Packet ip = new Ipv4Packet();
        int payload = 0;
        for (int[] e : expected) {
            byte[] bytes = Vectors.frame("udp-fragmented-inside", e[0]);
            ip.wrap(Vectors.segment(bytes), 14);
            assertThat(ip.check(bytes.length - 14)).isTrue();
            assertThat(ip.identification()).isEqualTo(0xe6e8);
            assertThat(ip.totalLength()).isEqualTo(e[1]);
            assertThat(ip.moreFragments()).isEqualTo(e[2] == 1);
            assertThat(ip.fragmentOffset()).isEqualTo(e[3]).isEqualTo(payload);
            assertThat(ip.sourceAddress()).isEqualTo(SERVER);
            assertThat(ip.destinationAddress()).isEqualTo(CLIENT);
            assertThat(ip.headerChecksumValid()).isTrue();
            payload += ip.payloadLength();
        }
        assertThat(payload).isEqualTo(3008); // the UDP length of the whole datagram
    }

    @Test
    void buildsTheSameHeaderAsLinux() {
        // unsolicited-inbound-outside.pcap frame 4, the kernel's RST: id 0, DF, TTL 64.
        byte[] real = Vectors.frame("unsolicited-inbound-outside", 4);
        MemorySegment segment = MemorySegment.ofArray(new byte[20]);
        long payload = Ipv4Packet.writeHeader(segment, 0, 40, 0, true, 64, IpProtocol.TCP,
                Ipv4Address.parse("203.0.113.1"), SERVER);
        assertThat(payload).isEqualTo(20);
        assertThat(Vectors.bytes(segment, 0, 20)).isEqualTo(Vectors.bytes(Vectors.segment(real), 14, 20));
    }

    @Test
    void roundTripsEveryField() {
        MemorySegment segment = MemorySegment.ofArray(new byte[64]);
        Ipv4Packet ip = new Ipv4Packet().wrap(segment, 4);
        ip.headerLength(24).typeOfService(0xb9).totalLength(60).identification(0xbeef).flagsAndFragmentOffset(0)
                .dontFragment(true).moreFragments(true).fragmentOffset(65528).ttl(200).protocol(IpProtocol.UDP)
                .sourceAddress(CLIENT).destinationAddress(SERVER).fillHeaderChecksum();
        assertThat(ip.check(60)).isTrue();
        assertThat(ip.version()).isEqualTo(4);
        assertThat(ip.headerLength()).isEqualTo(24);
        assertThat(ip.optionsLength()).isEqualTo(4);
        assertThat(ip.dscp()).isEqualTo(0xb9 >>> 2);
        assertThat(ip.ecn()).isEqualTo(1);
        assertThat(ip.identification()).isEqualTo(0xbeef);
        assertThat(ip.dontFragment()).isTrue();
        assertThat(ip.moreFragments()).isTrue();
        assertThat(ip.fragmentOffset()).isEqualTo(65528);
        ip.dontFragment(false).moreFragments(false);
        assertThat(ip.dontFragment()).isFalse();
        assertThat(ip.moreFragments()).isFalse();
        assertThat(ip.fragmentOffset()).isEqualTo(65528);
        assertThat(ip.ttl()).isEqualTo(200);
        assertThat(ip.protocol()).isEqualTo(IpProtocol.UDP);
        assertThat(ip.sourceAddress()).isEqualTo(CLIENT);
        assertThat(ip.destinationAddress()).isEqualTo(SERVER);
        assertThat(ip.payloadOffset()).isEqualTo(28);
        assertThat(ip.payloadLength()).isEqualTo(36);
        assertThat(ip.headerChecksumValid()).isFalse(); // flags changed after filling
        ip.fillHeaderChecksum();
        assertThat(ip.headerChecksumValid()).isTrue();
    }

    @Test
    void incrementalRewritesMatchRecomputation() {
        byte[] bytes = Vectors.frame("tcp-http-inside", 1);
        Ipv4Packet ip = new Ipv4Packet().wrap(Vectors.segment(bytes), 14);
        assertThat(ip.check(bytes.length - 14)).isTrue();
        ip.sourceAddressUpdatingChecksum(Ipv4Address.parse("203.0.113.1")).decrementTtl()
                .destinationAddressUpdatingChecksum(Ipv4Address.parse("10.1.2.3"));
        assertThat(ip.ttl()).isEqualTo(63);
        assertThat(ip.headerChecksum()).isEqualTo(Checksum.ipv4Header(ip.segment(), 14, 20));
        assertThat(ip.headerChecksumValid()).isTrue();
    }

    @Test
    void rejectsTruncatedAndMalformedInput() {
        byte[] bytes = Vectors.frame("tcp-http-inside", 1);
        MemorySegment segment = Vectors.segment(bytes);
        Ipv4Packet ip = new Ipv4Packet().wrap(segment, 14);
        for (int length = 0; length < 60; length++) {
            assertThat(ip.check(length)).as("length %d", length).isFalse();
        }
        assertThat(ip.check(60)).isTrue();
        // Quoted in an ICMP error, any prefix that holds the header is usable.
        for (int length = 0; length < 20; length++) {
            assertThat(ip.checkQuoted(length)).as("quoted length %d", length).isFalse();
        }
        assertThat(ip.checkQuoted(20)).isTrue();

        segment.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x65); // version 6
        assertThat(ip.check(60)).isFalse();
        segment.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x44); // IHL 4
        assertThat(ip.check(60)).isFalse();
        segment.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x4f); // IHL 15: a 60-byte header
        assertThat(ip.checkQuoted(59)).isFalse();
        segment.set(ValueLayout.JAVA_BYTE, 14, (byte) 0x45);
        ip.totalLength(19); // shorter than the header
        assertThat(ip.check(60)).isFalse();
        assertThat(ip.checkQuoted(60)).isFalse();
        ip.totalLength(61); // longer than what arrived
        assertThat(ip.check(60)).isFalse();
        assertThat(ip.checkQuoted(60)).isTrue();
        ip.totalLength(40); // shorter than what arrived: Ethernet padding, fine
        assertThat(ip.check(60)).isTrue();
    }

    private static byte[] zeroChecksum(byte[] frame) {
        byte[] copy = frame.clone();
        copy[14 + Ipv4Packet.CHECKSUM] = 0;
        copy[14 + Ipv4Packet.CHECKSUM + 1] = 0;
        return copy;
    }
}
