package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.jnat.config.DataPlaneConfig;
import org.jnat.config.RouterConfig;
import org.jnat.device.FrameBatch;
import org.jnat.device.MemoryDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.runtime.ManualClock;
import org.jnat.stack.GsoSegmenter;
import org.jnat.stack.PartialChecksum;
import org.jnat.testing.Allocations;
import org.jnat.testing.Frames;
import org.jnat.testing.OffloadFrames;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;
import org.junit.jupiter.api.Test;

/**
 * The router between a TAP-like inside (virtio_net_hdr offloads: partial checksums, GSO
 * super-packets) and an outside that takes none (AF_PACKET on a NIC) or all (another TAP).
 */
class OffloadRouterTest {
    private static final int MSS = 1448;

    /** A router over memory links whose inside takes all offloads and whose outside takes {@code outside}. */
    static final class Rig {
        final MemoryDevice.Pair inside;
        final MemoryDevice.Pair outside;
        final ManualClock clock = new ManualClock(1_000_000_000L);
        final Counters counters = new Counters();
        final Router router;
        final PacketBuffer in = PacketBuffer.allocate();
        final PacketBuffer out = PacketBuffer.allocate();

        Rig(Offloads outsideOffloads, int outsideMtu, boolean nat) {
            this(outsideOffloads, outsideMtu, nat, true);
        }

        /** With {@code [dataplane] udp-coalesce = udpCoalesce}. */
        Rig(Offloads outsideOffloads, int outsideMtu, boolean nat, boolean udpCoalesce) {
            inside = MemoryDevice.pair("inside", 1500, 256, Offloads.ALL);
            outside = MemoryDevice.pair("outside", outsideMtu, 256, outsideOffloads);
            RouterConfig lab = MemoryTopology.config(true, 1500, outsideMtu);
            RouterConfig config = new RouterConfig(lab.inside(), lab.outside(), lab.nat(), lab.forwards(),
                    lab.neighbors(), lab.admin(), DataPlaneConfig.DEFAULT.withUdpCoalesce(udpCoalesce),
                    null, null, null);
            router = new Router(config, inside.a(), outside.a(), clock, counters,
                    nat ? org.jnat.nat.NatEngine.of(config, counters, 1) : Translator.ROUTING);
            router.pollOnce(clock.nanos());
            inside.b().drain();
            outside.b().drain();
        }

        void fromInside(PacketBuffer frame) {
            assertThat(inside.b().transmit(frame)).isTrue();
            router.pollOnce(clock.nanos());
        }

        /** Every frame the router sent on the outside, with its metadata. */
        List<PacketBuffer> outsideOut() {
            List<PacketBuffer> frames = new ArrayList<>();
            while (outside.b().poll(out)) {
                PacketBuffer copy = PacketBuffer.allocate(Arena.ofAuto(), Math.max(out.length(), 1));
                copy.copyFrom(out);
                frames.add(copy);
            }
            return frames;
        }

        long count(String name) {
            return counters.get(name);
        }
    }

    private static PacketBuffer tcp(PacketBuffer into, int sport, int sequence, int flags, byte[] payload,
            boolean partial, int mss) {
        return OffloadFrames.tcp(into, MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL, MemoryTopology.SV, sport, 443, sequence, flags, 1,
                Frames.DF, payload, partial, mss);
    }

    private static PacketBuffer udp(PacketBuffer into, byte[] payload, boolean partial, int gsoType, int gsoSize) {
        return OffloadFrames.udp(into, MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL, MemoryTopology.SV, 41001, 4433, 9, 0, payload, partial,
                gsoType, gsoSize);
    }

    private static Ipv4Packet ip(PacketBuffer f) {
        return new Ipv4Packet().wrap(f.segment(), 14);
    }

    private static TcpSegment tcpOf(PacketBuffer f) {
        return new TcpSegment().wrap(f.segment(), 34);
    }

