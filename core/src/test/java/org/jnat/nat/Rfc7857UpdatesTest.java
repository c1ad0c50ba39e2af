package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.NatEngineTest.PUBLIC;
import static org.jnat.nat.NatEngineTest.addr;
import static org.jnat.testing.FrameFields.ip;
import static org.jnat.testing.FrameFields.sourcePort;
import static org.jnat.testing.Frames.IP;

import java.util.ArrayList;
import java.util.List;
import org.jnat.config.NatConfig;
import org.jnat.config.Timeouts;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.testing.Requirement;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * What RFC 7857 adds to RFC 4787/5382/5508 that the other NAT tests do not show: outbound answers
 * to inbound packets (ICMP errors, RSTs) do not lengthen a mapping's life (section 7.1), a port that
 * cannot be kept is picked unpredictably (section 9), and the IP Identification of a translated
 * datagram is the one its sender set (section 10). Default config, a manual clock.
 */
class Rfc7857UpdatesTest {
    static final long SECOND = 1_000_000_000L;
    static final int INSIDE = addr("192.168.1.5");
    static final int REMOTE = addr("8.8.8.8");
    final Timeouts timeouts = Timeouts.defaults();
    final Counters counters = new Counters();

    NatEngine defaults() {
        return new NatEngine(NatConfig.defaults(), PUBLIC, NatEngineTest.ROUTER_INSIDE, List.of(), counters, 42);
    }

