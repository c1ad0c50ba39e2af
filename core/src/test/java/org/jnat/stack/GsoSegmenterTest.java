package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.jnat.device.PacketBuffer;
import org.jnat.testing.Allocations;
import org.jnat.testing.Frames;
import org.jnat.testing.OffloadFrames;
import org.jnat.wire.Checksum;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;
import org.junit.jupiter.api.Test;

class GsoSegmenterTest {
    private static final int CL = Ipv4Address.parse("192.168.1.10"), SV = Ipv4Address.parse("198.51.100.10");
    private static final int MSS = 1448;      // 1500 - 20 - 32: Linux's MSS with timestamps
    private static final int MAX_FRAME = 1518;

    private final GsoSegmenter segmenter = new GsoSegmenter(MAX_FRAME);
    private final PacketBuffer frame = PacketBuffer.allocate();

    /** One segment as the sink saw it: bytes and metadata. */
    record Seen(byte[] bytes, int flags, int gsoType, int checksumStart, int checksumOffset) {
        Ipv4Packet ip() {
            return new Ipv4Packet().wrap(MemorySegment.ofArray(bytes), 14);
        }

        TcpSegment tcp() {
            return new TcpSegment().wrap(MemorySegment.ofArray(bytes), 34);
        }

        UdpDatagram udp() {
            return new UdpDatagram().wrap(MemorySegment.ofArray(bytes), 34);
        }
    }

    private List<Seen> segment(boolean partial) {
        List<Seen> seen = new ArrayList<>();
        int n = segmenter.segment(frame, 14, partial, 0, 0, (s, nextHop, now) -> seen.add(new Seen(Frames.bytes(s), s.flags,
                s.gsoType, s.checksumStart, s.checksumOffset)));
        assertThat(n).isEqualTo(seen.size());
        return seen;
    }

    private PacketBuffer tsoFrame(byte[] payload, int sequence, int flags, int id) {
        return OffloadFrames.tcp(frame, 0x0a00_0000_0001L, 0x0a00_0000_0002L, CL, SV, 40000, 443, sequence, flags, id,
                Frames.DF, payload, true, MSS);
    }

    @Test
    void aTcpSuperPacketBecomesWireSizedSegmentsLikeLinuxTso() {
        byte[] payload = Frames.pattern(20_000, 1);
        int sequence = 0xffff_f000;             // wraps within the super-packet
        int flags = TcpSegment.ACK | TcpSegment.PSH | TcpSegment.FIN | TcpSegment.CWR;
        tsoFrame(payload, sequence, flags, 0xfffe);  // and so does the Identification
        byte[] original = Frames.bytes(frame);

        List<Seen> seen = segment(false);

        assertThat(seen).hasSize((20_000 + MSS - 1) / MSS);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int expectedSequence = sequence;
        for (int i = 0; i < seen.size(); i++) {
            Seen s = seen.get(i);
            boolean last = i == seen.size() - 1;
            Ipv4Packet ip = s.ip();
            assertThat(ip.check(s.bytes().length - 14)).isTrue();
            assertThat(ip.totalLength()).isEqualTo(s.bytes().length - 14).isLessThanOrEqualTo(1500);
            if (!last) {
                assertThat(ip.totalLength()).isEqualTo(1500);
            }
            assertThat(ip.headerChecksumValid()).isTrue();
            assertThat(ip.identification()).isEqualTo((0xfffe + i) & 0xffff);
            assertThat(ip.dontFragment()).isTrue();
            assertThat(ip.ttl()).isEqualTo(64);
            TcpSegment tcp = s.tcp();
            int tcpLength = ip.totalLength() - 20;
            assertThat(tcp.checksumValid(CL, SV, tcpLength)).as("segment %d checksum", i).isTrue();
            assertThat(tcp.checksum()).isEqualTo(Checksum.tcp(MemorySegment.ofArray(s.bytes()), 34, tcpLength, CL, SV));
            assertThat(tcp.sequenceNumber()).isEqualTo(expectedSequence);
            assertThat(tcp.acknowledgmentNumber()).isEqualTo(0x1234_5678);
            assertThat(tcp.headerLength()).isEqualTo(32);
            assertThat(tcp.sourcePort()).isEqualTo(40000);
            assertThat(tcp.flags() & TcpSegment.FIN).isEqualTo(last ? TcpSegment.FIN : 0);
            assertThat(tcp.flags() & TcpSegment.PSH).isEqualTo(last ? TcpSegment.PSH : 0);
            assertThat(tcp.flags() & TcpSegment.CWR).isEqualTo(i == 0 ? TcpSegment.CWR : 0);
            assertThat(tcp.flags() & TcpSegment.ACK).isEqualTo(TcpSegment.ACK);
            // Ethernet header and TCP options copied as they were.
            assertThat(java.util.Arrays.copyOfRange(s.bytes(), 0, 14)).isEqualTo(java.util.Arrays.copyOfRange(original, 0, 14));
            assertThat(java.util.Arrays.copyOfRange(s.bytes(), 54, 66)).isEqualTo(java.util.Arrays.copyOfRange(original, 54, 66));
            assertThat(s.flags()).isZero();
            assertThat(s.gsoType()).isZero();
            data.write(s.bytes(), 66, s.bytes().length - 66);
            expectedSequence += s.bytes().length - 66;
        }
        assertThat(data.toByteArray()).isEqualTo(payload);
        assertThat(Frames.bytes(frame)).as("the super-packet is not changed").isEqualTo(original);
    }

