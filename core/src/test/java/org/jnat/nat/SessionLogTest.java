package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import java.util.ArrayList;
import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.runtime.Counters;
import org.jnat.testing.Allocations;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/** The session log's ring ({@link SessionLog}) and what the {@link SessionStore} puts into it, with each reason. */
class SessionLogTest {
    static final int HOST = Ipv4Address.parse("192.168.1.10");
    static final int SERVER = Ipv4Address.parse("192.168.1.20");
    static final int REMOTE = Ipv4Address.parse("198.51.100.10");
    static final int TCP = IpProtocol.TCP, UDP = IpProtocol.UDP;
    static final long SECOND = 1_000_000_000L;

    static List<SessionLog.Record> drain(SessionLog log) {
        List<SessionLog.Record> out = new ArrayList<>();
        SessionLog.Record r = new SessionLog.Record();
        while (log.poll(r)) {
            out.add(r);
            r = new SessionLog.Record();
        }
        return out;
    }

    @Test
    void recordsComeOutAsTheyWentInAcrossTheWrap() {
        SessionLog log = new SessionLog(4, new Counters());
        SessionLog.Record r = new SessionLog.Record();
        for (int round = 0; round < 10; round++) { // 30 records through 4 slots
            for (int i = 0; i < 3; i++) {
                int n = round * 3 + i;
                log.ended(n, of(UDP, HOST, 1000 + n), of(UDP, REMOTE, 53), 40000 + n, SessionLog.Reason.FLUSHED, n * SECOND);
            }
            for (int i = 0; i < 3; i++) {
                int n = round * 3 + i;
                assertThat(log.poll(r)).isTrue();
                assertThat(r.event).isEqualTo(SessionLog.ENDED);
                assertThat(r.reason).isEqualTo(SessionLog.Reason.FLUSHED);
                assertThat(r.id).isEqualTo(n);
                assertThat(r.inside).isEqualTo(of(UDP, HOST, 1000 + n));
                assertThat(r.remote).isEqualTo(of(UDP, REMOTE, 53));
                assertThat(r.externalPort).isEqualTo(40000 + n);
                assertThat(r.nanos).isEqualTo(n * SECOND);
            }
            assertThat(log.poll(r)).isFalse();
        }
        assertThat(log.dropped()).isZero();
    }

    @Test
    void aFullRingDropsAndCountsInsteadOfWaiting() {
        Counters counters = new Counters();
        SessionLog log = new SessionLog(8, counters);
        for (int i = 0; i < 20; i++) {
            log.created(i, of(TCP, HOST, 1000 + i), of(TCP, REMOTE, 80), 2000 + i, i);
        }
        assertThat(counters.get("log.sessions.dropped")).isEqualTo(12);
        List<SessionLog.Record> kept = drain(log);
        assertThat(kept).extracting(r -> r.id).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        // Room again once the writer has read.
        log.created(99, of(TCP, HOST, 9), of(TCP, REMOTE, 80), 9, 99);
        assertThat(drain(log)).extracting(r -> r.id).containsExactly(99);
        assertThat(log.dropped()).isEqualTo(12);
    }

    @Test
    void theProducerAllocatesNothingWhetherTheRingHasRoomOrIsFull() {
        SessionLog log = new SessionLog(1024, new Counters());
        SessionLog.Record r = new SessionLog.Record();
        int[] n = {0};
        Allocations.assertSteadyStateAllocatesNothing("SessionLog created+ended, drained", () -> {
            int i = n[0]++;
            log.created(i, of(UDP, HOST, i & 0xffff), of(UDP, REMOTE, 53), i & 0xffff, i);
            log.ended(i, of(UDP, HOST, i & 0xffff), of(UDP, REMOTE, 53), i & 0xffff, SessionLog.Reason.EXPIRED, i);
            log.poll(r);
            log.poll(r);
        }, 10_000);
        SessionLog full = new SessionLog(2, new Counters());
        Allocations.assertSteadyStateAllocatesNothing("SessionLog created into a full ring", () ->
                full.created(1, of(UDP, HOST, 1), of(UDP, REMOTE, 53), 1, 1), 10_000);
        assertThat(full.dropped()).isPositive();
    }

    static NatEngine engine(Counters counters, ForwardRule... forwards) {
        NatConfig config = NatConfig.defaults()
                .withBehavior(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT)
                .withPorts(1024, 65535).withLimits(1024, 2);
        return new NatEngine(config, Ipv4Address.parse("203.0.113.1"), Ipv4Address.parse("192.168.1.1"),
                List.of(forwards), counters, 1);
    }

