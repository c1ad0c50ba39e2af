package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.router.MemoryTopology.CL;
import static org.jnat.router.MemoryTopology.CL_MAC;
import static org.jnat.router.MemoryTopology.ISP;
import static org.jnat.router.MemoryTopology.ISP_MAC;
import static org.jnat.router.MemoryTopology.MS;
import static org.jnat.router.MemoryTopology.RT_IN;
import static org.jnat.router.MemoryTopology.RT_IN_MAC;
import static org.jnat.router.MemoryTopology.RT_OUT;
import static org.jnat.router.MemoryTopology.SV;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.device.FrameBatch;
import org.jnat.device.MemoryDevice;
import org.jnat.device.PacketBuffer;
import org.jnat.nat.NatEngine;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.runtime.ManualClock;
import org.jnat.stack.Side;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.testing.Requirement;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.MacAddress;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * The router with the NAT engine in its seam, over memory links with a manual clock. First over
 * the reference topology ({@link MemoryTopology}): what the stack does for translated packets.
 * Then over mirage-nat's addresses with a NAT config per test: what leaves each side, TTL
 * included, and what only the router's timer step and responder can show (the held SYN's RST
 * 6 s later, code 13 on exhaustion, expiry).
 */
class NatRouterTest {
    static MemoryTopology lab(boolean staticNeighbors) {
        MemoryTopology lab = new MemoryTopology(staticNeighbors, 1500, 1500, (config, counters) -> NatEngine.of(config, counters, 1));
        lab.router.neighbors(Side.INSIDE).addStatic(CL, CL_MAC);
        return lab;
    }

    @Requirement({"RFC 4787 REQ-2", "RFC 6888 REQ-2", "RFC 7857 section 4"})
    @Test
    void outboundIsMasqueradedAndTheAnswerComesBack() {
        MemoryTopology lab = lab(true);
        lab.fromInside(MemoryTopology.clToSv(64, 1, 0, new byte[8]));
        lab.run();
        byte[] out = lab.outsideOut().getFirst();
        assertThat(FrameFields.ipSrc(out)).isEqualTo(RT_OUT);
        int port = java.nio.ByteBuffer.wrap(out).getShort(34) & 0xffff;
        lab.fromOutside(Frames.ipv4(MemoryTopology.RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 17, 60, 9, 0,
                Frames.udp(SV, RT_OUT, 5353, port, new byte[8])));
        lab.run();
        byte[] in = lab.insideOut().getFirst();
        assertThat(FrameFields.ipDst(in)).isEqualTo(CL);
        assertThat(FrameFields.dstMac(in)).isEqualTo(CL_MAC);
    }

    @Test
    void aGatewayThatNeverAnswersGivesTheInsideHostHostUnreachable() {
        MemoryTopology lab = lab(false);
        byte[] sent = MemoryTopology.clToSv(64, 7, 0, new byte[20]);
        lab.fromInside(sent);
        lab.run();
        lab.advance(5_000 * MS);
        List<byte[]> out = lab.outsideOut();
        assertThat(out).hasSize(3).allSatisfy(f -> assertThat(FrameFields.arpTarget(f)).isEqualTo(ISP));
        // The held datagram had already been translated (from 203.0.113.1); the error about it
        // went through the NAT like an error from the outside, back to cl.
        byte[] error = lab.insideOut().getFirst();
        assertThat(FrameFields.icmpType(error)).isEqualTo(3);
        assertThat(FrameFields.icmpCode(error)).isEqualTo(1);
        assertThat(FrameFields.ipDst(error)).isEqualTo(CL);
        assertThat(FrameFields.srcMac(error)).isEqualTo(RT_IN_MAC);
        assertThat(FrameFields.dstMac(error)).isEqualTo(CL_MAC);
        assertThat(FrameFields.ipChecksumOk(error)).isTrue();
        assertThat(FrameFields.icmpChecksumOk(error)).isTrue();
        byte[] quote = FrameFields.quote(error);
        assertThat(Arrays.copyOfRange(quote, 12, 16)).as("the quote names cl again")
                .isEqualTo(Arrays.copyOfRange(sent, 26, 30));
        assertThat(Arrays.copyOfRange(quote, 20, 24)).as("with its own ports").isEqualTo(Arrays.copyOfRange(sent, 34, 38));
    }