    @Test
    void partialChecksumSegmentsCompleteToTheRightChecksum() {
        byte[] payload = Frames.pattern(5_001, 9);
        tsoFrame(payload, 1000, TcpSegment.ACK, 7);

        List<Seen> seen = segment(true);

        assertThat(seen).hasSize(4);
        PacketBuffer slot = PacketBuffer.allocate(Arena.ofAuto(), MAX_FRAME);
        for (Seen s : seen) {
            assertThat(s.flags()).isEqualTo(PacketBuffer.F_NEEDS_CSUM);
            assertThat(s.checksumStart()).isEqualTo(34);
            assertThat(s.checksumOffset()).isEqualTo(TcpSegment.CHECKSUM);
            MemorySegment.copy(s.bytes(), 0, slot.segment(), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, s.bytes().length);
            slot.length(s.bytes().length);
            slot.flags = s.flags();
            slot.checksumStart = s.checksumStart();
            slot.checksumOffset = s.checksumOffset();
            assertThat(PartialChecksum.complete(slot, 34, slot.length())).isTrue();
            assertThat(new TcpSegment().wrap(slot.segment(), 34).checksumValid(CL, SV, slot.length() - 34)).isTrue();
        }
    }

    @Test
    void aSuperPacketNoLargerThanOneSegmentGivesOneSegment() {
        tsoFrame(Frames.pattern(MSS, 2), 5, TcpSegment.ACK | TcpSegment.PSH, 1);
        List<Seen> seen = segment(false);
        assertThat(seen).hasSize(1);
        assertThat(seen.getFirst().tcp().flags()).isEqualTo(TcpSegment.ACK | TcpSegment.PSH);
        assertThat(seen.getFirst().tcp().checksumValid(CL, SV, 32 + MSS)).isTrue();
        assertThat(new GsoPacket().segmentLength(frame, 14)).isEqualTo(1500);
    }

    @Test
    void aUdpSuperPacketBecomesDatagramsLikeLinuxUso() {
        byte[] payload = Frames.pattern(10_000, 5);
        OffloadFrames.udp(frame, 1, 2, CL, SV, 5000, 4433, 100, 0, payload, true, PacketBuffer.GSO_UDP_L4, 1400);
        assertThat(new GsoPacket().segmentLength(frame, 14)).isEqualTo(1428);

        List<Seen> seen = segment(false);

        assertThat(seen).hasSize(8);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int i = 0; i < seen.size(); i++) {
            Seen s = seen.get(i);
            Ipv4Packet ip = s.ip();
            UdpDatagram udp = s.udp();
            assertThat(ip.check(s.bytes().length - 14)).isTrue();
            assertThat(ip.headerChecksumValid()).isTrue();
            assertThat(ip.identification()).isEqualTo(100 + i);
            assertThat(udp.check(ip.payloadLength())).isTrue();
            assertThat(udp.length()).isEqualTo(ip.payloadLength()).isEqualTo(8 + (i < 7 ? 1400 : 10_000 - 7 * 1400));
            assertThat(udp.checksum()).isNotZero();
            assertThat(udp.checksumValid(CL, SV)).isTrue();
            assertThat(udp.sourcePort()).isEqualTo(5000);
            data.write(s.bytes(), 42, s.bytes().length - 42);
        }
        assertThat(data.toByteArray()).isEqualTo(payload);

