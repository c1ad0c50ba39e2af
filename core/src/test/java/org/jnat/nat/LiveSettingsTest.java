package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.NatEngineTest.PUBLIC;
import static org.jnat.nat.NatEngineTest.addr;
import static org.jnat.testing.Frames.IP;

import java.util.List;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.NatConfig.Unmatched;
import org.jnat.config.Timeouts;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * The settings a reload changes on a running NAT besides the inbound policy (on the data-plane
 * thread, between packets): hairpinning, the per-host quota and the idle timeouts. Each takes
 * effect for the next packet; no live session is dropped by the change itself.
 */
class LiveSettingsTest {
    static final long SECOND = 1_000_000_000L;
    static final int HOST = addr("192.168.1.5"), OTHER = addr("192.168.1.6"), REMOTE = addr("8.8.8.8");

    final Counters counters = new Counters();

    NatEngine engine(int perHost) {
        NatConfig c = NatEngineTest.config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ENDPOINT_INDEPENDENT, 64, perHost,
                Unmatched.DROP, 0);
        return new NatEngine(c, PUBLIC, NatEngineTest.ROUTER_INSIDE, List.of(), counters, 3);
    }

    static PacketBuffer udp(int host, int port) {
        return Frames.udpPacket(host, port, REMOTE, 53, 8);
    }

    @Test
    void hairpinningTurnsOffAndOnForTheNextPacket() {
        NatEngine nat = engine(8);
        nat.outbound(udp(OTHER, 7000), IP, 0); // OTHER's mapping: public:7000
        nat.hairpinning(false);
        assertThat(nat.outbound(Frames.udpPacket(HOST, 7000, PUBLIC, 7000, 4), IP, 0)).isEqualTo(NatVerdict.DROP);
        assertThat(counters.get("nat.dropped.hairpin")).isEqualTo(1);
        nat.hairpinning(true);
        assertThat(nat.outbound(Frames.udpPacket(HOST, 7000, PUBLIC, 7000, 4), IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(counters.get("nat.hairpinned")).isEqualTo(1);
    }

    @Test
    void aLowerPerHostQuotaKeepsTheHostsSessionsButRefusesNewOnes() {
        NatEngine nat = engine(8);
        for (int port = 1000; port < 1004; port++) {
            assertThat(nat.outbound(udp(HOST, port), IP, 0)).isEqualTo(NatVerdict.FORWARD);
        }
        nat.table().maxSessionsPerHost(2);
        assertThat(nat.outbound(udp(HOST, 1000), IP, SECOND)).as("a live session goes on")
                .isEqualTo(NatVerdict.FORWARD);
        assertThat(nat.outbound(udp(HOST, 1004), IP, SECOND)).isEqualTo(NatVerdict.PROHIBITED);
        assertThat(nat.table().sessionsOf(HOST)).isEqualTo(4);
        assertThat(nat.outbound(udp(OTHER, 1000), IP, SECOND)).isEqualTo(NatVerdict.FORWARD);
        nat.table().maxSessionsPerHost(5);
        assertThat(nat.outbound(udp(HOST, 1004), IP, SECOND)).isEqualTo(NatVerdict.FORWARD);
        NatInvariants.check(nat.table());
    }

    /** New timeouts apply to a live session from its next refresh; until then it keeps its expiry. */
    @Test
    void newTimeoutsApplyFromTheNextRefresh() {
        NatEngine nat = engine(8);
        nat.outbound(udp(HOST, 1000), IP, 0); // expires at the default 5 min
        nat.outbound(udp(OTHER, 1000), IP, 0);
        Timeouts d = Timeouts.defaults();
        nat.table().timeouts(new Timeouts(10 * SECOND, d.tcpEstablishedNanos(), d.tcpTransitoryNanos(),
                d.icmpNanos()));
        assertThat(nat.expire(60 * SECOND)).as("no session goes because of the change itself").isZero();
        assertThat(nat.outbound(udp(HOST, 1000), IP, 60 * SECOND)).isEqualTo(NatVerdict.FORWARD); // refresh: +10 s
        assertThat(nat.table().size()).isEqualTo(2);
        // 11 s later the refreshed session is over; the other still has its old 5 min.
        int host = nat.table().peekInside(Endpoint.of(17, HOST, 1000), Endpoint.of(17, REMOTE, 53), 60 * SECOND);
        assertThat(nat.table().sessions().expiry(host)).isEqualTo(70 * SECOND);
        assertThat(nat.table().peekInside(Endpoint.of(17, HOST, 1000), Endpoint.of(17, REMOTE, 53), 71 * SECOND))
                .isNegative();
        assertThat(nat.table().peekInside(Endpoint.of(17, OTHER, 1000), Endpoint.of(17, REMOTE, 53), 71 * SECOND))
                .isNotNegative();
        // The wheel expires it no later than where its old expiry was scheduled; the other lives on until 5 min.
        nat.expire(301 * SECOND);
        assertThat(nat.table().size()).isZero();
        NatInvariants.check(nat.table());
    }

    /** A longer TCP timeout keeps an established connection that the old one would have ended. */
    @Test
    void aLongerTimeoutKeepsARefreshedConnection() {
        NatEngine nat = engine(8);
        Timeouts d = Timeouts.defaults();
        long shortEstablished = 30 * SECOND;
        nat.table().timeouts(new Timeouts(d.udpNanos(), shortEstablished, d.tcpTransitoryNanos(), d.icmpNanos()));
        nat.outbound(Frames.tcpPacket(HOST, 4000, REMOTE, 443, TcpSegment.SYN, 0), IP, 0);
        nat.inbound(Frames.tcpPacket(REMOTE, 443, PUBLIC, externalPort(nat), TcpSegment.SYN | TcpSegment.ACK, 0), IP, 0);
        nat.outbound(Frames.tcpPacket(HOST, 4000, REMOTE, 443, TcpSegment.ACK, 0), IP, SECOND);
        nat.table().timeouts(d); // back to 2 h 4 min
        nat.outbound(Frames.tcpPacket(HOST, 4000, REMOTE, 443, TcpSegment.ACK, 0), IP, 2 * SECOND);
        nat.expire(120 * SECOND);
        assertThat(nat.table().size()).as("refreshed under the longer timeout").isEqualTo(1);
    }

    private static int externalPort(NatEngine nat) {
        SessionTable s = nat.table().sessions();
        for (int id = 0; id < s.capacity(); id++) {
            if (s.isLive(id)) {
                return s.externalPort(id);
            }
        }
        throw new AssertionError("no session");
    }
}
