package org.jnat.testing;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.ArpPacket;
import org.jnat.wire.Checksum;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/**
 * Reads back the fields of a frame a test built or a device sent (Ethernet, IPv4 at {@link
 * Frames#IP}, ICMP, ARP), through the wire views and without checking lengths first, and verifies
 * its checksums: the one place where tests ask "is this frame's checksum right?". For tests only.
 */
public final class FrameFields {
    private FrameFields() {
    }

    private static MemorySegment of(byte[] f) {
        return MemorySegment.ofArray(f);
    }

    private static EthernetFrame ethernet(byte[] f) {
        return new EthernetFrame().wrap(of(f), 0);
    }

    /** The IPv4 header of a frame, unchecked. */
    public static Ipv4Packet ip(byte[] f) {
        return new Ipv4Packet().wrap(of(f), Frames.IP);
    }

    /** The IPv4 header of a frame in a slot, unchecked. */
    public static Ipv4Packet ip(PacketBuffer b) {
        return new Ipv4Packet().wrap(b.segment(), Frames.IP);
    }

    private static ArpPacket arp(byte[] f) {
        return new ArpPacket().wrap(of(f), EthernetFrame.HEADER_LENGTH);
    }

    // ---- Ethernet -----------------------------------------------------------------------------

    public static long dstMac(byte[] f) {
        return ethernet(f).destination();
    }

    public static long srcMac(byte[] f) {
        return ethernet(f).source();
    }

    /** The EtherType field at byte 12 (the frames built here carry no VLAN tag). */
    public static int etherType(byte[] f) {
        return NetworkOrder.u16(of(f), EthernetFrame.ETHER_TYPE);
    }

    // ---- IPv4 ---------------------------------------------------------------------------------

    public static int ipSrc(byte[] f) {
        return ip(f).sourceAddress();
    }

    public static int ipDst(byte[] f) {
        return ip(f).destinationAddress();
    }

    public static int ttl(byte[] f) {
        return ip(f).ttl();
    }

    public static int protocol(byte[] f) {
        return ip(f).protocol();
    }

    public static int totalLength(byte[] f) {
        return ip(f).totalLength();
    }

    public static int flagsOffset(byte[] f) {
        return ip(f).flagsAndFragmentOffset();
    }

    public static int ihl(byte[] f) {
        return ip(f).headerLength();
    }

    /** True if the IPv4 header, checksum included, sums to all ones. */
    public static boolean ipChecksumOk(byte[] f) {
        return Checksum.verifies(Checksum.sum(of(f), Frames.IP, ihl(f)));
    }

    // ---- ICMP ---------------------------------------------------------------------------------

    /** ICMP type, or -1 if the datagram is not ICMP. */
    public static int icmpType(byte[] f) {
        return protocol(f) == IpProtocol.ICMP ? icmp(f).type() : -1;
    }

    public static int icmpCode(byte[] f) {
        return icmp(f).code();
    }

    /** The four bytes after the ICMP checksum (identifier and sequence, pointer, next-hop MTU...). */
    public static int icmpRest(byte[] f) {
        return icmp(f).restOfHeader();
    }

    /** True if the ICMP message (up to the IPv4 Total Length), checksum included, sums to all ones. */
    public static boolean icmpChecksumOk(byte[] f) {
        int from = Frames.IP + ihl(f);
        return Checksum.verifies(Checksum.sum(of(f), from, Frames.IP + totalLength(f) - from));
    }

    /** The bytes an ICMP error quotes (from the quoted IPv4 header on). */
    public static byte[] quote(byte[] f) {
        return Arrays.copyOfRange(f, Frames.IP + ihl(f) + IcmpPacket.HEADER_LENGTH, Frames.IP + totalLength(f));
    }

    private static IcmpPacket icmp(byte[] f) {
        return new IcmpPacket().wrap(of(f), Frames.IP + ihl(f));
    }

    // ---- ARP ----------------------------------------------------------------------------------

    public static int arpOperation(byte[] f) {
        return arp(f).operation();
    }

    public static int arpSender(byte[] f) {
        return arp(f).senderProtocolAddress();
    }

    public static int arpTarget(byte[] f) {
        return arp(f).targetProtocolAddress();
    }

    public static long arpSenderMac(byte[] f) {
        return arp(f).senderHardwareAddress();
    }

    // ---- transport, in a slot -----------------------------------------------------------------

    public static int u16(PacketBuffer b, long at) {
        return NetworkOrder.u16(b.segment(), at);
    }

    /** Source port (TCP/UDP) or identifier (ICMP query) of the packet. */
    public static int sourcePort(PacketBuffer b) {
        Ipv4Packet ip = ip(b);
        return ip.protocol() == IpProtocol.ICMP ? u16(b, ip.payloadOffset() + IcmpPacket.IDENTIFIER)
                : u16(b, ip.payloadOffset() + UdpDatagram.SOURCE_PORT);
    }

    /** Destination port (TCP/UDP) or identifier (ICMP query) of the packet. */
    public static int destinationPort(PacketBuffer b) {
        Ipv4Packet ip = ip(b);
        return ip.protocol() == IpProtocol.ICMP ? u16(b, ip.payloadOffset() + IcmpPacket.IDENTIFIER)
                : u16(b, ip.payloadOffset() + UdpDatagram.DESTINATION_PORT);
    }

    /**
     * True if every checksum the packet carries verifies: the IP header, the TCP/UDP checksum with
     * its pseudo-header, the ICMP checksum, and, in an ICMP error, the quoted IP header checksum
     * (and the quoted transport checksum when the whole quoted datagram is there). A UDP checksum
     * of 0 ("none", RFC 768) fails: every packet jnat's tests send carries one, so a 0 can only
     * mean that jnat lost it. Use {@link #checksumsValidOrUdpNone} for a packet sent without one.
     */
    public static boolean checksumsValid(PacketBuffer b) {
        return checksumsValid(b, false);
    }

    /** Like {@link #checksumsValid}, but a UDP checksum of 0 passes: for packets sent without one. */
    public static boolean checksumsValidOrUdpNone(PacketBuffer b) {
        return checksumsValid(b, true);
    }

    private static boolean checksumsValid(PacketBuffer b, boolean udpNone) {
        Ipv4Packet ip = ip(b);
        if (!ip.check(b.length() - Frames.IP) || !ip.headerChecksumValid()) {
            return false;
        }
        return transportValid(b.segment(), ip, ip.payloadLength(), true, udpNone);
    }

    private static boolean transportValid(MemorySegment s, Ipv4Packet ip, int length, boolean outer,
            boolean udpNone) {
        long l4 = ip.payloadOffset();
        switch (ip.protocol()) {
            case IpProtocol.TCP:
                return new TcpSegment().wrap(s, l4).checksumValid(ip.sourceAddress(), ip.destinationAddress(), length);
            case IpProtocol.UDP:
                UdpDatagram udp = new UdpDatagram().wrap(s, l4);
                return udp.check(length) && (udpNone || udp.checksum() != 0) && udp.checksumValid(ip.sourceAddress(), ip.destinationAddress());
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
                        return transportValid(s, q, q.payloadLength(), false, udpNone);
                    }
                }
                return true;
            default:
                return true;
        }
    }
}
