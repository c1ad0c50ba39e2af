package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.NatConfig.ProtocolBehavior;
import org.jnat.config.PortAllocation;
import org.jnat.config.PublicPool;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * {@link NatEngine#reset} returns an engine to a new one's state: an engine that has carried
 * traffic (sessions of every protocol, mappings, filters, held SYNs, ports in their hold time, a
 * forward) and is then reset answers a second run of traffic exactly as a new engine does: the same
 * verdicts, every byte of every frame, the same counters, table size, expiries and next deadline.
 * The fuzzer ({@link NatProperties}) relies on it to reuse one engine per configuration.
 */
class NatResetTest {
    private static final int PUBLIC = NatProperties.PUBLIC;
    private static final int[] HOSTS = NatProperties.HOSTS;
    private static final int[] REMOTES = NatProperties.REMOTES;
    private static final List<ForwardRule> FORWARDS = NatProperties.FORWARDS;

    @Test
    void aResetEngineAnswersAsANewOne() {
        int compared = 0;
        for (Behavior mapping : Behavior.values()) {
            for (Behavior filtering : Behavior.values()) {
                NatConfig config = NatConfig.defaults().withBehavior(mapping, filtering).withPorts(1000, 1100)
                        .withLimits(24, 9).withUnmatched(NatConfig.Unmatched.REJECT).withDmz(HOSTS[2])
                        .withInboundRefresh(true);
                Counters usedCounters = new Counters();
                NatEngine used = new NatEngine(config, PUBLIC, NatProperties.ROUTER_INSIDE, FORWARDS, usedCounters, 99);
                NatEngine other = new NatEngine(config, PUBLIC, NatProperties.ROUTER_INSIDE, FORWARDS, new Counters(), 99);
                drive(new Random(mapping.ordinal() * 3 + filtering.ordinal()), used, other, false);
                assertThat(used.table().size()).as("sessions the first run left (else the reset is not tried)")
                        .isPositive();
                // A forward added since (a reload): the reset to FORWARDS leaves its ports unreserved.
                used.policy().addForward(new ForwardRule(IpProtocol.UDP, 1050, 1052, HOSTS[0], 53));

                usedCounters.zero();
                used.reset(config, FORWARDS, 7);
                Counters freshCounters = new Counters();
                NatEngine fresh = new NatEngine(config, PUBLIC, NatProperties.ROUTER_INSIDE, FORWARDS, freshCounters, 7);
                for (int protocol : new int[] {IpProtocol.TCP, IpProtocol.UDP}) {
                    for (int port = 0; port < 65536; port++) {
                        if (used.table().ports().isReserved(protocol, port) != fresh.table().ports().isReserved(protocol, port)) {
                            throw new AssertionError("port " + port + " of protocol " + protocol + " reserved "
                                    + used.table().ports().isReserved(protocol, port) + " after the reset, "
                                    + fresh.table().ports().isReserved(protocol, port) + " in a new engine");
                        }
                    }
                }
                compared += drive(new Random(100 + mapping.ordinal() * 3 + filtering.ordinal()), used, fresh, true);
                assertThat(usedCounters.snapshot()).as("counters after the same traffic").isEqualTo(freshCounters.snapshot());
            }
        }
        System.out.println("NatResetTest: " + compared + " frames compared, reset engine against new");
        assertThat(compared).isGreaterThan(1000);
    }

    /**
     * The parts that came with the address pool, the port allocation modes, PCP's pinned mappings
     * and the per-protocol behaviours: a pool of three addresses (arbitrary pooling, sequential
     * ports with a stride), of two (paired, dynamic blocks), and one (random ports), each protocol
     * with its own mapping and filtering; the traffic also pins and unpins mappings and gives them
     * filters. A reset engine must answer as a new one, pins included.
     */
    @Test
    void aResetEngineWithAPoolBlocksPinsAndPerProtocolBehavioursAnswersAsANewOne() {
        int a1 = org.jnat.wire.Ipv4Address.parse("203.0.113.7");
        int a2 = org.jnat.wire.Ipv4Address.parse("203.0.113.8");
        int a3 = org.jnat.wire.Ipv4Address.parse("203.0.113.9");
        List<PublicPool> pools = List.of(new PublicPool(List.of(PUBLIC, a2, a3), PublicPool.Pooling.ARBITRARY, 0),
                new PublicPool(List.of(PUBLIC, a1), PublicPool.Pooling.PAIRED, a1), PublicPool.single(PUBLIC));
        List<PortAllocation> allocations = List.of(new PortAllocation(PortAllocation.Mode.SEQUENTIAL, 3, 512, false, 0),
                new PortAllocation(PortAllocation.Mode.BLOCK, 1, 16, false, 0), PortAllocation.of(PortAllocation.Mode.RANDOM));
        int compared = 0;
        for (int c = 0; c < pools.size(); c++) {
            Behavior[] b = Behavior.values();
            NatConfig config = NatConfig.defaults().withBehavior(b[c % 3], b[(c + 1) % 3]).withPorts(1000, 1100)
                    .withLimits(24, 9).withUnmatched(NatConfig.Unmatched.REJECT).withDmz(HOSTS[2])
                    .withInboundRefresh(true).withAllocation(allocations.get(c))
                    .withProtocols(new ProtocolBehavior(b[(c + 1) % 3], b[c % 3], false),
                            new ProtocolBehavior(b[c % 3], b[(c + 2) % 3], true),
                            new ProtocolBehavior(b[(c + 2) % 3], b[(c + 1) % 3], c == 1));
            PublicPool pool = pools.get(c);
            Counters usedCounters = new Counters();
            NatEngine used = new NatEngine(config, pool, NatProperties.ROUTER_INSIDE, FORWARDS, usedCounters, 99);
            NatEngine other = new NatEngine(config, pool, NatProperties.ROUTER_INSIDE, FORWARDS, new Counters(), 99);
            drive(new Random(40 + c), used, other, false);
            assertThat(used.table().size()).as("sessions the first run left").isPositive();
            assertThat(used.table().pins().size()).as("pins the first run left").isPositive();

            usedCounters.zero();
            used.reset(config, FORWARDS, 7);
            Counters freshCounters = new Counters();
            NatEngine fresh = new NatEngine(config, pool, NatProperties.ROUTER_INSIDE, FORWARDS, freshCounters, 7);
            compared += drive(new Random(140 + c), used, fresh, true);
            assertThat(usedCounters.snapshot()).as("counters after the same traffic").isEqualTo(freshCounters.snapshot());
            assertThat(used.table().ports().hostsWithBlocks()).as("hosts with blocks at the end")
                    .isEqualTo(fresh.table().ports().hostsWithBlocks());
        }
        System.out.println("NatResetTest (pools, blocks, pins): " + compared + " frames compared");
        assertThat(compared).isGreaterThan(1000);
    }

    /**
     * Sends the same random traffic through {@code a} and {@code b}: outbound TCP, UDP and ICMP,
     * replies to what went out, unsolicited inbound, the forward, time passing. With {@code compare},
     * every verdict, frame and table figure must agree; returns the frames compared.
     */
    private static int drive(Random random, NatEngine a, NatEngine b, boolean compare) {
        long now = 1_000_000_000L;
        List<long[]> sent = new ArrayList<>(); // {protocol kind, external port, remote, remote port, public address}
        int compared = 0;
        for (int step = 0; step < 600; step++) {
            int kind = random.nextInt(11);
            int host = HOSTS[random.nextInt(HOSTS.length)];
            int port = NatProperties.PORTS[random.nextInt(NatProperties.PORTS.length)];
            int remote = REMOTES[random.nextInt(REMOTES.length)];
            int remotePort = NatProperties.REMOTE_PORTS[random.nextInt(NatProperties.REMOTE_PORTS.length)];
            int flags = new int[] {TcpSegment.SYN, TcpSegment.ACK, TcpSegment.FIN | TcpSegment.ACK, TcpSegment.RST}[random.nextInt(4)];
            boolean outbound = kind < 5;
            PacketBuffer pa;
            PacketBuffer pb;
            if (kind < 5) {
                int protocol = kind % 3;
                pa = outboundPacket(protocol, host, port, remote, remotePort, flags);
                pb = outboundPacket(protocol, host, port, remote, remotePort, flags);
            } else if (kind < 8 && !sent.isEmpty()) { // a reply to something that went out
                long[] s = sent.get(random.nextInt(sent.size()));
                pa = inboundPacket((int) s[0], (int) s[2], (int) s[3], (int) s[4], (int) s[1], flags);
                pb = inboundPacket((int) s[0], (int) s[2], (int) s[3], (int) s[4], (int) s[1], flags);
            } else if (kind == 8) { // unsolicited, or to the forward
                int to = random.nextBoolean() ? NatProperties.FORWARD_PORT : 1000 + random.nextInt(101);
                pa = Frames.tcpPacket(remote, remotePort, PUBLIC, to, TcpSegment.SYN, 0);
                pb = Frames.tcpPacket(remote, remotePort, PUBLIC, to, TcpSegment.SYN, 0);
            } else if (kind == 10) { // PCP: pin a mapping (with a filter now and then), or end a pin
                now += 1_000_000L;
                long inside = Endpoint.of(random.nextBoolean() ? IpProtocol.TCP : IpProtocol.UDP, host, port);
                int suggested = random.nextBoolean() ? 0 : 1000 + random.nextInt(101);
                boolean exact = random.nextInt(4) == 0;
                if (random.nextInt(3) == 0 && a.table().pins().size() > 0) {
                    int slot = a.table().pins().find(inside);
                    if (slot >= 0) {
                        a.table().unpin(slot, now);
                        b.table().unpin(b.table().pins().find(inside), now);
                    }
                    continue;
                }
                int sa = a.table().pin(inside, suggested, exact, now);
                int sb = b.table().pin(inside, suggested, exact, now);
                if (sa >= 0 && random.nextBoolean()) {
                    a.table().pins().addFilter(sa, remote, 32, remotePort);
                    b.table().pins().addFilter(sb, remote, 32, remotePort);
                }
                if (compare) {
                    assertThat(sa).as("pin at step %d", step).isEqualTo(sb);
                    if (sa >= 0) {
                        assertThat(a.table().pins().externalPort(sa)).as("pinned port at step %d", step)
                                .isEqualTo(b.table().pins().externalPort(sb));
                    }
                    assertThat(a.table().pins().size()).as("pins at step %d", step).isEqualTo(b.table().pins().size());
                }
                if (sa >= 0) {
                    sent.add(new long[] {Endpoint.protocol(inside) == IpProtocol.TCP ? 0 : 1,
                            a.table().pins().externalPort(sa), remote, remotePort, a.publicAddress()});
                }
                continue;
            } else {
                now += random.nextInt(4) == 0 ? 200_000_000_000L : 1_000_000_000L;
                int ea = a.expire(now);
                int eb = b.expire(now);
                if (compare) {
                    assertThat(ea).as("sessions expired at step %d", step).isEqualTo(eb);
                    assertThat(a.table().nextDeadline()).as("next deadline at step %d", step)
                            .isEqualTo(b.table().nextDeadline());
                }
                continue;
            }
            now += 1_000_000L;
            int va = outbound ? a.outbound(pa, Frames.IP, now) : a.inbound(pa, Frames.IP, now);
            int vb = outbound ? b.outbound(pb, Frames.IP, now) : b.inbound(pb, Frames.IP, now);
            if (compare) {
                compared++;
                assertThat(va).as("verdict at step %d", step).isEqualTo(vb);
                assertThat(pa.length()).as("length at step %d", step).isEqualTo(pb.length());
                assertThat(MemorySegment.mismatch(pa.segment(), 0, pa.length(), pb.segment(), 0, pb.length()))
                        .as("first byte that differs at step %d", step).isEqualTo(-1L);
                assertThat(a.table().size()).as("sessions at step %d", step).isEqualTo(b.table().size());
            }
            if (outbound && va == NatVerdict.FORWARD && a.pool().indexOf(FrameFields.ip(pa).sourceAddress()) >= 0) {
                int external = FrameFields.sourcePort(pa);
                sent.add(new long[] {kind % 3, external, remote, remotePort, FrameFields.ip(pa).sourceAddress()});
            }
        }
        return compared;
    }

    private static PacketBuffer outboundPacket(int protocol, int host, int port, int remote, int remotePort, int flags) {
        return switch (protocol) {
            case 0 -> Frames.tcpPacket(host, port, remote, remotePort, flags, 4);
            case 1 -> Frames.udpPacket(host, port, remote, remotePort, 4);
            default -> Frames.icmpQueryPacket(IcmpPacket.ECHO_REQUEST, host, remote, port, 4);
        };
    }

    private static PacketBuffer inboundPacket(int protocol, int remote, int remotePort, int to, int external,
            int flags) {
        return switch (protocol) {
            case 0 -> Frames.tcpPacket(remote, remotePort, to, external, flags | TcpSegment.ACK, 4);
            case 1 -> Frames.udpPacket(remote, remotePort, to, external, 4);
            default -> Frames.icmpQueryPacket(IcmpPacket.ECHO_REPLY, remote, to, external, 4);
        };
    }
}
