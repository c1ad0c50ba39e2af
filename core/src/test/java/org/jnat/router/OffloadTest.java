package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jnat.device.MemoryDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.runtime.ManualClock;
import org.jnat.testing.Frames;
import org.jnat.testing.OffloadFrames;
import org.jnat.wire.Checksum;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/** Frames with virtio_net_hdr metadata: GSO super-packets and partial checksums (TAP devices). */
class OffloadTest {
    final MemoryDevice.Pair inside = MemoryDevice.pair("in", 1500, 16, Offloads.ALL);
    final Counters counters = new Counters();

    Router router(MemoryDevice.Pair outside) {
        Router r = new Router(MemoryTopology.config(true, 1500, 1500), inside.a(), outside.a(), new ManualClock(), counters);
        r.pollOnce(0);
        inside.b().drain();
        outside.b().drain();
        return r;
    }

    /** A TCP segment of {@code payload} bytes from cl to sv, with the given offload metadata. */
    static PacketBuffer tcp(int payload, int gsoType, boolean partial) {
        byte[] l4 = Frames.tcp(MemoryTopology.CL, MemoryTopology.SV, 41000, 8000, 1, 1, TcpSegment.ACK | TcpSegment.PSH, 500,
                Frames.ramp(payload, 1, 20));
        PacketBuffer p = Frames.into(PacketBuffer.allocate(),
                Frames.ipv4(MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL, MemoryTopology.SV, 6, 64, 1, Frames.DF, l4));
        p.gsoType = gsoType;
        if (gsoType != PacketBuffer.GSO_NONE) {
            p.gsoSize = 1448;
            p.headerLength = 54;
        }
        if (partial) {
            // The pseudo-header sum, folded and not complemented, as Linux leaves it.
            OffloadFrames.makePartial(p, Frames.L4, TcpSegment.CHECKSUM, MemoryTopology.CL, MemoryTopology.SV, 6, l4.length);
        }
        return p;
    }

    /**
     * Sends {@code frame} from cl through a router whose outside device takes every offload, and
     * returns what leaves there, with its metadata.
     */
    PacketBuffer forwardToADeviceWithAllOffloads(PacketBuffer frame) {
        MemoryDevice.Pair outside = MemoryDevice.pair("out", 1500, 16, Offloads.ALL);
        Router r = router(outside);
        inside.b().transmit(frame);
        r.pollOnce(1);
        PacketBuffer out = PacketBuffer.allocate();
        assertThat(outside.b().poll(out)).isTrue();
        return out;
    }

    @Test
    void aGsoSuperPacketPassesWholeToADeviceThatSegments() {
        PacketBuffer out = forwardToADeviceWithAllOffloads(tcp(20_000, PacketBuffer.GSO_TCPV4, true));
        assertThat(out.length()).isEqualTo(14 + 20 + 20 + 20_000);
        assertThat(out.gsoType).isEqualTo(PacketBuffer.GSO_TCPV4);
        assertThat(out.gsoSize).isEqualTo(1448);
        assertThat(out.flags & PacketBuffer.F_NEEDS_CSUM).isNotZero();
        assertThat(out.segment().get(ValueLayout.JAVA_BYTE, 22)).as("TTL").isEqualTo((byte) 63);
        assertThat(counters.get("icmp.sent.fragmentation_needed")).as("no error for a DF super-packet").isZero();
    }

    @Test
    void aGsoSuperPacketIsSegmentedInSoftwareWhenTheEgressCanNotSegment() {
        MemoryDevice.Pair outside = MemoryDevice.pair("out", 1500);
        Router r = router(outside);
        inside.b().transmit(tcp(20_000, PacketBuffer.GSO_TCPV4, true));
        r.pollOnce(1);
        assertThat(outside.b().drain()).hasSize((20_000 + 1447) / 1448);
        assertThat(counters.get("offload.segmented")).isEqualTo(1);
    }

    @Test
    void aPartialChecksumIsCompletedForADeviceThatTakesOnlyWholeOnes() {
        MemoryDevice.Pair outside = MemoryDevice.pair("out", 1500);
        Router r = router(outside);
        PacketBuffer partial = tcp(1000, PacketBuffer.GSO_NONE, true);
        inside.b().transmit(partial);
        r.pollOnce(1);
        byte[] out = outside.b().poll();
        assertThat(out).isNotNull();
        // The TCP checksum now verifies over the pseudo-header and the segment.
        long sum = Checksum.pseudoHeaderSum(MemoryTopology.CL, MemoryTopology.SV, 6, out.length - 34)
                + Checksum.sum(MemorySegment.ofArray(out), 34, out.length - 34);
        assertThat(Checksum.verifies(sum)).isTrue();
        assertThat(counters.get("offload.checksum_completed")).isEqualTo(1);
    }

    @Test
    void aPartialChecksumTravelsToADeviceThatTakesIt() {
        PacketBuffer out = forwardToADeviceWithAllOffloads(tcp(1000, PacketBuffer.GSO_NONE, true));
        assertThat(out.flags & PacketBuffer.F_NEEDS_CSUM).isNotZero();
        assertThat(counters.get("offload.checksum_completed")).isZero();
    }
}
