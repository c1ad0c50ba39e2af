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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole router, stack and NAT engine, replayed over the kernel's captures: where the kernel
 * kept the inside port (every scenario but two-hosts-same-port), jnat must send the same frames,
 * byte for byte but for the IPv4 identification of the packets each one originates.
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
                List.of(new ForwardRule(IpProtocol.TCP, 8080, 8080, MemoryTopology.CL, 8000)), plain.neighbors(), null);
        Counters counters = new Counters();
        Replay.run(config, Pcaps.linuxNat(scenario + "-inside"), Pcaps.linuxNat(scenario + "-outside"), dir, counters,
                NatEngine.of(config, counters, 1));
        compare(ReplayTest.sentByKernel(scenario + "-outside", MemoryTopology.RT_OUT_MAC), sentByJnat("outside"), scenario + " outside");
        compare(ReplayTest.sentByKernel(scenario + "-inside", MemoryTopology.RT_IN_MAC), sentByJnat("inside"), scenario + " inside");
    }

    @Test
    void refusesUnsolicitedTrafficAsTheKernelDidWhenUnmatchedIsReject() throws IOException {
        RouterConfig plain = ReplayTest.config(1500);
        NatConfig d = NatConfig.defaults();
        NatConfig reject = new NatConfig(d.mapping(), d.filtering(), d.portLow(), d.portHigh(), d.maxSessions(),
                d.maxSessionsPerHost(), d.hairpinning(), NatConfig.Unmatched.REJECT, d.dmz(), d.timeouts(),
                d.inboundRefresh());
        RouterConfig config = new RouterConfig(plain.inside(), plain.outside(), reject, List.of(), plain.neighbors(), null);
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

    private static void compare(List<byte[]> kernel, List<byte[]> jnat, String what) {
        assertThat(kernel).as(what + ": the kernel sent something").isNotEmpty();
        assertThat(jnat).as(what + ": frame count").hasSameSizeAs(kernel);
        for (int i = 0; i < kernel.size(); i++) {
            byte[] k = kernel.get(i);
            byte[] j = jnat.get(i);
            String frame = what + " frame " + i;
            assertThat(Arrays.copyOfRange(j, 0, 18)).as(frame + ": Ethernet, IPv4 to total length").isEqualTo(Arrays.copyOfRange(k, 0, 18));
            assertThat(Arrays.copyOfRange(j, 20, 24)).as(frame + ": flags, TTL, protocol").isEqualTo(Arrays.copyOfRange(k, 20, 24));
            assertThat(Arrays.copyOfRange(j, 26, 34)).as(frame + ": addresses").isEqualTo(Arrays.copyOfRange(k, 26, 34));
            assertThat(Arrays.copyOfRange(j, 34, j.length)).as(frame + ": payload").isEqualTo(Arrays.copyOfRange(k, 34, k.length));
        }
    }
}