    private static void assertPlainAndValid(PacketBuffer f, int source) {
        Ipv4Packet ip = ip(f);
        assertThat(f.hasOffload()).isFalse();
        assertThat(ip.check(f.length() - 14)).isTrue();
        assertThat(ip.totalLength()).isLessThanOrEqualTo(1500);
        assertThat(ip.headerChecksumValid()).isTrue();
        assertThat(ip.sourceAddress()).isEqualTo(source);
        if (ip.protocol() == 6) {
            assertThat(tcpOf(f).checksumValid(ip.sourceAddress(), ip.destinationAddress(), ip.payloadLength()))
                    .as("TCP checksum").isTrue();
        } else {
            UdpDatagram udp = new UdpDatagram().wrap(f.segment(), 34);
            assertThat(udp.checksum()).isNotZero();
            assertThat(udp.checksumValid(ip.sourceAddress(), ip.destinationAddress())).as("UDP checksum").isTrue();
        }
    }

    @Test
    void partialChecksumsFromTheInsideLeaveCompleteOnAPlainOutside() {
        Rig rig = new Rig(Offloads.NONE, 1500, false);
        rig.fromInside(tcp(rig.in, 40000, 1, TcpSegment.ACK | TcpSegment.PSH, Frames.pattern(777, 1), true, 0));
        rig.fromInside(udp(rig.in, Frames.pattern(1001, 2), true, PacketBuffer.GSO_NONE, 0));

        List<PacketBuffer> out = rig.outsideOut();

        assertThat(out).hasSize(2);
        out.forEach(f -> assertPlainAndValid(f, MemoryTopology.CL));
        assertThat(rig.count("offload.received.partial_checksum")).isEqualTo(2);
        assertThat(rig.count("offload.checksum_completed")).isEqualTo(2);
        assertThat(rig.count("ipv4.forwarded")).isEqualTo(2);
    }

    @Test
    void throughTheNatPartialChecksumsAreTranslatedAndCompleted() {
        Rig rig = new Rig(Offloads.NONE, 1500, true);
        rig.fromInside(tcp(rig.in, 40000, 1000, TcpSegment.SYN, new byte[0], true, 0));
        rig.fromInside(udp(rig.in, Frames.pattern(300, 3), true, PacketBuffer.GSO_NONE, 0));

        List<PacketBuffer> out = rig.outsideOut();

        assertThat(out).hasSize(2);
        out.forEach(f -> assertPlainAndValid(f, MemoryTopology.RT_OUT));
    }

    @Test
    void aTcpSuperPacketIsSegmentedForAPlainOutsideThroughTheNat() {
        Rig rig = new Rig(Offloads.NONE, 1500, true);
        int isn = 0x7fff_ff00;
        rig.fromInside(tcp(rig.in, 40000, isn, TcpSegment.SYN, new byte[0], false, 0));
        PacketBuffer syn = rig.outsideOut().getFirst();
        int publicPort = tcpOf(syn).sourcePort();
        byte[] payload = Frames.pattern(20_000, 4);
        rig.fromInside(tcp(rig.in, 40000, isn + 1, TcpSegment.ACK | TcpSegment.PSH, payload, true, MSS));

        List<PacketBuffer> out = rig.outsideOut();

        assertThat(out).hasSize((20_000 + MSS - 1) / MSS);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int sequence = isn + 1;
        for (int i = 0; i < out.size(); i++) {
            PacketBuffer f = out.get(i);
            assertPlainAndValid(f, MemoryTopology.RT_OUT);
            assertThat(f.length()).isLessThanOrEqualTo(1514);
            assertThat(ip(f).ttl()).isEqualTo(63);
            TcpSegment tcp = tcpOf(f);
            assertThat(tcp.sourcePort()).isEqualTo(publicPort);
            assertThat(tcp.sequenceNumber()).isEqualTo(sequence);
            assertThat(tcp.flags() & TcpSegment.PSH).isEqualTo(i == out.size() - 1 ? TcpSegment.PSH : 0);
            int length = ip(f).payloadLength() - tcp.headerLength();
            byte[] bytes = Frames.bytes(f);
            data.write(bytes, 14 + 20 + tcp.headerLength(), length);
            sequence += length;
        }
        assertThat(data.toByteArray()).isEqualTo(payload);
        assertThat(rig.count("offload.received.gso")).isEqualTo(1);
        assertThat(rig.count("offload.segmented")).isEqualTo(1);
        assertThat(rig.count("offload.segments")).isEqualTo(out.size());
        assertThat(rig.outside.a().droppedOversize()).isZero();
    }

