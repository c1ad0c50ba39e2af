package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * The TCP frames the router sends on its own behalf: the reset that refuses a segment for which
 * there is no connection (RFC 9293 section 3.10.7.1, the CLOSED state).
 *
 * <p>Writes a whole Ethernet frame at offset 0 of {@code frame} and returns its length, or 0 if
 * nothing is to be sent. Nothing is allocated; the answer may be built over the question.
 */
public final class TcpFrames {
    /** Ethernet, IPv4 and TCP headers without options. */
    public static final int RESET_LENGTH = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH
            + TcpSegment.MIN_HEADER_LENGTH;

    private TcpFrames() {
    }

    /**
     * The reset answering {@code segment} (carried in the checked datagram {@code ip}): if the
     * segment has ACK, {@code <SEQ=SEG.ACK><CTL=RST>}; otherwise {@code <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
     * <CTL=RST,ACK>}, where SYN and FIN each count one in SEG.LEN (RFC 9293 section 3.10.7.1). A
     * reset is never answered (returns 0). The IPv4 header has DF set and Identification 0, as
     * Linux sends it (RFC 6864 section 4.1: an atomic datagram's ID carries no meaning).
     */
    public static int reset(MemorySegment frame, long ourMac, long peerMac, Ipv4Packet ip, TcpSegment segment) {
        if (segment.rst() || !NetworkOrder.fits(frame, 0, RESET_LENGTH)) {
            return 0;
        }
        int flags = segment.flags();
        int segmentLength = ip.payloadLength() - segment.headerLength() + ((flags & TcpSegment.SYN) != 0 ? 1 : 0)
                + ((flags & TcpSegment.FIN) != 0 ? 1 : 0);
        int sequence;
        int acknowledgment;
        int resetFlags;
        if ((flags & TcpSegment.ACK) != 0) {
            sequence = segment.acknowledgmentNumber();
            acknowledgment = 0;
            resetFlags = TcpSegment.RST;
        } else {
            sequence = 0;
            acknowledgment = segment.sequenceNumber() + segmentLength;
            resetFlags = TcpSegment.RST | TcpSegment.ACK;
        }
        int source = ip.destinationAddress();
        int destination = ip.sourceAddress();
        int sourcePort = segment.destinationPort();
        int destinationPort = segment.sourcePort();

        EthernetFrame.writeHeader(frame, 0, peerMac, ourMac, EtherType.IPV4);
        long tcp = Ipv4Packet.writeHeader(frame, EthernetFrame.HEADER_LENGTH,
                Ipv4Packet.MIN_HEADER_LENGTH + TcpSegment.MIN_HEADER_LENGTH, 0, true, IcmpFrames.TTL, IpProtocol.TCP,
                source, destination);
        writeHeader(frame, tcp, sourcePort, destinationPort, sequence, acknowledgment, resetFlags, 0);
        NetworkOrder.u16(frame, tcp + TcpSegment.CHECKSUM,
                Checksum.tcp(frame, tcp, TcpSegment.MIN_HEADER_LENGTH, source, destination));
        return RESET_LENGTH;
    }

    /** Writes a 20-byte TCP header (no options) at {@code tcp}, its checksum and urgent pointer 0. */
    static void writeHeader(MemorySegment frame, long tcp, int sourcePort, int destinationPort, int sequence,
            int acknowledgment, int flags, int window) {
        NetworkOrder.u16(frame, tcp + TcpSegment.SOURCE_PORT, sourcePort);
        NetworkOrder.u16(frame, tcp + TcpSegment.DESTINATION_PORT, destinationPort);
        NetworkOrder.i32(frame, tcp + TcpSegment.SEQUENCE_NUMBER, sequence);
        NetworkOrder.i32(frame, tcp + TcpSegment.ACKNOWLEDGMENT_NUMBER, acknowledgment);
        NetworkOrder.u8(frame, tcp + TcpSegment.DATA_OFFSET, (TcpSegment.MIN_HEADER_LENGTH / 4) << 4);
        NetworkOrder.u8(frame, tcp + TcpSegment.FLAGS, flags);
        NetworkOrder.u16(frame, tcp + TcpSegment.WINDOW, window);
        NetworkOrder.u16(frame, tcp + TcpSegment.CHECKSUM, 0);
        NetworkOrder.u16(frame, tcp + TcpSegment.URGENT_POINTER, 0);
    }
}
