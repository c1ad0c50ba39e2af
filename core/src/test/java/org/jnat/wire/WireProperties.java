package org.jnat.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The properties the wire package promises, as plain methods over arbitrary bytes, so that both
 * Jazzer ({@link WireFuzzTest}) and seeded random inputs ({@link WirePropertyTest}) can drive them.
 * A broken property throws (an exception from a view, or an AssertionError).
 */
final class WireProperties {
    private WireProperties() {
    }

    private static final long OUR_MAC = 0x02_6a_6e_00_00_01L;
    private static final long PEER_MAC = 0x02_6a_6e_00_00_02L;

    /**
     * Any bytes, walked the way the router walks a received frame: nothing throws, whatever check
     * says; once a check accepts, what it accepted holds when read from the bytes directly (the
     * header fits, the lengths are consistent, each accessor returns the bytes at its place), and
     * every checksum a view or a builder writes verifies under an independent RFC 1071 sum
     * ({@link #verifies}), not under {@link Checksum}, which wrote it.
     */
    static void viewsAgreeWithTheirBytes(byte[] input) {
        MemorySegment segment = MemorySegment.ofArray(input.clone());
        int length = input.length;
        EthernetFrame ethernet = new EthernetFrame();
        ArpPacket arp = new ArpPacket();
        Ipv4Packet ip = new Ipv4Packet();
        Ipv4Packet quoted = new Ipv4Packet();
        IcmpPacket icmp = new IcmpPacket();
        UdpDatagram udp = new UdpDatagram();
        TcpSegment tcp = new TcpSegment();
        MemorySegment out = MemorySegment.ofArray(new byte[1600]);

        // Every view at a few offsets, with lies about the length too: check never throws.
        for (int offset = 0; offset <= Math.min(length, 40); offset += 7) {
            int[] lengths = {length - offset, length - offset + 1, 0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE};
            for (int claimed : lengths) {
                if (ethernet.wrap(segment, offset).check(claimed)) {
                    agreeEthernet(segment, offset, claimed, ethernet);
                    readEthernet(ethernet);
                }
                if (arp.wrap(segment, offset).check(claimed)) {
                    check(claimed >= 28 && arp.senderProtocolAddress() == u32(segment, offset + 14)
                            && arp.targetProtocolAddress() == u32(segment, offset + 24), "ARP fields at their place");
                    readArp(arp);
                }
                if (ip.wrap(segment, offset).check(claimed)) {
                    agreeIpv4(segment, offset, claimed, ip, true);
                    readIpv4(ip);
                }
                if (ip.wrap(segment, offset).checkQuoted(claimed)) {
                    agreeIpv4(segment, offset, claimed, ip, false);
                    readIpv4Header(ip);
                }
                if (icmp.wrap(segment, offset).check(claimed)) {
                    check(claimed >= 8 && icmp.type() == u8(segment, offset) && icmp.code() == u8(segment, offset + 1)
                            && icmp.checksumValid() == verifies(segment, offset, claimed, 0), "ICMP header and checksum");
                    readIcmp(icmp, quoted);
                }
                if (udp.wrap(segment, offset).check(claimed)) {
                    check(udp.length() == u16(segment, offset + 4) && udp.length() >= 8 && udp.length() <= claimed
                            && udp.sourcePort() == u16(segment, offset) && udp.destinationPort() == u16(segment, offset + 2)
                            && udp.payloadLength() == udp.length() - 8, "UDP length and ports");
                    readUdp(udp);
                }
                if (udp.wrap(segment, offset).checkQuoted(claimed)) {
                    check(claimed >= 8 && udp.sourcePort() == u16(segment, offset), "a quoted UDP header fits");
                    consume(udp.sourcePort() + udp.destinationPort() + udp.length() + udp.checksum());
                }
                if (tcp.wrap(segment, offset).check(claimed)) {
                    int dataOffset = (u8(segment, offset + 12) >>> 4) * 4;
                    check(tcp.headerLength() == dataOffset && dataOffset >= 20 && dataOffset <= claimed
                            && tcp.sourcePort() == u16(segment, offset)
                            && tcp.sequenceNumber() == u32(segment, offset + 4), "TCP header fits, fields at their place");
                    readTcp(tcp);
                }
                if (tcp.wrap(segment, offset).checkQuoted(claimed)) {
                    check(claimed >= 8 && tcp.sequenceNumber() == u32(segment, offset + 4), "a quoted TCP start fits");
                    consume(tcp.sourcePort() + tcp.destinationPort() + tcp.sequenceNumber());
                }
            }
        }

        // The router's walk: Ethernet, then ARP or IPv4, then the transport, then an answer.
        if (!ethernet.wrap(segment, 0).check(length)) {
            return;
        }
        int rest = length - ethernet.headerLength();
        if (ethernet.etherType() == EtherType.ARP && arp.wrap(segment, ethernet.payloadOffset()).check(rest)) {
            ArpFrames.reply(out, OUR_MAC, arp.targetProtocolAddress(), arp.senderHardwareAddress(),
                    arp.senderProtocolAddress());
            return;
        }
        if (!ip.wrap(segment, ethernet.payloadOffset()).check(rest)) {
            return;
        }
        agreeAnswer(out, IcmpFrames.timeExceeded(out, OUR_MAC, PEER_MAC, 1, ip, 7), "time exceeded");
        agreeAnswer(out, IcmpFrames.fragmentationNeeded(out, OUR_MAC, PEER_MAC, 1, 1400, ip, 7),
                "fragmentation needed");
        int payload = ip.payloadLength();
        switch (ip.protocol()) {
            case IpProtocol.ICMP -> {
                if (icmp.wrap(segment, ip.payloadOffset()).check(payload)) {
                    readIcmp(icmp, quoted);
                    agreeAnswer(out, IcmpFrames.echoReply(out, OUR_MAC, PEER_MAC, ip, 7), "echo reply");
                }
            }
            case IpProtocol.UDP -> {
                if (udp.wrap(segment, ip.payloadOffset()).check(payload)) {
                    readUdp(udp);
                    consume(udp.checksumValid(ip.sourceAddress(), ip.destinationAddress()));
                }
            }
            case IpProtocol.TCP -> {
                if (tcp.wrap(segment, ip.payloadOffset()).check(payload)) {
                    readTcp(tcp);
                    consume(tcp.checksumValid(ip.sourceAddress(), ip.destinationAddress(), payload));
                    agreeAnswer(out, TcpFrames.reset(out, OUR_MAC, PEER_MAC, ip, tcp), "TCP reset");
                    consume(tcp.clampMss(536));
                }
            }
            default -> {
            }
        }
        // In place: an answer written over the question it answers.
        consume(IcmpFrames.timeExceeded(segment, OUR_MAC, PEER_MAC, 1, ip, 7));
    }

