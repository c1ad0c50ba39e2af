package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import java.util.concurrent.TimeUnit;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.NatConfig.ProtocolBehavior;
import org.jnat.testing.Requirement;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/** One table, three protocols, each with its own mapping, filtering and inbound refresh ([nat.udp], [nat.tcp], [nat.icmp]). */
class ProtocolBehaviorTest {
    static final int X = 0xc0a8010a; // 192.168.1.10
    static final int Y1 = 0xc6336401; // 198.51.100.1
    static final int Y2 = 0xc6336402; // 198.51.100.2
    static final int UDP = IpProtocol.UDP, TCP = IpProtocol.TCP, ICMP = IpProtocol.ICMP;
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /** UDP full cone with inbound refresh off; TCP symmetric with inbound refresh; ICMP address-dependent mapping. */
    static NatConfig mixed() {
        return NatConfig.defaults().withPorts(1024, 65535).withLimits(1024, 64).withProtocols(
                new ProtocolBehavior(Behavior.ENDPOINT_INDEPENDENT, Behavior.ENDPOINT_INDEPENDENT, false),
                new ProtocolBehavior(Behavior.ADDRESS_AND_PORT_DEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, true),
                new ProtocolBehavior(Behavior.ADDRESS_DEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, false));
    }

    /**
     * The defaults: every protocol maps endpoint-independently and filters by address and port; and
     * each protocol has ports of its own, so UDP and TCP from one inside port both keep it.
     */
    @Requirement({"RFC 4787 REQ-1", "RFC 5382 REQ-1", "RFC 5382 REQ-3", "RFC 5508 REQ-1a", "RFC 7857 section 5"})
    @Test
    void everyProtocolIsEndpointIndependentByDefault() {
        NatTable t = new NatTable(NatConfig.defaults(), 1);
        for (int protocol : new int[] {UDP, TCP, ICMP}) {
            int syn = protocol == TCP ? TcpSegment.SYN : 0;
            int remotePort = protocol == ICMP ? 0 : 80;
            int a = t.outbound(of(protocol, X, 5000), of(protocol, Y1, remotePort), syn, 0);
            int b = t.outbound(of(protocol, X, 5000), of(protocol, Y2, remotePort), syn, 0);
            assertThat(t.sessions().externalPort(a)).as("protocol %d keeps the inside port", protocol).isEqualTo(5000);
            assertThat(t.sessions().externalPort(b)).as("protocol %d: one mapping for two remotes", protocol)
                    .isEqualTo(5000);
            if (protocol != ICMP) {
                assertThat(t.inbound(5000, of(protocol, Y1, remotePort + 1), syn, 0))
                        .as("protocol %d: another port of a remote it wrote to is filtered", protocol)
                        .isEqualTo(NatTable.FILTERED);
            }
        }
        NatInvariants.check(t);
    }

    @Requirement({"RFC 5382 REQ-3b", "RFC 7857 section 6"})
    @Test
    void udpIsEndpointIndependentWhileTcpIsAddressAndPortDependent() {
        NatTable t = new NatTable(mixed(), 1);
        int u1 = t.outbound(of(UDP, X, 5000), of(UDP, Y1, 3478), 0, 0);
        int u2 = t.outbound(of(UDP, X, 5000), of(UDP, Y2, 3479), 0, 0);
        int port = t.sessions().externalPort(u1);
        assertThat(t.sessions().externalPort(u2)).as("UDP: one mapping for every remote").isEqualTo(port);
        assertThat(t.inbound(port, of(UDP, Y2, 9999), 0, 0)).as("UDP: any remote may send in").isNotNegative();

        int c1 = t.outbound(of(TCP, X, 5000), of(TCP, Y1, 80), TcpSegment.SYN, 0);
        int c2 = t.outbound(of(TCP, X, 5000), of(TCP, Y1, 81), TcpSegment.SYN, 0);
        assertThat(t.sessions().externalPort(c2)).as("TCP: a mapping per remote endpoint")
                .isNotEqualTo(t.sessions().externalPort(c1));
        assertThat(t.inbound(t.sessions().externalPort(c1), of(TCP, Y2, 80), TcpSegment.SYN, 0))
                .as("TCP: only the remote endpoint it was sent to").isEqualTo(NatTable.FILTERED);
        assertThat(t.filtering(UDP)).isEqualTo(Behavior.ENDPOINT_INDEPENDENT);
        assertThat(t.filtering(TCP)).isEqualTo(Behavior.ADDRESS_AND_PORT_DEPENDENT);
        NatInvariants.check(t);
    }

    @Requirement("RFC 5508 REQ-1a")
    @Test
    void icmpQueriesFollowTheirOwnMappingBehaviour() {
        NatTable t = new NatTable(mixed(), 1);
        int a = t.outbound(of(ICMP, X, 77), of(ICMP, Y1, 0), 0, 0);
        int b = t.outbound(of(ICMP, X, 77), of(ICMP, Y2, 0), 0, 0);
        int c = t.outbound(of(ICMP, X, 77), of(ICMP, Y1, 0), 0, SECOND);
        assertThat(t.sessions().externalPort(b)).as("a new identifier for another address")
                .isNotEqualTo(t.sessions().externalPort(a));
        assertThat(c).as("the same query session for the same address").isEqualTo(a);
    }

    @Requirement("RFC 4787 REQ-6a")
    @Test
    void inboundRefreshIsPerProtocol() {
        NatConfig config = mixed();
        NatTable t = new NatTable(config, 1);
        long udp = config.timeouts().udpNanos();
        int u = t.outbound(of(UDP, X, 5000), of(UDP, Y1, 53), 0, 0);
        int uPort = t.sessions().externalPort(u);
        t.inbound(uPort, of(UDP, Y1, 53), 0, 100 * SECOND);
        assertThat(t.peekOutside(uPort, of(UDP, Y1, 53), udp)).as("UDP inbound did not refresh")
                .isEqualTo(SessionTable.NONE);

        long transitory = config.timeouts().tcpTransitoryNanos();
        int c = t.outbound(of(TCP, X, 6000), of(TCP, Y1, 80), TcpSegment.SYN, 0);
        int cPort = t.sessions().externalPort(c);
        t.inbound(cPort, of(TCP, Y1, 80), TcpSegment.SYN | TcpSegment.ACK, 100 * SECOND);
        assertThat(t.peekOutside(cPort, of(TCP, Y1, 80), transitory)).as("TCP inbound refreshed").isEqualTo(c);
    }
}