    @Test
    void pingsToTheRoutersAddressesAreStillAnswered() {
        MemoryTopology lab = lab(true);
        lab.fromInside(Frames.ipv4(RT_IN_MAC, CL_MAC, CL, RT_IN, 1, 64, 1, 0, Frames.echoRequest(5, 1, 16)));
        lab.fromOutside(Frames.ipv4(MemoryTopology.RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 1, 60, 2, 0, Frames.echoRequest(6, 1, 16)));
        lab.run();
        assertThat(FrameFields.icmpType(lab.insideOut().getFirst())).isZero();
        assertThat(FrameFields.icmpType(lab.outsideOut().getFirst())).isZero();
    }

    // ---- mirage-nat's addresses, a NAT config per test ----------------------------------------

    static final long ROUTER_IN_MAC = MacAddress.parse("02:6a:6e:00:00:01");
    static final long ROUTER_OUT_MAC = MacAddress.parse("02:6a:6e:00:00:02");
    static final long HOST_MAC = MacAddress.parse("02:00:00:00:00:0a");
    static final long GATEWAY_MAC = MacAddress.parse("02:00:00:00:00:fe");
    /** Two inside hosts and a remote host, mirage-nat's. */
    static final int HOST = Ipv4Address.parse("192.168.108.26"), OTHER_HOST = Ipv4Address.parse("192.168.108.27");
    static final int REMOTE = Ipv4Address.parse("4.141.2.6");
    static final long SECOND = 1_000_000_000L;

    final ManualClock clock = new ManualClock(SECOND);
    final Counters counters = new Counters();
    final MemoryDevice.Pair inside = MemoryDevice.pair("nat-in", 1500);
    final MemoryDevice.Pair outside = MemoryDevice.pair("nat-out", 1500);
    final FrameBatch drain = new FrameBatch(16);
    Router router;
    NatEngine nat;

    /** mirage-nat's addresses: inside 192.168.108.0/24, public 128.104.108.1. */
    void start(NatConfig natConfig) {
        int insideAddress = Ipv4Address.parse("192.168.108.1");
        int publicAddress = Ipv4Address.parse("128.104.108.1");
        int gateway = Ipv4Address.parse("128.104.108.254");
        RouterConfig config = new RouterConfig(
                new InterfaceConfig("tap:unused0", insideAddress, 24, ROUTER_IN_MAC, 0, 1500),
                new InterfaceConfig("tap:unused1", publicAddress, 24, ROUTER_OUT_MAC, gateway, 1500), natConfig,
                List.of(), List.of(new StaticNeighbor(gateway, GATEWAY_MAC),
                        new StaticNeighbor(HOST, HOST_MAC),
                        new StaticNeighbor(OTHER_HOST, HOST_MAC)), null, null, null, null, null);
        nat = NatEngine.of(config, counters, 1);
        router = new Router(config, inside.a(), outside.a(), clock, counters, nat);
        router.start(clock.nanos());
        received(inside);
        received(outside);
    }

    static NatConfig natConfig(int maxSessions, int perHost, NatConfig.Unmatched unmatched) {
        return NatConfig.defaults().withLimits(maxSessions, perHost).withUnmatched(unmatched);
    }

    void send(MemoryDevice.Pair link, PacketBuffer packet, long sourceMac, long routerMac) {
        new EthernetFrame().wrap(packet.segment(), 0).destination(routerMac).source(sourceMac);
        assertThat(link.b().transmit(packet)).isTrue();
        router.pollOnce(clock.nanos());
    }

    void fromInside(PacketBuffer p) {
        send(inside, p, HOST_MAC, ROUTER_IN_MAC);
    }

    void fromOutside(PacketBuffer p) {
        send(outside, p, GATEWAY_MAC, ROUTER_OUT_MAC);
    }

