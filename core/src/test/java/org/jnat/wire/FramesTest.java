package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The builders of {@link ArpFrames}, {@link IcmpFrames} and {@link TcpFrames} against the frames
 * Linux itself sent in the same situation: given the same identification, they must be
 * byte-identical.
 */
class FramesTest {
    private static final long CLIENT_MAC = MacAddress.parse("16:6e:36:a4:8d:ef");
    private static final long INSIDE_MAC = MacAddress.parse("5a:75:f7:80:43:b1");
    private static final long OUTSIDE_MAC = MacAddress.parse("42:9f:da:77:32:42");
    private static final long ISP_MAC = MacAddress.parse("c6:de:e7:74:70:29");
    private static final int ROUTER = Ipv4Address.parse("192.168.1.1");
    private static final int HOST_11 = Ipv4Address.parse("192.168.1.11");
    private static final int PUBLIC = Ipv4Address.parse("203.0.113.1");
    private static final int ISP = Ipv4Address.parse("203.0.113.254");

    private final MemorySegment out = MemorySegment.ofArray(new byte[2048]);

    private static Ipv4Packet ip(byte[] frame) {
        Ipv4Packet ip = new Ipv4Packet().wrap(Vectors.segment(frame), 14);
        assertThat(ip.check(frame.length - 14)).isTrue();
        return ip;
    }

    private void assertFrame(int length, byte[] expected) {
        assertThat(length).isEqualTo(expected.length);
        assertThat(Vectors.bytes(out, 0, length)).isEqualTo(expected);
    }

    @Test
    void arpRequestLikeLinux() {
        // two-hosts-same-port-inside.pcap frame 4: rt asks for 192.168.1.11.
        int length = ArpFrames.request(out, INSIDE_MAC, ROUTER, HOST_11);
        assertFrame(length, Vectors.frame("two-hosts-same-port-inside", 4));
    }

    @Test
    void arpReplyLikeLinux() {
        // Frame 5: the client's answer.
        int length = ArpFrames.reply(out, CLIENT_MAC, HOST_11, INSIDE_MAC, ROUTER);
        assertFrame(length, Vectors.frame("two-hosts-same-port-inside", 5));
    }

    @Test
    void gratuitousArp() {
        int length = ArpFrames.gratuitous(out, INSIDE_MAC, ROUTER);
        assertThat(length).isEqualTo(42);
        EthernetFrame frame = new EthernetFrame().wrap(out, 0);
        assertThat(frame.check(length)).isTrue();
        assertThat(frame.destination()).isEqualTo(MacAddress.BROADCAST);
        assertThat(frame.etherType()).isEqualTo(EtherType.ARP);
        ArpPacket arp = new ArpPacket().wrap(out, 14);
        assertThat(arp.check(28)).isTrue();
        assertThat(arp.operation()).isEqualTo(ArpPacket.REPLY);
        assertThat(arp.senderProtocolAddress()).isEqualTo(ROUTER).isEqualTo(arp.targetProtocolAddress());
        assertThat(arp.senderHardwareAddress()).isEqualTo(INSIDE_MAC).isEqualTo(arp.targetHardwareAddress());
    }

    @Test
    void echoReplyLikeLinux() {
        // unsolicited-inbound-outside.pcap frames 5 and 6: sv pings the public address; rt answers.
        Ipv4Packet request = ip(Vectors.frame("unsolicited-inbound-outside", 5));
        int length = IcmpFrames.echoReply(out, OUTSIDE_MAC, ISP_MAC, request, 0x6af5);
        assertFrame(length, Vectors.frame("unsolicited-inbound-outside", 6));
    }

    @Test
    void echoReplyInPlace() {
        byte[] request = Vectors.frame("unsolicited-inbound-outside", 5);
        Ipv4Packet ip = ip(request);
        int length = IcmpFrames.echoReply(ip.segment(), OUTSIDE_MAC, ISP_MAC, ip, 0x6af5);
        assertThat(length).isEqualTo(request.length);
        assertThat(Vectors.bytes(ip.segment(), 0, length)).isEqualTo(Vectors.frame("unsolicited-inbound-outside", 6));
    }

