package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Clock;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A veth pair in a fresh namespace: the kernel owns the peer (10.78.0.1/24); the device under
 * test is bound to the other end, with no address, and plays 10.78.0.2 with a MAC that is not
 * the interface's own (so frames to it arrive only thanks to the promiscuous membership).
 */
class AfPacketDeviceTest {
    private static final long OUR_MAC = 0x02_00_00_00_00_22L;
    private static final int OUR_IP = TestFrames.ip("10.78.0.2");

    @RegisterExtension
    static final LinkFixture fixture = new LinkFixture("ping", "socat");
    private static TestNamespace lab;
    private static String ours;
    private static String peer;
    private static AfPacketDevice device;
    private static final Counters counters = new Counters();

    @BeforeAll
    static void openDevice() {
        lab = fixture.lab;
        LinkFixture.Veth veth = fixture.veth("lxa", "lxb", "10.78.0.1/24");
        ours = veth.ours();
        peer = veth.peer();
        device = fixture.open(() -> AfPacketDevice.open(ours, counters));
    }

    @Test
    void reportsTheInterface() {
        assertThat(device.name()).isEqualTo("afpacket:" + ours);
        assertThat(device.mtu()).isEqualTo(1500);
        String link = lab.inside("ip", "-d", "link", "show", ours);
        // The membership raises the promiscuity count; the user-visible PROMISC flag stays as it was.
        assertThat(link).contains("UP").contains("promiscuity 1");
        String mac = String.format("%012x", device.macAddress()).replaceAll("(..)(?!$)", "$1:");
        assertThat(link).contains("link/ether " + mac);
        assertThat(device.offloads().vnetHeader()).isFalse();
        assertThat(device.kernelDrops()).isZero();
    }

