package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jnat.nat.NatEngineTest.PUBLIC;
import static org.jnat.nat.NatEngineTest.assertForwarded;
import static org.jnat.testing.Frames.IP;
import static org.jnat.testing.FrameFields.sourcePort;

import java.util.List;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.NatConfig.Unmatched;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * The inbound policy changed at run time, as the control plane and PCP will change it (on the
 * data-plane thread, between packets): forwards added and removed, the DMZ host and
 * {@code unmatched} changed. Each change takes effect for the next packet, keeps the guarantees a
 * configured policy has (a forwarded port never goes to a mapping, REQ-3), and the packet path still
 * allocates nothing.
 */
class InboundPolicyTest {
    /** Inside: two servers and a host. Outside: two clients. */
    static final int SERVER = Ipv4Address.parse("192.168.1.20"), OTHER_SERVER = Ipv4Address.parse("192.168.1.21"),
            HOST = Ipv4Address.parse("192.168.1.5");
    static final int CLIENT = Ipv4Address.parse("198.51.100.10"), SECOND_CLIENT = Ipv4Address.parse("198.51.100.11");
    static final long SECOND = 1_000_000_000L;
    static final ForwardRule WEB = new ForwardRule(IpProtocol.TCP, 8080, 8080, SERVER, 80);

    final Counters counters = new Counters();