    /** The IPv4 frames the router sent on {@code link} since last asked, as fresh buffers. */
    List<PacketBuffer> received(MemoryDevice.Pair link) {
        List<PacketBuffer> out = new ArrayList<>();
        int n;
        while ((n = link.b().receive(drain)) > 0) {
            for (int i = 0; i < n; i++) {
                if (new EthernetFrame().wrap(drain.get(i).segment(), 0).etherType() == EtherType.IPV4) {
                    PacketBuffer copy = Frames.buffer();
                    copy.copyFrom(drain.get(i));
                    out.add(copy);
                }
            }
        }
        return out;
    }

    /**
     * Moves time on by {@code nanos} the way the data-plane loop does when no frame comes: from
     * one of the router's deadlines to the next, so that what is due late would be seen late.
     */
    int advance(long nanos) {
        long end = clock.nanos() + nanos;
        int polls = 0;
        while (clock.nanos() < end) {
            long next = router.nextDeadline();
            clock.set(next == Deadlines.NONE || next - end > 0 ? end : Math.max(next, clock.nanos() + 1));
            router.pollOnce(clock.nanos());
            polls++;
        }
        return polls;
    }

    /** mirage-nat: UDP 192.168.108.26:255 to 4.141.2.6:1024 leaves from 128.104.108.1 with the TTL one less; the reply maps back. */
    @Test
    void udpThroughTheRouter() {
        start(natConfig(1024, 64, NatConfig.Unmatched.DROP));
        fromInside(Frames.udpPacket(HOST, 255, REMOTE, 1024, 12));
        List<PacketBuffer> out = received(outside);
        assertThat(out).hasSize(1);
        Ipv4Packet ip = FrameFields.ip(out.getFirst());
        assertThat(ip.sourceAddress()).isEqualTo(nat.publicAddress());
        assertThat(ip.ttl()).isEqualTo(Frames.TTL - 1);
        assertThat(FrameFields.sourcePort(out.getFirst())).isEqualTo(255);
        assertThat(FrameFields.checksumsValid(out.getFirst())).isTrue();

        fromOutside(Frames.udpPacket(REMOTE, 1024, nat.publicAddress(), 255, 12));
        List<PacketBuffer> in = received(inside);
        assertThat(in).hasSize(1);
        assertThat(FrameFields.ip(in.getFirst()).destinationAddress()).isEqualTo(HOST);
        assertThat(FrameFields.destinationPort(in.getFirst())).isEqualTo(255);
        assertThat(FrameFields.ip(in.getFirst()).ttl()).isEqualTo(Frames.TTL - 1);
        assertThat(FrameFields.checksumsValid(in.getFirst())).isTrue();
    }

    /** mirage-nat: the same as a TCP SYN. */
    @Test
    void tcpSynThroughTheRouter() {
        start(natConfig(1024, 64, NatConfig.Unmatched.DROP));
        fromInside(Frames.tcpPacket(HOST, 255, REMOTE, 1024, TcpSegment.SYN, 0));
        PacketBuffer syn = received(outside).getFirst();
        assertThat(FrameFields.ip(syn).sourceAddress()).isEqualTo(nat.publicAddress());
        assertThat(FrameFields.ip(syn).ttl()).isEqualTo(Frames.TTL - 1);
        assertThat(FrameFields.checksumsValid(syn)).isTrue();
        fromOutside(Frames.tcpPacket(REMOTE, 1024, nat.publicAddress(), 255, TcpSegment.SYN | TcpSegment.ACK, 0));
        PacketBuffer synAck = received(inside).getFirst();
        assertThat(FrameFields.ip(synAck).destinationAddress()).isEqualTo(HOST);
        assertThat(FrameFields.checksumsValid(synAck)).isTrue();
    }

