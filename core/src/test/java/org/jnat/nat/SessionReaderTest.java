package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.nat.SessionReader.Chunk;
import org.jnat.nat.SessionReader.Filter;
import org.jnat.runtime.ManualClock;
import org.jnat.testing.Allocations;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * The control plane's chunked reads of real session tables ({@link SessionReader}): every live
 * session once across chunks, the filters, the fields (state, idle, expiry), the flush of
 * one host in parts, the gauges and the busiest hosts.
 */
class SessionReaderTest {
    static final int UDP = IpProtocol.UDP, TCP = IpProtocol.TCP, ICMP = IpProtocol.ICMP;
    static final long SECOND = 1_000_000_000L;
    static final int HOST = Ipv4Address.parse("10.0.0.1");
    static final int REMOTE = Ipv4Address.parse("198.51.100.1");

    final ManualClock clock = new ManualClock(1000 * SECOND);

    static NatConfig config(int maxSessions) {
        return NatConfig.defaults().withBehavior(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT)
                .withPorts(1024, 65535).withLimits(maxSessions, maxSessions);
    }

    /** {@code n} UDP sessions: host 10.0.(i/250).(i%250+1), port 1024 + i, to 198.51.100.1:53. */
    NatTable udpTable(int n) {
        NatTable t = new NatTable(config(n + 100), 1);
        for (int i = 0; i < n; i++) {
            assertThat(t.outbound(of(UDP, host(i), 1024 + i), of(UDP, REMOTE, 53), 0, clock.nanos())).isNotNegative();
        }
        return t;
    }

    static int host(int i) {
        return HOST + ((i / 250) << 8) + i % 250;
    }

    /** Every matching session, walked the way the control plane walks it, room sessions per call. */
    static List<long[]> walk(NatTable t, Filter filter, int room, long now, int[] calls, long[] total) {
        Chunk chunk = new Chunk(room);
        List<long[]> out = new ArrayList<>();
        while (!chunk.done()) {
            t.reader().copy(filter, chunk, now);
            calls[0]++;
            total[0] += chunk.matched;
            for (int k = 0; k < chunk.copied; k++) {
                long[] row = new long[SessionReader.FIELDS];
                System.arraycopy(chunk.rows, k * SessionReader.FIELDS, row, 0, SessionReader.FIELDS);
                out.add(row);
            }
        }
        return out;
    }

    static List<long[]> walk(NatTable t, Filter filter, long now) {
        return walk(t, filter, SessionReader.ROWS_PER_CALL, now, new int[1], new long[1]);
    }

    @Test
    void aWalkInChunksSeesEverySessionOnce() {
        NatTable t = udpTable(10_000);
        int[] calls = new int[1];
        long[] total = new long[1];
        List<long[]> rows = walk(t, Filter.ALL, SessionReader.ROWS_PER_CALL, clock.nanos(), calls, total);
        assertThat(rows).hasSize(10_000);
        assertThat(total[0]).isEqualTo(10_000);
        assertThat(calls[0]).as("one call per %d rows", SessionReader.ROWS_PER_CALL)
                .isEqualTo((t.sessions().capacity() + SessionReader.ROWS_PER_CALL - 1) / SessionReader.ROWS_PER_CALL);
        Set<Long> insidePorts = new HashSet<>();
        for (long[] r : rows) {
            assertThat(r[SessionReader.PROTOCOL]).isEqualTo(UDP);
            int i = (int) r[SessionReader.INSIDE_PORT] - 1024;
            assertThat((int) r[SessionReader.INSIDE_ADDRESS]).isEqualTo(host(i));
            assertThat(r[SessionReader.EXTERNAL_PORT]).as("port preserved").isEqualTo(1024 + i);
            assertThat((int) r[SessionReader.REMOTE_ADDRESS]).isEqualTo(REMOTE);
            assertThat(r[SessionReader.REMOTE_PORT]).isEqualTo(53);
            assertThat(r[SessionReader.EXPIRES_IN_NANOS]).isEqualTo(NatConfig.defaults().timeouts().udpNanos());
            assertThat(r[SessionReader.IDLE_NANOS]).isZero();
            insidePorts.add(r[SessionReader.INSIDE_PORT]);
        }
        assertThat(insidePorts).hasSize(10_000);
    }

    @Test
    void roomCapsWhatIsCopiedButTheTotalCountsEveryMatch() {
        NatTable t = udpTable(3000);
        long[] total = new long[1];
        Chunk chunk = new Chunk(7);
        int copied = 0;
        while (!chunk.done()) {
            t.reader().copy(Filter.ALL, chunk, clock.nanos());
            assertThat(chunk.copied).isLessThanOrEqualTo(7);
            copied += chunk.copied;
            total[0] += chunk.matched;
        }
        assertThat(total[0]).isEqualTo(3000);
        assertThat(copied).isEqualTo(7 * ((t.sessions().capacity() + SessionReader.ROWS_PER_CALL - 1)
                / SessionReader.ROWS_PER_CALL));
    }

