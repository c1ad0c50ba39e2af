package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real TAP in a fresh namespace: the kernel side gets 10.77.0.1/24, the test plays 10.77.0.2
 * with hand-built frames.
 */
class TapDeviceTest {
    private static final long OUR_MAC = 0x02_00_00_00_00_02L;
    private static final int KERNEL_IP = TestFrames.ip("10.77.0.1");
    private static final int OUR_IP = TestFrames.ip("10.77.0.2");

    @RegisterExtension
    static final LinkFixture fixture = new LinkFixture("ping", "socat", "ss");
    private static TestNamespace lab;
    private static TapDevice tap;
    private static final Counters counters = new Counters();

    @BeforeAll
    static void openTap() {
        lab = fixture.lab;
        tap = fixture.tap("lxt", "10.77.0.1/24", counters);
    }

    @Test
    void opensWithVnetHeaderAndOffloads() {
        assertThat(tap.name()).startsWith("tap:lxt");
        assertThat(tap.fd()).isGreaterThan(2);
        assertThat(tap.mtu()).isEqualTo(1500);
        assertThat(tap.offloads().vnetHeader()).isTrue();
        assertThat(tap.receiveOffloadFlags() & TapDevice.TUN_F_CSUM).isNotZero();
        assertThat(tap.macAddress()).isEqualTo(-1);
        String link = lab.inside("ip", "link", "show", tap.interfaceName());
        assertThat(link).contains("UP").contains("mtu 1500").contains("qlen " + TapDevice.QUEUE_LENGTH);
        System.out.println("TAP offloads accepted by the kernel: 0x" + Integer.toHexString(tap.receiveOffloadFlags()));
    }

    @Test
    void kernelPingIsAnsweredThroughTheTap() throws Exception {
        drain();
        Process ping = lab.start("ping", "-c", "3", "-i", "0.2", "-W", "5", "10.77.0.2");
        FrameBatch batch = new FrameBatch(16);
        PacketBuffer out = PacketBuffer.allocate();
        int arpRequests = 0, echoRequests = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (ping.isAlive() && System.nanoTime() < deadline) {
            int n = tap.receive(batch);
            for (int i = 0; i < n; i++) {
                PacketBuffer in = batch.get(i);
                MemorySegment f = in.segment();
                if (TestFrames.isArpRequestFor(f, in.length(), OUR_IP)) {
                    arpRequests++;
                    assertThat(in.hasOffload()).isFalse();
                    out.length(TestFrames.arpReply(f, out.segment(), OUR_MAC));
                    assertThat(tap.transmit(out)).isTrue();
                } else if (TestFrames.isEchoRequest(f, in.length(), OUR_IP)) {
                    echoRequests++;
                    in.length(TestFrames.echoReplyInPlace(f, in.length()));
                    in.clearOffload();
                    assertThat(tap.transmit(in)).isTrue();
                }
            }
            if (n == 0) {
                Thread.sleep(1);
            }
        }
        String output = new String(ping.getInputStream().readAllBytes());
        assertThat(ping.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ping.exitValue()).as(output).isZero();
        assertThat(output).contains("3 received");
        assertThat(arpRequests).isPositive();
        assertThat(echoRequests).isEqualTo(3);
        assertThat(counters.get("linux.tap." + tap.interfaceName() + ".tx_frames")).isGreaterThanOrEqualTo(4);
    }