    /** RFC 5382 REQ-4 end to end: no answer for 6 s, then the router's RST. */
    @Requirement("RFC 5382 REQ-4")
    @Test
    void anUnsolicitedSynIsRefusedSixSecondsLater() {
        start(natConfig(1024, 64, NatConfig.Unmatched.REJECT));
        fromOutside(Frames.tcpPacket(REMOTE, 42000, nat.publicAddress(), 41000, TcpSegment.SYN, 0));
        assertThat(router.nextDeadline()).as("the held SYN's 6 s").isEqualTo(clock.nanos() + 6 * SECOND);
        advance(5 * SECOND);
        assertThat(received(outside)).isEmpty();
        advance(1 * SECOND);
        List<PacketBuffer> out = received(outside);
        assertThat(out).hasSize(1);
        Ipv4Packet ip = FrameFields.ip(out.getFirst());
        assertThat(ip.protocol()).isEqualTo(IpProtocol.TCP);
        assertThat(ip.sourceAddress()).isEqualTo(nat.publicAddress());
        assertThat(ip.destinationAddress()).isEqualTo(REMOTE);
        TcpSegment rst = new TcpSegment().wrap(out.getFirst().segment(), ip.payloadOffset());
        assertThat(rst.rst()).isTrue();
        assertThat(rst.sourcePort()).isEqualTo(41000);
        assertThat(rst.acknowledgmentNumber()).isEqualTo(0x01020304 + 1);
        assertThat(received(inside)).isEmpty();
        assertThat(router.nextDeadline()).as("nothing left to do").isEqualTo(Deadlines.NONE);
    }

    /** RFC 5508 REQ-8: when a host's quota is used up, its next new flow gets code 13, and nothing is evicted. */
    @Requirement({"RFC 5508 REQ-8", "RFC 6888 REQ-11"})
    @Test
    void exhaustionAnswersCode13() {
        start(natConfig(1024, 2, NatConfig.Unmatched.DROP));
        for (int i = 0; i < 3; i++) {
            fromInside(Frames.udpPacket(HOST, 5000 + i, REMOTE, 53, 4));
        }
        assertThat(received(outside)).hasSize(2);
        List<PacketBuffer> back = received(inside);
        assertThat(back).hasSize(1);
        Ipv4Packet ip = FrameFields.ip(back.getFirst());
        assertThat(ip.protocol()).isEqualTo(IpProtocol.ICMP);
        IcmpPacket icmp = new IcmpPacket().wrap(back.getFirst().segment(), ip.payloadOffset());
        assertThat(icmp.type()).isEqualTo(IcmpPacket.DESTINATION_UNREACHABLE);
        assertThat(icmp.code()).isEqualTo(IcmpPacket.ADMIN_PROHIBITED);
        assertThat(nat.table().size()).isEqualTo(2);
        assertThat(counters.get("nat.refused.host_quota")).isEqualTo(1);
    }

    /** The router's timer step expires sessions at the configured timeout. */
    @Test
    void sessionsExpireThroughTheTimerStep() {
        start(natConfig(1024, 64, NatConfig.Unmatched.DROP));
        fromInside(Frames.udpPacket(OTHER_HOST, 6000, REMOTE, 53, 4));
        received(outside);
        advance(NatConfig.defaults().timeouts().udpNanos() - SECOND);
        assertThat(nat.table().size()).isEqualTo(1);
        advance(2 * SECOND);
        assertThat(nat.table().size()).isZero();
        fromOutside(Frames.udpPacket(REMOTE, 53, nat.publicAddress(), 6000, 4));
        assertThat(received(inside)).isEmpty();
    }

    /**
     * An idle router sleeps: no deadline before any session, one no later than the session's
     * expiry while it lives (a handful of wake-ups in its 5 min, not one per 10 ms), none after.
     */
    @Test
    void aSessionKeepsTheRouterDueNoLaterThanItsExpiryAndNotAfter() {
        start(natConfig(1024, 64, NatConfig.Unmatched.DROP));
        assertThat(router.nextDeadline()).as("fresh, static neighbors only").isEqualTo(Deadlines.NONE);
        long t0 = clock.nanos();
        fromInside(Frames.udpPacket(OTHER_HOST, 6000, REMOTE, 53, 4));
        assertThat(nat.table().size()).isEqualTo(1);
        long expiry = t0 + NatConfig.defaults().timeouts().udpNanos();
        assertThat(router.nextDeadline()).isNotEqualTo(Deadlines.NONE).isGreaterThan(t0).isLessThanOrEqualTo(expiry);
        int polls = advance(expiry - t0);
        assertThat(nat.table().size()).as("gone exactly at its expiry").isZero();
        assertThat(counters.get("nat.sessions.expired")).isEqualTo(1);
        assertThat(polls).as("wake-ups in the session's life").isLessThanOrEqualTo(5);
        assertThat(router.nextDeadline()).isEqualTo(Deadlines.NONE);
    }
}