    @Test
    void filtersByHostProtocolAndAnyOfThePorts() {
        NatTable t = udpTable(500);
        long now = clock.nanos();
        int other = Ipv4Address.parse("10.9.9.9");
        int tcp = t.outbound(of(TCP, other, 40000), of(TCP, REMOTE, 443), TcpSegment.SYN, now);
        int icmp = t.outbound(of(ICMP, other, 77), of(ICMP, REMOTE, 0), 0, now);
        assertThat(tcp).isNotNegative();
        assertThat(icmp).isNotNegative();

        assertThat(walk(t, new Filter(host(3), 0, -1), now)).singleElement()
                .satisfies(r -> assertThat(r[SessionReader.INSIDE_PORT]).isEqualTo(1027));
        assertThat(walk(t, new Filter(other, 0, -1), now)).hasSize(2);
        assertThat(walk(t, new Filter(0, TCP, -1), now)).singleElement()
                .satisfies(r -> assertThat(r[SessionReader.REMOTE_PORT]).isEqualTo(443));
        assertThat(walk(t, new Filter(0, ICMP, -1), now)).singleElement()
                .satisfies(r -> assertThat(r[SessionReader.INSIDE_PORT]).isEqualTo(77));
        assertThat(walk(t, new Filter(0, UDP, -1), now)).hasSize(500);
        assertThat(walk(t, new Filter(0, 0, 53), now)).as("remote port").hasSize(500);
        assertThat(walk(t, new Filter(0, 0, 443), now)).as("remote port of the TCP one").hasSize(1);
        assertThat(walk(t, new Filter(0, 0, 1100), now)).as("inside (and external) port").hasSize(1);
        int external = t.sessions().externalPort(tcp);
        assertThat(walk(t, new Filter(0, 0, external), now)).as("external port %d", external)
                .anySatisfy(r -> assertThat(r[SessionReader.PROTOCOL]).isEqualTo(TCP));
        assertThat(walk(t, new Filter(other, UDP, -1), now)).isEmpty();
        assertThat(walk(t, new Filter(host(3), UDP, 9), now)).isEmpty();
    }

    @Test
    void idleAndExpiryFollowTheClockAndAnExpiredSessionIsNotListed() {
        NatTable t = udpTable(2);
        long udp = NatConfig.defaults().timeouts().udpNanos();
        clock.advance(30 * SECOND);
        t.outbound(of(UDP, host(1), 1025), of(UDP, REMOTE, 53), 0, clock.nanos()); // refreshes the second
        clock.advance(10 * SECOND);
        List<long[]> rows = walk(t, Filter.ALL, clock.nanos());
        assertThat(rows).hasSize(2);
        for (long[] r : rows) {
            long idle = r[SessionReader.INSIDE_PORT] == 1024 ? 40 * SECOND : 10 * SECOND;
            assertThat(r[SessionReader.IDLE_NANOS]).isEqualTo(idle);
            assertThat(r[SessionReader.EXPIRES_IN_NANOS]).isEqualTo(udp - idle);
        }
        clock.advance(udp - 40 * SECOND); // the first is past its expiry; the wheel has not run
        assertThat(t.size()).isEqualTo(2);
        assertThat(walk(t, Filter.ALL, clock.nanos())).singleElement()
                .satisfies(r -> assertThat(r[SessionReader.INSIDE_PORT]).isEqualTo(1025));
    }

    @Test
    void tcpStatesAreNamedAsConntrackNamesThem() {
        NatTable t = new NatTable(config(64), 1);
        long now = clock.nanos();
        long inside = of(TCP, HOST, 40000);
        long remote = of(TCP, REMOTE, 80);
        int id = t.outbound(inside, remote, TcpSegment.SYN, now);
        int external = t.sessions().externalPort(id);
        assertThat(phase(t, id)).isEqualTo("SYN_SENT");
        t.inbound(external, remote, TcpSegment.SYN | TcpSegment.ACK, now);
        assertThat(phase(t, id)).isEqualTo("ESTABLISHED");
        t.outbound(inside, remote, TcpSegment.FIN | TcpSegment.ACK, now);
        assertThat(phase(t, id)).isEqualTo("FIN_WAIT");
        t.inbound(external, remote, TcpSegment.FIN | TcpSegment.ACK, now);
        assertThat(phase(t, id)).isEqualTo("TIME_WAIT");
        t.outbound(inside, remote, TcpSegment.RST, now);
        assertThat(phase(t, id)).isEqualTo("CLOSE");
        NatInvariants.check(t); // the gauges followed every change
        long[] g = new long[SessionReader.GAUGES];
        t.reader().gauges(g);
        assertThat(g[TcpTracker.CLOSE]).isEqualTo(1);
        assertThat(g[TcpTracker.ESTABLISHED]).isZero();
    }