    @Test
    void aTcpSuperPacketPassesThroughWithItsMetadataToAnOutsideThatTakesIt() {
        Rig rig = new Rig(Offloads.ALL, 1500, false);
        byte[] payload = Frames.pattern(20_000, 5);
        tcp(rig.in, 40000, 5, TcpSegment.ACK, payload, true, MSS);
        byte[] sent = Frames.bytes(rig.in);
        rig.fromInside(rig.in);

        List<PacketBuffer> out = rig.outsideOut();

        assertThat(out).hasSize(1);
        PacketBuffer f = out.getFirst();
        assertThat(f.gsoType).isEqualTo(PacketBuffer.GSO_TCPV4);
        assertThat(f.gsoSize).isEqualTo(MSS);
        assertThat(f.flags).isEqualTo(PacketBuffer.F_NEEDS_CSUM);
        assertThat(f.checksumStart).isEqualTo(34);
        assertThat(f.checksumOffset).isEqualTo(TcpSegment.CHECKSUM);
        byte[] got = Frames.bytes(f);
        assertThat(got.length).isEqualTo(sent.length);
        // Only the MACs, the TTL and the header checksum changed.
        assertThat(java.util.Arrays.copyOfRange(got, 34, got.length)).isEqualTo(java.util.Arrays.copyOfRange(sent, 34, sent.length));
        assertThat(ip(f).ttl()).isEqualTo(63);
        assertThat(ip(f).headerChecksumValid()).isTrue();
        assertThat(rig.count("offload.passed_through")).isEqualTo(1);
        assertThat(rig.count("offload.segmented")).isZero();
    }

    @Test
    void throughTheNatAPassedThroughSuperPacketStillSegmentsToValidChecksums() {
        Rig rig = new Rig(Offloads.ALL, 1500, true);
        rig.fromInside(tcp(rig.in, 40000, 99, TcpSegment.SYN, new byte[0], true, 0));
        rig.outsideOut();
        rig.fromInside(tcp(rig.in, 40000, 100, TcpSegment.ACK, Frames.pattern(30_000, 6), true, MSS));

        PacketBuffer f = rig.outsideOut().getFirst();
        assertThat(f.gsoType).isEqualTo(PacketBuffer.GSO_TCPV4);
        assertThat(ip(f).sourceAddress()).isEqualTo(MemoryTopology.RT_OUT);
        // Do what the receiving kernel would: segment it (with partial checksums) and complete them.
        int[] segments = {0};
        new GsoSegmenter(1518).segment(f, 14, true, 0, 0, (s, nextHop, now) -> {
            assertThat(PartialChecksum.complete(s, 34, s.length())).isTrue();
            assertPlainAndValid(s, MemoryTopology.RT_OUT);
            segments[0]++;
        });
        assertThat(segments[0]).isEqualTo(21);
    }

