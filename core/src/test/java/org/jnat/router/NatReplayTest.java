package org.jnat.router;

import org.jnat.nat.NatEngine;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.runtime.Counters;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Pcaps;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole router, stack and NAT engine, replayed over the kernel's captures: where the kernel
 * kept the inside port (every scenario but two-hosts-same-port), jnat must send the same frames,
 * byte for byte but for the IPv4 identification of the packets each one originates (and so their
 * header checksum, which must then verify). A frame the router forwards keeps its identification
 * and checksum, compared like every other byte.
 */
class NatReplayTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"tcp-http", "udp-echo", "icmp-echo", "udp-closed-port", "tcp-closed-port", "pmtu-upload",
            "icmp-frag-needed", "traceroute", "udp-fragmented"})
    void sendsWhatTheKernelSent(String scenario) throws IOException {
        RouterConfig config = ReplayTest.config(1500);
        Counters counters = new Counters();
        Replay.run(config, Pcaps.linuxNat(scenario + "-inside"), Pcaps.linuxNat(scenario + "-outside"), dir, counters,
                NatEngine.of(config, counters, 1));
        compare(ReplayTest.sentByKernel(scenario + "-outside", MemoryTopology.RT_OUT_MAC), sentByJnat("outside"), scenario + " outside");
        compare(ReplayTest.sentByKernel(scenario + "-inside", MemoryTopology.RT_IN_MAC), sentByJnat("inside"), scenario + " inside");
    }

    private List<byte[]> sentByJnat(String side) {
        return Pcaps.frames(dir.resolve(side + ".pcap")).stream().filter(f -> FrameFields.etherType(f) == 0x0800).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp-port-forward"})
    void forwardsAPortAsTheKernelDid(String scenario) throws IOException {
        RouterConfig plain = ReplayTest.config(1500);
        // The kernel's rule: tcp dport 8080 dnat to 192.168.1.10:8000.
        RouterConfig config = new RouterConfig(plain.inside(), plain.outside(), plain.nat(),
                List.of(new ForwardRule(IpProtocol.TCP, 8080, 8080, MemoryTopology.CL, 8000)), plain.neighbors(),
                null, null, null, null, null);
        Counters counters = new Counters();
        Replay.run(config, Pcaps.linuxNat(scenario + "-inside"), Pcaps.linuxNat(scenario + "-outside"), dir, counters,
                NatEngine.of(config, counters, 1));
        compare(ReplayTest.sentByKernel(scenario + "-outside", MemoryTopology.RT_OUT_MAC), sentByJnat("outside"), scenario + " outside");
        compare(ReplayTest.sentByKernel(scenario + "-inside", MemoryTopology.RT_IN_MAC), sentByJnat("inside"), scenario + " inside");
    }

    @Test
    void refusesUnsolicitedTrafficAsTheKernelDidWhenUnmatchedIsReject() throws IOException {
        RouterConfig plain = ReplayTest.config(1500);
        NatConfig reject = NatConfig.defaults().withUnmatched(NatConfig.Unmatched.REJECT);
        RouterConfig config = new RouterConfig(plain.inside(), plain.outside(), reject, List.of(), plain.neighbors(),
                null, null, null, null, null);
        Counters counters = new Counters();
        // Run on 10 s past the last frame: the NAT holds an unsolicited SYN 6 s.
        Replay.run(config, Pcaps.linuxNat("unsolicited-inbound-inside"), Pcaps.linuxNat("unsolicited-inbound-outside"),
                dir, counters, NatEngine.of(config, counters, 1), 10_000_000_000L);
        List<byte[]> kernel = ReplayTest.sentByKernel("unsolicited-inbound-outside", MemoryTopology.RT_OUT_MAC);
        List<byte[]> jnat = sentByJnat("outside");
        // The same three answers (port unreachable, RST, echo reply); jnat's RST comes last, after
        // the 6 s an unsolicited SYN is held (RFC 5382 REQ-4).
        assertThat(jnat).hasSize(3);
        List<byte[]> reordered = List.of(jnat.get(0), jnat.get(2), jnat.get(1));
        compare(kernel, reordered, "unsolicited-inbound outside");
        assertThat(sentByJnat("inside")).as("nothing unsolicited reaches the inside").isEmpty();
    }

    /**
     * A frame the router made: from one of its own addresses, an ICMP echo reply or error, or a
     * TCP RST. (Translated frames leave from the public address too, but keep their identification.)
     */
    private static boolean madeByTheRouter(byte[] f) {
        int source = FrameFields.ipSrc(f);
        if (source != MemoryTopology.RT_IN && source != MemoryTopology.RT_OUT) {
            return false;
        }
        return switch (FrameFields.protocol(f)) {
            case IpProtocol.ICMP -> FrameFields.icmpType(f) == 0 || FrameFields.icmpType(f) == 3
                    || FrameFields.icmpType(f) == 11;
            case IpProtocol.TCP -> (f[14 + FrameFields.ihl(f) + 13] & TcpSegment.RST) != 0;
            default -> false;
        };
    }

    private static void compare(List<byte[]> kernel, List<byte[]> jnat, String what) {
        assertThat(kernel).as(what + ": the kernel sent something").isNotEmpty();
        assertThat(jnat).as(what + ": frame count").hasSameSizeAs(kernel);
        for (int i = 0; i < kernel.size(); i++) {
            byte[] k = kernel.get(i);
            byte[] j = jnat.get(i);
            String frame = what + " frame " + i;
            assertThat(Arrays.copyOfRange(j, 0, 18)).as(frame + ": Ethernet, IPv4 to total length").isEqualTo(Arrays.copyOfRange(k, 0, 18));
            assertThat(Arrays.copyOfRange(j, 20, 24)).as(frame + ": flags, TTL, protocol").isEqualTo(Arrays.copyOfRange(k, 20, 24));
            if (j[18] == k[18] && j[19] == k[19]) {
                assertThat(Arrays.copyOfRange(j, 24, 26)).as(frame + ": header checksum").isEqualTo(Arrays.copyOfRange(k, 24, 26));
            } else {
                // Only a packet the router made itself may carry an identification of its own.
                assertThat(madeByTheRouter(j)).as(frame + ": the IPv4 identification differs (%d, the kernel's %d), "
                        + "but the router did not make this frame", FrameFields.ip(j).identification(),
                        FrameFields.ip(k).identification()).isTrue();
                assertThat(FrameFields.ipChecksumOk(j)).as(frame + ": header checksum of a frame the router made").isTrue();
            }
            assertThat(Arrays.copyOfRange(j, 26, 34)).as(frame + ": addresses").isEqualTo(Arrays.copyOfRange(k, 26, 34));
            assertThat(Arrays.copyOfRange(j, 34, j.length)).as(frame + ": payload").isEqualTo(Arrays.copyOfRange(k, 34, k.length));
        }
    }
}