    @Test
    void timeExceededLikeLinux() {
        // traceroute-inside.pcap frames 1 and 2: the TTL-1 probe and rt's own time exceeded.
        Ipv4Packet probe = ip(Vectors.frame("traceroute-inside", 1));
        int length = IcmpFrames.timeExceeded(out, INSIDE_MAC, CLIENT_MAC, ROUTER, probe, 0xa47d);
        assertFrame(length, Vectors.frame("traceroute-inside", 2));
    }

    @Test
    void portUnreachableLikeLinux() {
        // unsolicited-inbound-outside.pcap frames 1 and 2: UDP to a port with no session.
        Ipv4Packet datagram = ip(Vectors.frame("unsolicited-inbound-outside", 1));
        int length = IcmpFrames.destinationUnreachable(out, OUTSIDE_MAC, ISP_MAC, PUBLIC,
                IcmpPacket.PORT_UNREACHABLE, datagram, 0x6af3);
        assertFrame(length, Vectors.frame("unsolicited-inbound-outside", 2));
    }

    @Test
    void fragmentationNeededLikeLinuxQuotingWhatFitsIn576Bytes() {
        // icmp-frag-needed-outside.pcap frames 1 and 2: isp refuses a 1478-byte DF ping, MTU 1400.
        Ipv4Packet ping = ip(Vectors.frame("icmp-frag-needed-outside", 1));
        int length = IcmpFrames.fragmentationNeeded(out, ISP_MAC, OUTSIDE_MAC, ISP, 1400, ping, 0x12f0);
        assertThat(length).isEqualTo(14 + IcmpFrames.MAX_ERROR_LENGTH);
        assertFrame(length, Vectors.frame("icmp-frag-needed-outside", 2));
    }

    @Test
    void errorInPlaceQuotesTheOriginal() {
        byte[] probe = Vectors.frame("traceroute-inside", 1);
        byte[] buffer = java.util.Arrays.copyOf(probe, 256);
        Ipv4Packet ip = new Ipv4Packet().wrap(MemorySegment.ofArray(buffer), 14);
        assertThat(ip.check(probe.length - 14)).isTrue();
        int length = IcmpFrames.timeExceeded(ip.segment(), INSIDE_MAC, CLIENT_MAC, ROUTER, ip, 0xa47d);
        assertThat(Vectors.bytes(ip.segment(), 0, length)).isEqualTo(Vectors.frame("traceroute-inside", 2));
    }

    @Test
    void resetForASynLikeLinux() {
        // unsolicited-inbound-outside.pcap frames 3 and 4: SYN to a port with no session, and rt's
        // <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK>.
        Ipv4Packet ip = ip(Vectors.frame("unsolicited-inbound-outside", 3));
        TcpSegment syn = new TcpSegment().wrap(ip.segment(), ip.payloadOffset());
        assertThat(syn.check(ip.payloadLength())).isTrue();
        int length = TcpFrames.reset(out, OUTSIDE_MAC, ISP_MAC, ip, syn);
        assertFrame(length, Vectors.frame("unsolicited-inbound-outside", 4));
    }