    @Test
    void udpSuperPacketsAreSegmentedOrPassed() {
        Rig plain = new Rig(Offloads.NONE, 1500, false);
        plain.fromInside(udp(plain.in, Frames.pattern(6000, 7), true, PacketBuffer.GSO_UDP_L4, 1400));
        List<PacketBuffer> out = plain.outsideOut();
        assertThat(out).hasSize(5);
        out.forEach(f -> assertPlainAndValid(f, MemoryTopology.CL));

        Rig tap = new Rig(new Offloads(true, true, true, false), 1500, false); // a TAP without USO
        tap.fromInside(udp(tap.in, Frames.pattern(6000, 7), true, PacketBuffer.GSO_UDP_L4, 1400));
        out = tap.outsideOut();
        assertThat(out).hasSize(5);
        for (PacketBuffer f : out) {
            assertThat(f.flags).as("left partial for a device that completes it").isEqualTo(PacketBuffer.F_NEEDS_CSUM);
            assertThat(f.gsoType).isZero();
            assertThat(PartialChecksum.complete(f, 34, f.length())).isTrue();
            assertPlainAndValid(f, MemoryTopology.CL);
        }
    }

    @Test
    void theMtuCheckAppliesToTheSegmentNotTheSuperPacket() {
        Rig rig = new Rig(Offloads.NONE, 1400, false);
        rig.fromInside(tcp(rig.in, 40000, 1, TcpSegment.ACK, Frames.pattern(10_000, 8), true, MSS));
        assertThat(rig.outsideOut()).isEmpty();
        assertThat(rig.count("ipv4.dropped.fragmentation_needed")).isEqualTo(1);
        PacketBuffer error = PacketBuffer.allocate();
        assertThat(rig.inside.b().poll(error)).isTrue();
        IcmpPacket icmp = new IcmpPacket().wrap(error.segment(), 34);
        assertThat(icmp.type()).isEqualTo(IcmpPacket.DESTINATION_UNREACHABLE);
        assertThat(icmp.code()).isEqualTo(IcmpPacket.FRAGMENTATION_NEEDED);
        assertThat(error.hasOffload()).isFalse();
        assertThat(icmp.check(ip(error).payloadLength())).isTrue();
        assertThat(icmp.checksumValid()).isTrue();

        // A super-packet whose segments fit 1400 goes through, segmented.
        rig.fromInside(tcp(rig.in, 40000, 1, TcpSegment.ACK, Frames.pattern(10_000, 8), true, 1348));
        List<PacketBuffer> out = rig.outsideOut();
        assertThat(out).hasSize(8);
        out.forEach(f -> assertThat(ip(f).totalLength()).isLessThanOrEqualTo(1400));
    }

    @Test
    void malformedOffloadMetadataIsCountedAndDropped() {
        Rig rig = new Rig(Offloads.NONE, 1500, false);
        tcp(rig.in, 40000, 1, TcpSegment.ACK, Frames.pattern(5000, 9), true, MSS);
        rig.in.gsoType = PacketBuffer.GSO_UDP_L4;                 // not what the headers say
        rig.fromInside(rig.in);
        tcp(rig.in, 40000, 1, TcpSegment.ACK, Frames.pattern(5000, 9), true, MSS);
        rig.in.gsoType = PacketBuffer.GSO_TCPV6;
        rig.fromInside(rig.in);
        udp(rig.in, new byte[100], true, PacketBuffer.GSO_NONE, 0);
        rig.in.checksumStart = 20;                                // inside the IP header
        rig.fromInside(rig.in);

        assertThat(rig.outsideOut()).isEmpty();
        assertThat(rig.count("offload.dropped.malformed")).isEqualTo(2);
        assertThat(rig.count("offload.dropped.unsupported")).isEqualTo(1);
    }