    // ---- An independent reading of the bytes: no wire class, no Checksum. ----

    private static int u8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    private static int u16(MemorySegment s, long at) {
        return u8(s, at) << 8 | u8(s, at + 1);
    }

    private static int u32(MemorySegment s, long at) {
        return u16(s, at) << 16 | u16(s, at + 2);
    }

    /** RFC 1071, a 16-bit word at a time: the bytes, plus {@code pseudo}, sum to 0xFFFF. */
    static boolean verifies(MemorySegment s, long from, int length, long pseudo) {
        long sum = pseudo;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += u16(s, from + i);
        }
        if ((length & 1) != 0) {
            sum += u8(s, from + length - 1) << 8;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum == 0xffff;
    }

    private static void agreeEthernet(MemorySegment s, long at, int claimed, EthernetFrame f) {
        boolean tagged = u16(s, at + 12) == 0x8100;
        int header = tagged ? 18 : 14;
        check(f.headerLength() == header && claimed >= header && f.payloadOffset() == at + header
                && f.etherType() == u16(s, at + header - 2) && f.source() == ((long) u16(s, at + 6) << 32 | u32(s, at + 8) & 0xffffffffL),
                "Ethernet header: length, type and source at their place");
    }

    private static void agreeIpv4(MemorySegment s, long at, int claimed, Ipv4Packet p, boolean whole) {
        int ihl = (u8(s, at) & 15) * 4;
        int total = u16(s, at + 2);
        check(u8(s, at) >>> 4 == 4 && ihl >= 20 && ihl <= claimed && p.headerLength() == ihl
                && p.totalLength() == total && p.protocol() == u8(s, at + 9)
                && p.sourceAddress() == u32(s, at + 12) && p.destinationAddress() == u32(s, at + 16)
                && p.payloadOffset() == at + ihl, "IPv4 header fits, fields at their place");
        if (whole) {
            check(total >= ihl && total <= claimed && p.payloadLength() == total - ihl, "IPv4 Total Length fits");
        }
        check(p.headerChecksumValid() == verifies(s, at, ihl, 0), "IPv4 header checksum read as RFC 1071 reads it");
    }