    /**
     * A TCP connection from the kernel: the SYN arrives with a partial checksum, and once the
     * handshake is done the first flight arrives as a TCPV4 GSO super-packet.
     */
    @Test
    void kernelTcpArrivesWithPartialChecksumAndAsGsoSuperPackets() throws Exception {
        lab.start("sh", "-c", "head -c 300000 /dev/zero | socat -u - TCP:10.77.0.2:5001,connect-timeout=5");
        FrameBatch batch = new FrameBatch(16);
        PacketBuffer out = PacketBuffer.allocate();
        boolean sawSyn = false;
        PacketBuffer gso = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (gso == null && System.nanoTime() < deadline) {
            int n = tap.receive(batch);
            for (int i = 0; i < n && gso == null; i++) {
                PacketBuffer in = batch.get(i);
                MemorySegment f = in.segment();
                if (TestFrames.answerArp(tap, in, out, OUR_IP, OUR_MAC)) {
                    continue;
                }
                if (TestFrames.isTcpSyn(f, in.length(), OUR_IP) && TestFrames.u16(f, 36) == 5001) {
                    sawSyn = true;
                    int ihl = TestFrames.ihl(f);
                    assertThat(in.flags & PacketBuffer.F_NEEDS_CSUM).isNotZero();
                    assertThat(in.checksumStart).isEqualTo(14 + ihl);
                    assertThat(in.checksumOffset).isEqualTo(16);
                    assertThat(in.gsoType).isEqualTo(PacketBuffer.GSO_NONE);
                    out.clearOffload();
                    out.length(TestFrames.synAck(f, out.segment(), OUR_MAC, 1_000_000));
                    assertThat(tap.transmit(out)).isTrue();
                } else if (TestFrames.isIpv4(f, in.length(), 6, OUR_IP) && in.gsoType != PacketBuffer.GSO_NONE) {
                    gso = in;
                }
            }
            if (n == 0) {
                Thread.sleep(1);
            }
        }
        assertThat(sawSyn).as("a SYN to 10.77.0.2:5001 arrived").isTrue();
        assertThat(gso).as("a GSO super-packet arrived").isNotNull();
        System.out.printf("GSO frame: length %d gsoType %d gsoSize %d headerLength %d csumStart %d csumOffset %d flags %d%n",
                gso.length(), gso.gsoType, gso.gsoSize, gso.headerLength, gso.checksumStart, gso.checksumOffset, gso.flags);
        assertThat(gso.gsoType & 0x7f).isEqualTo(PacketBuffer.GSO_TCPV4);
        assertThat(gso.gsoSize).isEqualTo(1460);
        assertThat(gso.length()).isGreaterThan(1514);
        assertThat(gso.flags & PacketBuffer.F_NEEDS_CSUM).isNotZero();
        assertThat(gso.checksumStart).isEqualTo(34);
        assertThat(gso.checksumOffset).isEqualTo(16);
        assertThat(gso.headerLength).isBetween(54, 54 + 40);
        // The IPv4 total length of a super-packet covers the whole payload.
        assertThat(TestFrames.u16(gso.segment(), 16)).isEqualTo(gso.length() - 14);
    }

