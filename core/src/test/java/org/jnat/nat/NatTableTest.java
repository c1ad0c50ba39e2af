package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.Timeouts;
import org.jnat.testing.Requirement;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NatTableTest {
    static final int X = 0xc0a8010a; // inside host 192.168.1.10
    static final int Y1 = 0xc6336401; // 198.51.100.1
    static final int Y2 = 0xc6336402; // 198.51.100.2
    static final int UDP = IpProtocol.UDP, TCP = IpProtocol.TCP, ICMP = IpProtocol.ICMP;
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    static NatConfig config(Behavior mapping, Behavior filtering) {
        return NatConfig.defaults().withBehavior(mapping, filtering).withLimits(1024, 64);
    }

    static NatConfig small(int maxSessions, int perHost) {
        return NatConfig.defaults().withPorts(1024, 65535).withLimits(maxSessions, perHost);
    }

    static Iterable<Arguments> combinations() {
        var list = new java.util.ArrayList<Arguments>();
        for (Behavior m : Behavior.values()) {
            for (Behavior f : Behavior.values()) {
                list.add(Arguments.of(m, f));
            }
        }
        return list;
    }

    /**
     * RFC 4787 sections 4.1 and 5, observed as a STUN client would: X:x sends to Y1:p1, Y1:p2 and
     * Y2:p1, and looks at the external ports; then Y1:p1, Y1:p3 and Y2:p3 send to the first mapped port.
     */
    @Requirement({"RFC 4787 REQ-1", "RFC 4787 REQ-8", "RFC 5382 REQ-3a", "RFC 6888 REQ-7"})
    @ParameterizedTest(name = "mapping {0}, filtering {1}")
    @MethodSource("combinations")
    void everyMappingAndFilteringCombination(Behavior mapping, Behavior filtering) {
        NatTable t = new NatTable(config(mapping, filtering), 1);
        long now = 0;
        int a = t.outbound(of(UDP, X, 5000), of(UDP, Y1, 3478), 0, now);
        int b = t.outbound(of(UDP, X, 5000), of(UDP, Y1, 3479), 0, now);
        int c = t.outbound(of(UDP, X, 5000), of(UDP, Y2, 3478), 0, now);
        int e1 = t.sessions().externalPort(a);
        int e2 = t.sessions().externalPort(b);
        int e3 = t.sessions().externalPort(c);
        assertThat(e1).as("port preserved for the first mapping").isEqualTo(5000);
        switch (mapping) {
            case ENDPOINT_INDEPENDENT -> {
                assertThat(e2).isEqualTo(e1);
                assertThat(e3).isEqualTo(e1);
            }
            case ADDRESS_DEPENDENT -> {
                assertThat(e2).isEqualTo(e1);
                assertThat(e3).isNotEqualTo(e1);
            }
            case ADDRESS_AND_PORT_DEPENDENT -> assertThat(Set.of(e1, e2, e3)).hasSize(3);
        }
        // Replies from where X sent always come back.
        assertThat(t.inbound(e1, of(UDP, Y1, 3478), 0, now)).isEqualTo(a);
        assertThat(t.inbound(e3, of(UDP, Y2, 3478), 0, now)).isEqualTo(c);

        // Y1 from another port: allowed by endpoint-independent and address-dependent filtering.
        int fromNewPort = t.inbound(e1, of(UDP, Y1, 9999), 0, now);
        // Y3, never contacted through e1: only endpoint-independent filtering lets it in.
        int fromNewAddress = t.inbound(e1, of(UDP, 0xc6336403, 9999), 0, now);
        switch (filtering) {
            case ENDPOINT_INDEPENDENT -> {
                assertThat(fromNewPort).isGreaterThanOrEqualTo(0);
                assertThat(fromNewAddress).isGreaterThanOrEqualTo(0);
            }
            case ADDRESS_DEPENDENT -> {
                assertThat(fromNewPort).isGreaterThanOrEqualTo(0);
                assertThat(fromNewAddress).isEqualTo(NatTable.FILTERED);
            }
            case ADDRESS_AND_PORT_DEPENDENT -> {
                assertThat(fromNewPort).isEqualTo(NatTable.FILTERED);
                assertThat(fromNewAddress).isEqualTo(NatTable.FILTERED);
            }
        }
        if (fromNewPort >= 0) {
            assertThat(t.sessions().insideAddress(fromNewPort)).isEqualTo(X);
            assertThat(t.sessions().insidePort(fromNewPort)).isEqualTo(5000);
            // X's reply to the new remote endpoint goes out through the same external port.
            assertThat(t.outbound(of(UDP, X, 5000), of(UDP, Y1, 9999), 0, now)).isEqualTo(fromNewPort);
        }
        assertThat(t.inbound(4242, of(UDP, Y1, 3478), 0, now)).as("an unmapped port").isEqualTo(NatTable.NO_MAPPING);
    }

    @Requirement({"RFC 4787 REQ-3", "RFC 7857 section 3"})
    @Test
    void twoInsideEndpointsNeverShareAnExternalPort() {
        NatTable t = new NatTable(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ENDPOINT_INDEPENDENT), 1);
        int a = t.outbound(of(UDP, X, 5000), of(UDP, Y1, 53), 0, 0);
        int b = t.outbound(of(UDP, X + 1, 5000), of(UDP, Y1, 53), 0, 0);
        assertThat(t.sessions().externalPort(a)).isEqualTo(5000);
        assertThat(t.sessions().externalPort(b)).isNotEqualTo(5000);
        assertThat(t.inbound(t.sessions().externalPort(b), of(UDP, Y1, 53), 0, 0)).isEqualTo(b);
    }

    @Requirement({"RFC 4787 REQ-5", "RFC 4787 REQ-5c", "RFC 4787 REQ-6"})
    @Test
    void udpExpiresAtTheConfiguredTimeoutAndOutboundRefreshes() {
        NatTable t = new NatTable(small(16, 16), 1);
        long udp = Timeouts.defaults().udpNanos();
        int id = t.outbound(of(UDP, X, 5000), of(UDP, Y1, 53), 0, 0);
        t.outbound(of(UDP, X, 5000), of(UDP, Y1, 53), 0, 100 * SECOND); // refresh (REQ-6)
        t.expire(100 * SECOND + udp - 1);
        assertThat(t.peekOutside(5000, of(UDP, Y1, 53), 100 * SECOND + udp - 1)).isEqualTo(id);
        t.expire(100 * SECOND + udp);
        assertThat(t.size()).isZero();
        assertThat(t.sessionsOf(X)).isZero();
        assertThat(t.mappings().size()).isZero();
    }

    @Requirement({"RFC 4787 REQ-6a", "RFC 7857 section 7"})
    @Test
    void inboundDoesNotRefreshUnlessConfigured() {
        NatTable t = new NatTable(small(16, 16), 1);
        long udp = Timeouts.defaults().udpNanos();
        t.outbound(of(UDP, X, 5000), of(UDP, Y1, 53), 0, 0);
        t.inbound(5000, of(UDP, Y1, 53), 0, 200 * SECOND);
        assertThat(t.inbound(5000, of(UDP, Y1, 53), 0, udp)).as("expired at the timeout of the outbound packet")
                .isEqualTo(NatTable.NO_MAPPING);

        NatTable r = new NatTable(small(16, 16).withInboundRefresh(true), 1);
        int id = r.outbound(of(UDP, X, 5000), of(UDP, Y1, 53), 0, 0);
        r.inbound(5000, of(UDP, Y1, 53), 0, 200 * SECOND);
        assertThat(r.inbound(5000, of(UDP, Y1, 53), 0, udp)).isEqualTo(id);
    }

    @Requirement({"RFC 5508 REQ-2", "RFC 7857 section 11"})
    @Test
    void icmpQueriesExpireAfterTheirTimeout() {
        NatTable t = new NatTable(small(16, 16), 1);
        long icmp = Timeouts.defaults().icmpNanos();
        int id = t.outbound(of(ICMP, X, 5), of(ICMP, Y1, 0), 0, 0);
        int ext = t.sessions().externalPort(id);
        assertThat(t.peekOutside(ext, of(ICMP, Y1, 0), icmp - 1)).isEqualTo(id);
        assertThat(t.peekOutside(ext, of(ICMP, Y1, 0), icmp)).isEqualTo(NatTable.NONE);
        t.expire(icmp);
        assertThat(t.size()).isZero();
    }

    /** A segment of the TCP connection X:40000 - Y1:80, outbound or inbound (its external port is 40000). */
    static int segment(NatTable t, boolean outbound, int flags, long now) {
        return outbound ? t.outbound(of(TCP, X, 40000), of(TCP, Y1, 80), flags, now)
                : t.inbound(40000, of(TCP, Y1, 80), flags, now);
    }

    @Requirement({"RFC 5382 REQ-5", "RFC 7857 section 2.1", "RFC 7857 section 2.2"})
    @Test
    void tcpTimeoutsFollowTheState() {
        Timeouts to = Timeouts.defaults();
        NatTable t = new NatTable(small(16, 16), 1);
        int id = segment(t, true, TcpSegment.SYN, 0);
        assertThat(t.sessions().expiry(id)).isEqualTo(to.tcpTransitoryNanos());
        segment(t, false, TcpSegment.SYN | TcpSegment.ACK, SECOND);
        segment(t, true, TcpSegment.ACK, 2 * SECOND);
        assertThat(t.sessions().expiry(id)).isEqualTo(2 * SECOND + to.tcpEstablishedNanos());
        // A RST from outside cuts it to transitory even though inbound does not refresh (RFC 7857 2.2).
        segment(t, false, TcpSegment.RST, 3 * SECOND);
        assertThat(t.sessions().expiry(id)).isEqualTo(3 * SECOND + to.tcpTransitoryNanos());
        t.expire(3 * SECOND + to.tcpTransitoryNanos());
        assertThat(t.size()).isZero();
    }

    @Requirement("RFC 7857 section 2.1")
    @Test
    void finsFromBothSidesEndInTransitory() {
        Timeouts to = Timeouts.defaults();
        NatTable t = new NatTable(small(16, 16), 1);
        int id = segment(t, true, TcpSegment.SYN, 0);
        segment(t, false, TcpSegment.SYN | TcpSegment.ACK, 0);
        segment(t, true, TcpSegment.FIN | TcpSegment.ACK, SECOND);
        assertThat(t.sessions().expiry(id)).isEqualTo(SECOND + to.tcpEstablishedNanos());
        segment(t, false, TcpSegment.FIN | TcpSegment.ACK, 2 * SECOND);
        assertThat(t.sessions().expiry(id)).isEqualTo(2 * SECOND + to.tcpTransitoryNanos());
    }

    @Test
    void aRstNeverSetsUpASession() {
        NatTable t = new NatTable(small(16, 16), 1);
        assertThat(segment(t, true, TcpSegment.RST, 0)).isEqualTo(NatTable.NONE);
        assertThat(t.size()).isZero();
    }

    @Requirement({"RFC 6888 REQ-4", "RFC 6888 REQ-5", "RFC 6888 REQ-11"})
    @Test
    void quotasRefuseWithoutEvicting() {
        NatTable t = new NatTable(small(8, 3), 1);
        for (int i = 0; i < 3; i++) {
            assertThat(t.outbound(of(UDP, X, 5000 + i), of(UDP, Y1, 53), 0, 0)).isGreaterThanOrEqualTo(0);
        }
        assertThat(t.outbound(of(UDP, X, 6000), of(UDP, Y1, 53), 0, 0)).isEqualTo(NatTable.HOST_QUOTA);
        for (int h = 1; h <= 5; h++) {
            assertThat(t.outbound(of(UDP, X + h, 5000), of(UDP, Y1, 53), 0, 0)).isGreaterThanOrEqualTo(0);
        }
        assertThat(t.outbound(of(UDP, X + 9, 5000), of(UDP, Y1, 53), 0, 0)).isEqualTo(NatTable.TABLE_FULL);
        assertThat(t.size()).isEqualTo(8);
        assertThat(t.sessionsOf(X)).isEqualTo(3);
    }

    @Test
    void portExhaustionRefusesCleanly() {
        NatTable t = new NatTable(NatConfig.defaults().withPorts(2000, 2003).withLimits(64, 64), 1);
        for (int i = 0; i < 4; i++) {
            assertThat(t.outbound(of(UDP, X + i, 7000), of(UDP, Y1, 53), 0, 0)).isGreaterThanOrEqualTo(0);
        }
        assertThat(t.outbound(of(UDP, X + 4, 7000), of(UDP, Y1, 53), 0, 0)).isEqualTo(NatTable.NO_PORT);
        assertThat(t.mappings().size()).isEqualTo(4);
        // Another session of an existing mapping still works: it needs no new port.
        assertThat(t.outbound(of(UDP, X, 7000), of(UDP, Y2, 53), 0, 0)).isGreaterThanOrEqualTo(0);
    }

    /**
     * The mapping table holds only as many mappings as the port range has owners (one per port and
     * protocol, plus one): with every port of every protocol mapped, a new mapping is refused for
     * want of a port, as before, never for want of a mapping row, and a freed port serves again.
     */
    @Requirement({"RFC 5382 REQ-7", "RFC 7857 section 5"})
    @Test
    void everyPortOfEveryProtocolMappedRefusesForWantOfAPort() {
        NatTable t = new NatTable(NatConfig.defaults()
                .withBehavior(Behavior.ADDRESS_AND_PORT_DEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT)
                .withPorts(2000, 2001).withLimits(64, 64), 1);
        assertThat(t.mappings().capacity()).isEqualTo(3 * 2 + 1);
        int first = -1;
        for (int protocol : new int[] {UDP, TCP, ICMP}) {
            for (int i = 0; i < 2; i++) {
                // A new remote port (ICMP: a new inside host) needs a mapping, and so a port, of its own.
                int id = protocol == ICMP ? t.outbound(of(ICMP, X + i, 2000), of(ICMP, Y1, 0), 0, 0)
                        : t.outbound(of(protocol, X, 2000), of(protocol, Y1, 1 + i), TcpSegment.SYN, 0);
                assertThat(id).isGreaterThanOrEqualTo(0);
                first = first < 0 ? id : first;
            }
            assertThat(t.outbound(of(protocol, X + 7, 2000), of(protocol, Y2, protocol == ICMP ? 0 : 9),
                    TcpSegment.SYN, 0))
                    .isEqualTo(NatTable.NO_PORT);
        }
        assertThat(t.mappings().size()).isEqualTo(6);
        assertThat(t.dmz(2000, X + 9, of(UDP, Y2, 7), 0, 0)).as("the DMZ host's port is taken")
                .isEqualTo(NatTable.NO_PORT);
        assertThat(t.mappings().size()).isEqualTo(6);
        t.delete(first, 0);
        assertThat(t.outbound(of(UDP, X, 2000), of(UDP, Y2, 9), 0, 0)).isGreaterThanOrEqualTo(0);
        assertThat(t.mappings().size()).isEqualTo(6);
    }

    @Test
    void deletingAHostFreesBothDirectionsAndItsPorts() {
        NatTable t = new NatTable(small(64, 64), 1);
        int a = t.outbound(of(UDP, X, 5000), of(UDP, Y1, 53), 0, 0);
        t.outbound(of(TCP, X, 40000), of(TCP, Y2, 443), TcpSegment.SYN, 0);
        int other = t.outbound(of(UDP, X + 1, 5001), of(UDP, Y1, 53), 0, 0);
        int ext = t.sessions().externalPort(a);
        assertThat(t.deleteHost(X, 0)).isEqualTo(2);
        assertThat(t.peekInside(of(UDP, X, 5000), of(UDP, Y1, 53), 0)).isEqualTo(NatTable.NONE);
        assertThat(t.peekOutside(ext, of(UDP, Y1, 53), 0)).isEqualTo(NatTable.NONE);
        assertThat(t.peekOutside(40000, of(TCP, Y2, 443), 0)).isEqualTo(NatTable.NONE);
        assertThat(t.ports().owner(UDP, ext)).isEqualTo(PortAllocator.FREE);
        assertThat(t.peekInside(of(UDP, X + 1, 5001), of(UDP, Y1, 53), 0)).isEqualTo(other);
        assertThat(t.size()).isEqualTo(1);
    }

    @Test
    void forwardAndDmzSessions() {
        NatTable t = new NatTable(small(64, 64), 1);
        t.ports().reserve(TCP, 8080);
        int f = t.forward(8080, of(TCP, X, 80), of(TCP, Y1, 50000), TcpSegment.SYN, 0);
        assertThat(t.peekOutside(8080, of(TCP, Y1, 50000), 0)).isEqualTo(f);
        assertThat(t.outbound(of(TCP, X, 80), of(TCP, Y1, 50000), TcpSegment.SYN | TcpSegment.ACK, 0)).isEqualTo(f);
        assertThat(t.sessions().mapping(f)).isEqualTo(MappingTable.NONE);
        int d = t.dmz(7777, X + 5, of(UDP, Y2, 1234), 0, 0);
        assertThat(t.sessions().externalPort(d)).isEqualTo(7777);
        assertThat(t.ports().owner(UDP, 7777)).isEqualTo(t.sessions().mapping(d));
        // The DMZ host's own outbound traffic from that port uses the same mapping.
        int back = t.outbound(of(UDP, X + 5, 7777), of(UDP, Y1, 99), 0, 0);
        assertThat(t.sessions().externalPort(back)).isEqualTo(7777);
        t.delete(f, 0);
        assertThat(t.ports().owner(TCP, 8080)).as("a forward keeps its port").isEqualTo(PortAllocator.RESERVED);
    }

    /** mirage-nat's "500 random flows into a small table": a clean refusal, nothing evicted, no crash. */
    @Test
    void fiveHundredRandomFlowsIntoASmallTable() {
        NatTable t = new NatTable(small(200, 50), 1);
        SplittableRandom r = new SplittableRandom(500);
        Map<Integer, int[]> admitted = new HashMap<>();
        int refused = 0;
        for (int i = 0; i < 500; i++) {
            int proto = new int[] {UDP, TCP, ICMP}[r.nextInt(3)];
            int in = 0xc0a80100 + r.nextInt(8);
            int inPort = 1 + r.nextInt(65535);
            int remote = r.nextInt();
            int remotePort = proto == ICMP ? 0 : 1 + r.nextInt(65535);
            int id = t.outbound(of(proto, in, inPort), of(proto, remote, remotePort),
                    proto == TCP ? TcpSegment.SYN : 0, 0);
            if (id >= 0) {
                admitted.put(id, new int[] {proto, in, inPort, remote, remotePort});
            } else {
                assertThat(id).isIn(NatTable.TABLE_FULL, NatTable.HOST_QUOTA);
                refused++;
            }
        }
        assertThat(refused).isGreaterThan(0);
        assertThat(t.size()).isEqualTo(admitted.size()).isLessThanOrEqualTo(200);
        for (var e : admitted.entrySet()) {
            int[] k = e.getValue();
            assertThat(t.peekInside(of(k[0], k[1], k[2]), of(k[0], k[3], k[4]), 0)).as("nothing evicted")
                    .isEqualTo(e.getKey());
        }
    }

    /** Random traffic, expiry and deletions: no external port of one protocol ever has two inside endpoints. */
    @Requirement({"RFC 4787 REQ-3", "RFC 5382 REQ-7"})
    @Test
    void randomChurnNeverOverloadsAPort() {
        for (Behavior m : Behavior.values()) {
            NatTable t = new NatTable(NatConfig.defaults().withBehavior(m, Behavior.ENDPOINT_INDEPENDENT)
                    .withPorts(1024, 1100).withLimits(256, 64), 3);
            SplittableRandom r = new SplittableRandom(m.ordinal());
            long now = 0;
            for (int step = 0; step < 20_000; step++) {
                now += r.nextLong(SECOND * 5);
                int proto = r.nextBoolean() ? UDP : TCP;
                if (r.nextInt(3) == 0) {
                    t.inbound(1024 + r.nextInt(77), of(proto, Y1 + r.nextInt(3), 1 + r.nextInt(3)), 0, now);
                } else {
                    t.outbound(of(proto, X + r.nextInt(8), 1000 + r.nextInt(16)),
                            of(proto, Y1 + r.nextInt(3), 1 + r.nextInt(3)), proto == TCP ? TcpSegment.SYN : 0, now);
                }
                if (r.nextInt(50) == 0) {
                    t.expire(now);
                }
                if (step % 997 == 0) {
                    Map<Long, Long> owner = new HashMap<>();
                    Set<Integer> live = new HashSet<>();
                    for (int id = 0; id < t.sessions().capacity(); id++) {
                        if (!t.sessions().isLive(id)) {
                            continue;
                        }
                        live.add(id);
                        long ext = ((long) t.sessions().protocol(id) << 16) | t.sessions().externalPort(id);
                        long inside = ((long) t.sessions().insideAddress(id) << 16) | t.sessions().insidePort(id);
                        Long prior = owner.putIfAbsent(ext, inside);
                        assertThat(prior == null || prior == inside).as("REQ-3: no port overloading").isTrue();
                    }
                    assertThat(live).hasSize(t.size());
                }
            }
        }
    }

    /** The memory figure: bytes of all tables per session at max-sessions = 2^20 (the aim: at most 128). */
    @Test
    void memoryPerSessionAtOneMillion() {
        NatTable t = new NatTable(NatConfig.defaults(), 1);
        double perSession = (double) t.bytes() / NatConfig.defaults().maxSessions();
        System.out.printf("nat: %d bytes of tables for %d sessions = %.1f bytes per session%n", t.bytes(),
                NatConfig.defaults().maxSessions(), perSession);
        assertThat(perSession).isLessThanOrEqualTo(128.0);
    }

    /** The same figure with address-dependent filtering, which adds the filter table. */
    @Test
    void memoryPerSessionAtOneMillionWithAddressDependentFiltering() {
        NatConfig adf = NatConfig.defaults().withBehavior(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_DEPENDENT);
        NatTable t = new NatTable(adf, 1);
        double perSession = (double) t.bytes() / adf.maxSessions();
        System.out.printf("nat (address-dependent filtering): %d bytes of tables for %d sessions = %.1f bytes per"
                + " session%n", t.bytes(), adf.maxSessions(), perSession);
        assertThat(perSession).isLessThanOrEqualTo(128.0);
    }

    @Requirement({"RFC 4787 REQ-5b", "RFC 5382 REQ-5a", "RFC 5508 REQ-2a"})
    @Test
    void configuredTimeoutsAreTheOnesUsed() {
        Timeouts custom = new Timeouts(30 * SECOND, 600 * SECOND, 20 * SECOND, 10 * SECOND);
        NatTable t = new NatTable(small(64, 64).withTimeouts(custom), 1);
        int udp = t.outbound(of(UDP, X, 5000), of(UDP, Y1, 53), 0, 0);
        int icmp = t.outbound(of(ICMP, X, 7), of(ICMP, Y1, 0), 0, 0);
        int tcp = t.outbound(of(TCP, X, 40000), of(TCP, Y1, 443), TcpSegment.SYN, 0);
        assertThat(t.sessions().expiry(udp)).isEqualTo(30 * SECOND);
        assertThat(t.sessions().expiry(icmp)).isEqualTo(10 * SECOND);
        assertThat(t.sessions().expiry(tcp)).isEqualTo(20 * SECOND);
        t.inbound(t.sessions().externalPort(tcp), of(TCP, Y1, 443), TcpSegment.SYN | TcpSegment.ACK, SECOND);
        t.outbound(of(TCP, X, 40000), of(TCP, Y1, 443), TcpSegment.ACK, SECOND);
        assertThat(t.sessions().expiry(tcp)).isEqualTo(601 * SECOND);
        assertThat(t.expire(10 * SECOND)).isEqualTo(1);
        assertThat(t.expire(30 * SECOND)).isEqualTo(1);
        assertThat(t.expire(601 * SECOND - 1)).isZero();
        assertThat(t.expire(601 * SECOND)).isEqualTo(1);
        assertThat(t.size()).isZero();
    }
}
