package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TapDevice} receiving through {@link IoUring} against the same device reading with readv:
 * two TAPs in one namespace, the kernel sends the same burst of UDP datagrams out of each (a static
 * neighbor, so no ARP), and both must hand over the same frames in the same order.
 */
class IoUringTapTest {
    private static final String NEIGHBOR_MAC = "02:00:00:00:00:02";
    private static final int PORT = 7000;

    private static TestNamespace lab;
    private static TapDevice plain, uring, multishot;
    private static final Counters counters = new Counters();

    @BeforeAll
    static void openTaps() {
        TestNamespace.assumeRoot("python3");
        lab = TestNamespace.create();
        plain = open("lxr" + lab.suffix, "10.78.1.1/24", "10.78.1.2", TapDevice.IO_URING_OFF);
        uring = open("lxu" + lab.suffix, "10.78.2.1/24", "10.78.2.2", TapDevice.IO_URING_READV);
        multishot = open("lxm" + lab.suffix, "10.78.3.1/24", "10.78.3.2", TapDevice.IO_URING_MULTISHOT);
        String reason = uring.receivesWithIoUring() ? null : "io_uring_setup failed here (see the note above): nothing to test";
        if (reason != null) {
            System.out.println("SKIPPED: " + reason);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(reason == null, reason);
    }

    private static TapDevice open(String name, String address, String neighbor, int ioUring) {
        TapDevice tap = NetNamespace.call(lab.namespace, () -> TapDevice.open(name, 1500, TapDevice.ALL_OFFLOADS, counters, ioUring));
        lab.inside("ip", "addr", "add", address, "dev", name);
        lab.inside("ip", "neigh", "replace", neighbor, "lladdr", NEIGHBOR_MAC, "dev", name);
        return tap;
    }

    @AfterAll
    static void cleanUp() {
        for (TapDevice tap : new TapDevice[] {plain, uring, multishot}) {
            if (tap != null) {
                tap.close();
            }
        }
        if (lab != null) {
            lab.close();
        }
    }

    /** Sends {@code count} datagrams to {@code destination}:7000, payload "seq:padding" of varied length; waits. */
    private static void burst(String destination, int count, int oversizeAt) throws Exception {
        String script = "import socket\n"
                + "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                + "for i in range(" + count + "):\n"
                + "  n=1000 if i==" + oversizeAt + " else i%40\n"
                + "  s.sendto(b'%05d:' % i + b'x'*n, ('" + destination + "'," + PORT + "))\n";
        Process p = lab.start("python3", "-c", script);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    }

    /** Receives until {@code expected} test datagrams came or nothing arrives for a while; describes each. */
    private static List<String> receive(TapDevice tap, FrameBatch batch, int expected) throws Exception {
        List<String> seen = new ArrayList<>();
        int idle = 0;
        while (seen.size() < expected && idle < 2000) {
            int n = tap.receive(batch);
            if (n == 0) {
                idle++;
                Thread.sleep(1);
                continue;
            }
            idle = 0;
            for (int i = 0; i < n; i++) {
                PacketBuffer f = batch.get(i);
                MemorySegment s = f.segment();
                if (f.length() >= 48 && TestFrames.u16(s, 12) == 0x0800 && TestFrames.u8(s, 23) == 17
                        && TestFrames.u16(s, 14 + TestFrames.ihl(s) + 2) == PORT) {
                    int payload = 14 + TestFrames.ihl(s) + 8;
                    String seq = new String(s.asSlice(payload, 5).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    seen.add(seq + " len=" + f.length() + " flags=" + f.flags + " gso=" + f.gsoType
                            + " csum=" + f.checksumStart + "/" + f.checksumOffset);
                }
            }
        }
        return seen;
    }

    private static long counter(TapDevice tap, String name) {
        return counters.get("linux.tap." + tap.interfaceName() + "." + name);
    }

    @Test
    void aBurstArrivesInOrderAsWithReadv() throws Exception {
        burstInOrder(uring, "10.78.2.2");
    }

    @Test
    void aBurstArrivesInOrderAsWithReadvThroughAMultishotRead() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(multishot.receivesWithIoUring(), "no multishot read here");
        burstInOrder(multishot, "10.78.3.2");
    }

    private static void burstInOrder(TapDevice uring, String destination) throws Exception {
        int count = 500;
        FrameBatch batch = new FrameBatch(32);
        burst("10.78.1.2", count, -1);
        List<String> expected = receive(plain, batch, count);
        receive(uring, batch, Integer.MAX_VALUE); // drain (and arm the multishot read)
        long enters = counter(uring, "rx_uring_enters");
        long errors = counter(uring, "rx_errors");
        burst(destination, count, -1);
        List<String> got = receive(uring, batch, count);
        long used = counter(uring, "rx_uring_enters") - enters;

        assertThat(expected).hasSize(count);
        assertThat(got).containsExactlyElementsOf(expected);
        assertThat(counter(uring, "rx_errors")).isEqualTo(errors);
        // The point of the ring: several frames per system call when the queue holds many.
        System.out.println("io_uring: " + count + " frames in " + used + " io_uring_enter calls");
        assertThat(used).isLessThan(count / 2);
        // NOWAIT reads complete inline: the kernel never needed an io-wq worker thread to finish one.
        assertThat(threadNames()).noneMatch(n -> n.startsWith("iou-wrk"));
    }

    /** In multishot mode the loop polls the ring's descriptor: it must wake when frames were read. */
    @Test
    void thePollLoopWakesForAMultishotRead() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(multishot.receivesWithIoUring(), "no multishot read here");
        FrameBatch batch = new FrameBatch(32);
        receive(multishot, batch, Integer.MAX_VALUE);
        int[] got = new int[1];
        try (PollLoop loop = new PollLoop(List.of(multishot), org.jnat.runtime.Clock.system(), new PollLoop.Handler() {
            @Override
            public void onReadable(int deviceIndex, long nowNanos) {
                got[0] += multishot.receive(batch);
            }

            @Override
            public long onTimers(long nowNanos) {
                return Long.MAX_VALUE;
            }
        })) {
            for (int round = 0; round < 3; round++) {
                int before = got[0];
                burst("10.78.3.2", 50, -1);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (got[0] < before + 50 && System.nanoTime() < deadline) {
                    loop.runOnce(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
                }
                assertThat(got[0]).as("frames seen through poll, round %d", round).isGreaterThanOrEqualTo(before + 50);
                Thread.sleep(200); // the loop sleeps in poll when the next burst comes
            }
        }
    }

    @Test
    void anEmptyTapReturnsNothing() throws Exception {
        FrameBatch batch = new FrameBatch(32);
        receive(uring, batch, Integer.MAX_VALUE); // drain whatever the kernel sent (IPv6, ...)
        long frames = counter(uring, "rx_frames");
        for (int i = 0; i < 50; i++) {
            int n = uring.receive(batch);
            // A stray kernel frame (router solicitation) may still come; a test datagram may not.
            assertThat(n).isLessThanOrEqualTo(1);
        }
        assertThat(counter(uring, "rx_frames") - frames).isLessThanOrEqualTo(2);
    }

    @Test
    void aFrameLargerThanTheSlotIsCountedAndTheOthersKeepTheirOrder() throws Exception {
        FrameBatch small = new FrameBatch(Arena.ofAuto(), 32, 256);
        receive(uring, small, Integer.MAX_VALUE);
        long truncated = counter(uring, "rx_truncated");
        burst("10.78.2.2", 100, 37);
        List<String> got = receive(uring, small, 99);
        assertThat(counter(uring, "rx_truncated")).isEqualTo(truncated + 1);
        assertThat(got).hasSize(99);
        List<String> seqs = got.stream().map(s -> s.substring(0, 5)).toList();
        List<String> want = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            if (i != 37) {
                want.add(String.format("%05d", i));
            }
        }
        assertThat(seqs).containsExactlyElementsOf(want);
    }

    private static List<String> threadNames() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(t -> {
                try {
                    return Files.readString(t.resolve("comm")).trim();
                } catch (IOException e) {
                    return "";
                }
            }).toList();
        }
    }
}
