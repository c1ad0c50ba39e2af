package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;
import static org.jnat.testing.Frames.IP;
import static org.jnat.testing.FrameFields.checksumsValid;
import static org.jnat.testing.FrameFields.destinationPort;
import static org.jnat.testing.FrameFields.ip;
import static org.jnat.testing.FrameFields.sourcePort;

import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.NatConfig.Unmatched;
import org.jnat.config.Timeouts;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Requirement;
import org.jnat.wire.Checksum;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

class NatEngineTest {
    static final int PUBLIC = Ipv4Address.parse("128.104.108.1");
    static final int ROUTER_INSIDE = Ipv4Address.parse("192.168.1.1");
    static final long SECOND = 1_000_000_000L;
    /** mirage-nat's inside host and remote server. */
    static final int MIRAGE_INSIDE = Ipv4Address.parse("192.168.108.26"), MIRAGE_REMOTE = Ipv4Address.parse("4.141.2.6");

    static NatConfig config(Behavior mapping, Behavior filtering, int maxSessions, int perHost, Unmatched unmatched,
            int dmz) {
        return NatConfig.defaults().withBehavior(mapping, filtering).withLimits(maxSessions, perHost)
                .withUnmatched(unmatched).withDmz(dmz);
    }

    Counters counters = new Counters();

    NatEngine engine(NatConfig config, ForwardRule... forwards) {
        return new NatEngine(config, PUBLIC, ROUTER_INSIDE, List.of(forwards), counters, 42);
    }

