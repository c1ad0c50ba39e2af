package org.jnat.nat;

import java.lang.foreign.MemorySegment;
import org.jnat.wire.Checksum;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/**
 * The rewrite of a packet the NAT translates, in place (Linux's {@code nf_nat_proto.c}): one
 * endpoint's address and port, or ICMP query identifier, with every checksum that covers them
 * updated incrementally (RFC 1624); and for an ICMP error, the endpoint of the datagram it quotes
 * (RFC 5508 REQ-4, REQ-5). Outbound, the source endpoint (an inside one) becomes the public one;
 * inbound, the destination endpoint (the public one) becomes the inside one. One path does both,
 * told the direction.
 *
 * <p>It writes through the views the engine wrapped and checked over the packet under translation
 * (given at construction); it decides nothing. Offloads: with a partial checksum
 * ({@link org.jnat.device.PacketBuffer#F_NEEDS_CSUM}) the TCP/UDP checksum field holds the folded
 * pseudo-header sum, not complemented, and the device sums the rest; like Linux's
 * {@code inet_proto_csum_replace4/2} for {@code CHECKSUM_PARTIAL}, only the address change (the
 * pseudo-header) is folded into the field, and the port change is left to the device, which
 * checksums the rewritten port.
 */
final class Rewrite {
    /** {@link #quotedEnd} of a quote that holds nothing to translate (no endpoint has its low byte set). */
    static final long NO_ENDPOINT = -1L;

    private final Ipv4Packet ip;
    private final TcpSegment tcp;
    private final UdpDatagram udp;
    private final IcmpPacket icmp;
    private final Ipv4Packet quoted;

    Rewrite(Ipv4Packet ip, TcpSegment tcp, UdpDatagram udp, IcmpPacket icmp, Ipv4Packet quoted) {
        this.ip = ip;
        this.tcp = tcp;
        this.udp = udp;
        this.icmp = icmp;
        this.quoted = quoted;
    }

    /**
     * Sets the source ({@code outbound}) or destination endpoint of the TCP segment, UDP datagram or
     * ICMP query ({@code protocol}) to {@code address:port}; an ICMP query's port is its identifier.
     */
    void endpoint(int protocol, boolean outbound, int address, int port, boolean partial) {
        int old = outbound ? ip.translateSource(address) : ip.translateDestination(address);
        if (protocol == IpProtocol.ICMP) {
            // Its checksum covers no pseudo-header: only the identifier changes it.
            int identifier = icmp.identifier();
            icmp.identifier(port);
            if (!partial) {
                icmp.checksum(Checksum.update16(icmp.checksum(), identifier, port));
            }
            return;
        }
        boolean isTcp = protocol == IpProtocol.TCP;
        if (partial) {
            // A partial checksum holds only the pseudo-header sum: fold in the address; the device
            // sums the ports itself from checksumStart (Linux inet_proto_csum_replace4, pseudohdr).
            if (isTcp) {
                tcp.checksum(partialAddressUpdate(tcp.checksum(), old, address));
                if (outbound) {
                    tcp.sourcePort(port);
                } else {
                    tcp.destinationPort(port);
                }
            } else {
                udp.checksum(partialAddressUpdate(udp.checksum(), old, address));
                if (outbound) {
                    udp.sourcePort(port);
                } else {
                    udp.destinationPort(port);
                }
            }
        } else if (isTcp) {
            // Address and port in one checksum update (RFC 1624), not one per field.
            if (outbound) {
                tcp.translateSource(old, address, port);
            } else {
                tcp.translateDestination(old, address, port);
            }
        } else if (outbound) {
            udp.translateSource(old, address, port);
        } else {
            udp.translateDestination(old, address, port);
        }
    }

    /**
     * Linux's {@code inet_proto_csum_replace4} for {@code CHECKSUM_PARTIAL}: the field holds the
     * folded pseudo-header sum, uncomplemented, so the address change is added to it as is.
     */
    static int partialAddressUpdate(int field, int oldAddress, int newAddress) {
        return ~Checksum.update32(~field & 0xffff, oldAddress, newAddress) & 0xffff;
    }

