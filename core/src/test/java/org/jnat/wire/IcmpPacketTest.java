package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class IcmpPacketTest {
    private static final int CLIENT = Ipv4Address.parse("192.168.1.10");
    private static final int SERVER = Ipv4Address.parse("198.51.100.10");
    private static final int PUBLIC = Ipv4Address.parse("203.0.113.1");

    private final Ipv4Packet ip = new Ipv4Packet();
    private final IcmpPacket icmp = new IcmpPacket();

    private IcmpPacket parse(byte[] frame) {
        ip.wrap(Vectors.segment(frame), 14);
        assertThat(ip.check(frame.length - 14)).isTrue();
        assertThat(ip.protocol()).isEqualTo(IpProtocol.ICMP);
        icmp.wrap(ip.segment(), ip.payloadOffset());
        assertThat(icmp.check(ip.payloadLength())).isTrue();
        return icmp;
    }

    @Test
    void parsesRealEcho() {
        // icmp-echo-inside.pcap frames 1 and 2: ping id 0x30bc seq 1, and its reply.
        IcmpPacket request = parse(Vectors.frame("icmp-echo-inside", 1));
        assertThat(request.type()).isEqualTo(IcmpPacket.ECHO_REQUEST);
        assertThat(request.code()).isZero();
        assertThat(request.identifier()).isEqualTo(0x30bc);
        assertThat(request.sequenceNumber()).isEqualTo(1);
        assertThat(request.length()).isEqualTo(64);
        assertThat(request.payloadOffset()).isEqualTo(14 + 20 + 8);
        assertThat(request.checksumValid()).isTrue();
        assertThat(IcmpPacket.isQuery(request.type())).isTrue();
        assertThat(IcmpPacket.isError(request.type())).isFalse();

        IcmpPacket reply = parse(Vectors.frame("icmp-echo-inside", 2));
        assertThat(reply.type()).isEqualTo(IcmpPacket.ECHO_REPLY);
        assertThat(reply.identifier()).isEqualTo(0x30bc);
        assertThat(reply.sequenceNumber()).isEqualTo(1);
        assertThat(reply.checksumValid()).isTrue();
        int stored = reply.checksum();
        assertThat(Checksum.icmp(reply.segment(), reply.offset(), reply.length())).isEqualTo(stored);
    }

    @Test
    void parsesRealTimeExceededAndItsQuote() {
        // traceroute-inside.pcap frame 2: rt's own time exceeded for the TTL-1 probe of frame 1,
        // quoting the whole 60-byte probe.
        IcmpPacket error = parse(Vectors.frame("traceroute-inside", 2));
        assertThat(error.type()).isEqualTo(IcmpPacket.TIME_EXCEEDED);
        assertThat(error.code()).isEqualTo(IcmpPacket.TTL_EXCEEDED_IN_TRANSIT);
        assertThat(IcmpPacket.isError(error.type())).isTrue();
        assertThat(error.checksumValid()).isTrue();
        assertThat(error.quoteOffset()).isEqualTo(14 + 20 + 8);
        assertThat(error.quoteLength()).isEqualTo(60);
        Ipv4Packet quoted = new Ipv4Packet();
        assertThat(error.wrapQuoted(quoted)).isTrue();
        assertThat(quoted.ttl()).isEqualTo(1);
        assertThat(quoted.protocol()).isEqualTo(IpProtocol.UDP);
        assertThat(quoted.sourceAddress()).isEqualTo(CLIENT);
        assertThat(quoted.destinationAddress()).isEqualTo(SERVER);
        UdpDatagram udp = new UdpDatagram().wrap(quoted.segment(), quoted.payloadOffset());
        assertThat(udp.checkQuoted(error.quoteLength() - quoted.headerLength())).isTrue();
        assertThat(udp.sourcePort()).isEqualTo(60869);
        assertThat(udp.destinationPort()).isEqualTo(33434);
    }

    @Test
    void parsesRealPortUnreachable() {
        // udp-closed-port-inside.pcap frame 2, translated back by the kernel's NAT.
        IcmpPacket error = parse(Vectors.frame("udp-closed-port-inside", 2));
        assertThat(error.type()).isEqualTo(IcmpPacket.DESTINATION_UNREACHABLE);
        assertThat(error.code()).isEqualTo(IcmpPacket.PORT_UNREACHABLE);
        assertThat(error.checksumValid()).isTrue();
        Ipv4Packet quoted = new Ipv4Packet();
        assertThat(error.wrapQuoted(quoted)).isTrue();
        assertThat(quoted.sourceAddress()).isEqualTo(CLIENT);
        UdpDatagram udp = new UdpDatagram().wrap(quoted.segment(), quoted.payloadOffset());
        assertThat(udp.check(error.quoteLength() - quoted.headerLength())).isTrue();
        assertThat(udp.sourcePort()).isEqualTo(41002);
        assertThat(udp.destinationPort()).isEqualTo(9999);
    }

    @Test
    void parsesRealFragmentationNeededWithATruncatedQuote() {
        // icmp-frag-needed-outside.pcap frame 2: isp's "fragmentation needed, MTU 1400", 576
        // bytes long, quoting only the start of the 1478-byte ping sent to the public address.
        IcmpPacket error = parse(Vectors.frame("icmp-frag-needed-outside", 2));
        assertThat(ip.totalLength()).isEqualTo(576);
        assertThat(error.type()).isEqualTo(IcmpPacket.DESTINATION_UNREACHABLE);
        assertThat(error.code()).isEqualTo(IcmpPacket.FRAGMENTATION_NEEDED);
        assertThat(error.nextHopMtu()).isEqualTo(1400);
        assertThat(error.checksumValid()).isTrue();
        Ipv4Packet quoted = new Ipv4Packet();
        assertThat(error.wrapQuoted(quoted)).isTrue();
        assertThat(quoted.totalLength()).isEqualTo(1478);
        assertThat(quoted.check(error.quoteLength())).isFalse();
        assertThat(quoted.sourceAddress()).isEqualTo(PUBLIC);
        assertThat(quoted.dontFragment()).isTrue();
        IcmpPacket quotedEcho = new IcmpPacket().wrap(quoted.segment(), quoted.payloadOffset());
        assertThat(quotedEcho.check(error.quoteLength() - quoted.headerLength())).isTrue();
        assertThat(quotedEcho.type()).isEqualTo(IcmpPacket.ECHO_REQUEST);
        assertThat(quotedEcho.identifier()).isEqualTo(0x30f8);
    }

    @Test
    void roundTripsEveryField() {
        MemorySegment segment = MemorySegment.ofArray(new byte[16]);
        IcmpPacket message = new IcmpPacket().wrap(segment, 0);
        assertThat(message.check(16)).isTrue();
        message.type(IcmpPacket.TIMESTAMP).code(0).identifier(0x1234).sequenceNumber(0xfedc).fillChecksum();
        assertThat(message.type()).isEqualTo(IcmpPacket.TIMESTAMP);
        assertThat(message.identifier()).isEqualTo(0x1234);
        assertThat(message.sequenceNumber()).isEqualTo(0xfedc);
        assertThat(message.restOfHeader()).isEqualTo(0x1234fedc);
        assertThat(message.checksumValid()).isTrue();
        message.restOfHeader(0).pointer(9);
        assertThat(message.pointer()).isEqualTo(9);
        message.nextHopMtu(1280);
        assertThat(message.nextHopMtu()).isEqualTo(1280);
        assertThat(message.checksumValid()).isFalse();
        message.checksum(0x4242);
        assertThat(message.checksum()).isEqualTo(0x4242);
    }

    @Test
    void identifierRewriteOfAnAllZeroMessageGivesTheChecksumThatVerifies() {
        // Found by WireFuzzTest: RFC 1624 eqn. 3 gives 0x0000 here, which no receiver accepts.
        MemorySegment segment = MemorySegment.ofArray(new byte[8]);
        IcmpPacket message = new IcmpPacket().wrap(segment, 0);
        assertThat(message.check(8)).isTrue();
        message.identifier(1).fillChecksum();
        message.identifierUpdatingChecksum(0);
        assertThat(message.checksum()).isEqualTo(0xffff).isEqualTo(Checksum.icmp(segment, 0, 8));
        assertThat(message.checksumValid()).isTrue();
        message.identifierUpdatingChecksum(0x1234);
        assertThat(message.checksum()).isEqualTo(Checksum.icmp(segment, 0, 8));
    }

    @Test
    void rejectsTruncatedInput() {
        IcmpPacket message = new IcmpPacket().wrap(Vectors.segment(Vectors.frame("icmp-echo-inside", 1)), 34);
        for (int length = 0; length < 8; length++) {
            assertThat(message.check(length)).as("length %d", length).isFalse();
        }
        assertThat(message.check(8)).isTrue();
        // An error whose quote is shorter than an IPv4 header gives no quoted view.
        assertThat(message.wrapQuoted(new Ipv4Packet())).isFalse();
    }

    @Test
    void classifiesTypes() {
        for (int type : new int[] {3, 4, 5, 11, 12}) {
            assertThat(IcmpPacket.isError(type)).as("type %d", type).isTrue();
            assertThat(IcmpPacket.isQuery(type)).as("type %d", type).isFalse();
        }
        for (int type : new int[] {0, 8, 13, 14}) {
            assertThat(IcmpPacket.isQuery(type)).as("type %d", type).isTrue();
            assertThat(IcmpPacket.isError(type)).as("type %d", type).isFalse();
        }
        assertThat(IcmpPacket.isError(9)).isFalse();
        assertThat(IcmpPacket.isQuery(9)).isFalse();
    }
}