    /**
     * Transmit offload: a UDP datagram with NEEDS_CSUM and only the pseudo-header sum in its
     * checksum field is delivered; the same bytes without the flag are a bad checksum and are
     * dropped by the kernel; a fully checksummed one is delivered.
     */
    @Test
    void kernelHonoursAPartialChecksumOnTransmit() throws Exception {
        long kernelMac = Long.parseLong(lab.inside("cat", "/sys/class/net/" + tap.interfaceName() + "/address")
                .trim().replace(":", ""), 16);
        Process receiver = lab.start("socat", "-u", "UDP-RECV:6000", "STDOUT");
        long bound = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!lab.inside("ss", "-Huln").contains(":6000") && System.nanoTime() < bound) {
            Thread.sleep(10);
        }
        PacketBuffer frame = PacketBuffer.allocate();
        send(frame, kernelMac, "bad-sum\n", false, false);
        send(frame, kernelMac, "partial-ok\n", true, false);
        send(frame, kernelMac, "full-ok\n", false, true);
        StringBuilder got = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!got.toString().contains("full-ok") && System.nanoTime() < deadline) {
            while (receiver.getInputStream().available() > 0) {
                got.append((char) receiver.getInputStream().read());
            }
            Thread.sleep(5);
        }
        assertThat(got.toString()).isEqualTo("partial-ok\nfull-ok\n");
    }

    private static void send(PacketBuffer frame, long kernelMac, String text, boolean partial, boolean full) {
        MemorySegment f = frame.segment();
        byte[] payload = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int udpLength = 8 + payload.length;
        f.asSlice(0, 42).fill((byte) 0);
        TestFrames.mac(f, 0, kernelMac);
        TestFrames.mac(f, 6, OUR_MAC);
        TestFrames.u16(f, 12, 0x0800);
        f.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 14, (byte) 0x45);
        TestFrames.u16(f, 16, 20 + udpLength);
        f.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 22, (byte) 64);
        f.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 23, (byte) 17);
        TestFrames.u32(f, 26, OUR_IP);
        TestFrames.u32(f, 30, KERNEL_IP);
        TestFrames.u16(f, 24, TestFrames.checksum(f, 14, 20));
        TestFrames.u16(f, 34, 40000);
        TestFrames.u16(f, 36, 6000);
        TestFrames.u16(f, 38, udpLength);
        MemorySegment.copy(payload, 0, f, java.lang.foreign.ValueLayout.JAVA_BYTE, 42, payload.length);
        int pseudo = TestFrames.sum(f, 26, 8, 17 + udpLength);
        frame.length(42 + payload.length);
        frame.clearOffload();
        if (full) {
            int sum = ~TestFrames.sum(f, 34, udpLength, pseudo) & 0xffff; // the field is still 0 here
            TestFrames.u16(f, 40, sum == 0 ? 0xffff : sum); // RFC 768: a computed 0 is sent as all ones
        } else {
            TestFrames.u16(f, 40, pseudo);
        }
        if (partial) {
            frame.flags = PacketBuffer.F_NEEDS_CSUM;
            frame.checksumStart = 34;
            frame.checksumOffset = 6;
        }
        assertThat(tap.transmit(frame)).isTrue();
    }

    /** Discards frames left in the TAP's queue by earlier tests. */
    private static void drain() {
        FrameBatch batch = new FrameBatch(64);
        while (tap.receive(batch) > 0) {
            // discard
        }
    }

    /**
     * Without receive offloads the kernel completes checksums and segments before handing frames
     * over: the SYN carries a valid checksum and no data frame is larger than the MTU.
     */
    @Test
    void withoutOffloadsTheKernelSendsCompleteWireSizedFrames() throws Exception {
        String name = "lxu" + lab.suffix;
        int ourIp = TestFrames.ip("10.77.1.2");
        try (TapDevice plain = NetNamespace.call(lab.namespace, () -> TapDevice.open(name, 0, 0, new Counters()))) {
            assertThat(plain.receiveOffloadFlags()).isZero();
            assertThat(plain.offloads().udpSegmentation()).isFalse();
            lab.inside("ip", "addr", "add", "10.77.1.1/24", "dev", name);
            lab.inside("ip", "neigh", "replace", "10.77.1.2", "lladdr", "02:00:00:00:00:02", "dev", name);
            lab.start("sh", "-c", "head -c 300000 /dev/zero | socat -u - TCP:10.77.1.2:5003,connect-timeout=5");
            FrameBatch batch = new FrameBatch(16);
            PacketBuffer out = PacketBuffer.allocate();
            int dataFrames = 0;
            boolean sawSyn = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (dataFrames < 10 && System.nanoTime() < deadline) {
                int n = plain.receive(batch);
                for (int i = 0; i < n; i++) {
                    PacketBuffer in = batch.get(i);
                    MemorySegment f = in.segment();
                    if (!TestFrames.isIpv4(f, in.length(), 6, ourIp)) {
                        continue;
                    }
                    assertThat(in.gsoType).isZero();
                    assertThat(in.flags & PacketBuffer.F_NEEDS_CSUM).isZero();
                    assertThat(in.length()).isLessThanOrEqualTo(1514);
                    int tcpLength = TestFrames.u16(f, 16) - 20;
                    int pseudo = TestFrames.sum(f, 26, 8, 6 + tcpLength);
                    assertThat(TestFrames.sum(f, 34, tcpLength, pseudo)).as("TCP checksum verifies").isEqualTo(0xffff);
                    if (TestFrames.isTcpSyn(f, in.length(), ourIp)) {
                        sawSyn = true;
                        out.clearOffload();
                        out.length(TestFrames.synAck(f, out.segment(), 0x02_00_00_00_00_02L, 7_000_000));
                        assertThat(plain.transmit(out)).isTrue();
                    } else if (tcpLength > 20) {
                        dataFrames++;
                    }
                }
                if (n == 0) {
                    Thread.sleep(1);
                }
            }
            assertThat(sawSyn).isTrue();
            assertThat(dataFrames).isEqualTo(10);
        }
    }

    /** A frame longer than the slot is counted and dropped, never handed over cut short. */
    @Test
    void framesLargerThanTheSlotAreCountedNotTruncated() throws Exception {
        drain();
        lab.inside("ip", "neigh", "replace", "10.77.0.2", "lladdr", "02:00:00:00:00:02", "dev", tap.interfaceName());
        String truncated = "linux.tap." + tap.interfaceName() + ".rx_truncated";
        long before = counters.get(truncated);
        FrameBatch small = new FrameBatch(java.lang.foreign.Arena.ofAuto(), 4, 256);
        Process ping = lab.start("ping", "-c", "1", "-s", "1000", "-W", "1", "10.77.0.2");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (counters.get(truncated) == before && System.nanoTime() < deadline) {
            int n = tap.receive(small);
            for (int i = 0; i < n; i++) {
                assertThat(TestFrames.isEchoRequest(small.get(i).segment(), small.get(i).length(), OUR_IP))
                        .as("an echo request cut to the slot").isFalse();
            }
            Thread.sleep(1);
        }
        ping.waitFor(10, TimeUnit.SECONDS);
        lab.inside("ip", "neigh", "del", "10.77.0.2", "dev", tap.interfaceName());
        assertThat(counters.get(truncated)).isEqualTo(before + 1);
    }

    /** A TAP deleted under the router makes the loop stop with a sentence naming it. */
    @Test
    void aDeletedTapStopsTheLoopWithItsName() {
        String name = "lxd" + lab.suffix;
        try (TapDevice doomed = NetNamespace.call(lab.namespace, () -> TapDevice.open(name, new Counters()));
             PollLoop loop = new PollLoop(java.util.List.of(doomed), org.jnat.runtime.Clock.system(), TestHandler.idle())) {
            lab.inside("ip", "link", "del", name);
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    loop.runOnce(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
                }
            }).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("device tap:" + name + " failed")
                    .hasMessageContaining("check that the interface still exists");
        }
    }

    @Test
    void openingTheSameTapTwiceSaysItIsBusy() {
        assertThatThrownBy(() -> NetNamespace.call(lab.namespace, () -> TapDevice.open(tap.interfaceName(), counters)))
                .isInstanceOf(SystemCallException.class)
                .hasMessageContaining("ioctl(TUNSETIFF, " + tap.interfaceName() + ") failed: EBUSY (Device or resource busy)")
                .hasMessageContaining("already open in another process");
    }

    @Test
    void anExistingNonTapNameIsRefused() {
        assertThatThrownBy(() -> NetNamespace.call(lab.namespace, () -> TapDevice.open("lo", counters)))
                .isInstanceOf(SystemCallException.class)
                .hasMessageContaining("EINVAL")
                .hasMessageContaining("lo exists and is not a TAP device");
    }

    @Test
    void aMissingNamespaceIsNamed() {
        assertThatThrownBy(() -> NetNamespace.call("lxnosuchns", () -> 1))
                .isInstanceOf(SystemCallException.class)
                .hasMessageContaining("ENOENT")
                .hasMessageContaining("no network namespace lxnosuchns: create it with ip netns add lxnosuchns");
    }
}
