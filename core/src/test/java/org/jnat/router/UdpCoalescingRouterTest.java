package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.jnat.device.FrameBatch;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.stack.GsoSegmenter;
import org.jnat.stack.PartialChecksum;
import org.jnat.testing.Allocations;
import org.jnat.testing.Frames;
import org.jnat.testing.OffloadFrames;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * The router coalesces the UDP datagrams of one flow that leave by a device taking UDP GSO within
 * one receive batch ({@link org.jnat.stack.UdpCoalescer}); what the kernel makes of the
 * super-packet is what the router sends with coalescing off.
 */
class UdpCoalescingRouterTest {
    private static final int DATAGRAMS = 20;

    private static OffloadRouterTest.Rig rig(Offloads outside, boolean coalesce) {
        return new OffloadRouterTest.Rig(outside, 1500, true, coalesce);
    }

    /** A datagram from cl as its kernel hands it to a TAP: partial checksum, DF, Identification {@code id}. */
    private static PacketBuffer datagram(PacketBuffer into, int id, int payload) {
        return OffloadFrames.udp(into, MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL, MemoryTopology.SV, 41001, 5201, id, Frames.DF,
                Frames.pattern(payload, id), true, PacketBuffer.GSO_NONE, 0);
    }

    private static PacketBuffer syn(PacketBuffer into) {
        return OffloadFrames.tcp(into, MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL, MemoryTopology.SV, 40000, 443, 1, TcpSegment.SYN, 50,
                Frames.DF, new byte[0], true, 0);
    }

    /** Queues a burst on the inside (one receive batch), then runs one round. */
    private static void burst(OffloadRouterTest.Rig rig, int firstId, int count, int payload) {
        for (int i = 0; i < count; i++) {
            assertThat(rig.inside.b().transmit(datagram(rig.in, firstId + i, payload))).isTrue();
        }
        rig.router.pollOnce(rig.clock.nanos());
    }

    /** The bytes a receiver gets: super-packets segmented, partial checksums completed. */
    private static List<byte[]> onTheWire(List<PacketBuffer> frames) {
        List<byte[]> out = new ArrayList<>();
        GsoSegmenter segmenter = new GsoSegmenter(1518);
        for (PacketBuffer f : frames) {
            if (f.gsoType != PacketBuffer.GSO_NONE) {
                assertThat(segmenter.segment(f, 14, false, 0, 0, (s, nextHop, now) -> out.add(Frames.bytes(s)))).isPositive();
            } else {
                assertThat(PartialChecksum.complete(f, 34, f.length())).isTrue();
                out.add(Frames.bytes(f));
            }
        }
        return out;
    }

    @Test
    void aBurstOfOneFlowLeavesAsOneSuperPacketThatSegmentsIntoTheTranslatedDatagrams() {
        OffloadRouterTest.Rig on = rig(Offloads.ALL, true);
        OffloadRouterTest.Rig off = rig(Offloads.ALL, false);
        burst(on, 0xfff0, DATAGRAMS, 18);
        burst(off, 0xfff0, DATAGRAMS, 18);

        List<PacketBuffer> merged = on.outsideOut();
        List<PacketBuffer> plain = off.outsideOut();

        assertThat(plain).hasSize(DATAGRAMS);
        assertThat(merged).hasSize(1);
        PacketBuffer superPacket = merged.getFirst();
        assertThat(superPacket.gsoType).isEqualTo(PacketBuffer.GSO_UDP_L4);
        assertThat(superPacket.gsoSize).isEqualTo(18);
        assertThat(new Ipv4Packet().wrap(superPacket.segment(), 14).sourceAddress()).isEqualTo(MemoryTopology.RT_OUT);
        List<byte[]> expected = onTheWire(plain);
        List<byte[]> got = onTheWire(merged);
        assertThat(got).hasSize(DATAGRAMS);
        for (int i = 0; i < DATAGRAMS; i++) {
            assertThat(got.get(i)).as("datagram %d", i).isEqualTo(expected.get(i));
        }
        assertThat(on.count("outside.udp_coalesce.datagrams_merged")).isEqualTo(DATAGRAMS);
        assertThat(on.count("outside.udp_coalesce.super_packets")).isEqualTo(1);
        assertThat(on.count("outside.transmitted")).as("one frame instead of %d", DATAGRAMS)
                .isEqualTo(off.count("outside.transmitted") - DATAGRAMS + 1);
        assertThat(off.count("outside.udp_coalesce.super_packets")).isZero();
    }

