package org.jnat.nat;

import org.jnat.testing.Requirement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jnat.testing.Frames.IP;
import static org.jnat.testing.FrameFields.destinationPort;
import static org.jnat.testing.FrameFields.ip;
import static org.jnat.testing.FrameFields.sourcePort;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.PublicPool;
import org.jnat.config.PublicPool.Pooling;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/** A pool of public addresses ({@code [outside] addresses}, {@code pooling}), on real engines. */
class PublicPoolTest {
    static final List<Integer> POOL = List.of(Ipv4Address.parse("203.0.113.1"), Ipv4Address.parse("203.0.113.2"),
            Ipv4Address.parse("203.0.113.3"), Ipv4Address.parse("203.0.113.4"));
    static final int ROUTER_INSIDE = Ipv4Address.parse("192.168.1.1");
    static final int Y = Ipv4Address.parse("198.51.100.10");

    Counters counters = new Counters();

    NatEngine engine(Pooling pooling, int dmz, int dmzAddress, ForwardRule... forwards) {
        NatConfig config = NatConfig.defaults()
                .withBehavior(Behavior.ADDRESS_AND_PORT_DEPENDENT, Behavior.ENDPOINT_INDEPENDENT)
                .withLimits(65536, 65536).withDmz(dmz);
        return new NatEngine(config, new PublicPool(POOL, pooling, dmzAddress), ROUTER_INSIDE, List.of(forwards),
                counters, 5);
    }

    static int host(int i) {
        return Ipv4Address.parse("192.168.1.10") + i;
    }

