package org.jnat.nat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.Checksum;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/** Crafted packets for the NAT tests: Ethernet + IPv4 + TCP/UDP/ICMP, checksums filled, at {@link #IP}. */
final class Packets {
    static final int IP = EthernetFrame.HEADER_LENGTH;
    static final int TTL = 64;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Packets() {
    }

    static PacketBuffer buffer() {
        return PacketBuffer.allocate(java.lang.foreign.Arena.ofAuto(), 2048);
    }

    private static long ipHeader(PacketBuffer b, int protocol, int source, int destination, int payloadLength) {
        MemorySegment s = b.segment();
        EthernetFrame.writeHeader(s, 0, 0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L, EtherType.IPV4);
        long l4 = Ipv4Packet.writeHeader(s, IP, Ipv4Packet.MIN_HEADER_LENGTH + payloadLength, 0x1234, true, TTL,
                protocol, source, destination);
        b.length(IP + Ipv4Packet.MIN_HEADER_LENGTH + payloadLength);
        return l4;
    }

    static PacketBuffer udp(int source, int sourcePort, int destination, int destinationPort, int payloadLength) {
        PacketBuffer b = buffer();
        int length = UdpDatagram.HEADER_LENGTH + payloadLength;
        long l4 = ipHeader(b, IpProtocol.UDP, source, destination, length);
        for (int i = 0; i < payloadLength; i++) {
            b.segment().set(ValueLayout.JAVA_BYTE, l4 + 8 + i, (byte) (i * 7 + 1));
        }
        new UdpDatagram().wrap(b.segment(), l4).sourcePort(sourcePort).destinationPort(destinationPort)
                .length(length).fillChecksum(source, destination);
        return b;
    }

    static PacketBuffer tcp(int source, int sourcePort, int destination, int destinationPort, int flags,
            int payloadLength) {
        PacketBuffer b = buffer();
        int length = TcpSegment.MIN_HEADER_LENGTH + payloadLength;
        long l4 = ipHeader(b, IpProtocol.TCP, source, destination, length);
        TcpSegment t = new TcpSegment().wrap(b.segment(), l4);
        t.sourcePort(sourcePort).destinationPort(destinationPort).sequenceNumber(0x01020304)
                .acknowledgmentNumber((flags & TcpSegment.ACK) != 0 ? 0x0a0b0c0d : 0).headerLength(20).flags(flags)
                .window(64240).urgentPointer(0);
        for (int i = 0; i < payloadLength; i++) {
            b.segment().set(ValueLayout.JAVA_BYTE, l4 + 20 + i, (byte) (i * 3 + 5));
        }
        t.fillChecksum(source, destination, length);
        return b;
    }

    static PacketBuffer icmpQuery(int type, int source, int destination, int identifier, int sequence) {
        PacketBuffer b = buffer();
        int length = IcmpPacket.HEADER_LENGTH + 16;
        long l4 = ipHeader(b, IpProtocol.ICMP, source, destination, length);
        for (int i = 0; i < 16; i++) {
            b.segment().set(ValueLayout.JAVA_BYTE, l4 + 8 + i, (byte) (0x40 + i));
        }
        IcmpPacket p = new IcmpPacket().wrap(b.segment(), l4);
        p.check(length);
        p.type(type).code(0).identifier(identifier).sequenceNumber(sequence).fillChecksum();
        return b;
    }

    /**
     * An ICMP error from {@code source} to {@code destination} quoting {@code offending}'s IP header
     * and {@code transportBytes} bytes after it (its Total Length field kept, as routers do).
     */
    static PacketBuffer icmpError(int source, int destination, int type, int code, PacketBuffer offending,
            int transportBytes) {
        Ipv4Packet o = new Ipv4Packet().wrap(offending.segment(), IP);
        int quote = Math.min(o.headerLength() + transportBytes, o.totalLength());
        PacketBuffer b = buffer();
        int length = IcmpPacket.HEADER_LENGTH + quote;
        long l4 = ipHeader(b, IpProtocol.ICMP, source, destination, length);
        MemorySegment.copy(offending.segment(), IP, b.segment(), l4 + 8, quote);
        IcmpPacket p = new IcmpPacket().wrap(b.segment(), l4);
        p.check(length);
        p.type(type).code(code).restOfHeader(0).fillChecksum();
        return b;
    }

    static Ipv4Packet ip(PacketBuffer b) {
        return new Ipv4Packet().wrap(b.segment(), IP);
    }

    static int u16(PacketBuffer b, long at) {
        return b.segment().get(U16, at) & 0xffff;
    }

    /** Source port (TCP/UDP) or identifier (ICMP query) of the packet. */
    static int sourcePort(PacketBuffer b) {
        Ipv4Packet ip = ip(b);
        return ip.protocol() == IpProtocol.ICMP ? u16(b, ip.payloadOffset() + 4) : u16(b, ip.payloadOffset());
    }

    static int destinationPort(PacketBuffer b) {
        Ipv4Packet ip = ip(b);
        return ip.protocol() == IpProtocol.ICMP ? u16(b, ip.payloadOffset() + 4) : u16(b, ip.payloadOffset() + 2);
    }

    /**
     * True if every checksum the packet carries verifies: the IP header, the TCP/UDP checksum with
     * its pseudo-header, the ICMP checksum, and, in an ICMP error, the quoted IP header checksum
     * (and the quoted transport checksum when the whole quoted datagram is there).
     */
    static boolean checksumsValid(PacketBuffer b) {
        Ipv4Packet ip = ip(b);
        if (!ip.check(b.length() - IP) || !ip.headerChecksumValid()) {
            return false;
        }
        return transportValid(b.segment(), ip, ip.payloadLength(), true);
    }

    private static boolean transportValid(MemorySegment s, Ipv4Packet ip, int length, boolean outer) {
        long l4 = ip.payloadOffset();
        switch (ip.protocol()) {
            case IpProtocol.TCP:
                return new TcpSegment().wrap(s, l4).checksumValid(ip.sourceAddress(), ip.destinationAddress(), length);
            case IpProtocol.UDP:
                return new UdpDatagram().wrap(s, l4).checksumValid(ip.sourceAddress(), ip.destinationAddress());
            case IpProtocol.ICMP:
                IcmpPacket icmp = new IcmpPacket().wrap(s, l4);
                if (!icmp.check(length) || !icmp.checksumValid()) {
                    return false;
                }
                if (outer && IcmpPacket.isError(icmp.type())) {
                    Ipv4Packet q = new Ipv4Packet();
                    if (!icmp.wrapQuoted(q) || !q.headerChecksumValid()) {
                        return false;
                    }
                    int present = icmp.quoteLength() - q.headerLength();
                    if (present >= q.payloadLength()) {
                        return transportValid(s, q, q.payloadLength(), false);
                    }
                }
                return true;
            default:
                return true;
        }
    }
}
