package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.NatEngineTest.PUBLIC;
import static org.jnat.nat.NatEngineTest.addr;
import static org.jnat.testing.FrameFields.checksumsValid;
import static org.jnat.testing.FrameFields.ip;
import static org.jnat.testing.FrameFields.sourcePort;
import static org.jnat.testing.Frames.IP;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import org.jnat.config.NatConfig;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.testing.Requirement;
import org.jnat.wire.Checksum;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.NetworkOrder;
import org.junit.jupiter.api.Test;

/**
 * RFC 5508 section 4's handling of the ICMP errors the other NAT tests do not send: a quote whose
 * header carries IP options, errors carrying RFC 4884 extensions, errors with a bad ICMP or
 * quoted-header checksum (dropped and counted, not passed on still corrupt), and ICMP messages
 * that are neither queries nor errors.
 */
class IcmpErrorQuoteTest {
    static final int INSIDE = addr("192.168.1.5");
    static final int REMOTE = addr("8.8.8.8");
    static final int HOP = addr("203.0.113.9");
    static final int QUOTE = IP + 20 + 8; // the quoted datagram in an error with a 20-byte outer header
    final Counters counters = new Counters();
    final NatEngine nat = new NatEngine(NatConfig.defaults(), PUBLIC, NatEngineTest.ROUTER_INSIDE, List.of(),
            counters, 42);

