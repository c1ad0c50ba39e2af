package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * The UDP frames the router sends from a service of its own (PCP and NAT-PMP answers and
 * announcements): Ethernet, a 20-byte IPv4 header and the UDP header around a payload the caller
 * has already written at {@link #PAYLOAD_OFFSET}. Nothing is allocated.
 */
public final class UdpFrames {
    /** Where the payload sits in a frame this class completes. */
    public static final int PAYLOAD_OFFSET = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH
            + UdpDatagram.HEADER_LENGTH;
    /** 224.0.0.1, all hosts on the link (RFC 1112), where PCP and NAT-PMP announce (RFC 6887 section 14.1.3). */
    public static final int ALL_HOSTS = 0xe0000001;

    private UdpFrames() {
    }

    /**
     * Writes the headers of a frame around the {@code payloadLength} bytes at {@link #PAYLOAD_OFFSET}
     * of {@code frame}: returns the frame's length, or 0 if it does not fit. The UDP checksum is
     * computed; DF is clear, as for the router's ICMP.
     */
    public static int write(MemorySegment frame, long ourMac, long peerMac, int source, int sourcePort,
            int destination, int destinationPort, int payloadLength, int identification, int ttl) {
        int udpLength = UdpDatagram.HEADER_LENGTH + payloadLength;
        int length = PAYLOAD_OFFSET + payloadLength;
        if (payloadLength < 0 || !NetworkOrder.fits(frame, 0, length)) {
            return 0;
        }
        EthernetFrame.writeHeader(frame, 0, peerMac, ourMac, EtherType.IPV4);
        long ip = EthernetFrame.HEADER_LENGTH;
        Ipv4Packet.writeHeader(frame, ip, Ipv4Packet.MIN_HEADER_LENGTH + udpLength, identification, false, ttl,
                IpProtocol.UDP, source, destination);
        long udp = ip + Ipv4Packet.MIN_HEADER_LENGTH;
        NetworkOrder.u16(frame, udp + TransportHeader.SOURCE_PORT, sourcePort);
        NetworkOrder.u16(frame, udp + TransportHeader.DESTINATION_PORT, destinationPort);
        NetworkOrder.u16(frame, udp + UdpDatagram.LENGTH, udpLength);
        NetworkOrder.u16(frame, udp + UdpDatagram.CHECKSUM, Checksum.udp(frame, udp, udpLength, source, destination));
        return length;
    }

    /** The Ethernet multicast address of an IPv4 group: 01:00:5e and its low 23 bits (RFC 1112 section 6.4). */
    public static long multicastMac(int group) {
        return 0x01005e000000L | (group & 0x7fffff);
    }
}