    /** A UDP datagram out from {@code host:port} to Y:{@code remotePort}: the public address and port it left from. */
    static long out(NatEngine nat, int host, int port, int remotePort) {
        PacketBuffer p = Frames.udpPacket(host, port, Y, remotePort, 8);
        assertThat(nat.outbound(p, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        return (long) ip(p).sourceAddress() << 32 | sourcePort(p);
    }

    @Requirement({"RFC 4787 REQ-2", "RFC 6888 REQ-2", "RFC 7857 section 4"})

    @Test
    void pairedKeepsEachHostOnOnePublicAddressAcross100Flows() {
        NatEngine nat = engine(Pooling.PAIRED, 0, 0);
        Set<Integer> used = new HashSet<>();
        for (int h = 0; h < 16; h++) {
            Set<Integer> addresses = new HashSet<>();
            for (int flow = 0; flow < 100; flow++) {
                // A new remote port each time: address-and-port-dependent mapping makes each a new mapping.
                addresses.add((int) (out(nat, host(h), 40000 + flow % 7, 1000 + flow) >>> 32));
            }
            assertThat(addresses).as("host %d", h).hasSize(1);
            assertThat(POOL).contains(addresses.iterator().next());
            used.addAll(addresses);
        }
        assertThat(used).as("16 hosts spread over the pool").hasSizeGreaterThan(1);
        assertThat(nat.table().ports().inUse(IpProtocol.UDP)).as("one port per mapping, counted")
                .isEqualTo(nat.table().mappings().size()).isEqualTo(1600);
        nat.expire(3_600_000_000_000L); // an hour on: every UDP session idle too long
        assertThat(nat.table().ports().inUse(IpProtocol.UDP)).isZero();
    }

    @Requirement({"RFC 6888 REQ-3"})

    @Test
    void arbitrarySpreadsOneHostsMappingsOverThePool() {
        NatEngine nat = engine(Pooling.ARBITRARY, 0, 0);
        Map<Integer, Integer> perAddress = new HashMap<>();
        for (int flow = 0; flow < 100; flow++) {
            perAddress.merge((int) (out(nat, host(0), 40000, 1000 + flow) >>> 32), 1, Integer::sum);
        }
        assertThat(perAddress.keySet()).containsExactlyInAnyOrderElementsOf(POOL);
        assertThat(perAddress.values()).allMatch(n -> n == 25);
    }

    @Test
    void theSamePortOnTwoAddressesBelongsToTwoHosts() {
        NatEngine nat = engine(Pooling.ARBITRARY, 0, 0);
        // Port preservation: the first four hosts all keep 5000, each on its own address.
        Map<Integer, Integer> hostOf = new HashMap<>();
        for (int h = 0; h < 4; h++) {
            long e = out(nat, host(h), 5000, 53);
            assertThat((int) e & 0xffff).isEqualTo(5000);
            hostOf.put((int) (e >>> 32), host(h));
        }
        assertThat(hostOf).hasSize(4);
        for (var entry : hostOf.entrySet()) {
            PacketBuffer reply = Frames.udpPacket(Y, 53, entry.getKey(), 5000, 8);
            assertThat(nat.inbound(reply, IP, 1)).isEqualTo(NatVerdict.FORWARD);
            assertThat(ip(reply).destinationAddress()).isEqualTo(entry.getValue());
        }
        // An address outside the pool is not ours.
        PacketBuffer stray = Frames.udpPacket(Y, 53, Ipv4Address.parse("203.0.113.9"), 5000, 8);
        assertThat(nat.inbound(stray, IP, 1)).isEqualTo(NatVerdict.DROP);
        assertThat(counters.get("nat.dropped.not_public")).isEqualTo(1);
    }

    @Test
    void aForwardAppliesToItsAddressOrToEveryOne() {
        int a2 = POOL.get(1);
        int server = host(5);
        NatEngine nat = engine(Pooling.PAIRED, 0, 0,
                new ForwardRule(IpProtocol.TCP, 8080, 8080, server, 80, a2),
                new ForwardRule(IpProtocol.TCP, 2222, 2222, server, 22));
        for (int a : POOL) {
            PacketBuffer syn = Frames.tcpPacket(Y, 40000 + (a & 0xff), a, 8080, TcpSegment.SYN, 0);
            int verdict = nat.inbound(syn, IP, 0);
            assertThat(verdict).as(Ipv4Address.toString(a)).isEqualTo(a == a2 ? NatVerdict.FORWARD : NatVerdict.DROP);
            PacketBuffer ssh = Frames.tcpPacket(Y, 41000 + (a & 0xff), a, 2222, TcpSegment.SYN, 0);
            assertThat(nat.inbound(ssh, IP, 0)).isEqualTo(NatVerdict.FORWARD);
            assertThat(destinationPort(ssh)).isEqualTo(22);
            // The server's answer leaves from the address the connection came to.
            PacketBuffer answer = Frames.tcpPacket(server, 22, Y, 41000 + (a & 0xff), TcpSegment.SYN | TcpSegment.ACK, 0);
            assertThat(nat.outbound(answer, IP, 0)).isEqualTo(NatVerdict.FORWARD);
            assertThat(ip(answer).sourceAddress()).isEqualTo(a);
            assertThat(sourcePort(answer)).isEqualTo(2222);
        }
        // Port 8080 is reserved on 203.0.113.2 only.
        assertThat(nat.table().ports().isReserved(IpProtocol.TCP, PublicAddresses.external(1, 8080))).isTrue();
        assertThat(nat.table().ports().isReserved(IpProtocol.TCP, PublicAddresses.external(0, 8080))).isFalse();
        assertThatThrownBy(() -> nat.policy().addForward(
                new ForwardRule(IpProtocol.UDP, 53, 53, server, 0, Ipv4Address.parse("203.0.113.9"))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** An inside host reaching a forward on any pool address, not only the first, goes back in (hairpinning). */
    @Test
    void everyAddressOfThePoolIsHairpinned() {
        int server = host(5);
        int client = host(1);
        NatEngine nat = engine(Pooling.PAIRED, 0, 0, new ForwardRule(IpProtocol.UDP, 5000, 5000, server, 53));
        for (int a : POOL) {
            PacketBuffer p = Frames.udpPacket(client, 40000 + (a & 0xff), a, 5000, 8);
            assertThat(nat.outbound(p, IP, 0)).as(Ipv4Address.toString(a)).isEqualTo(NatVerdict.FORWARD);
            assertThat(ip(p).destinationAddress()).as(Ipv4Address.toString(a)).isEqualTo(server);
            assertThat(destinationPort(p)).isEqualTo(53);
            assertThat(POOL).contains(ip(p).sourceAddress()); // the client as the outside sees it
        }
    }

    @Test
    void theDmzTakesOnlyItsAddress() {
        int dmz = host(7);
        NatEngine nat = engine(Pooling.PAIRED, dmz, POOL.get(2));
        for (int a : POOL) {
            PacketBuffer p = Frames.udpPacket(Y, 53, a, 6000, 8);
            assertThat(nat.inbound(p, IP, 0)).as(Ipv4Address.toString(a))
                    .isEqualTo(a == POOL.get(2) ? NatVerdict.FORWARD : NatVerdict.DROP);
        }
        assertThatThrownBy(() -> engine(Pooling.PAIRED, dmz, Ipv4Address.parse("203.0.113.9")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deterministicBlocksSpanThePool() {
        int base = Ipv4Address.parse("100.64.0.0");
        NatConfig config = NatConfig.defaults().withPorts(1024, 65535).withLimits(65536, 65536)
                .withAllocation(new org.jnat.config.PortAllocation(
                        org.jnat.config.PortAllocation.Mode.BLOCK, 1, 4032, true, base));
        NatEngine nat = new NatEngine(config, new PublicPool(POOL, Pooling.PAIRED, 0), ROUTER_INSIDE, List.of(),
                counters, 5);
        int perAddress = 64512 / 4032; // 16 blocks an address, 64 in the pool
        for (int i : new int[] {0, 1, 15, 16, 17, 40, 63, 64, 65}) {
            int h = base + i;
            int k = i % (4 * perAddress);
            int address = POOL.get(k / perAddress);
            int first = 1024 + (k % perAddress) * 4032;
            assertThat(nat.table().ports().deterministicBlockStart(h)).isEqualTo(k / perAddress << 16 | first);
            for (int flow = 0; flow < 20; flow++) {
                long e = out(nat, h, 30000 + flow, 2000 + flow);
                assertThat((int) (e >>> 32)).as("host index %d", i).isEqualTo(address);
                assertThat((int) e & 0xffff).isBetween(first, first + 4031);
            }
        }
    }

    @Test
    void theEngineStillTakesOneAddressAsBefore() {
        NatEngine nat = new NatEngine(NatConfig.defaults(), POOL.get(0), ROUTER_INSIDE, List.of(), new Counters(), 1);
        assertThat(nat.pool().count()).isEqualTo(1);
        assertThat((int) (out(nat, host(0), 5000, 53) >>> 32)).isEqualTo(POOL.get(0));
    }
}