    /** A UDP session INSIDE:5000 to REMOTE:53; returns its public port. */
    int session() {
        PacketBuffer out = Frames.udpPacket(INSIDE, 5000, REMOTE, 53, 8);
        assertThat(nat.outbound(out, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        return sourcePort(out);
    }

    /** The session's datagram as it left, from {@code port} (with {@code options}). */
    static PacketBuffer sent(int port, byte[] options) {
        return Frames.ipv4(Frames.buffer(), PUBLIC, REMOTE, IpProtocol.UDP, 0x0101, Frames.DF, options,
                Frames.udp(PUBLIC, REMOTE, port, 53, Frames.pattern(8)));
    }

    /** Time exceeded from a hop on the way, quoting our translated datagram (with {@code options}). */
    PacketBuffer timeExceeded(int port, byte[] options) {
        return Frames.icmpErrorPacket(HOP, PUBLIC, IcmpPacket.TIME_EXCEEDED, 0, sent(port, options), 8);
    }

    @Requirement("RFC 5508 REQ-3b")
    @Test
    void aQuoteWithIpOptionsIsTranslatedPastThem() {
        int port = session();
        PacketBuffer error = timeExceeded(port, new byte[] {1, 1, 1, 0}); // NOP NOP NOP EOL: a 24-byte header
        assertThat(nat.inbound(error, IP, 1)).isEqualTo(NatVerdict.FORWARD);
        Ipv4Packet quoted = new Ipv4Packet().wrap(error.segment(), QUOTE);
        assertThat(quoted.headerLength()).isEqualTo(24);
        assertThat(ip(error).destinationAddress()).as("the error's destination").isEqualTo(INSIDE);
        assertThat(quoted.sourceAddress()).as("the quote's source").isEqualTo(INSIDE);
        assertThat(NetworkOrder.u16(error.segment(), QUOTE + 24)).as("the quote's source port, past the options")
                .isEqualTo(5000);
        assertThat(checksumsValid(error)).as("every checksum of the translated error").isTrue();
    }

    /**
     * An RFC 4884 error: {@code datagram} zero-padded to 128 bytes, the length attribute (32 words)
     * in the header, then an extension structure with one MPLS label stack object (RFC 4950), as
     * routers inside an MPLS core quote traceroute's probes.
     */
    static PacketBuffer extendedError(int source, int destination, int type, int code, byte[] datagram) {
        byte[] extension = Frames.hex("20000000" + "00080101" + "03e80101"); // version 2; label 16000, S, TTL 1
        MemorySegment header = MemorySegment.ofArray(extension);
        NetworkOrder.u16(header, 2, Checksum.finish(Checksum.sum(header, 0, extension.length))); // RFC 4884 7
        byte[] data = new byte[128 + extension.length];
        System.arraycopy(datagram, 0, data, 0, datagram.length);
        System.arraycopy(extension, 0, data, 128, extension.length);
        return Frames.ipv4(Frames.buffer(), source, destination, IpProtocol.ICMP, 0x0202, 0, new byte[0],
                Frames.icmp(type, code, 128 / 4 << 16, data));
    }

    /** What follows the quoted datagram in {@code error}: the padding and the extension structure. */
    static byte[] afterQuote(PacketBuffer error, int datagramLength) {
        return error.segment().asSlice(QUOTE + datagramLength, IP + ip(error).totalLength() - QUOTE - datagramLength)
                .toArray(ValueLayout.JAVA_BYTE);
    }

    @Requirement("RFC 5508 REQ-3d")
    @Test
    void anErrorWithIcmpExtensionsIsTranslatedAndTheQuotedChecksumLeavesThemOut() {
        int port = session();
        // Time exceeded from a hop, quoting the whole 36-byte datagram that left: every byte of the
        // quoted UDP checksum is known, so a checksum summed over the padding or extensions shows.
        byte[] sent = Frames.bytes(sent(port, new byte[0]));
        byte[] datagram = Arrays.copyOfRange(sent, IP, sent.length);
        PacketBuffer error = extendedError(HOP, PUBLIC, IcmpPacket.TIME_EXCEEDED, 0, datagram);
        byte[] extensions = afterQuote(error, datagram.length);

        assertThat(nat.inbound(error, IP, 1)).isEqualTo(NatVerdict.FORWARD);
        assertThat(ip(error).destinationAddress()).isEqualTo(INSIDE);
        assertThat(NetworkOrder.u16(error.segment(), QUOTE + 20)).as("the quote's source port").isEqualTo(5000);
        assertThat(checksumsValid(error)).as("the ICMP checksum, and the quoted UDP checksum over the datagram alone")
                .isTrue();
        assertThat(afterQuote(error, datagram.length)).as("padding and extensions, untouched").isEqualTo(extensions);
        assertThat(NetworkOrder.u8(error.segment(), IP + 20 + 5)).as("the length attribute").isEqualTo(32);
    }

    @Requirement("RFC 5508 REQ-3d")
    @Test
    void anErrorWithIcmpExtensionsFromInsideIsTranslatedAndKeepsThem() {
        int port = session();
        // The reply came in and reached INSIDE:5000; INSIDE answers port unreachable, with extensions.
        PacketBuffer reply = Frames.udpPacket(REMOTE, 53, PUBLIC, port, 8);
        assertThat(nat.inbound(reply, IP, 1)).isEqualTo(NatVerdict.FORWARD);
        byte[] delivered = Frames.bytes(reply);
        byte[] datagram = Arrays.copyOfRange(delivered, IP, IP + ip(reply).totalLength());
        PacketBuffer error = extendedError(INSIDE, REMOTE, IcmpPacket.DESTINATION_UNREACHABLE, 3, datagram);
        byte[] extensions = afterQuote(error, datagram.length);

        assertThat(nat.outbound(error, IP, 2)).isEqualTo(NatVerdict.FORWARD);
        assertThat(ip(error).sourceAddress()).isEqualTo(PUBLIC);
        assertThat(NetworkOrder.u16(error.segment(), QUOTE + 22)).as("the quote's destination port").isEqualTo(port);
        assertThat(checksumsValid(error)).as("the ICMP checksum, and the quoted UDP checksum over the datagram alone")
                .isTrue();
        assertThat(afterQuote(error, datagram.length)).as("padding and extensions, untouched").isEqualTo(extensions);
    }

    @Requirement("RFC 5508 REQ-3")
    @Test
    void anErrorWithABadIcmpChecksumIsDroppedAndCounted() {
        int port = session();
        PacketBuffer error = timeExceeded(port, new byte[0]);
        IcmpPacket icmp = new IcmpPacket().wrap(error.segment(), IP + 20);
        icmp.checksum(icmp.checksum() ^ 0x0f0f);
        // Translated by incremental updates it would reach the host exactly as wrong: dropped here.
        assertThat(nat.inbound(error, IP, 1)).isEqualTo(NatVerdict.DROP);
        assertThat(counters.get("nat.dropped.icmp_error_checksum")).isEqualTo(1);
        // The same error with its checksum right goes through.
        assertThat(nat.inbound(timeExceeded(port, new byte[0]), IP, 2)).isEqualTo(NatVerdict.FORWARD);
    }

    @Requirement("RFC 5508 REQ-3a")
    @Test
    void anErrorWithABadQuotedHeaderChecksumIsDroppedAndCounted() {
        int port = session();
        PacketBuffer error = timeExceeded(port, new byte[0]);
        Ipv4Packet quoted = new Ipv4Packet().wrap(error.segment(), QUOTE);
        quoted.headerChecksum(quoted.headerChecksum() ^ 0x0f0f);
        IcmpPacket icmp = new IcmpPacket().wrap(error.segment(), IP + 20);
        assertThat(icmp.check(ip(error).totalLength() - 20)).isTrue();
        icmp.fillChecksum(); // the ICMP checksum right again over the broken quote
        assertThat(icmp.checksumValid()).isTrue();
        assertThat(nat.inbound(error, IP, 1)).isEqualTo(NatVerdict.DROP);
        assertThat(counters.get("nat.dropped.icmp_error_checksum")).isEqualTo(1);
    }

    @Requirement("RFC 5508 REQ-11")
    @Test
    void icmpThatIsNeitherQueryNorErrorIsDroppedAndCounted() {
        session();
        // Router advertisement (9) and address mask request (17), from outside and from inside.
        PacketBuffer in = Frames.ipv4(Frames.buffer(), REMOTE, PUBLIC, IpProtocol.ICMP, 1, 0, new byte[0],
                Frames.icmp(9, 0, 0, Frames.pattern(8)));
        assertThat(nat.inbound(in, IP, 1)).isEqualTo(NatVerdict.DROP);
        PacketBuffer out = Frames.ipv4(Frames.buffer(), INSIDE, REMOTE, IpProtocol.ICMP, 1, 0, new byte[0],
                Frames.icmp(17, 0, 0, new byte[4]));
        assertThat(nat.outbound(out, IP, 1)).isEqualTo(NatVerdict.DROP);
        long dropped = counters.snapshot().entrySet().stream().filter(e -> e.getKey().startsWith("nat.dropped"))
                .mapToLong(java.util.Map.Entry::getValue).sum();
        assertThat(dropped).as("NAT drops counted").isEqualTo(2);
    }
}
