package org.jnat.stack;

import org.jnat.device.PacketBuffer;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/**
 * The GSO super-packet a frame's virtio_net_hdr metadata announces ({@code gsoType},
 * {@code gsoSize}), checked against its headers as Linux's tun checks it in
 * {@code virtio_net_hdr_to_skb}: a type of TCPv4, UDP_L4 or UDP (UFO) matching the IP protocol, not
 * a fragment, {@code gsoSize} above zero, and the transport header present. Only such a packet is
 * one {@link GsoSegmenter} can cut.
 *
 * <p>Holds views of its own, valid until the next call: one instance per user.
 */
public final class GsoPacket {
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();

    /** True if {@code frame}, with its IPv4 header at {@code ipOffset}, is a super-packet that can be segmented. */
    public boolean valid(PacketBuffer frame, int ipOffset) {
        return transportHeaderLength(frame, ipOffset) > 0;
    }

    /**
     * The IPv4 length of one full segment, the size the link MTU must take (Linux's
     * {@code skb_gso_network_seglen}): IP header, transport header and {@code gsoSize}; for UFO,
     * the largest fragment. -1 if the super-packet is not {@link #valid}.
     */
    public int segmentLength(PacketBuffer frame, int ipOffset) {
        int transport = transportHeaderLength(frame, ipOffset);
        if (transport <= 0) {
            return -1;
        }
        if (EgressOffload.gsoType(frame) == PacketBuffer.GSO_UDP) {
            return ip.headerLength() + Math.max(8, frame.gsoSize & ~7);
        }
        return ip.headerLength() + transport + frame.gsoSize;
    }

    /** The transport header length of a {@link #valid} super-packet (20 to 60 for TCP, 8 for UDP), else -1. */
    public int transportHeaderLength(PacketBuffer frame, int ipOffset) {
        if (frame.gsoSize <= 0 || !ip.wrap(frame.segment(), ipOffset).check(frame.length() - ipOffset)
                || ip.isFragment()) {
            return -1;
        }
        int available = ip.payloadLength();
        return switch (EgressOffload.gsoType(frame)) {
            case PacketBuffer.GSO_TCPV4 -> ip.protocol() == IpProtocol.TCP
                    && tcp.wrap(frame.segment(), ip.payloadOffset()).check(available) ? tcp.headerLength() : -1;
            case PacketBuffer.GSO_UDP_L4, PacketBuffer.GSO_UDP ->
                ip.protocol() == IpProtocol.UDP && available >= UdpDatagram.HEADER_LENGTH ? UdpDatagram.HEADER_LENGTH : -1;
            default -> -1;
        };
    }
}