    @Requirement("RFC 7857 section 7.1")
    @Test
    void anOutboundIcmpErrorAnsweringAnInboundDatagramDoesNotRefreshItsMapping() {
        NatEngine nat = defaults();
        PacketBuffer out = Frames.udpPacket(INSIDE, 5000, REMOTE, 53, 8);
        assertThat(nat.outbound(out, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        int port = sourcePort(out);
        PacketBuffer in = Frames.udpPacket(REMOTE, 53, PUBLIC, port, 8);
        assertThat(nat.inbound(in, IP, SECOND)).isEqualTo(NatVerdict.FORWARD);
        // A minute later the inside host answers that (now translated) datagram with port unreachable.
        PacketBuffer error = Frames.icmpErrorPacket(INSIDE, REMOTE, IcmpPacket.DESTINATION_UNREACHABLE,
                IcmpPacket.PORT_UNREACHABLE, in, 8);
        assertThat(nat.outbound(error, IP, 60 * SECOND)).as("the error is translated").isEqualTo(NatVerdict.FORWARD);
        nat.table().expire(timeouts.udpNanos());
        assertThat(nat.table().size()).as("the mapping, its 5 min counted from the last datagram sent at 0 s")
                .isZero();

        // The same with a datagram instead of the error: that one refreshes, and the mapping outlives 5 min.
        NatEngine control = defaults();
        control.outbound(Frames.udpPacket(INSIDE, 5000, REMOTE, 53, 8), IP, 0);
        control.outbound(Frames.udpPacket(INSIDE, 5000, REMOTE, 53, 8), IP, 60 * SECOND);
        control.table().expire(timeouts.udpNanos());
        assertThat(control.table().size()).as("a mapping refreshed at 60 s").isEqualTo(1);
    }

    @Requirement("RFC 7857 section 7.1")
    @Test
    void anOutboundRstAnsweringAnInboundSegmentDoesNotLengthenTheSession() {
        NatEngine nat = defaults();
        PacketBuffer syn = Frames.tcpPacket(INSIDE, 40000, REMOTE, 80, TcpSegment.SYN, 0);
        assertThat(nat.outbound(syn, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        int port = sourcePort(syn);
        assertThat(nat.inbound(Frames.tcpPacket(REMOTE, 80, PUBLIC, port, TcpSegment.SYN | TcpSegment.ACK, 0), IP,
                SECOND)).isEqualTo(NatVerdict.FORWARD);
        assertThat(nat.outbound(Frames.tcpPacket(INSIDE, 40000, REMOTE, 80, TcpSegment.ACK, 0), IP, SECOND))
                .isEqualTo(NatVerdict.FORWARD);
        // Established: 2 h 4 min from 1 s. A segment comes in at 10 s; the host answers it with a RST at 20 s.
        assertThat(nat.inbound(Frames.tcpPacket(REMOTE, 80, PUBLIC, port, TcpSegment.ACK, 100), IP, 10 * SECOND))
                .isEqualTo(NatVerdict.FORWARD);
        assertThat(nat.outbound(Frames.tcpPacket(INSIDE, 40000, REMOTE, 80, TcpSegment.RST, 0), IP, 20 * SECOND))
                .isEqualTo(NatVerdict.FORWARD);
        nat.table().expire(20 * SECOND + timeouts.tcpTransitoryNanos() - 1);
        assertThat(nat.table().size()).as("the session in its last transitory 4 min (RFC 7857 section 2.2)")
                .isEqualTo(1);
        nat.table().expire(20 * SECOND + timeouts.tcpTransitoryNanos());
        assertThat(nat.table().size()).as("the session 4 min after the RST, not 2 h after it").isZero();
    }

    @Requirement("RFC 7857 section 9")
    @Test
    void portsThatCannotBeKeptArePickedUnpredictably() {
        NatEngine nat = defaults();
        List<Integer> picked = new ArrayList<>();
        // 200 hosts all send from port 5000: the first keeps it, every other one needs another port.
        for (int host = 0; host < 200; host++) {
            PacketBuffer p = Frames.udpPacket(addr("10.0.0.0") + host + 1, 5000, REMOTE, 53, 8);
            assertThat(nat.outbound(p, IP, 0)).isEqualTo(NatVerdict.FORWARD);
            picked.add(sourcePort(p));
        }
        assertThat(picked.get(0)).as("the first host's port, kept").isEqualTo(5000);
        List<Integer> changed = picked.subList(1, picked.size());
        assertThat(changed).doesNotHaveDuplicates().allMatch(p -> p >= 1024 && p % 2 == 0);
        int near = 0;
        for (int i = 1; i < changed.size(); i++) {
            if (Math.abs(changed.get(i) - changed.get(i - 1)) <= 64) {
                near++;
            }
        }
        int low = changed.stream().mapToInt(Integer::intValue).min().orElseThrow();
        int high = changed.stream().mapToInt(Integer::intValue).max().orElseThrow();
        System.out.printf("RFC 7857 section 9: 199 picked ports span %d-%d; %d of 198 within 64 of the one before%n",
                low, high, near);
        // A sequential allocator (next free port up or down) puts nearly every pick next to the last one.
        assertThat(near).as("picks within 64 of the previous pick").isLessThan(20);
        assertThat(high - low).as("the span of the picked ports").isGreaterThan(32768);
    }

    @Requirement("RFC 7857 section 10")
    @Test
    void theIdentificationOfATranslatedDatagramIsTheSendersBothWays() {
        NatEngine nat = defaults();
        // A non-atomic datagram (DF clear) with an ID of its sender's own.
        PacketBuffer out = Frames.ipv4(Frames.buffer(), INSIDE, REMOTE, IpProtocol.UDP, 0x5a17, 0,
                new byte[0], Frames.udp(INSIDE, REMOTE, 5000, 53, Frames.pattern(8)));
        assertThat(nat.outbound(out, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(ip(out).sourceAddress()).isEqualTo(PUBLIC);
        assertThat(ip(out).identification()).as("the outbound ID").isEqualTo(0x5a17);
        PacketBuffer in = Frames.ipv4(Frames.buffer(), REMOTE, PUBLIC, IpProtocol.UDP, 0xbeef, 0,
                new byte[0], Frames.udp(REMOTE, PUBLIC, 53, sourcePort(out), Frames.pattern(8)));
        assertThat(nat.inbound(in, IP, SECOND)).isEqualTo(NatVerdict.FORWARD);
        assertThat(ip(in).destinationAddress()).isEqualTo(INSIDE);
        assertThat(ip(in).identification()).as("the inbound ID").isEqualTo(0xbeef);
    }
}