    @Test
    void everySessionMadeAndEndedIsReportedWithItsEndpointsAndWhy() {
        Counters counters = new Counters();
        NatEngine nat = engine(counters, new ForwardRule(TCP, 8080, 8080, SERVER, 80));
        SessionLog log = new SessionLog(64, counters);
        NatTable t = nat.table();
        t.log(log);

        // Expired: a UDP session idle past its timeout.
        int udp = t.outbound(of(UDP, HOST, 5000), of(UDP, REMOTE, 53), 0, SECOND);
        int external = t.sessions().externalPort(udp);
        // Closed: a TCP session reset, then out of its transitory timeout.
        int tcp = t.outbound(of(TCP, HOST, 6000), of(TCP, REMOTE, 80), TcpSegment.SYN, SECOND);
        t.inbound(t.sessions().externalPort(tcp), of(TCP, REMOTE, 80), TcpSegment.RST, SECOND);
        long later = NatConfig.defaults().timeouts().udpNanos() + 2 * SECOND;
        assertThat(nat.expire(later)).isEqualTo(2);
        // Reclaimed: a host at its quota (2) with a closed session takes its place.
        int a = t.outbound(of(TCP, HOST, 7000), of(TCP, REMOTE, 80), TcpSegment.SYN, later);
        t.outbound(of(TCP, HOST, 7001), of(TCP, REMOTE, 80), TcpSegment.SYN, later);
        t.inbound(t.sessions().externalPort(a), of(TCP, REMOTE, 80), TcpSegment.RST, later);
        t.outbound(of(TCP, HOST, 7002), of(TCP, REMOTE, 80), TcpSegment.SYN, later);
        // Flushed, and cut by a removed forward.
        t.deleteHost(HOST, later);
        t.forward(8080, of(TCP, SERVER, 80), of(TCP, REMOTE, 40000), TcpSegment.SYN, later);
        nat.policy().removeForward(new ForwardRule(TCP, 8080, 8080, SERVER, 80), later);

        List<String> seen = drain(log).stream().map(r -> (r.event == SessionLog.CREATED ? "created "
                : "ended(" + r.reason.logName() + ") ") + Ipv4Address.toString(Endpoint.address(r.inside))
                + ":" + Endpoint.port(r.inside) + " " + r.externalPort + " " + Ipv4Address.toString(
                Endpoint.address(r.remote)) + ":" + Endpoint.port(r.remote)).toList();
        assertThat(seen).hasSize(12);
        assertThat(seen.subList(0, 8)).containsExactly(
                "created 192.168.1.10:5000 " + external + " 198.51.100.10:53",
                "created 192.168.1.10:6000 6000 198.51.100.10:80",
                // the reset one's transitory timeout (4 min) ends before UDP's (5 min)
                "ended(closed) 192.168.1.10:6000 6000 198.51.100.10:80",
                "ended(expired) 192.168.1.10:5000 " + external + " 198.51.100.10:53",
                "created 192.168.1.10:7000 7000 198.51.100.10:80",
                "created 192.168.1.10:7001 7001 198.51.100.10:80",
                "ended(reclaimed) 192.168.1.10:7000 7000 198.51.100.10:80",
                "created 192.168.1.10:7002 7002 198.51.100.10:80");
        // A flush ends a host's sessions in the table's order, which is the hash's.
        assertThat(seen.subList(8, 10)).containsExactlyInAnyOrder(
                "ended(flushed) 192.168.1.10:7001 7001 198.51.100.10:80",
                "ended(flushed) 192.168.1.10:7002 7002 198.51.100.10:80");
        assertThat(seen.subList(10, 12)).containsExactly(
                "created 192.168.1.20:80 8080 198.51.100.10:40000",
                "ended(forward-removed) 192.168.1.20:80 8080 198.51.100.10:40000");
        assertThat(log.dropped()).isZero();
    }

    @Test
    void atTheStopTheLiveSessionsAreLoggedAsEndedAsRoomAllows() {
        Counters counters = new Counters();
        NatEngine nat = engine(counters);
        SessionLog log = new SessionLog(4, counters);
        NatTable t = nat.table();
        t.log(log);
        int hosts = 3;
        for (int h = 0; h < hosts; h++) {
            for (int p = 0; p < 2; p++) {
                t.outbound(of(UDP, HOST + h, 5000 + p), of(UDP, REMOTE, 53), 0, SECOND);
                drain(log);
            }
        }
        List<SessionLog.Record> stopped = new ArrayList<>();
        int id = 0;
        int rounds = 0;
        while ((id = t.logStopped(id, 2 * SECOND)) < t.sessions().capacity()) {
            stopped.addAll(drain(log)); // the writer reads, and there is room again
            rounds++;
        }
        stopped.addAll(drain(log));
        assertThat(rounds).as("a ring of 4 takes 6 sessions in turns").isGreaterThan(0);
        assertThat(stopped).hasSize(6).allMatch(r -> r.event == SessionLog.ENDED && r.reason == SessionLog.Reason.STOPPED
                && r.nanos == 2 * SECOND);
        assertThat(t.size()).as("nothing is removed").isEqualTo(6);
        assertThat(log.dropped()).isZero();
    }
}
