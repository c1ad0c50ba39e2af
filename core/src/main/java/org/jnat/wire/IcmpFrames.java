package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * The ICMP frames the router sends on its own behalf: echo replies (RFC 792, RFC 1122 section
 * 3.2.2.6) and error messages quoting the offending datagram (RFC 792, RFC 1812 section 4.3.2.3).
 *
 * <p>Each method writes a whole Ethernet frame at offset 0 of {@code frame} and returns its length,
 * or 0 if it does not fit. Nothing is allocated. The input datagram may live in the same segment
 * (building the answer in place over the question): every input field is read before anything is
 * written, and the payload is moved with an overlap-safe copy.
 *
 * <p>Deciding whether to send at all (never an error about an ICMP error, a broadcast, a
 * non-initial fragment; rate limits) is the caller's job, as RFC 1812 section 4.3.2.7 describes.
 */
public final class IcmpFrames {
    /** The largest ICMP error datagram, header included (RFC 1812 section 4.3.2.3). */
    public static final int MAX_ERROR_LENGTH = 576;
    /** TTL of the datagrams the router originates (RFC 1700 recommends 64; Linux uses it). */
    public static final int TTL = 64;
    /**
     * Type of service of ICMP errors: precedence 6, Internetwork Control, which RFC 1812 section
     * 4.3.2.5 asks of destination unreachable, time exceeded and parameter problem messages, and
     * which Linux sends (the {@code linux-nat} captures).
     */
    public static final int ERROR_TYPE_OF_SERVICE = 0xc0;

    private static final int IP_ICMP = Ipv4Packet.MIN_HEADER_LENGTH + IcmpPacket.HEADER_LENGTH;

    private IcmpFrames() {
    }

    /**
     * The echo reply to a checked echo request: same identifier, sequence number and data, from
     * the address the request was sent to (RFC 1122 section 3.2.2.6), TTL 64.
     *
     * @param request a checked IPv4 datagram carrying an ICMP echo request (its options are not
     *     copied)
     * @param identification the IPv4 Identification to use
     */
    public static int echoReply(MemorySegment frame, long ourMac, long peerMac, Ipv4Packet request,
            int identification) {
        int icmpLength = request.payloadLength();
        int length = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + icmpLength;
        if (icmpLength < IcmpPacket.HEADER_LENGTH || !NetworkOrder.fits(frame, 0, length)) {
            return 0;
        }
        int source = request.destinationAddress();
        int destination = request.sourceAddress();
        int typeOfService = request.typeOfService();
        long icmp = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
        MemorySegment.copy(request.segment(), request.payloadOffset(), frame, icmp, icmpLength);

        EthernetFrame.writeHeader(frame, 0, peerMac, ourMac, EtherType.IPV4);
        NetworkOrder.u8(frame, icmp + IcmpPacket.TYPE, IcmpPacket.ECHO_REPLY);
        NetworkOrder.u8(frame, icmp + IcmpPacket.CODE, 0);
        NetworkOrder.u16(frame, icmp + IcmpPacket.CHECKSUM, Checksum.icmp(frame, icmp, icmpLength));
        writeIp(frame, Ipv4Packet.MIN_HEADER_LENGTH + icmpLength, typeOfService, identification, source,
                destination);
        return length;
    }

    /**
     * An ICMP error about {@code offending}, a checked datagram the router received, quoting as
     * much of it as fits in {@value #MAX_ERROR_LENGTH} bytes (RFC 1812 section 4.3.2.3), sent to
     * its source from {@code ourAddress} with TTL 64.
     *
     * @param restOfHeader the four bytes after the checksum: 0, or the next-hop MTU for
     *     fragmentation needed, or the pointer (in the top byte) for a parameter problem
     */
    public static int error(MemorySegment frame, long ourMac, long peerMac, int ourAddress, int type, int code,
            int restOfHeader, Ipv4Packet offending, int identification) {
        int present = (int) Math.min(offending.totalLength(),
                offending.segment().byteSize() - offending.offset());
        int quote = Math.min(present, MAX_ERROR_LENGTH - IP_ICMP);
        int ipLength = IP_ICMP + quote;
        int length = EthernetFrame.HEADER_LENGTH + ipLength;
        if (quote < Ipv4Packet.MIN_HEADER_LENGTH || !NetworkOrder.fits(frame, 0, length)) {
            return 0;
        }
        int destination = offending.sourceAddress();
        long icmp = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
        MemorySegment.copy(offending.segment(), offending.offset(), frame, icmp + IcmpPacket.HEADER_LENGTH, quote);

        EthernetFrame.writeHeader(frame, 0, peerMac, ourMac, EtherType.IPV4);
        NetworkOrder.u8(frame, icmp + IcmpPacket.TYPE, type);
        NetworkOrder.u8(frame, icmp + IcmpPacket.CODE, code);
        NetworkOrder.u16(frame, icmp + IcmpPacket.CHECKSUM, 0);
        NetworkOrder.i32(frame, icmp + IcmpPacket.IDENTIFIER, restOfHeader);
        int icmpLength = IcmpPacket.HEADER_LENGTH + quote;
        NetworkOrder.u16(frame, icmp + IcmpPacket.CHECKSUM, Checksum.icmp(frame, icmp, icmpLength));
        writeIp(frame, ipLength, ERROR_TYPE_OF_SERVICE, identification, ourAddress, destination);
        return length;
    }

    /** Time exceeded, TTL reached 0 in transit (RFC 792; RFC 1812 section 5.3.1). */
    public static int timeExceeded(MemorySegment frame, long ourMac, long peerMac, int ourAddress,
            Ipv4Packet offending, int identification) {
        return error(frame, ourMac, peerMac, ourAddress, IcmpPacket.TIME_EXCEEDED, IcmpPacket.TTL_EXCEEDED_IN_TRANSIT,
                0, offending, identification);
    }

    /** Destination unreachable with {@code code} (port, host, net, protocol, prohibited...). */
    public static int destinationUnreachable(MemorySegment frame, long ourMac, long peerMac, int ourAddress,
            int code, Ipv4Packet offending, int identification) {
        return error(frame, ourMac, peerMac, ourAddress, IcmpPacket.DESTINATION_UNREACHABLE, code, 0, offending,
                identification);
    }

    /** Fragmentation needed and DF set, with the next-hop MTU (RFC 1191 section 4). */
    public static int fragmentationNeeded(MemorySegment frame, long ourMac, long peerMac, int ourAddress,
            int nextHopMtu, Ipv4Packet offending, int identification) {
        return error(frame, ourMac, peerMac, ourAddress, IcmpPacket.DESTINATION_UNREACHABLE,
                IcmpPacket.FRAGMENTATION_NEEDED, nextHopMtu & 0xffff, offending, identification);
    }

    private static void writeIp(MemorySegment frame, int totalLength, int typeOfService, int identification,
            int source, int destination) {
        long ip = EthernetFrame.HEADER_LENGTH;
        // DF stays clear, as Linux sends its ICMP: a reply must not be lost to a smaller MTU.
        Ipv4Packet.writeHeader(frame, ip, totalLength, identification, false, TTL, IpProtocol.ICMP, source,
                destination);
        if (typeOfService != 0) {
            NetworkOrder.u8(frame, ip + Ipv4Packet.TYPE_OF_SERVICE, typeOfService);
            NetworkOrder.u16(frame, ip + Ipv4Packet.CHECKSUM, Checksum.ipv4Header(frame, ip, Ipv4Packet.MIN_HEADER_LENGTH));
        }
    }
}
