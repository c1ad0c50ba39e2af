package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link AfPacketDevice} with PACKET_VNET_HDR on one end of a veth pair in a fresh namespace; the
 * kernel owns the other end (10.78.0.1/24), the test plays 10.78.0.2. Super-packets the test
 * sends leave whole when the interface has TSO (the peer counts one frame for 60 000 bytes) and
 * are cut by the kernel's software GSO when it has not (the peer counts wire-sized segments);
 * either way the peer's TCP receives every byte. UDP_L4 super-packets likewise become separate
 * datagrams. GRO, which the device turns on, coalesces a peer's wire-sized segments into
 * super-packets that arrive with their virtio_net_hdr.
 */
class AfPacketOffloadTest {
    private static final long OUR_MAC = 0x02_00_00_00_00_33L;
    private static final int OUR_IP = TestFrames.ip("10.78.0.2");
    private static final int PEER_IP = TestFrames.ip("10.78.0.1");

    @RegisterExtension
    static final LinkFixture fixture = new LinkFixture("socat", "ethtool");
    private static TestNamespace lab;
    private static String ours;
    private static String peer;
    private static long peerMac;
    private static AfPacketDevice device;
    private static final Counters counters = new Counters();

    @BeforeAll
    static void openDevice() {
        lab = fixture.lab;
        LinkFixture.Veth veth = fixture.veth("lxo", "lxp", "10.78.0.1/24");
        ours = veth.ours();
        peer = veth.peer();
        lab.inside("ip", "neigh", "replace", "10.78.0.2", "lladdr", "02:00:00:00:00:33", "dev", peer);
        // Off, so that opening the device has something to turn on.
        lab.inside("ethtool", "-K", ours, "gro", "off");
        String link = lab.inside("ip", "-o", "link", "show", peer);
        String hex = link.substring(link.indexOf("link/ether ") + 11).substring(0, 17).replace(":", "");
        peerMac = Long.parseLong(hex, 16);
        device = fixture.open(() -> AfPacketDevice.open(ours, true, counters));
    }

    /** The running kernel's release as {@code uname -r} prints it: not read through {@link KernelRelease}. */
    private static final String UNAME = uname();
    /**
     * Whether the kernel takes UDP_L4 super-packets in a vnet header (Linux 6.2 and later), worked
     * out here from {@code uname -r} with a parser of the test's own, so that a fault in
     * {@link KernelRelease} or in the device's choice shows instead of being shared by the expectation.
     */
    private static final boolean KERNEL_TAKES_UDP_L4 = atLeast62(UNAME);