    private String phase(NatTable t, int id) {
        List<long[]> rows = walk(t, Filter.ALL, clock.nanos());
        assertThat(rows).hasSize(1);
        int flags = (int) rows.getFirst()[SessionReader.FLAGS];
        assertThat(flags).isEqualTo(t.sessions().flags(id));
        return TcpTracker.PHASES.get(TcpTracker.phase(flags & TcpTracker.STATE_MASK));
    }

    @Test
    void flushingAHostGoesInPartsAndLeavesTheOthers() {
        NatTable t = new NatTable(config(20_000), 1);
        long now = clock.nanos();
        int victim = Ipv4Address.parse("10.1.1.1");
        for (int i = 0; i < 5000; i++) {
            t.outbound(of(UDP, victim, 1024 + i), of(UDP, REMOTE, 53), 0, now);
            t.outbound(of(UDP, host(i), 1024 + i), of(UDP, REMOTE, 53), 0, now);
        }
        Chunk chunk = new Chunk(0);
        long removed = 0;
        int calls = 0;
        while (!chunk.done()) {
            t.reader().flushHost(victim, chunk, now);
            removed += chunk.matched;
            calls++;
        }
        assertThat(removed).isEqualTo(5000);
        assertThat(calls).as("calls of %d rows", SessionReader.FLUSH_ROWS_PER_CALL).isGreaterThan(1);
        assertThat(t.sessionsOf(victim)).isZero();
        assertThat(t.size()).isEqualTo(5000);
        NatInvariants.check(t);
        Chunk again = new Chunk(0);
        t.reader().flushHost(victim, again, now);
        assertThat(again.matched).isZero();
        assertThat(again.done()).as("a host without sessions ends the walk at once").isTrue();
    }

    @Test
    void gaugesCountByKindAndPortsInUse() {
        NatTable t = udpTable(300);
        long now = clock.nanos();
        t.outbound(of(TCP, HOST, 40000), of(TCP, REMOTE, 443), TcpSegment.SYN, now);
        t.outbound(of(ICMP, HOST, 9), of(ICMP, REMOTE, 0), 0, now);
        long[] g = new long[SessionReader.GAUGES];
        t.reader().gauges(g);
        assertThat(g[SessionReader.GAUGE_UDP]).isEqualTo(300);
        assertThat(g[SessionReader.GAUGE_ICMP]).isEqualTo(1);
        assertThat(g[TcpTracker.SYN_SENT]).isEqualTo(1);
        assertThat(g[SessionReader.GAUGE_SESSIONS]).isEqualTo(302);
        assertThat(g[SessionReader.GAUGE_MAX_SESSIONS]).isEqualTo(400);
        assertThat(g[SessionReader.GAUGE_HOSTS]).isEqualTo(300);
        assertThat(t.reader().portsInUse(UDP)).isEqualTo(300);
        assertThat(t.reader().portsInUse(TCP)).isEqualTo(1);
        assertThat(t.reader().portsInUse(ICMP)).isEqualTo(1);
        assertThat(t.reader().portRangeSize()).isEqualTo(65535 - 1024 + 1);
    }

    @Test
    void theBusiestHostsComeFirstAcrossChunks() {
        NatTable t = new NatTable(config(60_000), 1);
        long now = clock.nanos();
        // Host i holds i + 1 sessions, for 300 hosts: 45 150 sessions, spread over many slots.
        for (int i = 0; i < 300; i++) {
            for (int k = 0; k <= i; k++) {
                t.outbound(of(UDP, host(i), 2000 + k), of(UDP, REMOTE, 53), 0, now);
            }
        }
        Chunk chunk = new Chunk(5);
        int calls = 0;
        while (!chunk.done()) {
            t.reader().topHosts(chunk);
            calls++;
        }
        assertThat(calls).isGreaterThan(1);
        assertThat(chunk.copied).isEqualTo(5);
        for (int k = 0; k < 5; k++) {
            long e = chunk.rows[k];
            assertThat(e >>> 32).isEqualTo(300 - k);
            assertThat((int) e).isEqualTo(host(299 - k));
        }
    }

    @Test
    void aListingCallAllocatesNothing() {
        NatTable t = udpTable(5000);
        Chunk chunk = new Chunk(SessionReader.ROWS_PER_CALL);
        Filter filter = new Filter(0, UDP, -1);
        long now = clock.nanos();
        Allocations.assertSteadyStateAllocatesNothing("a chunked listing", () -> {
            chunk.next = 0;
            chunk.end = Integer.MAX_VALUE;
            while (!chunk.done()) {
                t.reader().copy(filter, chunk, now);
            }
        }, 20);
    }
}