    @Test
    void segmentingAndCompletingAllocateNothingInSteadyState() {
        Rig rig = new Rig(Offloads.NONE, 1500, true);
        rig.fromInside(tcp(rig.in, 40000, 1, TcpSegment.SYN, new byte[0], false, 0));
        rig.outsideOut();
        PacketBuffer superPacket = tcp(PacketBuffer.allocate(), 40000, 2, TcpSegment.ACK, Frames.pattern(20_000, 1),
                true, MSS);
        PacketBuffer partialUdp = udp(PacketBuffer.allocate(), Frames.pattern(1000, 2), true,
                PacketBuffer.GSO_NONE, 0);
        FrameBatch sink = new FrameBatch(Arena.ofAuto(), 32, 2048);
        long[] frames = {0};
        long[] steps = {0};
        Runnable step = () -> {
            steps[0]++;
            rig.inside.b().transmit(superPacket);
            rig.inside.b().transmit(partialUdp);
            rig.clock.advance(1_000);
            rig.router.pollOnce(rig.clock.nanos());
            frames[0] += rig.outside.b().receive(sink);
        };
        Allocations.assertSteadyStateAllocatesNothing("Router: a 20 KB TSO super-packet segmented and a partial UDP "
                + "checksum completed", step, 2_000);
        // 14 segments and one datagram a step.
        assertThat(frames[0]).isEqualTo(15L * steps[0]);
        assertThat(rig.count("offload.segments")).isEqualTo(14L * steps[0]);
    }

    /**
     * Seeded random offload frames from the inside (any GSO type, gso_size, flags and checksum
     * position, sometimes a corrupted header byte): the router never throws, and what leaves by the
     * plain outside is wire-sized, carries no metadata and has a valid IPv4 header checksum; when
     * the frame was left intact, its transport checksum is valid too, after the NAT's rewrite.
     */
    @Test
    void randomOffloadFramesLeaveAPlainOutsideWireSizedAndValid() {
        for (boolean nat : new boolean[] {false, true}) {
            Rig rig = new Rig(Offloads.NONE, 1500, nat);
            rig.fromInside(tcp(rig.in, 40000, 1, TcpSegment.SYN, new byte[0], true, 0));
            rig.outsideOut();
            java.util.Random random = new java.util.Random(nat ? 2 : 1);
            int intactOut = 0;
            for (int round = 0; round < 400; round++) {
                byte[] payload = Frames.pattern(random.nextInt(30_000), round);
                boolean isTcp = random.nextBoolean();
                int[] types = {PacketBuffer.GSO_NONE, PacketBuffer.GSO_TCPV4, PacketBuffer.GSO_UDP_L4, PacketBuffer.GSO_UDP,
                        PacketBuffer.GSO_TCPV6, PacketBuffer.GSO_TCPV4 | 0x80, random.nextInt(256)};
                int gsoType = types[random.nextInt(types.length)];
                int gsoSize = random.nextInt(4) == 0 ? random.nextInt(3000) : 1000 + random.nextInt(448);
                if (gsoType == PacketBuffer.GSO_NONE) {
                    payload = java.util.Arrays.copyOf(payload, Math.min(payload.length, 1400));
                }
                boolean partial = random.nextInt(4) != 0;
                if (isTcp) {
                    tcp(rig.in, 40000, random.nextInt(), TcpSegment.ACK, payload, partial, gsoSize);
                } else {
                    udp(rig.in, payload, partial, PacketBuffer.GSO_NONE, gsoSize);
                }
                rig.in.gsoType = gsoType;
                boolean intact = true;
                if (random.nextInt(5) == 0) {
                    rig.in.checksumStart = random.nextInt(80);
                    rig.in.checksumOffset = random.nextInt(20);
                    intact = false;
                }
                if (random.nextInt(5) == 0) {
                    rig.in.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 14 + random.nextInt(40),
                            (byte) random.nextInt(256));
                    intact = false;
                }
                rig.fromInside(rig.in);
                for (PacketBuffer f : rig.outsideOut()) {
                    assertThat(f.length()).isLessThanOrEqualTo(1514);
                    assertThat(f.hasOffload()).isFalse();
                    Ipv4Packet ip = ip(f);
                    assertThat(ip.check(f.length() - 14)).isTrue();
                    assertThat(ip.headerChecksumValid()).isTrue();
                    if (intact && !ip.isFragment()) {
                        assertPlainAndValid(f, nat ? MemoryTopology.RT_OUT : MemoryTopology.CL);
                        intactOut++;
                    }
                }
            }
            assertThat(intactOut).as("intact frames came through").isGreaterThan(100);
        }
    }
}