        for (Seen s : segment(true)) {
            assertThat(s.flags()).isEqualTo(PacketBuffer.F_NEEDS_CSUM);
            assertThat(s.checksumOffset()).isEqualTo(UdpDatagram.CHECKSUM);
            int length = s.udp().length();
            assertThat(s.udp().checksum()).isEqualTo(Checksum.fold(Checksum.pseudoHeaderSum(CL, SV, 17, length)));
        }
    }

    @Test
    void aUfoDatagramBecomesFragmentsWithTheWholeDatagramsChecksum() {
        byte[] payload = Frames.pattern(3000, 4);
        OffloadFrames.udp(frame, 1, 2, CL, SV, 5000, 4433, 77, Frames.DF, payload, true, PacketBuffer.GSO_UDP, 1480);

        List<Seen> seen = segment(false);

        assertThat(seen).hasSize(3);
        byte[] datagram = new byte[3008];
        int more = 0;
        for (Seen s : seen) {
            Ipv4Packet ip = s.ip();
            assertThat(ip.headerChecksumValid()).isTrue();
            assertThat(ip.identification()).isEqualTo(77);
            assertThat(ip.totalLength()).isLessThanOrEqualTo(1500);
            assertThat(ip.dontFragment()).isFalse();
            if (ip.moreFragments()) {
                more++;
            }
            System.arraycopy(s.bytes(), 34, datagram, ip.fragmentOffset(), ip.payloadLength());
        }
        assertThat(more).isEqualTo(2);
        MemorySegment d = MemorySegment.ofArray(datagram);
        assertThat(Checksum.verifies(Checksum.add(d, 0, 3008, Checksum.pseudoHeaderSum(CL, SV, IpProtocol.UDP, 3008))))
                .isTrue();
        assertThat(java.util.Arrays.copyOfRange(datagram, 8, 3008)).isEqualTo(payload);
    }

    @Test
    void malformedSuperPacketsGiveNoSegment() {
        byte[] payload = Frames.pattern(4000, 3);
        tsoFrame(payload, 1, TcpSegment.ACK, 1);
        frame.gsoSize = 0;
        assertThat(segment(false)).isEmpty();
        assertThat(new GsoPacket().valid(frame, 14)).isFalse();
        assertThat(new GsoPacket().segmentLength(frame, 14)).isEqualTo(-1);

        tsoFrame(payload, 1, TcpSegment.ACK, 1);
        frame.gsoType = PacketBuffer.GSO_UDP_L4;       // says UDP, carries TCP
        assertThat(segment(false)).isEmpty();
        frame.gsoType = PacketBuffer.GSO_TCPV6;
        assertThat(segment(false)).isEmpty();

        tsoFrame(payload, 1, TcpSegment.ACK, 1);
        new Ipv4Packet().wrap(frame.segment(), 14).moreFragments(true);
        assertThat(segment(false)).as("a fragment").isEmpty();

        tsoFrame(payload, 1, TcpSegment.ACK, 1);
        frame.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 34 + 12, (byte) 0xf0); // 60-byte header
        new Ipv4Packet().wrap(frame.segment(), 14).totalLength(20 + 40);
        frame.length(14 + 60);
        assertThat(segment(false)).as("TCP header past Total Length").isEmpty();

        tsoFrame(payload, 1, TcpSegment.ACK, 1);
        frame.gsoSize = 3000;                           // segments larger than the scratch frame
        assertThat(segment(false)).isEmpty();

        tsoFrame(payload, 1, TcpSegment.ACK, 1);
        frame.length(1000);                             // Total Length past the frame
        assertThat(segment(false)).isEmpty();
    }

    @Test
    void segmentingAllocatesNothing() {
        tsoFrame(Frames.pattern(60_000, 6), 1, TcpSegment.ACK, 1);
        long[] bytes = {0};
        GsoSegmenter.Sink sink = (s, nextHop, now) -> bytes[0] += s.length();
        Allocations.assertSteadyStateAllocatesNothing("GSO segmentation of a 60 000-byte super-packet",
                () -> segmenter.segment(frame, 14, false, 0, 0, sink), 200);
        assertThat(bytes[0]).isPositive();
    }
}
