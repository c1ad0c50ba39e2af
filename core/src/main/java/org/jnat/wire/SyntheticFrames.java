package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * Frames made up from nothing, for the start-up warm-up of the packet path (issue 16): a TCP
 * segment, an ICMP query, and a fragment cut from a whole datagram. Each writer fills
 * {@code frame} from byte 0, checksums included, and returns the frame's length (0 if it does not
 * fit). IPv4 headers are 20 bytes, DF clear.
 */
public final class SyntheticFrames {
    private static final int IP = EthernetFrame.HEADER_LENGTH;
    private static final int L4 = IP + Ipv4Packet.MIN_HEADER_LENGTH;
    /** The MF bit of the flags and fragment offset word (RFC 791). */
    private static final int MORE_FRAGMENTS = 0x2000;

    private SyntheticFrames() {
    }

    /** A TCP segment without options and {@code payloadLength} bytes of zeros. */
    public static int tcp(MemorySegment frame, long sourceMac, long destinationMac, int source, int sourcePort,
            int destination, int destinationPort, int sequence, int acknowledgment, int flags, int payloadLength) {
        int tcpLength = TcpSegment.MIN_HEADER_LENGTH + payloadLength;
        int length = L4 + tcpLength;
        if (payloadLength < 0 || !NetworkOrder.fits(frame, 0, length)) {
            return 0;
        }
        EthernetFrame.writeHeader(frame, 0, destinationMac, sourceMac, EtherType.IPV4);
        Ipv4Packet.writeHeader(frame, IP, Ipv4Packet.MIN_HEADER_LENGTH + tcpLength, sequence & 0xffff, false, 64,
                IpProtocol.TCP, source, destination);
        frame.asSlice(L4 + TcpSegment.MIN_HEADER_LENGTH, payloadLength).fill((byte) 0);
        TcpFrames.writeHeader(frame, L4, sourcePort, destinationPort, sequence, acknowledgment, flags, 0xffff);
        NetworkOrder.u16(frame, L4 + TcpSegment.CHECKSUM, Checksum.tcp(frame, L4, tcpLength, source, destination));
        return length;
    }

    /** An ICMP query (echo request or reply) with {@code payloadLength} bytes of zeros. */
    public static int icmpQuery(MemorySegment frame, long sourceMac, long destinationMac, int source, int destination,
            int type, int identifier, int sequence, int payloadLength) {
        int icmpLength = IcmpPacket.HEADER_LENGTH + payloadLength;
        int length = L4 + icmpLength;
        if (payloadLength < 0 || !NetworkOrder.fits(frame, 0, length)) {
            return 0;
        }
        EthernetFrame.writeHeader(frame, 0, destinationMac, sourceMac, EtherType.IPV4);
        Ipv4Packet.writeHeader(frame, IP, Ipv4Packet.MIN_HEADER_LENGTH + icmpLength, sequence, false, 64,
                IpProtocol.ICMP, source, destination);
        frame.asSlice(L4, icmpLength).fill((byte) 0);
        NetworkOrder.u8(frame, L4 + IcmpPacket.TYPE, type);
        NetworkOrder.u16(frame, L4 + IcmpPacket.IDENTIFIER, identifier);
        NetworkOrder.u16(frame, L4 + IcmpPacket.SEQUENCE_NUMBER, sequence);
        NetworkOrder.u16(frame, L4 + IcmpPacket.CHECKSUM, Checksum.icmp(frame, L4, icmpLength));
        return length;
    }

    /**
     * The fragment of the datagram in {@code whole} (a frame with a 20-byte header) that carries
     * {@code dataLength} bytes of its payload from {@code dataOffset} (a multiple of 8), written
     * into {@code frame}; {@code more} sets MF.
     */
    public static int fragment(MemorySegment whole, MemorySegment frame, int dataOffset, int dataLength,
            boolean more) {
        int length = L4 + dataLength;
        if ((dataOffset & 7) != 0 || !NetworkOrder.fits(frame, 0, length)
                || !NetworkOrder.fits(whole, 0, L4 + dataOffset + dataLength)) {
            return 0;
        }
        MemorySegment.copy(whole, 0, frame, 0, L4);
        MemorySegment.copy(whole, L4 + dataOffset, frame, L4, dataLength);
        NetworkOrder.u16(frame, IP + Ipv4Packet.TOTAL_LENGTH, Ipv4Packet.MIN_HEADER_LENGTH + dataLength);
        NetworkOrder.u16(frame, IP + Ipv4Packet.FLAGS_FRAGMENT, (more ? MORE_FRAGMENTS : 0) | (dataOffset >>> 3));
        NetworkOrder.u16(frame, IP + Ipv4Packet.CHECKSUM, 0);
        NetworkOrder.u16(frame, IP + Ipv4Packet.CHECKSUM, Checksum.ipv4Header(frame, IP, Ipv4Packet.MIN_HEADER_LENGTH));
        return length;
    }
}