    /**
     * One end of the datagram quoted by the ICMP error ({@code quoted}, at least 8 bytes of its
     * transport header present), as an {@link Endpoint}: ours or the remote's ({@code ours}). The
     * quote is a datagram of the session that went the other way, so our end is its destination
     * when the error goes out ({@code outbound}: it quotes what came in) and its source when the
     * error comes in (it quotes what we sent). An ICMP query's identifier is our end's port; the
     * remote's is 0. {@link #NO_ENDPOINT} if the quote holds neither TCP, UDP nor an ICMP query.
     */
    long quotedEnd(boolean outbound, boolean ours) {
        int protocol = quoted.protocol();
        boolean destination = outbound == ours;
        int address = destination ? quoted.destinationAddress() : quoted.sourceAddress();
        long transport = quoted.payloadOffset();
        MemorySegment s = quoted.segment();
        return switch (protocol) {
            case IpProtocol.TCP, IpProtocol.UDP ->
                    Endpoint.of(protocol, address, NetworkOrder.u16(s, portAt(protocol, transport, destination)));
            case IpProtocol.ICMP -> IcmpPacket.isQuery(NetworkOrder.u8(s, transport + IcmpPacket.TYPE))
                    ? Endpoint.of(protocol, address, ours ? NetworkOrder.u16(s, transport + IcmpPacket.IDENTIFIER) : 0)
                    : NO_ENDPOINT;
            default -> NO_ENDPOINT;
        };
    }

    /** Where the quoted TCP or UDP header holds its destination or source port, or an ICMP query its identifier. */
    private static long portAt(int protocol, long transport, boolean destination) {
        return switch (protocol) {
            case IpProtocol.TCP -> transport + (destination ? TcpSegment.DESTINATION_PORT : TcpSegment.SOURCE_PORT);
            case IpProtocol.UDP -> transport + (destination ? UdpDatagram.DESTINATION_PORT : UdpDatagram.SOURCE_PORT);
            default -> transport + IcmpPacket.IDENTIFIER;
        };
    }

    /**
     * Translates an ICMP error ({@link #quotedEnd} found its session): sets the outer source
     * ({@code outbound}) or destination address, and our end of the quoted datagram, to
     * {@code address} and {@code port}, fixing the quoted IP header checksum, the quoted transport
     * checksum when the quote holds it, and the ICMP checksum for every word changed.
     */
    void error(boolean outbound, int address, int port) {
        if (outbound) {
            ip.sourceAddressUpdatingChecksum(address);
        } else {
            ip.destinationAddressUpdatingChecksum(address);
        }
        MemorySegment s = quoted.segment();
        int protocol = quoted.protocol();
        long transport = quoted.payloadOffset();
        int quotedLength = icmp.quoteLength() - quoted.headerLength();
        int oldAddress = outbound ? quoted.destinationAddress() : quoted.sourceAddress();
        write32(s, quoted.offset() + (outbound ? Ipv4Packet.DESTINATION : Ipv4Packet.SOURCE), address);
        write16(s, quoted.offset() + Ipv4Packet.CHECKSUM,
                Checksum.update32(quoted.headerChecksum(), oldAddress, address));
        long checksumAt = switch (protocol) {
            case IpProtocol.TCP -> quotedLength >= TcpSegment.CHECKSUM + 2 ? transport + TcpSegment.CHECKSUM : -1;
            case IpProtocol.UDP -> transport + UdpDatagram.CHECKSUM;
            default -> transport + IcmpPacket.CHECKSUM;
        };
        int oldPort = write16(s, portAt(protocol, transport, outbound), port);
        if (checksumAt < 0) {
            return; // the quote ends before the TCP checksum
        }
        int c = NetworkOrder.u16(s, checksumAt);
        c = switch (protocol) {
            case IpProtocol.TCP -> Checksum.update16(Checksum.update32(c, oldAddress, address), oldPort, port);
            case IpProtocol.UDP -> Checksum.updateUdp16(Checksum.updateUdp32(c, oldAddress, address), oldPort, port);
            default -> Checksum.update16(c, oldPort, port); // a quoted ICMP query: no pseudo-header
        };
        write16(s, checksumAt, c);
    }

    /** Writes a 16-bit word inside the ICMP message, keeps the ICMP checksum right, and returns the old word. */
    private int write16(MemorySegment s, long at, int value) {
        int old = NetworkOrder.u16(s, at);
        NetworkOrder.u16(s, at, value);
        icmp.checksum(Checksum.update16(icmp.checksum(), old, value));
        return old;
    }

    /** Writes a 32-bit word inside the ICMP message and keeps the ICMP checksum right. */
    private void write32(MemorySegment s, long at, int value) {
        int old = NetworkOrder.i32(s, at);
        NetworkOrder.i32(s, at, value);
        icmp.checksum(Checksum.update32(icmp.checksum(), old, value));
    }
}