    @Test
    void resetForAnAckTakesItsSequenceFromTheAck() {
        // tcp-http-inside.pcap frame 4: the GET, ACK set, 82 bytes of data.
        Ipv4Packet ip = ip(Vectors.frame("tcp-http-inside", 4));
        TcpSegment get = new TcpSegment().wrap(ip.segment(), ip.payloadOffset());
        assertThat(get.check(ip.payloadLength())).isTrue();
        int length = TcpFrames.reset(out, INSIDE_MAC, CLIENT_MAC, ip, get);
        assertThat(length).isEqualTo(54);
        Ipv4Packet reply = new Ipv4Packet().wrap(out, 14);
        assertThat(reply.check(40)).isTrue();
        assertThat(reply.headerChecksumValid()).isTrue();
        assertThat(reply.sourceAddress()).isEqualTo(ip.destinationAddress());
        assertThat(reply.destinationAddress()).isEqualTo(ip.sourceAddress());
        TcpSegment rst = new TcpSegment().wrap(out, 34);
        assertThat(rst.check(20)).isTrue();
        assertThat(rst.flags()).isEqualTo(TcpSegment.RST);
        assertThat(rst.sequenceNumber()).isEqualTo(get.acknowledgmentNumber());
        assertThat(rst.acknowledgmentNumber()).isZero();
        assertThat(rst.sourcePort()).isEqualTo(get.destinationPort());
        assertThat(rst.destinationPort()).isEqualTo(get.sourcePort());
        assertThat(rst.checksumValid(reply.sourceAddress(), reply.destinationAddress(), 20)).isTrue();
    }

    @Test
    void resetCountsDataAndFinInTheAcknowledgment() {
        // tcp-http-inside.pcap frame 11: FIN|ACK; clear ACK to take the other branch: SEG.LEN = 1.
        Ipv4Packet ip = ip(Vectors.frame("tcp-http-inside", 11));
        TcpSegment fin = new TcpSegment().wrap(ip.segment(), ip.payloadOffset());
        assertThat(fin.check(ip.payloadLength())).isTrue();
        fin.flags(TcpSegment.FIN);
        TcpFrames.reset(out, INSIDE_MAC, CLIENT_MAC, ip, fin);
        TcpSegment rst = new TcpSegment().wrap(out, 34);
        assertThat(rst.flags()).isEqualTo(TcpSegment.RST | TcpSegment.ACK);
        assertThat(rst.sequenceNumber()).isZero();
        assertThat(rst.acknowledgmentNumber()).isEqualTo(fin.sequenceNumber() + 1);
        // And data: the GET carries 82 bytes.
        Ipv4Packet get = ip(Vectors.frame("tcp-http-inside", 4));
        TcpSegment data = new TcpSegment().wrap(get.segment(), get.payloadOffset());
        assertThat(data.check(get.payloadLength())).isTrue();
        data.flags(TcpSegment.PSH);
        TcpFrames.reset(out, INSIDE_MAC, CLIENT_MAC, get, data);
        assertThat(rst.acknowledgmentNumber()).isEqualTo(data.sequenceNumber() + 82);
    }

    @Test
    void neverAnswersAReset() {
        Ipv4Packet ip = ip(Vectors.frame("unsolicited-inbound-outside", 4));
        TcpSegment rst = new TcpSegment().wrap(ip.segment(), ip.payloadOffset());
        assertThat(rst.check(ip.payloadLength())).isTrue();
        assertThat(TcpFrames.reset(out, OUTSIDE_MAC, ISP_MAC, ip, rst)).isZero();
    }

    @Test
    void refusesABufferTooSmall() {
        MemorySegment small = MemorySegment.ofArray(new byte[41]);
        assertThat(ArpFrames.request(small, INSIDE_MAC, ROUTER, HOST_11)).isZero();
        Ipv4Packet ping = ip(Vectors.frame("icmp-frag-needed-outside", 1));
        assertThat(IcmpFrames.echoReply(MemorySegment.ofArray(new byte[100]), OUTSIDE_MAC, ISP_MAC, ping, 1)).isZero();
        assertThat(IcmpFrames.timeExceeded(MemorySegment.ofArray(new byte[100]), OUTSIDE_MAC, ISP_MAC, PUBLIC, ping, 1))
                .isZero();
        Ipv4Packet syn = ip(Vectors.frame("unsolicited-inbound-outside", 3));
        TcpSegment tcp = new TcpSegment().wrap(syn.segment(), syn.payloadOffset());
        assertThat(tcp.check(syn.payloadLength())).isTrue();
        assertThat(TcpFrames.reset(MemorySegment.ofArray(new byte[53]), OUTSIDE_MAC, ISP_MAC, syn, tcp)).isZero();
    }
}