    NatEngine engine(Unmatched unmatched, int dmz, ForwardRule... forwards) {
        return new NatEngine(NatEngineTest.config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT,
                1024, 256, unmatched, dmz), PUBLIC, NatEngineTest.ROUTER_INSIDE, List.of(forwards), counters, 7);
    }

    /** The external port {@code host:port}'s new connection to CLIENT:443 goes out from. */
    static int externalPortOf(NatEngine nat, int host, int port, long now) {
        PacketBuffer syn = Frames.tcpPacket(host, port, CLIENT, 443, TcpSegment.SYN, 0);
        assertThat(nat.outbound(syn, IP, now)).isEqualTo(NatVerdict.FORWARD);
        return sourcePort(syn);
    }

    /** The owner of {@code protocol} port {@code port}: a mapping, free or reserved for a forward. */
    static int owner(NatEngine nat, int protocol, int port) {
        return nat.table().ports().owner(protocol, port);
    }

    static PacketBuffer synTo(int port) {
        return Frames.tcpPacket(CLIENT, 50000, PUBLIC, port, TcpSegment.SYN, 0);
    }

    @Test
    void aForwardAddedAtRunTimeTakesTheNextPacketAndKeepsItsPortFromMappings() {
        NatEngine nat = engine(Unmatched.DROP, 0);
        assertThat(nat.inbound(synTo(8080), IP, 0)).isEqualTo(NatVerdict.DROP);

        nat.policy().addForward(WEB);
        assertThat(nat.policy().forwards()).containsExactly(WEB);
        assertThat(owner(nat, IpProtocol.TCP, 8080)).isEqualTo(PortAllocator.RESERVED);
        PacketBuffer syn = synTo(8080);
        assertForwarded(nat.inbound(syn, IP, SECOND), syn, CLIENT, 50000, SERVER, 80);
        assertThat(counters.get("nat.sessions.forwarded")).isEqualTo(1);
        PacketBuffer synAck = Frames.tcpPacket(SERVER, 80, CLIENT, 50000, TcpSegment.SYN | TcpSegment.ACK, 0);
        assertForwarded(nat.outbound(synAck, IP, SECOND), synAck, PUBLIC, 8080, CLIENT, 50000);
        // Another host's connection from port 8080 is given another external port (no overloading).
        assertThat(externalPortOf(nat, HOST, 8080, SECOND)).isNotEqualTo(8080);
        NatInvariants.check(nat.table());
    }

    /** A forward added over a port an outbound mapping holds takes the port when the mapping ends. */
    @Test
    void aForwardOverAMappedPortWaitsForTheMappingToEnd() {
        NatEngine nat = engine(Unmatched.DROP, 0);
        PacketBuffer out = Frames.udpPacket(HOST, 5000, CLIENT, 53, 8);
        assertThat(nat.outbound(out, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(sourcePort(out)).isEqualTo(5000);
        nat.policy().addForward(new ForwardRule(IpProtocol.UDP, 5000, 5000, SERVER, 0));
        // The mapping's own reply still comes back; another remote is filtered by the mapping, as before.
        assertThat(nat.inbound(Frames.udpPacket(CLIENT, 53, PUBLIC, 5000, 8), IP, SECOND)).isEqualTo(NatVerdict.FORWARD);
        assertThat(nat.inbound(Frames.udpPacket(SECOND_CLIENT, 53, PUBLIC, 5000, 8), IP, SECOND))
                .isEqualTo(NatVerdict.DROP);
        long later = NatConfig.defaults().timeouts().udpNanos() + 2 * SECOND;
        assertThat(nat.expire(later)).isEqualTo(1);
        assertThat(owner(nat, IpProtocol.UDP, 5000)).isEqualTo(PortAllocator.RESERVED);
        PacketBuffer in = Frames.udpPacket(SECOND_CLIENT, 53, PUBLIC, 5000, 8);
        assertForwarded(nat.inbound(in, IP, later), in, SECOND_CLIENT, 53, SERVER, 5000);
        PacketBuffer again = Frames.udpPacket(HOST, 5000, CLIENT, 53, 8);
        assertThat(nat.outbound(again, IP, later)).isEqualTo(NatVerdict.FORWARD);
        assertThat(sourcePort(again)).as("the forward keeps its port now").isNotEqualTo(5000);
        NatInvariants.check(nat.table());
    }

    @Test
    void aRemovedForwardTakesItsConnectionsAndReturnsItsPortsHeld() {
        NatEngine nat = engine(Unmatched.DROP, 0, WEB);
        PacketBuffer syn = synTo(8080);
        assertThat(nat.inbound(syn, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(nat.table().size()).isEqualTo(1);

        assertThat(nat.policy().removeForward(new ForwardRule(IpProtocol.TCP, 8080, 8080, OTHER_SERVER, 80), SECOND))
                .as("no such forward").isFalse();
        assertThat(nat.policy().removeForward(WEB, SECOND)).isTrue();
        assertThat(nat.policy().forwards()).isEmpty();
        assertThat(nat.table().size()).as("its connection is cut").isZero();
        PacketBuffer late = Frames.tcpPacket(CLIENT, 50000, PUBLIC, 8080, TcpSegment.ACK, 0);
        assertThat(nat.inbound(late, IP, SECOND)).isEqualTo(NatVerdict.DROP);
        assertThat(owner(nat, IpProtocol.TCP, 8080)).isEqualTo(PortAllocator.FREE);
        // Held from other hosts (RFC 6888 REQ-8); the server it went to may have it at once.
        assertThat(externalPortOf(nat, HOST, 8080, SECOND)).isNotEqualTo(8080);
        assertThat(externalPortOf(nat, SERVER, 8080, SECOND)).isEqualTo(8080);
        NatInvariants.check(nat.table());
    }

    /**
     * The same removal in steps, as the control plane makes it (each step a short command): withdrawn,
     * the forward takes no new connection while its ports stay reserved; its connections go a share
     * of the table at a time; then its ports are released.
     */
    @Test
    void aForwardRemovedInStepsCutsItsConnectionsChunkByChunk() {
        NatEngine nat = engine(Unmatched.DROP, 0, WEB);
        for (int port = 50000; port < 50003; port++) {
            PacketBuffer syn = Frames.tcpPacket(CLIENT, port, PUBLIC, 8080, TcpSegment.SYN, 0);
            assertThat(nat.inbound(syn, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        }
        assertThat(nat.policy().withdrawForward(WEB)).isTrue();
        assertThat(nat.policy().withdrawForward(WEB)).isFalse();
        assertThat(nat.inbound(Frames.tcpPacket(SECOND_CLIENT, 50000, PUBLIC, 8080, TcpSegment.SYN, 0), IP, SECOND))
                .as("no new connection").isEqualTo(NatVerdict.DROP);
        assertThat(owner(nat, IpProtocol.TCP, 8080)).isEqualTo(PortAllocator.RESERVED);
        assertThat(externalPortOf(nat, SERVER, 8080, SECOND)).as("no mapping takes the port meanwhile")
                .isNotEqualTo(8080);
        int capacity = nat.table().sessions().capacity();
        int steps = 0;
        for (int from = 0; from >= 0; steps++) {
            int next = nat.policy().cutForwardSessions(WEB, from, 7, SECOND);
            assertThat(next).isIn(-1, Math.min(from + 7, capacity) == capacity ? -1 : from + 7);
            from = next;
        }
        assertThat(steps).isEqualTo((capacity + 6) / 7);
        assertThat(nat.table().size()).as("only SERVER's own outbound connection is left").isEqualTo(1);
        nat.policy().releaseForwardPorts(WEB, SECOND);
        assertThat(owner(nat, IpProtocol.TCP, 8080)).isEqualTo(PortAllocator.FREE);
        NatInvariants.check(nat.table());
    }

    /** Overlapping forwards: the earlier one keeps the port; removing it hands the port to the later one. */
    @Test
    void overlappingForwardsTheEarlierWinsAndTheLaterTakesOver() {
        NatEngine nat = engine(Unmatched.DROP, 0, WEB);
        ForwardRule wide = new ForwardRule(IpProtocol.TCP, 8080, 8081, OTHER_SERVER, 0);
        nat.policy().addForward(wide);
        assertThat(nat.policy().forwards()).containsExactly(WEB, wide);
        PacketBuffer first = synTo(8080);
        assertForwarded(nat.inbound(first, IP, 0), first, CLIENT, 50000, SERVER, 80);
        PacketBuffer second = synTo(8081);
        assertForwarded(nat.inbound(second, IP, 0), second, CLIENT, 50000, OTHER_SERVER, 8081);

        assertThat(nat.policy().removeForward(WEB, SECOND)).isTrue();
        assertThat(nat.table().size()).as("only the removed forward's connection goes").isEqualTo(1);
        assertThat(owner(nat, IpProtocol.TCP, 8080)).isEqualTo(PortAllocator.RESERVED);
        PacketBuffer now = Frames.tcpPacket(SECOND_CLIENT, 50001, PUBLIC, 8080, TcpSegment.SYN, 0);
        assertForwarded(nat.inbound(now, IP, SECOND), now, SECOND_CLIENT, 50001, OTHER_SERVER, 8080);

        assertThat(nat.policy().removeForward(wide, 2 * SECOND)).isTrue();
        assertThat(nat.table().size()).isZero();
        assertThat(owner(nat, IpProtocol.TCP, 8080)).isEqualTo(PortAllocator.FREE);
        assertThat(owner(nat, IpProtocol.TCP, 8081)).isEqualTo(PortAllocator.FREE);
        NatInvariants.check(nat.table());
    }

    @Test
    void theDmzHostChangesAtRunTimeAndItsSessionsStay() {
        NatEngine nat = engine(Unmatched.DROP, 0);
        assertThat(nat.inbound(Frames.udpPacket(CLIENT, 4000, PUBLIC, 27015, 8), IP, 0)).isEqualTo(NatVerdict.DROP);
        nat.policy().dmz(SERVER);
        assertThat(nat.policy().dmz()).isEqualTo(SERVER);
        PacketBuffer in = Frames.udpPacket(CLIENT, 4000, PUBLIC, 27015, 8);
        assertForwarded(nat.inbound(in, IP, 0), in, CLIENT, 4000, SERVER, 27015);
        assertThat(counters.get("nat.sessions.dmz")).isEqualTo(1);

        nat.policy().dmz(0);
        PacketBuffer stranger = Frames.udpPacket(SECOND_CLIENT, 4000, PUBLIC, 27016, 8);
        assertThat(nat.inbound(stranger, IP, 0)).isEqualTo(NatVerdict.DROP);
        PacketBuffer again = Frames.udpPacket(CLIENT, 4000, PUBLIC, 27015, 8);
        assertForwarded(nat.inbound(again, IP, 0), again, CLIENT, 4000, SERVER, 27015);
    }

    @Test
    void unmatchedChangesAtRunTimeAndDropForgetsTheHeldSyns() {
        NatEngine nat = engine(Unmatched.DROP, 0);
        assertThat(nat.inbound(Frames.udpPacket(CLIENT, 4000, PUBLIC, 9, 8), IP, 0)).isEqualTo(NatVerdict.DROP);
        nat.policy().unmatched(Unmatched.REJECT);
        assertThat(nat.policy().unmatched()).isEqualTo(Unmatched.REJECT);
        assertThat(nat.inbound(Frames.udpPacket(CLIENT, 4000, PUBLIC, 9, 8), IP, 0)).isEqualTo(NatVerdict.REJECT);
        assertThat(nat.inbound(synTo(5555), IP, 0)).isEqualTo(NatVerdict.CONSUMED);
        assertThat(nat.nextDeadline()).isEqualTo(6 * SECOND);

        nat.policy().unmatched(Unmatched.DROP);
        assertThat(nat.policy().unmatched()).isEqualTo(Unmatched.DROP);
        assertThat(nat.nextDeadline()).isEqualTo(Deadlines.NONE);
        assertThat(nat.nextHeldReject(7 * SECOND)).as("no answer after a switch to drop").isNull();
        assertThat(nat.inbound(Frames.udpPacket(CLIENT, 4000, PUBLIC, 9, 8), IP, 0)).isEqualTo(NatVerdict.DROP);
        assertThat(counters.get("nat.answers.rejected")).isEqualTo(1);
        assertThat(counters.get("nat.dropped.unmatched")).isEqualTo(4);
    }

    @Test
    void aForwardMustBeTcpOrUdpWithinThePortRange() {
        NatEngine nat = engine(Unmatched.DROP, 0);
        assertThatThrownBy(() -> nat.policy().addForward(new ForwardRule(IpProtocol.ICMP, 1, 1, SERVER, 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> nat.policy().addForward(new ForwardRule(IpProtocol.TCP, 0, 80, SERVER, 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> nat.policy().addForward(new ForwardRule(IpProtocol.TCP, 80, 81, SERVER, 65535)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(nat.policy().forwards()).isEmpty();
        assertThat(owner(nat, IpProtocol.TCP, 80)).isEqualTo(PortAllocator.FREE);
    }

    /** After run-time changes the inbound path (forward lookup, DMZ, unmatched) still allocates nothing. */
    @Test
    void afterChangesThePacketPathAllocatesNothing() {
        NatEngine nat = engine(Unmatched.REJECT, 0);
        for (int port = 2000; port < 2100; port += 7) {
            nat.policy().addForward(new ForwardRule(IpProtocol.TCP, port, port + 3, SERVER, 0));
        }
        nat.policy().removeForward(new ForwardRule(IpProtocol.TCP, 2014, 2017, SERVER, 0), 0);
        nat.policy().dmz(OTHER_SERVER);
        // RSTs go through the forward lookup (a forwarded port, a port no longer forwarded), the DMZ
        // and the unmatched policy, and make no session.
        PacketBuffer forwarded = Frames.tcpPacket(CLIENT, 50000, PUBLIC, 2001, TcpSegment.RST, 0);
        PacketBuffer dmz = Frames.tcpPacket(CLIENT, 50000, PUBLIC, 3000, TcpSegment.RST, 0);
        PacketBuffer removed = Frames.tcpPacket(CLIENT, 50000, PUBLIC, 2015, TcpSegment.RST, 0);
        long[] now = {0};
        org.jnat.testing.Allocations.assertSteadyStateAllocatesNothing("inbound policy", () -> {
            long t = now[0]++;
            nat.inbound(forwarded, IP, t);
            nat.inbound(dmz, IP, t);
            nat.inbound(removed, IP, t);
        }, 10_000);
        assertThat(nat.table().size()).isZero();
        assertThat(counters.get("nat.dropped.unmatched")).isGreaterThan(30_000);
    }
}
