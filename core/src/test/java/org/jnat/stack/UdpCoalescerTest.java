package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.testing.Allocations;
import org.jnat.testing.Frames;
import org.jnat.testing.OffloadFrames;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.UdpDatagram;
import org.junit.jupiter.api.Test;

/**
 * Byte-exact: what the coalescer sends, segmented again as the kernel does ({@link CoalescingRig}),
 * is exactly the datagrams it was offered, their partial checksums completed.
 */
class UdpCoalescerTest {
    private final CoalescingRig rig = new CoalescingRig();

    private void assertReceiverSeesWhatWasOffered() {
        List<byte[]> wire = rig.wire();
        List<byte[]> expected = rig.expected();
        assertThat(wire).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(wire.get(i)).as("datagram %d", i).isEqualTo(expected.get(i));
        }
    }

    private long counter(String name) {
        return rig.counters.get("outside.udp_coalesce." + name);
    }

    /** Super-packet sizes in datagrams (1 for a frame sent alone), in order. */
    private List<Integer> shape() {
        return rig.sent.stream().map(s -> {
            if (s.gsoType() == PacketBuffer.GSO_NONE) {
                return 1;
            }
            int payload = s.bytes().length - 42;
            return (payload + s.gsoSize() - 1) / s.gsoSize();
        }).toList();
    }

    @Test
    void suitsOnlyADeviceThatSegmentsUdpAndCompletesChecksums() {
        assertThat(UdpCoalescer.suits(Offloads.ALL)).isTrue();
        assertThat(UdpCoalescer.suits(Offloads.NONE)).isFalse();
        assertThat(UdpCoalescer.suits(new Offloads(true, true, true, false))).isFalse();
        assertThat(UdpCoalescer.suits(new Offloads(false, true, true, true))).isFalse();
    }

    @Test
    void aRunOfEqualDatagramsBecomesOneSuperPacket() {
        for (int i = 0; i < 10; i++) {
            assertThat(rig.offer(rig.udp(40000, 100 + i, 18, i, true))).isTrue();
        }
        assertThat(rig.sent).isEmpty();
        rig.flush();

        assertThat(shape()).containsExactly(10);
        CoalescingRig.Sent s = rig.sent.getFirst();
        assertThat(s.gsoSize()).isEqualTo(18);
        assertThat(s.bytes().length).isEqualTo(42 + 10 * 18);
        Ipv4Packet ip = new Ipv4Packet().wrap(MemorySegment.ofArray(s.bytes()), 14);
        assertThat(ip.identification()).isEqualTo(100);
        assertThat(ip.totalLength()).isEqualTo(28 + 180);
        assertReceiverSeesWhatWasOffered();
        assertThat(counter("datagrams_merged")).isEqualTo(10);
        assertThat(counter("super_packets")).isEqualTo(1);
    }

    @Test
    void aLoneDatagramLeavesUntouchedWithoutACopy() {
        PacketBuffer frame = rig.udp(40000, 7, 18, 1, true);
        byte[] before = Frames.bytes(frame);
        assertThat(rig.offer(frame)).isTrue();
        rig.flush();

        assertThat(rig.sent).hasSize(1);
        CoalescingRig.Sent s = rig.sent.getFirst();
        assertThat(s.slot()).as("the very slot it came in").isSameAs(frame);
        assertThat(s.bytes()).isEqualTo(before);
        assertThat(s.gsoType()).isEqualTo(PacketBuffer.GSO_NONE);
        assertThat(s.flags()).isEqualTo(PacketBuffer.F_NEEDS_CSUM);
        assertThat(counter("super_packets")).isZero();
    }

    @Test
    void aShorterDatagramIsTheLastOfItsSuperPacket() {
        for (int i = 0; i < 5; i++) {
            rig.offer(rig.udp(40000, 1 + i, 100, i, true));
        }
        rig.offer(rig.udp(40000, 6, 40, 9, true));
        assertThat(rig.sent).as("closed by the short one at once").hasSize(1);
        rig.offer(rig.udp(40000, 7, 100, 10, true));
        rig.flush();

        assertThat(shape()).containsExactly(6, 1);
        assertThat(rig.sent.getFirst().bytes().length).isEqualTo(42 + 5 * 100 + 40);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void aLongerDatagramStartsANewRun() {
        rig.offer(rig.udp(40000, 1, 50, 1, true));
        rig.offer(rig.udp(40000, 2, 50, 2, true));
        rig.offer(rig.udp(40000, 3, 60, 3, true));
        rig.offer(rig.udp(40000, 4, 60, 4, true));
        rig.flush();

        assertThat(shape()).containsExactly(2, 2);
        assertThat(rig.sent.get(1).gsoSize()).isEqualTo(60);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void aFlowChangeInTheMiddleEndsTheRun() {
        rig.offer(rig.udp(40000, 1, 18, 1, true));
        rig.offer(rig.udp(40000, 2, 18, 2, true));
        rig.offer(rig.udp(40000, 3, 18, 3, true));
        rig.offer(rig.udp(40001, 4, 18, 4, true));
        rig.offer(rig.udp(40001, 5, 18, 5, true));
        rig.offer(rig.udp(40000, 6, 18, 6, true));
        rig.flush();

        assertThat(shape()).containsExactly(3, 2, 1);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void anIdentificationThatDoesNotFollowEndsTheRunAndTheCountWraps() {
        rig.offer(rig.udp(40000, 0xfffe, 18, 1, true));
        rig.offer(rig.udp(40000, 0xffff, 18, 2, true));
        rig.offer(rig.udp(40000, 0x0000, 18, 3, true));      // wraps: still consecutive
        rig.offer(rig.udp(40000, 0x0002, 18, 4, true));      // skips one
        rig.offer(rig.udp(40000, 0x0003, 18, 5, true));
        rig.offer(rig.udp(40000, 0x0003, 18, 6, true));      // repeats
        rig.flush();

        assertThat(shape()).containsExactly(3, 2, 1);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void anotherTtlTosOrDfEndsTheRun() {
        rig.offer(rig.udp(40000, 1, 18, 1, true));
        PacketBuffer ttl = rig.udp(40000, 2, 18, 2, true);
        new Ipv4Packet().wrap(ttl.segment(), 14).ttl(63).fillHeaderChecksum();
        rig.offer(ttl);
        PacketBuffer tos = rig.udp(40000, 3, 18, 3, true);
        new Ipv4Packet().wrap(tos.segment(), 14).ttl(63).typeOfService(0x02).fillHeaderChecksum();
        rig.offer(tos);
        PacketBuffer df = rig.udp(40000, 4, 18, 4, true);
        new Ipv4Packet().wrap(df.segment(), 14).ttl(63).typeOfService(0x02).dontFragment(false).fillHeaderChecksum();
        rig.offer(df);
        rig.flush();

        assertThat(shape()).containsExactly(1, 1, 1, 1);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void aBadChecksumIsNeverMergedNorRepaired() {
        rig.offer(rig.udp(40000, 1, 18, 1, false));
        PacketBuffer bad = rig.udp(40000, 2, 18, 2, false);
        UdpDatagram udp = new UdpDatagram().wrap(bad.segment(), 34);
        udp.checksum(udp.checksum() ^ 0x0100);
        byte[] badBytes = Frames.bytes(bad);
        assertThat(rig.offer(bad)).isFalse();
        rig.offer(rig.udp(40000, 3, 18, 3, false));
        rig.offer(rig.udp(40000, 4, 18, 4, false));
        rig.flush();

        assertThat(shape()).containsExactly(1, 1, 2);
        assertThat(rig.sent.get(1).bytes()).as("sent as it came, still bad").isEqualTo(badBytes);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void aBadFirstDatagramGoesAlone() {
        PacketBuffer bad = rig.udp(40000, 1, 18, 1, false);
        bad.segment().set(ValueLayout.JAVA_BYTE, 50, (byte) 0x55);   // data changed after the checksum
        rig.offer(bad);
        rig.offer(rig.udp(40000, 2, 18, 2, false));
        rig.offer(rig.udp(40000, 3, 18, 3, false));
        rig.flush();

        assertThat(shape()).containsExactly(1, 2);
        assertThat(rig.sent.getFirst().slot()).isSameAs(bad);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void aPartialChecksumMustHoldThePseudoHeaderSum() {
        rig.offer(rig.udp(40000, 1, 18, 1, true));
        PacketBuffer odd = rig.udp(40000, 2, 18, 2, true);
        new UdpDatagram().wrap(odd.segment(), 34).checksum(0x1234);   // not the pseudo-header sum
        rig.offer(odd);
        PacketBuffer elsewhere = rig.udp(40000, 3, 18, 3, true);
        elsewhere.checksumOffset = 4;
        rig.offer(elsewhere);
        rig.offer(rig.udp(40000, 4, 18, 4, true));
        rig.flush();

        assertThat(shape()).containsExactly(1, 1, 1, 1);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void verifiedAndDataValidChecksumsMerge() {
        rig.offer(rig.udp(40000, 1, 18, 1, false));               // verified in software
        PacketBuffer valid = rig.udp(40000, 2, 18, 2, false);
        valid.flags = PacketBuffer.F_DATA_VALID;                   // the kernel verified it
        rig.offer(valid);
        rig.offer(rig.udp(40000, 3, 18, 3, true));                // partial: computed downstream
        rig.flush();

        assertThat(shape()).containsExactly(3);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void checksumZeroIsNotMerged() {
        for (int i = 0; i < 3; i++) {
            PacketBuffer none = rig.udp(40000, 1 + i, 18, i, false);
            new UdpDatagram().wrap(none.segment(), 34).checksum(0);
            rig.offer(none);
        }
        rig.flush();

        assertThat(shape()).containsExactly(1, 1, 1);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void fragmentsAndOptionsAreNotMerged() {
        for (int i = 0; i < 2; i++) {
            PacketBuffer mf = rig.udp(40000, 1 + i, 16, i, false);
            new Ipv4Packet().wrap(mf.segment(), 14).moreFragments(true).fillHeaderChecksum();
            assertThat(rig.offer(mf)).isFalse();
        }
        for (int i = 0; i < 2; i++) {
            PacketBuffer offset = rig.udp(40000, 3 + i, 16, i, false);
            new Ipv4Packet().wrap(offset.segment(), 14).fragmentOffset(1480).fillHeaderChecksum();
            assertThat(rig.offer(offset)).isFalse();
        }
        rig.flush();

        assertThat(shape()).containsExactly(1, 1, 1, 1);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void otherFramesAndGsoPacketsFlushWhatIsPendingFirst() {
        rig.offer(rig.udp(40000, 1, 18, 1, true));
        rig.offer(rig.udp(40000, 2, 18, 2, true));
        PacketBuffer tcp = OffloadFrames.tcp(rig.slot(), CoalescingRig.DST_MAC, CoalescingRig.SRC_MAC,
                CoalescingRig.PUBLIC, CoalescingRig.SV, 40000, 443, 1, 0x10, 3, Frames.DF, new byte[10], true,
                0);
        assertThat(rig.offer(tcp)).isFalse();
        rig.offer(rig.udp(40000, 4, 18, 4, true));
        PacketBuffer uso = OffloadFrames.udp(rig.slot(), CoalescingRig.DST_MAC, CoalescingRig.SRC_MAC,
                CoalescingRig.PUBLIC, CoalescingRig.SV, 40000, 5201, 5, Frames.DF, new byte[36], true,
                PacketBuffer.GSO_UDP_L4, 18);
        assertThat(rig.offer(uso)).isFalse();
        PacketBuffer empty = rig.udp(40000, 6, 0, 0, true);
        assertThat(rig.offer(empty)).as("an empty payload never merges").isFalse();
        rig.flush();

        assertThat(rig.sent).hasSize(5);
        assertThat(shape()).containsExactly(2, 1, 1, 2, 1);
        assertThat(rig.sent.get(1).slot()).isSameAs(tcp);
    }

    @Test
    void anUnstableFrameJoinsARunButDoesNotStartOne() {
        PacketBuffer scratch = rig.udp(40000, 1, 18, 1, true);
        assertThat(rig.offer(scratch, false)).isFalse();
        rig.offer(rig.udp(40000, 2, 18, 2, true));
        assertThat(rig.offer(rig.udp(40000, 3, 18, 3, true), false)).as("copied in").isTrue();
        rig.flush();

        assertThat(shape()).containsExactly(1, 2);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void atMostMaxSegmentsDatagramsGoInOneSuperPacket() {
        for (int i = 0; i < 70; i++) {
            rig.offer(rig.udp(40000, i, 18, i, true));
        }
        rig.flush();

        assertThat(UdpCoalescer.MAX_SEGMENTS).isEqualTo(64);
        assertThat(shape()).containsExactly(64, 6);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void aSuperPacketStaysWithin65535BytesOfIp() {
        for (int i = 0; i < 50; i++) {
            rig.offer(rig.udp(40000, i, 1472, i, true));
        }
        rig.flush();

        // 20 + 8 + 44 * 1472 = 64 796; one more would pass 65 535.
        assertThat(shape()).containsExactly(44, 6);
        assertThat(rig.sent.getFirst().bytes().length - 14).isEqualTo(28 + 44 * 1472);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void aFullSuperPacketOfLargeDatagramsHoldsExactlyTheLimit() {
        // Six datagrams of 9 359 bytes and a last of 9 353: IP Total Length 65 535 exactly.
        int size = 9359;
        for (int i = 0; i < 6; i++) {
            rig.offer(rig.udp(40000, i, size, i, true));
        }
        rig.offer(rig.udp(40000, 6, 65535 - 28 - 6 * size, 7, true));
        rig.flush();

        assertThat(shape()).containsExactly(7);
        assertThat(rig.sent.getFirst().bytes().length - 14).isEqualTo(65535);
        assertReceiverSeesWhatWasOffered();
    }

    @Test
    void steadyStateCoalescingAllocatesNothing() {
        Allocations.assumeMeasurable();
        CoalescingRig quiet = new CoalescingRig();
        PacketBuffer[] frames = new PacketBuffer[32];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = quiet.udp(40000, i, 18, i, true);
        }
        UdpCoalescer coalescer = new UdpCoalescer(java.lang.foreign.Arena.ofAuto(), "x.", quiet.counters, f -> { });
        Runnable batch = () -> {
            for (PacketBuffer f : frames) {
                coalescer.offer(f, true);
            }
            coalescer.flush();
        };
        Allocations.assertSteadyStateAllocatesNothing("UdpCoalescer, batches of 32 datagrams", batch, 20_000);
        assertThat(quiet.counters.get("x.udp_coalesce.super_packets")).isPositive();
    }
}