    private static String uname() {
        try {
            Process p = new ProcessBuilder("uname", "-r").start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
            p.waitFor();
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean atLeast62(String release) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) {
            throw new IllegalStateException("uname -r printed " + release);
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 6 || (major == 6 && minor >= 2);
    }

    @Test
    void opensWithTheVnetHeaderAndTurnsGroOn() {
        assertThat(device.offloads().vnetHeader()).isTrue();
        assertThat(device.offloads().partialChecksum()).isTrue();
        assertThat(device.offloads().tcpSegmentation()).isTrue();
        assertThat(device.offloads().udpSegmentation()).as("UDP segmentation on Linux %s", UNAME)
                .isEqualTo(KERNEL_TAKES_UDP_L4);
        assertThat(lab.inside("ethtool", "-k", ours)).contains("generic-receive-offload: on");
        assertThat(device.setupNote()).contains("turned GRO on for " + ours).contains("turned off again when jnat stops");
    }

    @Test
    void closingTurnsOffTheGroItTurnedOnAndLeavesAGroItFoundOnAlone() {
        String other = "lxg" + lab.suffix;
        lab.inside("ip", "link", "add", other, "type", "veth", "peer", "name", "lxh" + lab.suffix);
        lab.inside("ethtool", "-K", other, "gro", "off");
        AfPacketDevice second = NetNamespace.call(lab.namespace, () -> AfPacketDevice.open(other, true, new Counters()));
        assertThat(lab.inside("ethtool", "-k", other)).contains("generic-receive-offload: on");
        second.close();
        assertThat(lab.inside("ethtool", "-k", other)).contains("generic-receive-offload: off");

        // On already (the user's choice): opening says nothing about GRO and closing keeps it on.
        lab.inside("ethtool", "-K", other, "gro", "on");
        AfPacketDevice third = NetNamespace.call(lab.namespace, () -> AfPacketDevice.open(other, true, new Counters()));
        assertThat(third.setupNote()).isNull();
        third.close();
        assertThat(lab.inside("ethtool", "-k", other)).contains("generic-receive-offload: on");
    }

    @Test
    void aTcpSuperPacketLeavesWholeWithTsoAndSegmentedWithout() throws Exception {
        String prefix = "linux.afpacket." + ours + ".";
        long gsoBefore = counters.get(prefix + "tx_gso");
        long largeBefore = counters.get(prefix + "tx_large");
        long[] whole = tcpSuperPacket(5011, 60_000);
        System.out.printf("TSO on: the peer received %d bytes in %d frames%n", whole[0], whole[1]);
        assertThat(whole[0]).isEqualTo(60_000);
        // SYN, ACK, the super-packet, FIN: the 60 000 bytes crossed the veth as one frame.
        assertThat(whole[1]).isLessThan(10);

        lab.inside("ethtool", "-K", ours, "tso", "off");
        try {
            long[] cut = tcpSuperPacket(5012, 60_000);
            System.out.printf("TSO off: the peer received %d bytes in %d frames%n", cut[0], cut[1]);
            assertThat(cut[0]).isEqualTo(60_000);
            // 60 000 / 1448 = 42 segments, cut by the kernel's software GSO.
            assertThat(cut[1]).isGreaterThanOrEqualTo(42);
        } finally {
            lab.inside("ethtool", "-K", ours, "tso", "on");
        }
        assertThat(counters.get(prefix + "tx_gso") - gsoBefore).isEqualTo(2);
        assertThat(counters.get(prefix + "tx_large") - largeBefore).isEqualTo(2);
        assertThat(counters.get(prefix + "tx_errors")).isZero();
    }

    @Test
    void aUdpSuperPacketBecomesSeparateDatagrams() throws Exception {
        boolean uso = KERNEL_TAKES_UDP_L4;
        if (!uso) {
            System.out.println("SKIPPED: UDP_L4 in the vnet header needs Linux 6.2, this is " + UNAME);
        }
        Assumptions.assumeTrue(uso, "UDP_L4 in the vnet header needs Linux 6.2");
        PacketBuffer out = PacketBuffer.allocate();
        // No one listens on the port: every datagram the peer's UDP sees counts as NoPorts.
        long before = udpNoPorts();
        sendUdpSuperPacket(out, 5021);
        long whole = awaitNoPorts(before, 1) - before;
        lab.inside("ethtool", "-K", ours, "tx-udp-segmentation", "off");
        try {
            long middle = udpNoPorts();
            sendUdpSuperPacket(out, 5022);
            long cut = awaitNoPorts(middle, 10) - middle;
            System.out.printf("UDP_L4 super-packet of 10 x 1000 bytes: %d datagram(s) with USO, %d without%n", whole, cut);
            assertThat(whole).isEqualTo(1);
            assertThat(cut).isEqualTo(10);
        } finally {
            lab.inside("ethtool", "-K", ours, "tx-udp-segmentation", "on");
        }
    }

    /**
     * A peer without TSO sends wire-sized segments; GRO on our interface (turned on by open)
     * coalesces them, and the device hands over a TCPV4 super-packet with its header.
     */
    @Test
    void groCoalescesAPeersSegmentsIntoSuperPackets() throws Exception {
        lab.inside("ethtool", "-K", peer, "tso", "off", "gso", "off");
        try {
            drain();
            lab.start("sh", "-c", "head -c 300000 /dev/zero | socat -u - TCP:10.78.0.2:5031,connect-timeout=5");
            FrameBatch batch = new FrameBatch(32);
            PacketBuffer out = PacketBuffer.allocate();
            PacketBuffer gso = null;
            int largestPlain = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (gso == null && System.nanoTime() < deadline) {
                int n = device.receive(batch);
                for (int i = 0; i < n && gso == null; i++) {
                    PacketBuffer in = batch.get(i);
                    MemorySegment f = in.segment();
                    if (TestFrames.isTcpSyn(f, in.length(), OUR_IP) && TestFrames.u16(f, 36) == 5031) {
                        out.clearOffload();
                        out.length(TestFrames.synAck(f, out.segment(), OUR_MAC, 7_000_000));
                        assertThat(device.transmit(out)).isTrue();
                        device.flush();
                    } else if (TestFrames.isIpv4(f, in.length(), 6, OUR_IP) && TestFrames.u16(f, 36) == 5031) {
                        if (in.gsoType != PacketBuffer.GSO_NONE) {
                            gso = in;
                        } else {
                            largestPlain = Math.max(largestPlain, in.length());
                        }
                    }
                }
                if (n == 0) {
                    Thread.sleep(1);
                }
            }
            assertThat(gso).as("a super-packet coalesced by GRO (largest plain frame %d)", largestPlain).isNotNull();
            System.out.printf("GRO super-packet: length %d gsoType %d gsoSize %d flags %d csumStart %d%n",
                    gso.length(), gso.gsoType, gso.gsoSize, gso.flags, gso.checksumStart);
            assertThat(gso.gsoType & 0x7f).isEqualTo(PacketBuffer.GSO_TCPV4);
            assertThat(gso.length()).isGreaterThan(1514);
            assertThat(gso.gsoSize).isBetween(1, 1460);
            // A coalesced packet's checksum is left partial (tcp_gro_complete).
            assertThat(gso.flags & PacketBuffer.F_NEEDS_CSUM).isNotZero();
            assertThat(gso.checksumStart).isEqualTo(34);
            assertThat(gso.checksumOffset).isEqualTo(16);
        } finally {
            lab.inside("ethtool", "-K", peer, "tso", "on", "gso", "on");
        }
    }

    /** Frames the kernel drops for a full ring (240 slots of 64 KiB) are counted once reading resumes. */
    @Test
    void framesDroppedForAFullRingAreCounted() throws Exception {
        drain();
        long before = device.kernelDrops();
        // 1000 echo requests at once (preload), none read until all have landed.
        Process ping = lab.start("ping", "-q", "-c", "1000", "-l", "1000", "-W", "1", "10.78.0.2");
        ping.waitFor(20, TimeUnit.SECONDS);
        FrameBatch batch = new FrameBatch(32);
        int received = 0;
        int n;
        while ((n = device.receive(batch)) > 0) {
            received += n;
        }
        // The drops are seen on the next frame that lands (TP_STATUS_LOSING).
        lab.start("ping", "-q", "-c", "1", "-W", "1", "10.78.0.2");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (device.kernelDrops() == before && System.nanoTime() < deadline) {
            device.receive(batch);
            Thread.sleep(1);
        }
        System.out.printf("full ring: %d frames read, %d counted as dropped%n", received, device.kernelDrops() - before);
        assertThat(received).isLessThanOrEqualTo(240);
        assertThat(device.kernelDrops() - before).isGreaterThanOrEqualTo(1000 - 240);
        assertThat(counters.get("linux.afpacket." + ours + ".rx_ring_full")).isEqualTo(device.kernelDrops());
    }

    /**
     * Connects to a listener in the peer's namespace from 10.78.0.2, sends {@code payload} bytes as
     * one TCPV4 super-packet with a partial checksum, then FIN. Returns the bytes the peer's
     * socket read and the frames the peer's interface received meanwhile.
     */
    private long[] tcpSuperPacket(int port, int payload) throws Exception {
        drain();
        long rxBefore = peerRxPackets();
        Process sink = lab.start("sh", "-c", "socat -u TCP-LISTEN:" + port + ",reuseaddr - | wc -c");
        PacketBuffer out = PacketBuffer.allocate();
        FrameBatch batch = new FrameBatch(32);
        int ourPort = 40_000 + port % 1000;
        int seq = 1_000;
        int peerSeq = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long nextSyn = 0;
        while (peerSeq == -1 && System.nanoTime() < deadline) {
            if (System.nanoTime() - nextSyn > 0) {
                // Again every 200 ms: the listener may not be up yet (the peer answers RST).
                out.clearOffload();
                out.length(TestFrames.tcp(out.segment(), peerMac, OUR_MAC, OUR_IP, PEER_IP, ourPort, port, seq, 0,
                        TestFrames.TCP_SYN, 0, false));
                assertThat(device.transmit(out)).isTrue();
                device.flush();
                nextSyn = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            }
            int n = device.receive(batch);
            for (int i = 0; i < n; i++) {
                MemorySegment f = batch.get(i).segment();
                if (TestFrames.isIpv4(f, batch.get(i).length(), 6, OUR_IP) && TestFrames.u16(f, 34) == port
                        && (TestFrames.u8(f, 47) & 0x12) == 0x12) {
                    peerSeq = TestFrames.u32(f, 38);
                }
            }
            if (n == 0) {
                Thread.sleep(1);
            }
        }
        assertThat(peerSeq).as("the peer's SYN-ACK").isNotEqualTo(-1);
        int ack = peerSeq + 1;
        out.clearOffload();
        out.length(TestFrames.tcp(out.segment(), peerMac, OUR_MAC, OUR_IP, PEER_IP, ourPort, port, seq + 1, ack,
                TestFrames.TCP_ACK, 0, false));
        assertThat(device.transmit(out)).isTrue();

        out.length(TestFrames.tcp(out.segment(), peerMac, OUR_MAC, OUR_IP, PEER_IP, ourPort, port, seq + 1, ack,
                TestFrames.TCP_ACK | TestFrames.TCP_PSH, payload, true));
        out.gsoType = PacketBuffer.GSO_TCPV4;
        out.gsoSize = 1448;
        out.flags = PacketBuffer.F_NEEDS_CSUM;
        out.checksumStart = 34;
        out.checksumOffset = 16;
        out.headerLength = 54;
        assertThat(device.transmit(out)).isTrue();

        out.clearOffload();
        out.length(TestFrames.tcp(out.segment(), peerMac, OUR_MAC, OUR_IP, PEER_IP, ourPort, port, seq + 1 + payload, ack,
                TestFrames.TCP_FIN | TestFrames.TCP_ACK, 0, false));
        assertThat(device.transmit(out)).isTrue();
        device.flush();

        assertThat(sink.waitFor(15, TimeUnit.SECONDS)).as("the peer's socket saw the end of the stream").isTrue();
        long received = Long.parseLong(new String(sink.getInputStream().readAllBytes()).trim());
        return new long[] {received, peerRxPackets() - rxBefore};
    }

    private void sendUdpSuperPacket(PacketBuffer out, int port) {
        out.clearOffload();
        out.length(TestFrames.udp(out.segment(), peerMac, OUR_MAC, OUR_IP, PEER_IP, 40_000, port, 10 * 1000, true));
        out.gsoType = PacketBuffer.GSO_UDP_L4;
        out.gsoSize = 1000;
        out.flags = PacketBuffer.F_NEEDS_CSUM;
        out.checksumStart = 34;
        out.checksumOffset = 6;
        assertThat(device.transmit(out)).isTrue();
        device.flush();
    }

    private long awaitNoPorts(long before, long want) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long now = udpNoPorts();
        while (now - before < want && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = udpNoPorts();
        }
        Thread.sleep(100);
        return udpNoPorts();
    }

    /** Udp NoPorts of the namespace's /proc/net/snmp. */
    private static long udpNoPorts() {
        String[] lines = lab.inside("cat", "/proc/net/snmp").split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].startsWith("Udp:") && lines[i + 1].startsWith("Udp:")) {
                String[] names = lines[i].trim().split("\\s+");
                String[] values = lines[i + 1].trim().split("\\s+");
                for (int k = 0; k < names.length; k++) {
                    if (names[k].equals("NoPorts")) {
                        return Long.parseLong(values[k]);
                    }
                }
            }
        }
        throw new AssertionError("no Udp NoPorts in /proc/net/snmp");
    }

    private static long peerRxPackets() {
        return Long.parseLong(lab.inside("cat", "/sys/class/net/" + peer + "/statistics/rx_packets").trim());
    }

    private static void drain() throws InterruptedException {
        FrameBatch batch = new FrameBatch(32);
        Thread.sleep(50);
        while (device.receive(batch) > 0) {
            Thread.sleep(1);
        }
    }
}
