package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.jnat.device.CaptureRing;
import org.jnat.device.EpochClock;
import org.jnat.device.FrameBatch;
import org.jnat.device.LiveCaptureDevice;
import org.jnat.device.NetDevice;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Allocations;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packet path allocates nothing: a flood ping from a kernel answered through each device,
 * measured with the thread's allocation counter after a warm-up. Slow (tens of thousands of
 * round trips), hence an IT.
 */
class SteadyStateAllocationIT {
    private static final int OUR_IP = TestFrames.ip("10.79.0.2");

    @RegisterExtension
    static final LinkFixture fixture = new LinkFixture("ping");
    private static TestNamespace lab;
    private static TapDevice tap;
    private static AfPacketDevice afPacket;
    private static AfPacketDevice afPacketVnet;
    private static final Counters counters = new Counters();

    @BeforeAll
    static void open() {
        Allocations.assumeMeasurable(); // else every reading is -1 and every window 0 bytes
        Allocations.assertCounterSeesAllocation();
        lab = fixture.lab;
        String tapName = "lxt" + lab.suffix;
        tap = fixture.open(() -> TapDevice.open(tapName, counters));
        // Two subnets so each ping leaves through its own device; static neighbors, so no ARP.
        LinkFixture.Veth veth = fixture.veth("lxa", "lxb", "10.80.0.1/24");
        afPacket = fixture.open(() -> AfPacketDevice.open(veth.ours(), counters));
        lab.inside("ip", "addr", "add", "10.79.0.1/24", "dev", tapName);
        lab.inside("ip", "neigh", "replace", "10.79.0.2", "lladdr", "02:00:00:00:00:02", "dev", tapName);
        lab.inside("ip", "neigh", "replace", "10.80.0.2", "lladdr", "02:00:00:00:00:02", "dev", veth.peer());
        // With the vnet header, and an MTU raised after opening, so that the echo replies (4042
        // bytes) no longer fit a TX slot (2 KiB at MTU 1500) and take the send socket instead.
        String vnetOurs = "lxc" + lab.suffix;
        String vnetPeer = "lxd" + lab.suffix;
        lab.inside("ip", "link", "add", vnetOurs, "type", "veth", "peer", "name", vnetPeer);
        afPacketVnet = fixture.open(() -> AfPacketDevice.open(vnetOurs, true, counters));
        lab.inside("ip", "link", "set", vnetOurs, "mtu", "9000");
        lab.inside("ip", "link", "set", vnetPeer, "mtu", "9000", "up");
        lab.inside("ip", "addr", "add", "10.81.0.1/24", "dev", vnetPeer);
        lab.inside("ip", "neigh", "replace", "10.81.0.2", "lladdr", "02:00:00:00:00:02", "dev", vnetPeer);
    }

    @Test
    void tapReceiveAndTransmit() throws Exception {
        assertNoAllocation(tap, OUR_IP, "10.79.0.2");
    }

    /** The TAP again, with a live capture copying both directions into its ring, read as it fills. */
    @Test
    void tapWithALiveCaptureRunning() throws Exception {
        CaptureRing ring = new CaptureRing(1 << 22, counters);
        CaptureRing.Frame frame = new CaptureRing.Frame();
        ring.start(1 << CaptureRing.INSIDE);
        try {
            assertNoAllocation(new LiveCaptureDevice(tap, ring, CaptureRing.INSIDE, new EpochClock()), tap, OUR_IP,
                    "10.79.0.2", "56", () -> {
                        while (ring.poll(frame)) {
                            // the capture reader's side, on this thread for the test
                        }
                    });
        } finally {
            ring.stop();
        }
        assertThat(counters.get("capture.frames")).isGreaterThanOrEqualTo(60_000);
    }

    @Test
    void afPacketReceiveTransmitAndFlush() throws Exception {
        assertNoAllocation(afPacket, TestFrames.ip("10.80.0.2"), "10.80.0.2");
    }

    @Test
    void afPacketWithVnetHeaderAndFramesLargerThanATxSlot() throws Exception {
        String large = "linux.afpacket.lxc" + lab.suffix + ".tx_large";
        assertNoAllocation(afPacketVnet, TestFrames.ip("10.81.0.2"), "10.81.0.2", "4000");
        assertThat(counters.get(large)).isGreaterThanOrEqualTo(30_000);
    }

    private static void assertNoAllocation(PollableDevice device, int ourIp, String target) throws Exception {
        assertNoAllocation(device, ourIp, target, "56");
    }

    private static void assertNoAllocation(PollableDevice device, int ourIp, String target, String size) throws Exception {
        assertNoAllocation(device, device, ourIp, target, size, () -> { });
    }

    /** {@code device} answers (it may wrap {@code polled}, which is flushed); {@code alongside} runs after each batch. */
    private static void assertNoAllocation(NetDevice device, PollableDevice polled, int ourIp, String target, String size,
                                           Runnable alongside) throws Exception {
        Process ping = lab.start("ping", "-f", "-q", "-l", "64", "-s", size, "-c", "500000", "-W", "1", target);
        try {
            FrameBatch batch = new FrameBatch(64);
            long thread = Thread.currentThread().threadId();
            int[] answered = new int[1];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (answered[0] < 30_000 && System.nanoTime() < deadline && ping.isAlive()) {
                answerEchoes(device, polled, ourIp, batch, answered);
                alongside.run();
            }
            // Steady state: some window of 10000 answers allocates nothing. (One window may catch
            // the JIT recompiling; an allocation per packet or per burst fails every window.)
            long[] allocated = new long[5];
            for (int w = 0; w < allocated.length; w++) {
                long before = Allocations.allocatedSoFar(thread);
                int start = answered[0];
                while (answered[0] < start + 10_000 && System.nanoTime() < deadline && ping.isAlive()) {
                    answerEchoes(device, polled, ourIp, batch, answered);
                alongside.run();
                }
                allocated[w] = Allocations.allocatedSoFar(thread) - before;
                assertThat(answered[0] - start).as("echo requests answered on %s, counters %s", device.name(),
                        counters.snapshot()).isGreaterThanOrEqualTo(10_000);
                if (allocated[w] == 0) {
                    break;
                }
            }
            assertThat(allocated).as("bytes allocated per window of 10000 echo answers on %s", device.name())
                    .contains(0L);
        } finally {
            ping.destroy();
        }
    }

    private static void answerEchoes(NetDevice device, PollableDevice polled, int ourIp, FrameBatch batch,
                                     int[] answered) {
        int n = device.receive(batch);
        for (int i = 0; i < n; i++) {
            PacketBuffer in = batch.get(i);
            if (TestFrames.isEchoRequest(in.segment(), in.length(), ourIp)) {
                in.length(TestFrames.echoReplyInPlace(in.segment(), in.length()));
                in.clearOffload();
                if (device.transmit(in)) {
                    answered[0]++;
                }
            }
        }
        polled.flush();
    }
}