    @Test
    void aLoneDatagramLeavesAsItWouldWithoutCoalescing() {
        OffloadRouterTest.Rig on = rig(Offloads.ALL, true);
        OffloadRouterTest.Rig off = rig(Offloads.ALL, false);
        burst(on, 7, 1, 100);
        burst(off, 7, 1, 100);

        PacketBuffer a = on.outsideOut().getFirst();
        PacketBuffer b = off.outsideOut().getFirst();

        assertThat(a.gsoType).isEqualTo(PacketBuffer.GSO_NONE);
        assertThat(a.flags).isEqualTo(b.flags).isEqualTo(PacketBuffer.F_NEEDS_CSUM);
        assertThat(Frames.bytes(a)).isEqualTo(Frames.bytes(b));
        assertThat(on.count("outside.udp_coalesce.super_packets")).isZero();
    }

    @Test
    void anotherFrameInBetweenKeepsItsPlace() {
        OffloadRouterTest.Rig rig = rig(Offloads.ALL, true);
        rig.inside.b().transmit(datagram(rig.in, 1, 18));
        rig.inside.b().transmit(datagram(rig.in, 2, 18));
        rig.inside.b().transmit(syn(rig.in));
        rig.inside.b().transmit(datagram(rig.in, 3, 18));
        rig.inside.b().transmit(datagram(rig.in, 4, 18));
        rig.inside.b().transmit(datagram(rig.in, 5, 18));
        rig.router.pollOnce(rig.clock.nanos());

        List<PacketBuffer> out = rig.outsideOut();

        assertThat(out).extracting(f -> f.gsoType).containsExactly(PacketBuffer.GSO_UDP_L4, PacketBuffer.GSO_NONE,
                PacketBuffer.GSO_UDP_L4);
        assertThat(new Ipv4Packet().wrap(out.get(1).segment(), 14).protocol()).isEqualTo(6);
        assertThat(onTheWire(out)).hasSize(6);
    }

    @Test
    void udpCoalesceFalseInTheConfigSendsEveryDatagramAsItIs() {
        OffloadRouterTest.Rig off = rig(Offloads.ALL, false);
        long before = off.count("outside.transmitted");
        burst(off, 1, DATAGRAMS, 18);

        List<PacketBuffer> out = off.outsideOut();

        assertThat(out).hasSize(DATAGRAMS).allMatch(f -> f.gsoType == PacketBuffer.GSO_NONE);
        assertThat(off.count("outside.udp_coalesce.datagrams_merged")).isZero();
        assertThat(off.count("outside.transmitted") - before).as("one frame per datagram").isEqualTo(DATAGRAMS);
    }

    @Test
    void anOutsideWithoutUdpSegmentationGetsTheDatagramsOneByOne() {
        OffloadRouterTest.Rig rig = rig(new Offloads(true, true, true, false), true);
        burst(rig, 1, DATAGRAMS, 18);

        List<PacketBuffer> out = rig.outsideOut();

        assertThat(out).hasSize(DATAGRAMS).allMatch(f -> f.gsoType == PacketBuffer.GSO_NONE);
    }

    @Test
    void nothingWaitsBeyondItsBatch() {
        OffloadRouterTest.Rig rig = rig(Offloads.ALL, true);
        burst(rig, 1, 3, 18);
        assertThat(rig.outsideOut()).hasSize(1);
        burst(rig, 4, 3, 18);      // the same flow, the next batch: a super-packet of its own
        assertThat(rig.outsideOut()).hasSize(1);
        assertThat(rig.count("outside.udp_coalesce.super_packets")).isEqualTo(2);
    }

    @Test
    void steadyStateCoalescingThroughTheRouterAllocatesNothing() {
        OffloadRouterTest.Rig rig = rig(Offloads.ALL, true);
        PacketBuffer[] frames = new PacketBuffer[16];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = datagram(PacketBuffer.allocate(java.lang.foreign.Arena.ofAuto(), 2048), i, 18);
        }
        FrameBatch sink = new FrameBatch(java.lang.foreign.Arena.ofAuto(), 8, PacketBuffer.DEFAULT_CAPACITY);
        int[] id = {0};
        // One view for the test's own rewrite: what is measured is the router, not whether the JIT
        // happens to remove a view made per frame here.
        Ipv4Packet ip = new Ipv4Packet();
        Runnable step = () -> {
            for (PacketBuffer f : frames) {
                ip.wrap(f.segment(), 14).identification(id[0]++ & 0xffff).fillHeaderChecksum();
                rig.inside.b().transmit(f);
            }
            rig.clock.advance(1_000);
            rig.router.pollOnce(rig.clock.nanos());
            rig.outside.b().receive(sink);
        };
        Allocations.assertSteadyStateAllocatesNothing("Router coalescing bursts of 16 datagrams", step, 10_000);
        assertThat(rig.count("outside.udp_coalesce.super_packets")).isGreaterThan(10_000);
    }
}