    /** An answer a builder wrote at the start of {@code out}: its IPv4 header and ICMP or TCP checksum verify. */
    private static void agreeAnswer(MemorySegment out, int length, String what) {
        if (length == 0) {
            return; // the builder declined: the answer would not fit
        }
        check(length >= 14 + 20 + 8 && u16(out, 12) == 0x0800, what + ": an IPv4 frame");
        int ihl = (u8(out, 14) & 15) * 4;
        int total = u16(out, 16);
        check(total == length - 14, what + ": Total Length is the frame's");
        check(verifies(out, 14, ihl, 0), what + ": IPv4 header checksum");
        int protocol = u8(out, 23);
        long pseudo = protocol == IpProtocol.ICMP ? 0
                : u16(out, 26) + u16(out, 28) + u16(out, 30) + u16(out, 32) + protocol + (total - ihl);
        check(verifies(out, 14 + ihl, total - ihl, pseudo), what + ": transport checksum");
    }

    private static void readEthernet(EthernetFrame f) {
        consume(f.destination() + f.source() + f.etherType() + f.vlanId() + f.headerLength() + f.payloadOffset());
        consume(f.hasVlanTag());
        f.etherType(f.etherType()).source(f.source()).destination(f.destination());
    }

    private static void readArp(ArpPacket a) {
        consume(a.hardwareType() + a.protocolType() + a.operation() + a.senderHardwareAddress()
                + a.senderProtocolAddress() + a.targetHardwareAddress() + a.targetProtocolAddress());
        a.operation(a.operation()).senderHardwareAddress(a.senderHardwareAddress())
                .targetProtocolAddress(a.targetProtocolAddress());
    }

    private static void readIpv4Header(Ipv4Packet p) {
        consume(p.version() + p.headerLength() + p.typeOfService() + p.dscp() + p.ecn() + p.totalLength()
                + p.identification() + p.fragmentOffset() + p.ttl() + p.protocol() + p.headerChecksum()
                + p.sourceAddress() + p.destinationAddress() + p.optionsLength() + p.payloadOffset()
                + p.payloadLength());
        consume(p.dontFragment() ^ p.moreFragments() ^ p.isFragment() ^ p.headerChecksumValid());
    }

    private static void readIpv4(Ipv4Packet p) {
        readIpv4Header(p);
        int checksum = p.headerChecksum();
        p.ttl(p.ttl()).identification(p.identification()).decrementTtl().sourceAddressUpdatingChecksum(42)
                .fillHeaderChecksum();
        check(verifies(p.segment(), p.offset(), p.headerLength(), 0), "a filled header checksum verifies");
        consume(checksum);
    }

    private static void readIcmp(IcmpPacket m, Ipv4Packet quoted) {
        consume(m.type() + m.code() + m.checksum() + m.identifier() + m.sequenceNumber() + m.nextHopMtu()
                + m.pointer() + m.restOfHeader() + m.payloadOffset() + m.quoteOffset() + m.quoteLength());
        consume(m.checksumValid());
        if (m.wrapQuoted(quoted)) {
            readIpv4Header(quoted);
        }
        m.identifierUpdatingChecksum(m.identifier() + 1).fillChecksum();
        check(verifies(m.segment(), m.offset(), m.length(), 0), "a filled ICMP checksum verifies");
    }

