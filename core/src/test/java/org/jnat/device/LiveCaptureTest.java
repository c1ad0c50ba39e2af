package org.jnat.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jnat.runtime.Counters;
import org.jnat.runtime.ManualClock;
import org.jnat.testing.Allocations;
import org.jnat.testing.Frames;
import org.jnat.testing.Tshark;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live capture's ring ({@link CaptureRing}), the device that fills it and the pcapng it becomes. */
class LiveCaptureTest {
    static final long RING = 1 << 20; // the smallest power of two above two snap lengths

    @TempDir
    Path dir;

    private static MemorySegment frame(int marker, int length) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) marker);
        return MemorySegment.ofArray(bytes);
    }

    private static List<String> drain(CaptureRing ring) {
        List<String> out = new ArrayList<>();
        CaptureRing.Frame f = new CaptureRing.Frame();
        while (ring.poll(f)) {
            out.add(f.iface + "/" + f.direction + " " + f.capturedLength + "/" + f.originalLength + " #" + f.bytes[0]
                    + (f.bytes[f.capturedLength - 1] == f.bytes[0] ? "" : " torn") + " @" + f.timestampNanos);
        }
        return out;
    }

    @Test
    void nothingIsCopiedUntilACaptureStartsAndOnlyTheSidesItAsksFor() {
        CaptureRing ring = new CaptureRing(RING, new Counters());
        ring.offer(CaptureRing.INSIDE, CaptureRing.RECEIVED, frame(1, 60), 0, 60, 1);
        assertThat(ring.wants(CaptureRing.INSIDE)).isFalse();
        ring.start(1 << CaptureRing.OUTSIDE);
        assertThat(drain(ring)).as("what waited before the start is skipped").isEmpty();
        assertThat(ring.wants(CaptureRing.INSIDE)).isFalse();
        assertThat(ring.wants(CaptureRing.OUTSIDE)).isTrue();
        ring.stop();
        assertThat(ring.wants(CaptureRing.OUTSIDE)).isFalse();
    }

    @Test
    void framesComeOutWholeAcrossManyWrapsAndAFullRingDropsAndCounts() {
        Counters counters = new Counters();
        CaptureRing ring = new CaptureRing(RING, counters);
        ring.start(3);
        // Frames of odd sizes, so records end everywhere and the end of the ring is skipped often.
        int sent = 0;
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < 5; i++) {
                int length = 60 + (round * 7919 + i * 104729) % 9000;
                ring.offer(i & 1, 1 + (i & 1), frame(sent, length), 0, length, sent);
                sent++;
            }
            List<String> got = drain(ring);
            assertThat(got).hasSize(5);
            assertThat(got).noneMatch(s -> s.contains("torn"));
            assertThat(got.getLast()).endsWith("@" + (sent - 1));
        }
        // Nobody reads: the ring fills, and the rest is dropped and counted.
        int offered = 0;
        while (counters.get("capture.dropped") == 0) {
            ring.offer(0, CaptureRing.RECEIVED, frame(7, 1500), 0, 1500, offered++);
        }
        for (int i = 0; i < 9; i++) {
            ring.offer(0, CaptureRing.RECEIVED, frame(7, 1500), 0, 1500, offered++);
        }
        List<String> kept = drain(ring);
        assertThat(kept.size() + ring.dropped()).isEqualTo(offered);
        assertThat(ring.dropped()).isEqualTo(10);
        assertThat(counters.get("capture.frames")).isEqualTo(1000 + kept.size());
    }

    @Test
    void aFrameLongerThanTheSnapLengthIsCutKeepingItsLength() {
        CaptureRing ring = new CaptureRing(RING, new Counters());
        ring.start(1);
        int length = CaptureRing.SNAP_LENGTH + 100;
        ring.offer(0, CaptureRing.SENT, frame(3, length), 0, length, 5);
        assertThat(drain(ring)).containsExactly("0/2 " + CaptureRing.SNAP_LENGTH + "/" + length + " #3 @5");
    }

    @Test
    void theDeviceCopiesWhatItReceivesAndSendsWhileACaptureRuns() {
        MemoryDevice.Pair link = MemoryDevice.pair("cap", 1500, 8, Offloads.NONE);
        CaptureRing ring = new CaptureRing(RING, new Counters());
        ManualClock clock = new ManualClock(1_000);
        LiveCaptureDevice dev = new LiveCaptureDevice(link.a(), ring, CaptureRing.OUTSIDE, clock);
        PacketBuffer out = Frames.buffer(new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
        FrameBatch batch = new FrameBatch(4);
        dev.transmit(out);
        link.b().send(new byte[] {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4});
        dev.receive(batch);
        assertThat(drain(ring)).as("no capture: nothing copied").isEmpty();

        ring.start(1 << CaptureRing.OUTSIDE);
        clock.advance(1);
        dev.transmit(out);
        link.b().send(new byte[] {4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4});
        link.b().send(new byte[] {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5});
        clock.advance(1);
        assertThat(dev.receive(batch)).isEqualTo(2);
        assertThat(drain(ring)).containsExactly("1/2 14/14 #9 @1001", "1/1 14/14 #4 @1002", "1/1 14/14 #5 @1002");
    }

    @Test
    void copyingFramesAllocatesNothingWhetherCapturingOrNot() {
        MemoryDevice.Pair link = MemoryDevice.pair("cap", 1500, 8, Offloads.NONE);
        CaptureRing ring = new CaptureRing(RING, new Counters());
        LiveCaptureDevice dev = new LiveCaptureDevice(link.a(), ring, CaptureRing.INSIDE, new EpochClock());
        PacketBuffer out = Frames.buffer(new byte[1000]);
        FrameBatch batch = new FrameBatch(4);
        CaptureRing.Frame f = new CaptureRing.Frame();
        Runnable step = () -> {
            dev.transmit(out);
            link.b().transmit(out);
            dev.receive(batch);
            link.b().receive(batch);
        };
        Allocations.assertSteadyStateAllocatesNothing("LiveCaptureDevice, no capture", step, 10_000);
        ring.start(1);
        Allocations.assertSteadyStateAllocatesNothing("LiveCaptureDevice, capturing, ring full", step, 10_000);
        Allocations.assertSteadyStateAllocatesNothing("LiveCaptureDevice, capturing and drained", () -> {
            step.run();
            ring.poll(f);
            ring.poll(f);
        }, 10_000);
        assertThat(ring.dropped()).isPositive();
    }

    @Test
    void tsharkReadsThePcapngWithBothInterfacesAndDirections() throws IOException, InterruptedException {
        if (!Tshark.available()) {
            System.out.println("SKIPPED: tshark is not installed");
        }
        Assumptions.assumeTrue(Tshark.available(), "tshark is not installed");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PcapngWriter writer = new PcapngWriter(bytes);
        writer.header("jnat test", new String[] {"inside", "outside"}, new String[] {"tap:jnat0", null});
        byte[] ping = Frames.ipv4(0x020000000001L, 0x020000000002L, 0xc0a8010a, 0xc6336401, 1, 64, 1, 0,
                Frames.echoRequest(7, 1, 21));
        writer.frame(0, 1_700_000_000_123_456_789L, ping, ping.length, ping.length, CaptureRing.RECEIVED);
        writer.frame(1, 1_700_000_000_223_456_789L, ping, 20, ping.length, CaptureRing.SENT);
        writer.flush();
        Path file = dir.resolve("live.pcapng");
        Files.write(file, bytes.toByteArray());
        Tshark.Result r = Tshark.run("-r", file.toString(), "-T", "fields", "-e", "frame.interface_name",
                "-e", "frame.interface_description", "-e", "frame.p2p_dir", "-e", "frame.len", "-e", "frame.cap_len",
                "-e", "frame.time_epoch", "-e", "icmp.type");
        assertThat(r.exitCode()).as(r.errors()).isZero();
        System.out.println(String.join("\n", r.lines()));
        assertThat(r.lines()).hasSize(2);
        assertThat(r.lines().get(0)).startsWith("inside\ttap:jnat0\t").contains("\t" + ping.length + "\t"
                + ping.length + "\t").contains("1700000000.123456789").endsWith("\t8");
        assertThat(r.lines().get(1)).startsWith("outside\t\t").contains("\t" + ping.length + "\t20\t")
                .contains("1700000000.223456789");
    }
}
