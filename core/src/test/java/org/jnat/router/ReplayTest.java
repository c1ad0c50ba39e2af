package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.wire.Ipv4Address.parse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.runtime.Counters;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Pcaps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * jnat replayed over the Linux kernel's reference captures (vectors/linux-nat): it parses every
 * frame, and answers as the kernel did where no NAT is involved. The router has the kernel's MACs
 * and static neighbors for cl and isp (the README's table), so no ARP is needed.
 */
class ReplayTest {
    static final int CL = parse("192.168.1.10");
    static final int RT_IN = parse("192.168.1.1");
    static final int RT_OUT = parse("203.0.113.1");

    @TempDir
    Path dir;

    static RouterConfig config(int outsideMtu) {
        return new RouterConfig(
                new InterfaceConfig("tap:ignored0", RT_IN, 24, MemoryTopology.RT_IN_MAC, 0, 1500),
                new InterfaceConfig("tap:ignored1", RT_OUT, 24, MemoryTopology.RT_OUT_MAC, parse("203.0.113.254"), outsideMtu),
                NatConfig.defaults(), List.of(),
                List.of(new StaticNeighbor(CL, MemoryTopology.CL_MAC), new StaticNeighbor(parse("203.0.113.254"), MemoryTopology.ISP_MAC)),
                null, null, null, null, null);
    }

    /** What the kernel's rt sent, from a capture: frames whose source MAC is rt's. */
    static List<byte[]> sentByKernel(String capture, long rtMac) {
        return Pcaps.frames(Pcaps.linuxNat(capture)).stream().filter(f -> FrameFields.srcMac(f) == rtMac).toList();
    }

    /** What jnat sent on one side, without its gratuitous ARP. */
    List<byte[]> sentByJnat(String side) {
        return Pcaps.frames(dir.resolve(side + ".pcap")).stream().filter(f -> FrameFields.etherType(f) == 0x0800).toList();
    }

    static Predicate<byte[]> icmp(int type) {
        return f -> FrameFields.etherType(f) == 0x0800 && FrameFields.icmpType(f) == type;
    }

    static byte[] from(byte[] f, int offset) {
        return Arrays.copyOfRange(f, offset, f.length);
    }

    @ParameterizedTest
    @MethodSource("org.jnat.testing.Pcaps#linuxNatScenarios")
    void parsesEveryFrame(String scenario) throws IOException {
        Counters counters = new Counters();
        Path inside = Pcaps.linuxNat(scenario + "-inside");
        Path outside = Pcaps.linuxNat(scenario + "-outside");
        Replay.Result result = Replay.run(config(1500), inside, outside, dir, counters);

        assertThat(result.insideFramesIn()).isEqualTo(Pcaps.frames(inside).size());
        assertThat(result.outsideFramesIn()).isEqualTo(Pcaps.frames(outside).size());
        assertThat(result.framesTooBig()).isZero();
        assertThat(counters.get("inside.received") + counters.get("outside.received"))
                .isEqualTo(result.insideFramesIn() + result.outsideFramesIn());
        for (String malformed : List.of("ethernet.dropped.malformed", "ethernet.dropped.other_type",
                "arp.dropped.malformed", "ipv4.dropped.truncated", "ipv4.dropped.bad_version",
                "ipv4.dropped.bad_header_length", "ipv4.dropped.bad_total_length", "ipv4.dropped.bad_checksum",
                "icmp.dropped.malformed", "ipv4.fragments.dropped.bad_length", "ipv4.fragments.dropped.overlap")) {
            assertThat(counters.get(malformed)).as(scenario + ": " + malformed).isZero();
        }
        // Everything the router wrote is a valid capture again.
        assertThat(Pcaps.frames(dir.resolve("inside.pcap"))).isNotEmpty();
        assertThat(Pcaps.frames(dir.resolve("outside.pcap"))).isNotEmpty();
    }

    @Test
    void tracerouteHopOneIsAnsweredAsTheKernelDid() throws IOException {
        Replay.run(config(1500), Pcaps.linuxNat("traceroute-inside"), null, dir, new Counters());
        List<byte[]> kernel = sentByKernel("traceroute-inside", MemoryTopology.RT_IN_MAC).stream().filter(icmp(11))
                .filter(f -> FrameFields.ipSrc(f) == RT_IN).toList();
        List<byte[]> jnat = sentByJnat("inside").stream().filter(icmp(11)).toList();
        assertThat(kernel).as("the kernel's hop 1").hasSize(1);
        assertThat(jnat).hasSize(1);
        byte[] k = kernel.getFirst();
        byte[] j = jnat.getFirst();
        // Ethernet header, and the IPv4 header but for the identification and its checksum.
        assertThat(Arrays.copyOfRange(j, 0, 18)).isEqualTo(Arrays.copyOfRange(k, 0, 18));
        assertThat(Arrays.copyOfRange(j, 20, 24)).isEqualTo(Arrays.copyOfRange(k, 20, 24));
        assertThat(Arrays.copyOfRange(j, 26, 34)).isEqualTo(Arrays.copyOfRange(k, 26, 34));
        // The ICMP message, quote and checksum included, byte for byte.
        assertThat(from(j, 34)).isEqualTo(from(k, 34));
        assertThat(FrameFields.ipSrc(j)).isEqualTo(RT_IN);
    }

    @Test
    void theRouterAnswersUnsolicitedTrafficToItsAddressAsTheKernelDid() throws IOException {
        Replay.run(config(1500), Pcaps.linuxNat("unsolicited-inbound-inside"), Pcaps.linuxNat("unsolicited-inbound-outside"),
                dir, new Counters());
        List<byte[]> kernel = sentByKernel("unsolicited-inbound-outside", MemoryTopology.RT_OUT_MAC);
        List<byte[]> jnat = sentByJnat("outside");
        assertThat(jnat).hasSameSizeAs(kernel).hasSize(3);
        for (int i = 0; i < kernel.size(); i++) {
            byte[] k = kernel.get(i);
            byte[] j = jnat.get(i);
            assertThat(Arrays.copyOfRange(j, 0, 14)).as("Ethernet header %d", i).isEqualTo(Arrays.copyOfRange(k, 0, 14));
            assertThat(FrameFields.protocol(j)).isEqualTo(FrameFields.protocol(k));
            assertThat(FrameFields.ipSrc(j)).isEqualTo(FrameFields.ipSrc(k));
            assertThat(FrameFields.ipDst(j)).isEqualTo(FrameFields.ipDst(k));
            assertThat(FrameFields.ttl(j)).isEqualTo(FrameFields.ttl(k));
            assertThat(j[15]).as("type of service %d", i).isEqualTo(k[15]);
            // Port unreachable, RST and echo reply: the transport part byte for byte.
            assertThat(from(j, 34)).as("message %d", i).isEqualTo(from(k, 34));
        }
        assertThat(sentByJnat("inside")).as("nothing went inside").isEmpty();
    }

    @Test
    void fragmentationNeededWhereTheRouterHasTheSmallerLink() throws IOException {
        // In the capture the 1400-byte link was isp's; give it to jnat's outside, and jnat answers
        // what isp answered: fragmentation needed, MTU 1400, quoting the ping.
        Replay.run(config(1400), Pcaps.linuxNat("icmp-frag-needed-inside"), null, dir, new Counters());
        byte[] kernel = sentByKernel("icmp-frag-needed-inside", MemoryTopology.RT_IN_MAC).getFirst();
        List<byte[]> jnat = sentByJnat("inside");
        assertThat(jnat).hasSize(1);
        byte[] j = jnat.getFirst();
        assertThat(FrameFields.icmpType(j)).isEqualTo(FrameFields.icmpType(kernel)).isEqualTo(3);
        assertThat(FrameFields.icmpCode(j)).isEqualTo(FrameFields.icmpCode(kernel)).isEqualTo(4);
        assertThat(FrameFields.icmpRest(j)).isEqualTo(FrameFields.icmpRest(kernel)).isEqualTo(1400);
        assertThat(FrameFields.ipDst(j)).isEqualTo(CL);
        assertThat(FrameFields.ipSrc(j)).isEqualTo(RT_IN);
        // The same datagram is quoted: addresses, identification, protocol, and the echo header.
        byte[] kq = FrameFields.quote(kernel);
        byte[] jq = FrameFields.quote(j);
        assertThat(Arrays.copyOfRange(jq, 12, 20)).isEqualTo(Arrays.copyOfRange(kq, 12, 20));
        assertThat(Arrays.copyOfRange(jq, 4, 6)).isEqualTo(Arrays.copyOfRange(kq, 4, 6));
        assertThat(jq[9]).isEqualTo(kq[9]);
        assertThat(Arrays.copyOfRange(jq, 20, 28)).isEqualTo(Arrays.copyOfRange(kq, 20, 28));
        assertThat(FrameFields.icmpChecksumOk(j)).isTrue();
        assertThat(sentByJnat("outside")).as("the big ping never left").isEmpty();
    }

    @Test
    void aFragmentedDatagramLeavesInTheKernelsFragments() throws IOException {
        // cl's 3000-byte UDP datagram: reassembled, then fragmented again as the kernel did
        // (same identification, offsets, lengths, payload); only the source differs: no NAT here.
        Replay.run(config(1500), Pcaps.linuxNat("udp-fragmented-inside"), null, dir, new Counters());
        List<byte[]> kernel = sentByKernel("udp-fragmented-outside", MemoryTopology.RT_OUT_MAC);
        List<byte[]> jnat = sentByJnat("outside");
        assertThat(jnat).hasSameSizeAs(kernel).hasSize(3);
        for (int i = 0; i < kernel.size(); i++) {
            byte[] k = kernel.get(i);
            byte[] j = jnat.get(i);
            assertThat(Arrays.copyOfRange(j, 0, 14)).isEqualTo(Arrays.copyOfRange(k, 0, 14));
            assertThat(Arrays.copyOfRange(j, 14, 24)).as("fragment %d header", i).isEqualTo(Arrays.copyOfRange(k, 14, 24));
            assertThat(FrameFields.ipDst(j)).isEqualTo(FrameFields.ipDst(k));
            assertThat(FrameFields.ipChecksumOk(j)).isTrue();
            int payloadFrom = i == 0 ? 34 + 8 : 34; // the UDP header carries the translated checksum
            assertThat(from(j, payloadFrom)).isEqualTo(from(k, payloadFrom));
        }
    }

    @Test
    void replayWritesCapturesOurReaderReadsBack() throws IOException {
        Replay.Result r = Replay.run(config(1500), Pcaps.linuxNat("icmp-echo-inside"), Pcaps.linuxNat("icmp-echo-outside"),
                dir, new Counters());
        assertThat(r.outsideFramesOut()).isPositive();
        assertThat(Files.size(dir.resolve("outside.pcap"))).isGreaterThan(24);
        List<byte[]> out = new ArrayList<>(sentByJnat("outside"));
        assertThat(out).anyMatch(icmp(8));
    }

    /**
     * The captures a replay writes are ones tshark reads: every frame, an ICMP echo request among
     * them, every IPv4 header checksum verified good. Skipped, saying so, where tshark is not installed.
     */
    @Test
    void tsharkReadsTheReplayCaptures() throws IOException, InterruptedException {
        Path tshark = java.util.stream.Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .map(d -> Path.of(d, "tshark")).filter(Files::isExecutable).findFirst().orElse(null);
        if (tshark == null) {
            System.out.println("SKIPPED tsharkReadsTheReplayCaptures: tshark is not on the PATH");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(tshark != null, "tshark is not on the PATH");
        Replay.run(config(1500), Pcaps.linuxNat("icmp-echo-inside"), Pcaps.linuxNat("icmp-echo-outside"), dir,
                new Counters());
        Path capture = dir.resolve("outside.pcap");
        Process p = new ProcessBuilder(tshark.toString(), "-n", "-r", capture.toString(), "-o", "ip.check_checksum:TRUE",
                "-T", "fields", "-e", "icmp.type", "-e", "ip.checksum.status").redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("tshark finished").isTrue();
        assertThat(p.exitValue()).as("tshark's exit status on %s", capture).isZero();
        assertThat(lines).as("frames tshark read").hasSize(Pcaps.frames(capture).size());
        List<String> ipv4 = lines.stream().filter(l -> !l.isBlank()).toList();
        assertThat(ipv4).as("IPv4 frames (ICMP type, header checksum status)").isNotEmpty()
                .allSatisfy(l -> assertThat(l).endsWith("\t1"))      // 1: "Good" (0 bad, 2 unverified)
                .anySatisfy(l -> assertThat(l).startsWith("8\t")); // an echo request
    }
}