    private static void readUdp(UdpDatagram u) {
        consume(u.sourcePort() + u.destinationPort() + u.length() + u.checksum() + u.payloadOffset()
                + u.payloadLength());
        consume(u.checksumValid(1, 2));
        u.sourcePortUpdatingChecksum(u.sourcePort() + 1).addressChanged(1, 3).fillChecksum(1, 2);
        check(u.checksum() != 0 && verifies(u.segment(), u.offset(), u.length(), 1 + 2 + IpProtocol.UDP + u.length()),
                "a filled UDP checksum verifies");
    }

    private static void readTcp(TcpSegment t) {
        consume(t.sourcePort() + t.destinationPort() + t.sequenceNumber() + t.acknowledgmentNumber()
                + t.headerLength() + t.flags() + t.window() + t.checksum() + t.urgentPointer() + t.optionsOffset()
                + t.optionsLength() + t.payloadOffset() + t.mss() + t.mssValueOffset());
        consume(t.syn() ^ t.ack() ^ t.fin() ^ t.rst());
        t.mss(t.mss());
    }

    /**
     * An incremental checksum update always equals a full recomputation. The input chooses a
     * protocol, a payload and a sequence of NAT edits (addresses, ports, TTL, identifiers).
     */
    static void incrementalEqualsRecomputation(byte[] input) {
        Cursor in = new Cursor(input);
        int protocol = switch (in.next(3)) {
            case 0 -> IpProtocol.UDP;
            case 1 -> IpProtocol.TCP;
            default -> IpProtocol.ICMP;
        };
        int transportHeader = protocol == IpProtocol.TCP ? TcpSegment.MIN_HEADER_LENGTH + 4 * in.next(11) : 8;
        int payload = in.next(300);
        int transportLength = transportHeader + payload;
        int total = Ipv4Packet.MIN_HEADER_LENGTH + transportLength;
        MemorySegment segment = MemorySegment.ofArray(new byte[1 + total]);
        long at = in.next(2); // odd and even start offsets
        for (int i = 0; i < total; i++) {
            segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at + i, (byte) in.next(256));
        }
        Ipv4Packet ip = new Ipv4Packet().wrap(segment, at);
        ip.headerLength(20).totalLength(total).protocol(protocol).fillHeaderChecksum();
        long l4 = ip.payloadOffset();
        UdpDatagram udp = new UdpDatagram().wrap(segment, l4);
        TcpSegment tcp = new TcpSegment().wrap(segment, l4);
        IcmpPacket icmp = new IcmpPacket().wrap(segment, l4);
        boolean udpWithoutChecksum = false;
        switch (protocol) {
            case IpProtocol.UDP -> {
                udp.length(transportLength);
                udpWithoutChecksum = in.next(4) == 0;
                if (udpWithoutChecksum) {
                    udp.checksum(0);
                } else {
                    udp.fillChecksum(ip.sourceAddress(), ip.destinationAddress());
                }
            }
            case IpProtocol.TCP -> {
                int flags = tcp.flags();
                tcp.headerLength(transportHeader).flags(flags);
                tcp.fillChecksum(ip.sourceAddress(), ip.destinationAddress(), transportLength);
            }
            default -> {
                check(icmp.check(transportLength), "ICMP check");
                icmp.fillChecksum();
            }
        }
        check(ip.check(total), "built datagram checks");

