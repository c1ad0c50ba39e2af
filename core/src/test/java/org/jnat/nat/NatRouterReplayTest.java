package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.router.Replay;
import org.jnat.runtime.Counters;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.testing.Pcaps;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.MacAddress;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole router with the NAT engine plugged in, replayed over the Linux kernel's reference
 * captures ({@code jnat replay}'s code path): on each side, jnat sends what the kernel sent, IPv4
 * datagram by IPv4 datagram, byte for byte. The exceptions, each asserted rather than skipped:
 * MACs (not compared); the public port of the second host in two-hosts-same-port; and the
 * unsolicited SYN of unsolicited-inbound, which the kernel refused at once and jnat holds 6 s
 * (RFC 5382 REQ-4), longer than the replay's tail.
 */
class NatRouterReplayTest {
    static final long CL_MAC = MacAddress.parse("16:6e:36:a4:8d:ef");
    static final long RT_IN_MAC = MacAddress.parse("5a:75:f7:80:43:b1");
    static final long RT_OUT_MAC = MacAddress.parse("42:9f:da:77:32:42");
    static final long ISP_MAC = MacAddress.parse("c6:de:e7:74:70:29");
    static final int IP = EthernetFrame.HEADER_LENGTH;

    @TempDir
    Path dir;

    static RouterConfig config() {
        NatConfig nat = NatConfig.defaults().withLimits(65536, 8192).withUnmatched(NatConfig.Unmatched.REJECT);
        return new RouterConfig(
                new InterfaceConfig("tap:ignored0", Ipv4Address.parse("192.168.1.1"), 24, RT_IN_MAC, 0, 1500),
                new InterfaceConfig("tap:ignored1", Ipv4Address.parse("203.0.113.1"), 24, RT_OUT_MAC,
                        Ipv4Address.parse("203.0.113.254"), 1500),
                nat, List.of(new ForwardRule(IpProtocol.TCP, 8080, 8080, Ipv4Address.parse("192.168.1.10"), 8000)),
                List.of(new StaticNeighbor(Ipv4Address.parse("192.168.1.10"), CL_MAC),
                        new StaticNeighbor(Ipv4Address.parse("192.168.1.11"), CL_MAC),
                        new StaticNeighbor(Ipv4Address.parse("203.0.113.254"), ISP_MAC)),
                null, null, null, null, null);
    }

    static List<byte[]> datagrams(List<byte[]> frames, long sourceMac) {
        List<byte[]> out = new ArrayList<>();
        for (byte[] f : frames) {
            EthernetFrame e = new EthernetFrame().wrap(MemorySegment.ofArray(f), 0);
            if (e.etherType() == EtherType.IPV4 && (sourceMac < 0 || e.source() == sourceMac)) {
                int total = new Ipv4Packet().wrap(MemorySegment.ofArray(f), IP).totalLength();
                out.add(Arrays.copyOfRange(f, IP, IP + total));
            }
        }
        return out;
    }

    static boolean fromRouter(byte[] datagram) {
        Ipv4Packet ip = new Ipv4Packet().wrap(MemorySegment.ofArray(datagram), 0);
        int source = ip.sourceAddress();
        return source == Ipv4Address.parse("192.168.1.1") || source == Ipv4Address.parse("203.0.113.1");
    }

    static int protocol(byte[] datagram) {
        return datagram[9] & 0xff;
    }

    static int u16(byte[] datagram, int at) {
        return ((datagram[at] & 0xff) << 8) | (datagram[at + 1] & 0xff);
    }

    /** The ICMP messages the router itself made (errors, echo replies): their IP identification is its own. */
    static boolean madeByRouter(byte[] datagram) {
        return fromRouter(datagram) && protocol(datagram) == IpProtocol.ICMP;
    }

    /** Bytes that differ between two datagrams of equal length, as offsets. */
    static List<Integer> differences(byte[] a, byte[] b) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] != b[i]) {
                out.add(i);
            }
        }
        return out;
    }

    Path replay(String scenario, Path outsideInput, Counters counters) throws IOException {
        Path out = java.nio.file.Files.createDirectories(dir.resolve("run-" + System.nanoTime()));
        RouterConfig config = config();
        Replay.run(config, Pcaps.linuxNat(scenario + "-inside"), outsideInput, out, counters,
                NatEngine.of(config, counters, 1));
        return out;
    }

    @ParameterizedTest
    @MethodSource("org.jnat.testing.Pcaps#linuxNatScenarios")
    void jnatSendsWhatTheKernelSent(String scenario) throws IOException {
        Counters counters = new Counters();
        Path outsideInput = Pcaps.linuxNat(scenario + "-outside");
        Path out = replay(scenario, outsideInput, counters);
        java.util.Map<Integer, Integer> kernelToJnat = new java.util.HashMap<>();
        if (scenario.equals("two-hosts-same-port")) {
            // The public port the kernel gave the second host is its choice; jnat made its own.
            // Learn it, and replay again with the server's answers sent to jnat's port.
            List<byte[]> kernel = datagrams(Pcaps.frames(Pcaps.linuxNat(scenario + "-outside")), RT_OUT_MAC);
            List<byte[]> jnat = datagrams(Pcaps.frames(out.resolve("outside.pcap")), -1);
            for (int i = 0; i < 2; i++) {
                int theirs = u16(kernel.get(i), 20);
                int ours = u16(jnat.get(i), 20);
                if (theirs != ours) {
                    kernelToJnat.put(theirs, ours);
                }
            }
            assertThat(kernelToJnat).as("only the second host's port differs").hasSize(1);
            outsideInput = remapDestinationPorts(outsideInput, kernelToJnat);
            counters = new Counters();
            out = replay(scenario, outsideInput, counters);
        }
        for (String side : List.of("inside", "outside")) {
            List<byte[]> kernel = new ArrayList<>(datagrams(Pcaps.frames(Pcaps.linuxNat(scenario + "-" + side)),
                    side.equals("inside") ? RT_IN_MAC : RT_OUT_MAC));
            List<byte[]> jnat = datagrams(Pcaps.frames(out.resolve(side + ".pcap")), -1);
            if (scenario.equals("unsolicited-inbound") && side.equals("outside")) {
                // The kernel refused the unsolicited SYN at once; jnat holds it 6 s (RFC 5382 REQ-4).
                assertThat(kernel.removeIf(d -> protocol(d) == IpProtocol.TCP)).isTrue();
                assertThat(counters.get("nat.syn.held")).isEqualTo(1);
            }
            System.out.printf("router replay %s %s: kernel %d, jnat %d%n", scenario, side, kernel.size(),
                    jnat.size());
            assertThat(jnat).as("%s %s: datagrams", scenario, side).hasSameSizeAs(kernel);
            for (int i = 0; i < kernel.size(); i++) {
                byte[] k = kernel.get(i);
                byte[] j = jnat.get(i);
                assertThat(j.length).as("%s %s %d: length", scenario, side, i).isEqualTo(k.length);
                List<Integer> diff = differences(k, j);
                if (madeByRouter(k)) {
                    diff.removeAll(List.of(4, 5, 10, 11)); // its own IP identification, so its header checksum
                }
                if (!kernelToJnat.isEmpty() && protocol(k) == IpProtocol.UDP
                        && kernelToJnat.get(u16(k, 20)) != null && kernelToJnat.get(u16(k, 20)) == u16(j, 20)) {
                    diff.removeAll(List.of(20, 21, 26, 27)); // jnat's port, so the UDP checksum
                    assertThat(FrameFields.checksumsValid(packet(j))).isTrue();
                }
                assertThat(diff).as("%s %s %d: differing bytes%n kernel %s%n jnat   %s", scenario, side, i,
                        HexFormat.of().formatHex(k), HexFormat.of().formatHex(j)).isEmpty();
            }
        }
    }

    static org.jnat.device.PacketBuffer packet(byte[] datagram) {
        org.jnat.device.PacketBuffer b = Frames.buffer();
        MemorySegment.copy(datagram, 0, b.segment(), java.lang.foreign.ValueLayout.JAVA_BYTE, IP, datagram.length);
        b.length(IP + datagram.length);
        return b;
    }

    /** A copy of a capture with UDP destination ports changed (checksums kept right), same timestamps. */
    Path remapDestinationPorts(Path capture, java.util.Map<Integer, Integer> ports) throws IOException {
        Path copy = dir.resolve("remapped-" + capture.getFileName());
        try (org.jnat.device.PcapWriter w = org.jnat.device.PcapWriter.create(copy,
                org.jnat.device.PcapWriter.Resolution.NANOSECONDS)) {
            for (Pcaps.Record r : Pcaps.read(capture)) {
                byte[] f = r.frame().clone();
                MemorySegment s = MemorySegment.ofArray(f);
                EthernetFrame e = new EthernetFrame().wrap(s, 0);
                if (e.etherType() == EtherType.IPV4) {
                    Ipv4Packet ip = new Ipv4Packet().wrap(s, IP);
                    if (ip.protocol() == IpProtocol.UDP && !ip.isFragment()) {
                        org.jnat.wire.UdpDatagram u = new org.jnat.wire.UdpDatagram().wrap(s, ip.payloadOffset());
                        Integer to = ports.get(u.destinationPort());
                        if (to != null) {
                            u.destinationPortUpdatingChecksum(to);
                        }
                    }
                }
                w.write(f, r.timestampNanos());
            }
        }
        return copy;
    }
}