    /**
     * The peer's ping: its ARP requests arrive in the RX ring, our replies leave through the TX
     * ring, its echo requests (to a MAC that is not the interface's) arrive, and our echo replies
     * make ping succeed. Driven by the PollLoop, so poll wakes for ring frames too. None of our
     * own frames comes back.
     */
    @Test
    void peerPingIsAnsweredThroughTheRings() throws Exception {
        FrameBatch batch = new FrameBatch(32);
        PacketBuffer out = PacketBuffer.allocate();
        drain(device);
        int[] seen = new int[3]; // ARP requests, echo requests, our own frames
        Process ping = lab.start("ping", "-c", "3", "-i", "0.2", "-W", "5", "10.78.0.2");
        try (PollLoop loop = new PollLoop(List.of(device), Clock.system(), new PollLoop.Handler() {
            @Override
            public void onReadable(int deviceIndex, long nowNanos) {
                int n = device.receive(batch);
                for (int i = 0; i < n; i++) {
                    PacketBuffer in = batch.get(i);
                    MemorySegment f = in.segment();
                    if (TestFrames.mac(f, 6) == OUR_MAC) {
                        seen[2]++;
                    } else if (TestFrames.isArpRequestFor(f, in.length(), OUR_IP)) {
                        seen[0]++;
                        out.length(TestFrames.arpReply(f, out.segment(), OUR_MAC));
                        device.transmit(out);
                    } else if (TestFrames.isEchoRequest(f, in.length(), OUR_IP) && TestFrames.mac(f, 0) == OUR_MAC) {
                        seen[1]++;
                        in.length(TestFrames.echoReplyInPlace(f, in.length()));
                        device.transmit(in);
                    }
                }
            }

            @Override
            public long onTimers(long nowNanos) {
                return nowNanos + TimeUnit.MILLISECONDS.toNanos(50);
            }
        })) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (ping.isAlive() && System.nanoTime() < deadline) {
                loop.runOnce(Long.MAX_VALUE);
            }
        }
        String output = new String(ping.getInputStream().readAllBytes());
        assertThat(ping.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ping.exitValue()).as(output).isZero();
        assertThat(output).contains("3 received");
        assertThat(seen[0]).as("ARP requests").isPositive();
        assertThat(seen[1]).as("echo requests").isEqualTo(3);
        assertThat(seen[2]).as("our own frames read back").isZero();
        assertThat(counters.get("linux.afpacket." + ours + ".tx_frames")).isGreaterThanOrEqualTo(4);
    }

    @Test
    void framesWeSendArriveAtThePeerIntact() throws Exception {
        // A second AF_PACKET socket on the peer is the capture: it must see our frame byte for byte.
        AfPacketDevice capture = NetNamespace.call(lab.namespace, () -> AfPacketDevice.open(peer, new Counters()));
        try {
            PacketBuffer frame = PacketBuffer.allocate();
            MemorySegment f = frame.segment();
            TestFrames.mac(f, 0, 0xff_ff_ff_ff_ff_ffL);
            TestFrames.mac(f, 6, OUR_MAC);
            TestFrames.u16(f, 12, 0x88b5); // IEEE 802 local experimental EtherType
            for (int i = 14; i < 300; i++) {
                f.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            frame.length(300);
            // The peer's kernel sends ARP requests of its own: PACKET_IGNORE_OUTGOING keeps them out of `capture`.
            Process arp = lab.start("ping", "-c", "1", "-W", "1", "10.78.0.99");
            arp.waitFor(10, TimeUnit.SECONDS);
            assertThat(device.transmit(frame)).isTrue();
            device.flush();
            int sawOwn = 0;

            FrameBatch batch = new FrameBatch(8);
            PacketBuffer got = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got == null && System.nanoTime() < deadline) {
                int n = capture.receive(batch);
                for (int i = 0; i < n; i++) {
                    if (TestFrames.mac(batch.get(i).segment(), 6) == capture.macAddress()) {
                        sawOwn++;
                    }
                    if (TestFrames.u16(batch.get(i).segment(), 12) == 0x88b5) {
                        got = batch.get(i);
                    }
                }
                Thread.sleep(1);
            }
            assertThat(got).as("our frame at the peer").isNotNull();
            assertThat(sawOwn).as("frames the peer itself sent, read back by its own socket").isZero();
            assertThat(got.length()).isEqualTo(300);
            assertThat(got.segment().asSlice(0, 300).mismatch(f.asSlice(0, 300))).isEqualTo(-1);
        } finally {
            capture.close();
        }
    }

    /**
     * TCP from the peer's kernel over veth (TSO on): with PACKET_VNET_HDR the first flight arrives
     * as a TCPV4 super-packet with its offload fields; a socket without the header drops it and
     * counts it, and reports the SYN's partial checksum from TP_STATUS_CSUMNOTREADY.
     */
    @Test
    void tcpFromThePeerWithAndWithoutVnetHeader() throws Exception {
        Counters vnetCounters = new Counters();
        AfPacketDevice vnet = NetNamespace.call(lab.namespace, () -> AfPacketDevice.open(ours, true, vnetCounters));
        try {
            assertThat(vnet.offloads().vnetHeader()).isTrue();
            assertThat(vnet.offloads().partialChecksum()).isTrue();
            lab.inside("ip", "neigh", "replace", "10.78.0.2", "lladdr", "02:00:00:00:00:22", "dev", peer);
            long droppedBefore = counters.get("linux.afpacket." + ours + ".rx_gso_dropped");
            drain(device);
            lab.start("sh", "-c", "head -c 300000 /dev/zero | socat -u - TCP:10.78.0.2:5002,connect-timeout=5");
            FrameBatch batch = new FrameBatch(32);
            PacketBuffer out = PacketBuffer.allocate();
            PacketBuffer gso = null;
            boolean sawSyn = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (gso == null && System.nanoTime() < deadline) {
                int n = vnet.receive(batch);
                for (int i = 0; i < n && gso == null; i++) {
                    PacketBuffer in = batch.get(i);
                    MemorySegment f = in.segment();
                    if (TestFrames.isTcpSyn(f, in.length(), OUR_IP) && TestFrames.u16(f, 36) == 5002) {
                        sawSyn = true;
                        assertThat(in.flags & PacketBuffer.F_NEEDS_CSUM).isNotZero();
                        assertThat(in.checksumStart).isEqualTo(34);
                        assertThat(in.checksumOffset).isEqualTo(16);
                        out.length(TestFrames.synAck(f, out.segment(), OUR_MAC, 5_000_000));
                        assertThat(vnet.transmit(out)).isTrue();
                        vnet.flush();
                    } else if (TestFrames.isIpv4(f, in.length(), 6, OUR_IP) && in.gsoType != PacketBuffer.GSO_NONE) {
                        gso = in;
                    }
                }
                if (n == 0) {
                    Thread.sleep(1);
                }
            }
            assertThat(sawSyn).as("the SYN arrived").isTrue();
            assertThat(gso).as("a GSO super-packet arrived").isNotNull();
            System.out.printf("AF_PACKET GSO frame: length %d gsoType %d gsoSize %d headerLength %d csumStart %d csumOffset %d%n",
                    gso.length(), gso.gsoType, gso.gsoSize, gso.headerLength, gso.checksumStart, gso.checksumOffset);
            assertThat(gso.gsoType & 0x7f).isEqualTo(PacketBuffer.GSO_TCPV4);
            assertThat(gso.gsoSize).isEqualTo(1460);
            assertThat(gso.length()).isGreaterThan(1514);
            assertThat(gso.checksumStart).isEqualTo(34);

            // The plain socket saw the same traffic: the SYN with a derived partial checksum, the
            // super-packet dropped and counted.
            boolean plainSyn = false;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((!plainSyn || counters.get("linux.afpacket." + ours + ".rx_gso_dropped") == droppedBefore)
                    && System.nanoTime() < until) {
                int n = device.receive(batch);
                for (int i = 0; i < n; i++) {
                    PacketBuffer in = batch.get(i);
                    if (TestFrames.isTcpSyn(in.segment(), in.length(), OUR_IP) && TestFrames.u16(in.segment(), 36) == 5002) {
                        plainSyn = true;
                        assertThat(in.flags).isEqualTo(PacketBuffer.F_NEEDS_CSUM);
                        assertThat(in.checksumStart).isEqualTo(34);
                        assertThat(in.checksumOffset).isEqualTo(16);
                        assertThat(in.gsoType).isZero();
                    }
                    assertThat(in.length()).isLessThanOrEqualTo(1518);
                }
                Thread.sleep(1);
            }
            assertThat(plainSyn).isTrue();
            assertThat(counters.get("linux.afpacket." + ours + ".rx_gso_dropped")).isGreaterThan(droppedBefore);
        } finally {
            vnet.close();
            lab.inside("ip", "neigh", "del", "10.78.0.2", "dev", peer);
        }
    }

    /** A frame longer than the slot is counted and dropped, never handed over cut short. */
    @Test
    void framesLargerThanTheSlotAreCountedNotTruncated() throws Exception {
        drain(device);
        lab.inside("ip", "neigh", "replace", "10.78.0.2", "lladdr", "02:00:00:00:00:22", "dev", peer);
        String truncated = "linux.afpacket." + ours + ".rx_truncated";
        long before = counters.get(truncated);
        FrameBatch small = new FrameBatch(java.lang.foreign.Arena.ofAuto(), 4, 256);
        try {
            Process ping = lab.start("ping", "-c", "1", "-s", "1000", "-W", "1", "10.78.0.2");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (counters.get(truncated) == before && System.nanoTime() < deadline) {
                int n = device.receive(small);
                for (int i = 0; i < n; i++) {
                    assertThat(TestFrames.isEchoRequest(small.get(i).segment(), small.get(i).length(), OUR_IP))
                            .as("an echo request cut to the slot").isFalse();
                }
                Thread.sleep(1);
            }
            ping.waitFor(10, TimeUnit.SECONDS);
            assertThat(counters.get(truncated)).isEqualTo(before + 1);
        } finally {
            lab.inside("ip", "neigh", "del", "10.78.0.2", "dev", peer);
        }
    }

    /**
     * A link going down is survived (ENETDOWN is counted); a deleted interface makes the loop
     * stop with a sentence naming it.
     */
    @Test
    void aDownLinkIsSurvivedADeletedOneStopsTheLoop() throws Exception {
        String a = "lxc" + lab.suffix, b = "lxd" + lab.suffix;
        lab.inside("ip", "link", "add", a, "type", "veth", "peer", "name", b);
        Counters own = new Counters();
        AfPacketDevice doomed = NetNamespace.call(lab.namespace, () -> AfPacketDevice.open(a, own));
        try (PollLoop loop = new PollLoop(List.of(doomed), Clock.system(), TestHandler.idle())) {
            lab.inside("ip", "link", "set", a, "down");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (own.get("linux.afpacket." + a + ".rx_errors") == 0 && System.nanoTime() < deadline) {
                loop.runOnce(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
            }
            assertThat(own.get("linux.afpacket." + a + ".rx_errors")).isEqualTo(1);
            // Up again (the socket hooks back in), then gone for good.
            lab.inside("ip", "link", "set", a, "up");
            loop.runOnce(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
            lab.inside("ip", "link", "del", a);
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    loop.runOnce(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
                }
            }).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("device afpacket:" + a + " failed");
        } finally {
            doomed.close();
        }
    }

    private static void drain(AfPacketDevice d) throws InterruptedException {
        // Frames may still be landing from earlier tests: look twice.
        FrameBatch batch = new FrameBatch(64);
        for (int pass = 0; pass < 2; pass++) {
            while (d.receive(batch) > 0) {
                // discard what earlier tests left in the ring
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aMissingInterfaceIsNamed() {
        assertThatThrownBy(() -> NetNamespace.call(lab.namespace, () -> AfPacketDevice.open("lxnosuch0", counters)))
                .isInstanceOf(SystemCallException.class)
                .hasMessage("if_nametoindex(lxnosuch0) failed: ENODEV (No such device); "
                        + "no such interface lxnosuch0: create it or check the name (ip link show)");
    }
}