        int edits = 1 + in.next(8);
        for (int e = 0; e < edits; e++) {
            int value = in.nextInt();
            switch (in.next(8)) {
                case 0 -> {
                    int old = ip.sourceAddress();
                    ip.sourceAddressUpdatingChecksum(value);
                    transportAddressChanged(protocol, udp, tcp, old, value);
                }
                case 1 -> {
                    int old = ip.destinationAddress();
                    ip.destinationAddressUpdatingChecksum(value);
                    transportAddressChanged(protocol, udp, tcp, old, value);
                }
                case 2 -> {
                    if (ip.ttl() > 0) {
                        ip.decrementTtl();
                    }
                }
                case 3 -> {
                    int old = ip.identification();
                    ip.identification(value & 0xffff);
                    ip.headerChecksum(Checksum.update16(ip.headerChecksum(), old, value & 0xffff));
                }
                case 4 -> portEdit(protocol, udp, tcp, icmp, true, value & 0xffff);
                case 5 -> portEdit(protocol, udp, tcp, icmp, false, value & 0xffff);
                case 6 -> {
                    // The NAT's one-call form: address and port of an endpoint at once.
                    boolean source = (value & 1) == 0;
                    int address = value * 0x9e3779b9;
                    int port = value >>> 16;
                    int old = source ? ip.translateSource(address) : ip.translateDestination(address);
                    if (protocol == IpProtocol.UDP) {
                        if (source) {
                            udp.translateSource(old, address, port);
                        } else {
                            udp.translateDestination(old, address, port);
                        }
                    } else if (protocol == IpProtocol.TCP) {
                        if (source) {
                            tcp.translateSource(old, address, port);
                        } else {
                            tcp.translateDestination(old, address, port);
                        }
                    } else {
                        icmp.identifierUpdatingChecksum(port);
                    }
                }
                default -> {
                    if (protocol == IpProtocol.TCP) {
                        int old = tcp.sequenceNumber();
                        tcp.sequenceNumber(value);
                        tcp.checksum(Checksum.update32(tcp.checksum(), old, value));
                    }
                }
            }
        }

        int ipExpected = Checksum.ipv4Header(segment, at, 20);
        check(ip.headerChecksum() == ipExpected,
                "IPv4 checksum " + Integer.toHexString(ip.headerChecksum()) + " != " + Integer.toHexString(ipExpected));
        int actual;
        int expected;
        switch (protocol) {
            case IpProtocol.UDP -> {
                actual = udp.checksum();
                expected = udpWithoutChecksum ? 0
                        : Checksum.udp(segment, l4, transportLength, ip.sourceAddress(), ip.destinationAddress());
            }
            case IpProtocol.TCP -> {
                actual = tcp.checksum();
                expected = Checksum.tcp(segment, l4, transportLength, ip.sourceAddress(), ip.destinationAddress());
            }
            default -> {
                actual = icmp.checksum();
                expected = Checksum.icmp(segment, l4, transportLength);
            }
        }
        check(actual == expected, "protocol " + protocol + " checksum " + Integer.toHexString(actual) + " != "
                + Integer.toHexString(expected));
    }

    private static void transportAddressChanged(int protocol, UdpDatagram udp, TcpSegment tcp, int old, int value) {
        if (protocol == IpProtocol.UDP) {
            udp.addressChanged(old, value);
        } else if (protocol == IpProtocol.TCP) {
            tcp.addressChanged(old, value);
        }
    }

    private static void portEdit(int protocol, UdpDatagram udp, TcpSegment tcp, IcmpPacket icmp, boolean source,
            int port) {
        switch (protocol) {
            case IpProtocol.UDP -> {
                if (source) {
                    udp.sourcePortUpdatingChecksum(port);
                } else {
                    udp.destinationPortUpdatingChecksum(port);
                }
            }
            case IpProtocol.TCP -> {
                if (source) {
                    tcp.sourcePortUpdatingChecksum(port);
                } else {
                    tcp.destinationPortUpdatingChecksum(port);
                }
            }
            default -> icmp.identifierUpdatingChecksum(port);
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private static long sink;

    private static void consume(long value) {
        sink += value;
    }

    private static void consume(boolean value) {
        sink += value ? 1 : 0;
    }

    /** Reads choices from fuzzer input; past its end, zeros. */
    private static final class Cursor {
        private final byte[] data;
        private int position;

        Cursor(byte[] data) {
            this.data = data;
        }

        int next(int bound) {
            int value = position < data.length ? data[position++] & 0xff : 0;
            if (bound > 256) {
                value = (value << 8) | (position < data.length ? data[position++] & 0xff : 0);
            }
            return value % bound;
        }

        int nextInt() {
            int value = 0;
            for (int i = 0; i < 4; i++) {
                value = (value << 8) | (position < data.length ? data[position++] & 0xff : 0);
            }
            return value;
        }
    }
}