    NatEngine defaults() {
        return engine(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, 1024, 256,
                Unmatched.DROP, 0));
    }

    /** Endpoint-independent mapping and filtering: what hairpinning between two inside hosts needs. */
    NatEngine endpointIndependent() {
        return engine(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ENDPOINT_INDEPENDENT, 64, 64, Unmatched.DROP, 0));
    }

    static int addr(String text) {
        return Ipv4Address.parse(text);
    }

    /**
     * {@code p} was forwarded ({@code verdict}) and now goes from {@code source:sourcePort} to
     * {@code destination:destinationPort}, its checksums valid.
     */
    static void assertForwarded(int verdict, PacketBuffer p, int source, int sourcePort, int destination,
            int destinationPort) {
        assertThat(verdict).as("verdict").isEqualTo(NatVerdict.FORWARD);
        assertThat(ip(p).sourceAddress()).as("source address").isEqualTo(source);
        assertThat(sourcePort(p)).as("source port").isEqualTo(sourcePort);
        assertThat(ip(p).destinationAddress()).as("destination address").isEqualTo(destination);
        assertThat(destinationPort(p)).as("destination port").isEqualTo(destinationPort);
        assertThat(checksumsValid(p)).as("checksums").isTrue();
    }

    static byte[] bytes(PacketBuffer b) {
        return b.segment().asSlice(0, b.length()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /** mirage-nat: UDP 192.168.108.26:255 to 4.141.2.6:1024 goes out from the public address; the reply maps back. */
    @Test
    void udpOutAndReplyBack() {
        NatEngine nat = defaults();
        int inside = MIRAGE_INSIDE;
        int remote = MIRAGE_REMOTE;
        PacketBuffer out = Frames.udpPacket(inside, 255, remote, 1024, 20);
        byte[] payload = java.util.Arrays.copyOfRange(bytes(out), IP + 28, IP + 48);
        assertForwarded(nat.outbound(out, IP, 0), out, PUBLIC, 255, remote, 1024); // the port preserved
        assertThat(ip(out).ttl()).as("the router, not the NAT, decrements the TTL").isEqualTo(Frames.TTL);
        assertThat(java.util.Arrays.copyOfRange(bytes(out), IP + 28, IP + 48)).isEqualTo(payload);

        PacketBuffer reply = Frames.udpPacket(remote, 1024, PUBLIC, sourcePort(out), 20);
        assertForwarded(nat.inbound(reply, IP, SECOND), reply, remote, 1024, inside, 255);
    }

    @Test
    void udpWithoutChecksumStaysWithout() {
        NatEngine nat = defaults();
        PacketBuffer out = Frames.udpPacket(addr("192.168.1.5"), 5000, addr("8.8.8.8"), 53, 10);
        out.segment().set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, IP + 20 + 6, (short) 0);
        assertThat(nat.outbound(out, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(FrameFields.u16(out, IP + 26)).isZero();
    }

    /** mirage-nat: the same as a TCP SYN, and the SYN-ACK maps back. */
    @Requirement("RFC 5382 REQ-2")
    @Test
    void tcpSynOutAndSynAckBack() {
        NatEngine nat = defaults();
        int inside = MIRAGE_INSIDE;
        int remote = MIRAGE_REMOTE;
        PacketBuffer syn = Frames.tcpPacket(inside, 255, remote, 1024, TcpSegment.SYN, 0);
        assertForwarded(nat.outbound(syn, IP, 0), syn, PUBLIC, 255, remote, 1024);
        PacketBuffer synAck = Frames.tcpPacket(remote, 1024, PUBLIC, 255, TcpSegment.SYN | TcpSegment.ACK, 0);
        assertForwarded(nat.inbound(synAck, IP, 0), synAck, remote, 1024, inside, 255);
        PacketBuffer data = Frames.tcpPacket(inside, 255, remote, 1024, TcpSegment.ACK | TcpSegment.PSH, 100);
        assertForwarded(nat.outbound(data, IP, 0), data, PUBLIC, 255, remote, 1024);
        int id = nat.table().peekInside(of(IpProtocol.TCP, inside, 255), of(IpProtocol.TCP, remote, 1024), 0);
        assertThat(TcpTracker.isEstablished(nat.table().sessions().flags(id))).isTrue();
    }

    /** mirage-nat: echo id 5 from 192.168.1.5 to 8.8.8.8 gets a public id; the reply goes back with id 5. */
    @Requirement("RFC 5508 REQ-1")
    @Test
    void echoIdentifierIsMappedLikeAPort() {
        NatEngine nat = defaults();
        int a = addr("192.168.1.5");
        int b = addr("192.168.1.6");
        int google = addr("8.8.8.8");
        PacketBuffer pingA = Frames.icmpQueryPacket(IcmpPacket.ECHO_REQUEST, a, google, 5, 1);
        PacketBuffer pingB = Frames.icmpQueryPacket(IcmpPacket.ECHO_REQUEST, b, google, 5, 1);
        assertThat(nat.outbound(pingA, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(nat.outbound(pingB, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        int idA = sourcePort(pingA);
        int idB = sourcePort(pingB);
        assertThat(idA).isNotEqualTo(idB);
        assertThat(checksumsValid(pingA)).isTrue();
        assertThat(checksumsValid(pingB)).isTrue();
        for (int[] c : new int[][] {{idA, a}, {idB, b}}) {
            PacketBuffer reply = Frames.icmpQueryPacket(IcmpPacket.ECHO_REPLY, google, PUBLIC, c[0], 1);
            assertThat(nat.inbound(reply, IP, 0)).isEqualTo(NatVerdict.FORWARD);
            assertThat(ip(reply).destinationAddress()).isEqualTo(c[1]);
            assertThat(sourcePort(reply)).isEqualTo(5);
            assertThat(checksumsValid(reply)).isTrue();
        }
        PacketBuffer stray = Frames.icmpQueryPacket(IcmpPacket.ECHO_REPLY, addr("9.9.9.9"), PUBLIC, idA, 1);
        assertThat(nat.inbound(stray, IP, 0)).as("a reply from where nobody pinged").isEqualTo(NatVerdict.DROP);
    }

    /**
     * mirage-nat: destination unreachable from an intermediate router 8.8.8.1, quoting the translated
     * datagram with only 8 transport bytes and the quoted total length kept, goes back to the inside
     * host with every quoted field restored and all checksums valid.
     */
    @Requirement({"RFC 4787 REQ-12", "RFC 4787 REQ-12a", "RFC 4787 REQ-12b", "RFC 5382 REQ-9", "RFC 5382 REQ-10",
            "RFC 5508 REQ-3c", "RFC 5508 REQ-4"})
    @Test
    void icmpErrorsQuotingEightBytesAreRestored() {
        for (int protocol : new int[] {IpProtocol.ICMP, IpProtocol.UDP, IpProtocol.TCP}) {
            NatEngine nat = defaults();
            int inside = addr("192.168.1.5");
            int second = addr("192.168.1.6");
            int google = addr("8.8.8.8");
            // A second host first takes the inside port/id, so the translated one differs.
            nat.outbound(original(protocol, second, google), IP, 0);
            PacketBuffer original = original(protocol, inside, google);
            byte[] before = bytes(original);
            PacketBuffer sent = original(protocol, inside, google);
            assertThat(nat.outbound(sent, IP, 0)).isEqualTo(NatVerdict.FORWARD);
            assertThat(sourcePort(sent)).isNotEqualTo(sourcePort(original));

            PacketBuffer error = Frames.icmpErrorPacket(addr("8.8.8.1"), PUBLIC, IcmpPacket.DESTINATION_UNREACHABLE,
                    IcmpPacket.HOST_UNREACHABLE, sent, 8);
            assertThat(checksumsValid(error)).isTrue();
            assertThat(nat.inbound(error, IP, SECOND)).as("protocol %d", protocol).isEqualTo(NatVerdict.FORWARD);
            assertThat(ip(error).destinationAddress()).isEqualTo(inside);
            assertThat(ip(error).sourceAddress()).isEqualTo(addr("8.8.8.1"));
            assertThat(checksumsValid(error)).isTrue();
            Ipv4Packet q = new Ipv4Packet().wrap(error.segment(), IP + 20 + 8);
            assertThat(q.totalLength()).as("quoted total length kept").isEqualTo(ip(original).totalLength());
            byte[] quote = error.segment().asSlice(IP + 28, 28).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertThat(quote).as("the quote is the original datagram again")
                    .isEqualTo(java.util.Arrays.copyOfRange(before, IP, IP + 28));
            assertThat(nat.table().size()).as("protocol %d: the error ends no session", protocol).isEqualTo(2);
        }
    }

    @Test
    void icmpErrorsQuotingTheWholeDatagramKeepTheQuotedChecksumValid() {
        for (int protocol : new int[] {IpProtocol.ICMP, IpProtocol.UDP, IpProtocol.TCP}) {
            NatEngine nat = defaults();
            int inside = addr("192.168.1.5");
            nat.outbound(original(protocol, addr("192.168.1.6"), addr("8.8.8.8")), IP, 0);
            PacketBuffer original = original(protocol, inside, addr("8.8.8.8"));
            PacketBuffer sent = original(protocol, inside, addr("8.8.8.8"));
            nat.outbound(sent, IP, 0);
            PacketBuffer error = Frames.icmpErrorPacket(addr("8.8.8.8"), PUBLIC, IcmpPacket.DESTINATION_UNREACHABLE,
                    IcmpPacket.PORT_UNREACHABLE, sent, 1000);
            assertThat(nat.inbound(error, IP, 0)).isEqualTo(NatVerdict.FORWARD);
            assertThat(checksumsValid(error)).isTrue();
            int n = ip(original).totalLength();
            assertThat(error.segment().asSlice(IP + 28, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .isEqualTo(java.util.Arrays.copyOfRange(bytes(original), IP, IP + n));
        }
    }

    static PacketBuffer original(int protocol, int source, int destination) {
        return switch (protocol) {
            case IpProtocol.ICMP -> Frames.icmpQueryPacket(IcmpPacket.ECHO_REQUEST, source, destination, 5, 9);
            case IpProtocol.UDP -> Frames.udpPacket(source, 5353, destination, 53, 24);
            default -> Frames.tcpPacket(source, 40000, destination, 443, TcpSegment.SYN, 0);
        };
    }

    @Requirement({"RFC 4787 REQ-12", "RFC 5508 REQ-4", "RFC 5508 REQ-6"})
    @Test
    void icmpErrorsMatchingNoSessionAreDroppedAndNeverRefresh() {
        NatEngine nat = defaults();
        PacketBuffer sent = Frames.udpPacket(addr("192.168.1.5"), 5000, addr("8.8.8.8"), 53, 8);
        nat.outbound(sent, IP, 0);
        PacketBuffer wrongRemote = Frames.udpPacket(PUBLIC, 5000, addr("8.8.4.4"), 53, 8);
        PacketBuffer error = Frames.icmpErrorPacket(addr("8.8.8.1"), PUBLIC, 3, 1, wrongRemote, 8);
        assertThat(nat.inbound(error, IP, 0)).isEqualTo(NatVerdict.DROP);
        assertThat(counters.get("nat.dropped.icmp_error_no_session")).isEqualTo(1);
        long expiry = nat.table().sessions().expiry(0);
        PacketBuffer good = Frames.icmpErrorPacket(addr("8.8.8.1"), PUBLIC, 3, 1, sent, 8);
        assertThat(nat.inbound(good, IP, 100 * SECOND)).isEqualTo(NatVerdict.FORWARD);
        assertThat(nat.table().sessions().expiry(0)).as("RFC 4787 REQ-12: no refresh").isEqualTo(expiry);
    }

    /** An inside host's port unreachable about a packet it got through a session goes out translated (RFC 5508 REQ-5). */
    @Requirement("RFC 5508 REQ-5")
    @Test
    void outboundIcmpErrorsAreTranslated() {
        NatEngine nat = defaults();
        int inside = addr("192.168.1.5");
        int remote = addr("8.8.8.8");
        nat.outbound(Frames.udpPacket(inside, 5000, addr("192.168.1.77"), 1, 8), IP, 0); // noise
        nat.outbound(Frames.udpPacket(addr("192.168.1.9"), 6000, remote, 53, 8), IP, 0);
        PacketBuffer out = Frames.udpPacket(addr("192.168.1.10"), 6000, remote, 53, 8);
        nat.outbound(out, IP, 0);
        int external = sourcePort(out);
        PacketBuffer in = Frames.udpPacket(remote, 53, PUBLIC, external, 30);
        assertThat(nat.inbound(in, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        PacketBuffer error = Frames.icmpErrorPacket(addr("192.168.1.10"), remote, 3, 3, in, 1000);
        assertThat(nat.outbound(error, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(ip(error).sourceAddress()).isEqualTo(PUBLIC);
        assertThat(checksumsValid(error)).isTrue();
        Ipv4Packet q = new Ipv4Packet().wrap(error.segment(), IP + 28);
        assertThat(q.destinationAddress()).isEqualTo(PUBLIC);
        assertThat(FrameFields.u16(error, IP + 28 + 20 + 2)).isEqualTo(external);
    }

    /** mirage-nat: broadcast, multicast and loopback destinations are never translated. */
    @Test
    void broadcastMulticastAndLoopbackAreNeverTranslated() {
        NatEngine nat = defaults();
        for (String d : new String[] {"255.255.255.255", "224.0.0.251", "239.1.2.3", "127.0.0.1", "0.0.0.0"}) {
            PacketBuffer p = Frames.udpPacket(addr("192.168.1.5"), 5353, addr(d), 5353, 8);
            byte[] before = bytes(p);
            assertThat(nat.outbound(p, IP, 0)).as(d).isEqualTo(NatVerdict.DROP);
            assertThat(bytes(p)).isEqualTo(before);
        }
        assertThat(nat.table().size()).isZero();
    }

    @Test
    void inboundToAnyOtherAddressNeverReachesTheInside() {
        NatEngine nat = defaults();
        nat.outbound(Frames.udpPacket(addr("192.168.1.5"), 5000, addr("8.8.8.8"), 53, 4), IP, 0);
        PacketBuffer direct = Frames.udpPacket(addr("8.8.8.8"), 53, addr("192.168.1.5"), 5000, 4);
        assertThat(nat.inbound(direct, IP, 0)).isEqualTo(NatVerdict.DROP);
        assertThat(counters.get("nat.dropped.not_public")).isEqualTo(1);
    }

    @Requirement("RFC 7857 section 12")
    @Test
    void pingsToThePublicAddressAreForTheRouter() {
        NatEngine nat = defaults();
        assertThat(nat.inbound(Frames.icmpQueryPacket(IcmpPacket.ECHO_REQUEST, addr("8.8.8.8"), PUBLIC, 1, 1), IP, 0))
                .isEqualTo(NatVerdict.LOCAL);
        assertThat(nat.outbound(Frames.icmpQueryPacket(IcmpPacket.ECHO_REQUEST, addr("192.168.1.5"), PUBLIC, 1, 1), IP, 0))
                .isEqualTo(NatVerdict.LOCAL);
        PacketBuffer dns = Frames.udpPacket(addr("192.168.1.5"), 5000, ROUTER_INSIDE, 53, 8);
        byte[] before = bytes(dns);
        assertThat(nat.outbound(dns, IP, 0)).isEqualTo(NatVerdict.LOCAL);
        assertThat(bytes(dns)).isEqualTo(before);
        assertThat(nat.table().size()).isZero();
    }

    /** mirage-nat: 500 random flows into a small table end in a clean refusal, with nothing evicted. */
    @Test
    void exhaustionIsRefusedWithCode13RateLimitedAndNothingEvicted() {
        NatEngine nat = engine(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, 64, 64,
                Unmatched.DROP, 0));
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        int translated = 0;
        int prohibited = 0;
        for (int i = 0; i < 500; i++) {
            PacketBuffer p = Frames.udpPacket(addr("192.168.1.0") + 1 + r.nextInt(200), 1 + r.nextInt(65535), r.nextInt(1 << 30) + (1 << 24), 1 + r.nextInt(65535), 4);
            switch (nat.outbound(p, IP, 0)) {
                case NatVerdict.FORWARD -> translated++;
                case NatVerdict.PROHIBITED -> prohibited++;
                default -> throw new AssertionError();
            }
        }
        assertThat(translated).isEqualTo(64);
        assertThat(prohibited).as("code 13 answers (the router rate-limits them)").isEqualTo(436);
        assertThat(counters.get("nat.refused.table_full")).isEqualTo(436);
        assertThat(nat.table().size()).isEqualTo(64);
    }

    /** mirage-nat: freeing one host's sessions frees both directions. */
    @Test
    void freeingAHostFreesBothDirections() {
        NatEngine nat = defaults();
        int host = addr("192.168.1.5");
        PacketBuffer out = Frames.udpPacket(host, 5000, addr("8.8.8.8"), 53, 4);
        nat.outbound(out, IP, 0);
        assertThat(nat.table().deleteHost(host, 0)).isEqualTo(1);
        assertThat(nat.inbound(Frames.udpPacket(addr("8.8.8.8"), 53, PUBLIC, 5000, 4), IP, 0)).isEqualTo(NatVerdict.DROP);
        assertThat(nat.table().peekInside(of(IpProtocol.UDP, host, 5000), of(IpProtocol.UDP, addr("8.8.8.8"), 53), 0))
                .isEqualTo(NatTable.NONE);
    }

    @Test
    void sessionsExpireAtTheConfiguredTimeout() {
        NatEngine nat = defaults();
        long udp = Timeouts.defaults().udpNanos();
        nat.outbound(Frames.udpPacket(addr("192.168.1.5"), 5000, addr("8.8.8.8"), 53, 4), IP, 0);
        assertThat(nat.inbound(Frames.udpPacket(addr("8.8.8.8"), 53, PUBLIC, 5000, 4), IP, udp - 1))
                .isEqualTo(NatVerdict.FORWARD);
        assertThat(nat.expire(udp)).isEqualTo(1);
        assertThat(nat.inbound(Frames.udpPacket(addr("8.8.8.8"), 53, PUBLIC, 5000, 4), IP, udp))
                .isEqualTo(NatVerdict.DROP);
        assertThat(counters.get("nat.sessions.expired")).isEqualTo(1);
    }

    @Test
    void portForwardKeepsTheClientAddressAndRepliesGoBackThroughIt() {
        int server = addr("192.168.1.20");
        int client = addr("198.51.100.10");
        NatEngine nat = engine(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, 64, 64,
                Unmatched.DROP, 0), new ForwardRule(IpProtocol.TCP, 8080, 8080, server, 80));
        PacketBuffer syn = Frames.tcpPacket(client, 50000, PUBLIC, 8080, TcpSegment.SYN, 0);
        assertForwarded(nat.inbound(syn, IP, 0), syn, client, 50000, server, 80);
        PacketBuffer synAck = Frames.tcpPacket(server, 80, client, 50000, TcpSegment.SYN | TcpSegment.ACK, 0);
        assertForwarded(nat.outbound(synAck, IP, 0), synAck, PUBLIC, 8080, client, 50000);
        // The server's own new connections never take the forwarded port.
        PacketBuffer other = Frames.tcpPacket(server, 8080, addr("203.0.113.9"), 443, TcpSegment.SYN, 0);
        nat.outbound(other, IP, 0);
        assertThat(sourcePort(other)).isNotEqualTo(8080);
    }

    @Test
    void dmzTakesWhatNothingElseDoes() {
        int dmz = addr("192.168.1.50");
        NatEngine nat = engine(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, 64, 64,
                Unmatched.REJECT, dmz));
        PacketBuffer in = Frames.udpPacket(addr("198.51.100.10"), 4000, PUBLIC, 27015, 8);
        assertThat(nat.inbound(in, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(ip(in).destinationAddress()).isEqualTo(dmz);
        assertThat(destinationPort(in)).isEqualTo(27015);
        PacketBuffer back = Frames.udpPacket(dmz, 27015, addr("198.51.100.10"), 4000, 8);
        assertThat(nat.outbound(back, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(sourcePort(back)).isEqualTo(27015);
    }

    @Requirement("RFC 5382 REQ-4a")
    @Test
    void unmatchedDropOrReject() {
        NatEngine drop = defaults();
        assertThat(drop.inbound(Frames.udpPacket(addr("198.51.100.10"), 4000, PUBLIC, 9, 8), IP, 0))
                .isEqualTo(NatVerdict.DROP);
        NatEngine reject = engine(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, 64, 64,
                Unmatched.REJECT, 0));
        PacketBuffer udp = Frames.udpPacket(addr("198.51.100.10"), 4000, PUBLIC, 9, 8);
        byte[] before = bytes(udp);
        assertThat(reject.inbound(udp, IP, 0)).isEqualTo(NatVerdict.REJECT);
        assertThat(bytes(udp)).as("untouched, so the router can quote it").isEqualTo(before);
        assertThat(reject.inbound(Frames.tcpPacket(addr("198.51.100.10"), 4000, PUBLIC, 9, TcpSegment.ACK, 0), IP, 0))
                .isEqualTo(NatVerdict.REJECT);
        assertThat(reject.inbound(Frames.tcpPacket(addr("198.51.100.10"), 4000, PUBLIC, 9, TcpSegment.RST, 0), IP, 0))
                .isEqualTo(NatVerdict.DROP);
    }

    /** RFC 5382 REQ-4: an unsolicited SYN is held 6 s, then refused; an outbound SYN in that time wins. */
    @Requirement({"RFC 5382 REQ-2a", "RFC 5382 REQ-4"})
    @Test
    void unsolicitedSynIsHeldSixSeconds() {
        NatEngine nat = engine(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, 64, 64,
                Unmatched.REJECT, 0));
        int remote = addr("198.51.100.10");
        PacketBuffer syn = Frames.tcpPacket(remote, 4000, PUBLIC, 5555, TcpSegment.SYN, 0);
        assertThat(nat.inbound(syn, IP, 0)).isEqualTo(NatVerdict.CONSUMED);
        PacketBuffer retransmitted = Frames.tcpPacket(remote, 4000, PUBLIC, 5555, TcpSegment.SYN, 0);
        assertThat(nat.inbound(retransmitted, IP, SECOND)).as("held once").isEqualTo(NatVerdict.CONSUMED);
        assertThat(nat.nextHeldReject(6 * SECOND - 1)).isNull();
        PacketBuffer held = nat.nextHeldReject(6 * SECOND);
        assertThat(held).isNotNull();
        Ipv4Packet view = ip(held);
        assertThat(view.check(held.length() - IP)).isTrue();
        assertThat(view.sourceAddress()).isEqualTo(remote);
        TcpSegment t = new TcpSegment().wrap(view.segment(), view.payloadOffset());
        assertThat(t.destinationPort()).isEqualTo(5555);
        assertThat(t.syn()).isTrue();
        assertThat(nat.nextHeldReject(7 * SECOND)).isNull();

        // Simultaneous open: the inside host's SYN to the same endpoint comes within 6 s.
        PacketBuffer again = Frames.tcpPacket(remote, 4001, PUBLIC, 5556, TcpSegment.SYN, 0);
        assertThat(nat.inbound(again, IP, 10 * SECOND)).isEqualTo(NatVerdict.CONSUMED);
        PacketBuffer out = Frames.tcpPacket(addr("192.168.1.5"), 5556, remote, 4001, TcpSegment.SYN, 0);
        assertThat(nat.outbound(out, IP, 12 * SECOND)).isEqualTo(NatVerdict.FORWARD);
        assertThat(counters.get("nat.syn.outbound_won")).isEqualTo(1);
        assertThat(nat.nextHeldReject(20 * SECOND)).isNull();
        PacketBuffer retransmit = Frames.tcpPacket(remote, 4001, PUBLIC, 5556, TcpSegment.SYN, 0);
        assertThat(nat.inbound(retransmit, IP, 13 * SECOND)).isEqualTo(NatVerdict.FORWARD);
        int id = nat.table().peekInside(of(IpProtocol.TCP, addr("192.168.1.5"), 5556), of(IpProtocol.TCP, remote, 4001),
                13 * SECOND);
        assertThat(TcpTracker.isEstablished(nat.table().sessions().flags(id))).as("RFC 5382 REQ-2a").isTrue();
    }

    /** REQ-9, 9a: an inside host reaches another through the public address and sees its external endpoint. */
    @Requirement({"RFC 4787 REQ-9", "RFC 4787 REQ-9a"})
    @Test
    void hairpinning() {
        NatEngine nat = endpointIndependent();
        int a = addr("192.168.1.5");
        int b = addr("192.168.1.6");
        nat.outbound(Frames.udpPacket(b, 7000, addr("8.8.8.8"), 3478, 4), IP, 0); // B's mapping: public:7000
        nat.outbound(Frames.udpPacket(a, 7000, addr("8.8.8.8"), 3478, 4), IP, 0); // A's: public:other
        int aExternal = nat.table().sessions().externalPort(
                nat.table().peekInside(of(IpProtocol.UDP, a, 7000), of(IpProtocol.UDP, addr("8.8.8.8"), 3478), 0));
        PacketBuffer p = Frames.udpPacket(a, 7000, PUBLIC, 7000, 12);
        assertForwarded(nat.outbound(p, IP, 0), p, PUBLIC, aExternal, b, 7000);
        PacketBuffer reply = Frames.udpPacket(b, 7000, PUBLIC, aExternal, 12);
        assertForwarded(nat.outbound(reply, IP, 0), reply, PUBLIC, 7000, a, 7000);
    }

    /**
     * A host that sends to its own external endpoint gets the datagram back, from that endpoint
     * (turnutils_natdiscovery -H, RFC 5780 section 4.5, does this), whatever the filtering.
     */
    @Requirement("RFC 4787 REQ-9")
    @Test
    void aHostReachesItselfThroughItsOwnMapping() {
        for (Behavior filtering : Behavior.values()) {
            NatEngine nat = engine(config(Behavior.ENDPOINT_INDEPENDENT, filtering, 64, 64, Unmatched.DROP, 0));
            int a = addr("192.168.1.5");
            nat.outbound(Frames.udpPacket(a, 7000, addr("8.8.8.8"), 3478, 4), IP, 0); // its mapping: public:7000
            PacketBuffer p = Frames.udpPacket(a, 7000, PUBLIC, 7000, 12);
            assertForwarded(nat.outbound(p, IP, 0), p, PUBLIC, 7000, a, 7000);
        }
    }

    @Requirement({"RFC 4787 REQ-9", "RFC 5382 REQ-8"})
    @Test
    void hairpinningOffDropsPacketsToThePublicAddress() {
        NatEngine nat = engine(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ENDPOINT_INDEPENDENT, 64, 64,
                Unmatched.DROP, 0).withHairpinning(false));
        nat.outbound(Frames.udpPacket(addr("192.168.1.6"), 7000, addr("8.8.8.8"), 3478, 4), IP, 0);
        PacketBuffer p = Frames.udpPacket(addr("192.168.1.5"), 7000, PUBLIC, 7000, 4);
        assertThat(nat.outbound(p, IP, 0)).isEqualTo(NatVerdict.DROP);
        assertThat(counters.get("nat.dropped.hairpin")).isEqualTo(1);
        assertThat(nat.table().size()).isEqualTo(1);
    }

    /** An inside host's ICMP error about a hairpinned packet goes back to the sender, translated twice. */
    @Requirement({"RFC 5508 REQ-7", "RFC 5508 REQ-7a"})
    @Test
    void hairpinnedIcmpErrorsReachTheSender() {
        NatEngine nat = endpointIndependent();
        int a = addr("192.168.1.5");
        int b = addr("192.168.1.6");
        nat.outbound(Frames.udpPacket(b, 7000, addr("8.8.8.8"), 3478, 4), IP, 0);
        PacketBuffer original = Frames.udpPacket(a, 7001, PUBLIC, 7000, 12);
        PacketBuffer p = Frames.udpPacket(a, 7001, PUBLIC, 7000, 12);
        assertThat(nat.outbound(p, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(ip(p).destinationAddress()).isEqualTo(b);
        PacketBuffer error = Frames.icmpErrorPacket(b, PUBLIC, IcmpPacket.DESTINATION_UNREACHABLE,
                IcmpPacket.PORT_UNREACHABLE, p, 1000);
        assertThat(nat.outbound(error, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(ip(error).destinationAddress()).isEqualTo(a);
        assertThat(ip(error).sourceAddress()).isEqualTo(PUBLIC);
        assertThat(checksumsValid(error)).isTrue();
        Ipv4Packet q = new Ipv4Packet().wrap(error.segment(), IP + 28);
        assertThat(q.sourceAddress()).isEqualTo(a);
        assertThat(FrameFields.u16(error, IP + 28 + 20)).isEqualTo(7001);
        assertThat(q.destinationAddress()).isEqualTo(PUBLIC);
        assertThat(FrameFields.u16(error, IP + 28 + 22)).isEqualTo(7000);
        assertThat(ip(original).protocol()).isEqualTo(IpProtocol.UDP);
    }

    @Requirement("RFC 5382 REQ-8")
    @Test
    void hairpinningThroughAForward() {
        int server = addr("192.168.1.20");
        NatEngine nat = engine(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, 64, 64,
                Unmatched.DROP, 0), new ForwardRule(IpProtocol.TCP, 8080, 8080, server, 80));
        PacketBuffer syn = Frames.tcpPacket(addr("192.168.1.5"), 40000, PUBLIC, 8080, TcpSegment.SYN, 0);
        assertThat(nat.outbound(syn, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(ip(syn).destinationAddress()).isEqualTo(server);
        assertThat(ip(syn).sourceAddress()).as("RFC 5382 REQ-8: the server sees the external address")
                .isEqualTo(PUBLIC);
        assertThat(checksumsValid(syn)).isTrue();
    }

    /**
     * A partial checksum (F_NEEDS_CSUM): the field holds the pseudo-header sum; after translation it
     * must be the pseudo-header sum of the new addresses, and the ports are left to the device.
     */
    @Test
    void partialChecksumsFoldOnlyTheAddressChange() {
        NatEngine nat = defaults();
        int inside = addr("192.168.1.5");
        int remote = addr("203.0.113.80");
        PacketBuffer p = Frames.tcpPacket(inside, 40000, remote, 443, TcpSegment.ACK, 1000);
        int length = 20 + 1000;
        int pseudo = Checksum.fold(Checksum.pseudoHeaderSum(inside, remote, IpProtocol.TCP, length));
        new TcpSegment().wrap(p.segment(), IP + 20).checksum(pseudo);
        p.flags = PacketBuffer.F_NEEDS_CSUM;
        p.gsoType = PacketBuffer.GSO_TCPV4;
        p.gsoSize = 500;
        p.checksumStart = IP + 20;
        p.checksumOffset = TcpSegment.CHECKSUM;
        // Another host holds port 40000, so the port changes too.
        nat.outbound(Frames.tcpPacket(addr("192.168.1.9"), 40000, remote, 443, TcpSegment.SYN, 0), IP, 0);
        assertThat(nat.outbound(p, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        assertThat(sourcePort(p)).isNotEqualTo(40000);
        int expected = Checksum.fold(Checksum.pseudoHeaderSum(PUBLIC, remote, IpProtocol.TCP, length));
        assertThat(FrameFields.u16(p, IP + 20 + TcpSegment.CHECKSUM)).isEqualTo(expected);
        // What the device then computes is the right checksum.
        int device = Checksum.finish(Checksum.sum(p.segment(), IP + 20, length));
        new TcpSegment().wrap(p.segment(), IP + 20).checksum(device);
        assertThat(checksumsValid(p)).isTrue();
    }

    @Test
    void malformedAndOtherProtocolsAreDroppedAndCounted() {
        NatEngine nat = defaults();
        PacketBuffer p = Frames.udpPacket(addr("192.168.1.5"), 5000, addr("8.8.8.8"), 53, 4);
        p.length(IP + 20 + 4); // shorter than the IP total length
        assertThat(nat.outbound(p, IP, 0)).isEqualTo(NatVerdict.DROP);
        PacketBuffer gre = Frames.udpPacket(addr("192.168.1.5"), 5000, addr("8.8.8.8"), 53, 4);
        FrameFields.ip(gre).protocol(47).fillHeaderChecksum();
        assertThat(nat.outbound(gre, IP, 0)).isEqualTo(NatVerdict.DROP);
        assertThat(counters.get("nat.dropped.malformed")).isEqualTo(1);
        assertThat(counters.get("nat.dropped.protocol")).isEqualTo(1);
    }

    /** The packet path allocates nothing in the steady state (DESIGN section 5). */
    @Test
    void steadyStateTranslationAllocatesNothing() {
        NatEngine nat = defaults();
        int host = addr("192.168.1.5");
        PacketBuffer out = Frames.udpPacket(host, 5000, addr("8.8.8.8"), 53, 64);
        PacketBuffer in = Frames.udpPacket(addr("8.8.8.8"), 53, PUBLIC, 5000, 64);
        Ipv4Packet outIp = ip(out);
        Ipv4Packet inIp = ip(in);
        long[] now = {0};
        org.jnat.testing.Allocations.assertSteadyStateAllocatesNothing("nat out and back", () -> {
            long t = now[0]++;
            nat.outbound(out, IP, t);
            outIp.sourceAddress(host);
            nat.inbound(in, IP, t);
            inIp.destinationAddress(PUBLIC);
            nat.expire(t);
        }, 10_000);
        assertThat(counters.get("nat.translated.inbound")).isGreaterThan(100_000);
    }

    /** Setting sessions up and expiring them allocates nothing either. */
    @Test
    void sessionSetUpAndExpiryAllocateNothing() {
        NatEngine nat = engine(config(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, 1 << 16,
                8192, Unmatched.DROP, 0));
        org.jnat.wire.UdpDatagram udpView = new org.jnat.wire.UdpDatagram();
        int host = addr("192.168.1.5");
        PacketBuffer out = Frames.udpPacket(host, 5000, addr("8.8.8.8"), 53, 16);
        Ipv4Packet outIp = ip(out);
        long udp = Timeouts.defaults().udpNanos();
        long[] state = {0, 0};
        org.jnat.testing.Allocations.assertSteadyStateAllocatesNothing("nat set-up and expiry", () -> {
            long t = state[0] += 10_000_000L; // 10 ms apart: ~30 000 sessions live at any time
            int flow = (int) state[1]++;
            outIp.sourceAddress(host + (flow & 127));
            outIp.destinationAddress(0x08000000 + (flow >>> 7)); // a new remote each time: a new session
            udpView.wrap(out.segment(), IP + 20).sourcePort(1024 + flow % 50_000); // and often a new mapping
            if (nat.outbound(out, IP, t) != NatVerdict.FORWARD) {
                throw new AssertionError("refused");
            }
            nat.expire(t);
        }, 10_000);
        assertThat(counters.get("nat.sessions.expired")).isGreaterThan(80_000);
        assertThat(nat.table().size()).isLessThanOrEqualTo((int) (udp / 10_000_000L) + 1);
    }

    /**
     * Every mapping x filtering combination, in packets: one inside endpoint sends to three remote
     * endpoints (Y1:p1, Y1:p2, Y2:p1), then remote endpoints send to the first mapped port.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "mapping {0}, filtering {1}")
    @org.junit.jupiter.params.provider.MethodSource("org.jnat.nat.NatTableTest#combinations")
    void mappingAndFilteringInPackets(Behavior mapping, Behavior filtering) {
        NatEngine nat = engine(config(mapping, filtering, 64, 64, Unmatched.DROP, 0));
        int x = addr("192.168.1.10");
        int y1 = addr("198.51.100.1");
        int y2 = addr("198.51.100.2");
        int y3 = addr("198.51.100.3");
        int[] external = new int[3];
        int[][] remotes = {{y1, 3478}, {y1, 3479}, {y2, 3478}};
        for (int i = 0; i < 3; i++) {
            PacketBuffer p = Frames.udpPacket(x, 4000, remotes[i][0], remotes[i][1], 8);
            assertThat(nat.outbound(p, IP, 0)).isEqualTo(NatVerdict.FORWARD);
            external[i] = sourcePort(p);
        }
        boolean samePortForSameAddress = mapping != Behavior.ADDRESS_AND_PORT_DEPENDENT;
        boolean samePortForAnyAddress = mapping == Behavior.ENDPOINT_INDEPENDENT;
        assertThat(external[1] == external[0]).isEqualTo(samePortForSameAddress);
        assertThat(external[2] == external[0]).isEqualTo(samePortForAnyAddress);
        int[][] senders = {{y1, 3478}, {y1, 9999}, {y3, 3478}};
        boolean[] expected = {true, filtering != Behavior.ADDRESS_AND_PORT_DEPENDENT,
            filtering == Behavior.ENDPOINT_INDEPENDENT};
        for (int i = 0; i < 3; i++) {
            PacketBuffer p = Frames.udpPacket(senders[i][0], senders[i][1], PUBLIC, external[0], 8);
            int verdict = nat.inbound(p, IP, 1);
            assertThat(verdict == NatVerdict.FORWARD).as("from %s:%d", Ipv4Address.toString(senders[i][0]),
                    senders[i][1]).isEqualTo(expected[i]);
            if (verdict == NatVerdict.FORWARD) {
                assertThat(ip(p).destinationAddress()).isEqualTo(x);
                assertThat(destinationPort(p)).isEqualTo(4000);
                assertThat(checksumsValid(p)).isTrue();
            }
        }
    }
}
