package org.jnat.nat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.router.Responder;
import org.jnat.router.Translator;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.wire.Checksum;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/**
 * The translation: rewrites packets in place between the inside and the one public address, with
 * incremental checksum updates (RFC 1624), and decides what happens to inbound traffic that
 * matches no session. The state and its rules are {@link NatTable}.
 *
 * <p>It plugs into the router as its {@link Translator}: the router calls {@link #outbound} for every
 * valid IPv4 packet that came in on the inside and {@link #inbound} for every one that came in on
 * the outside, after checking the header, reassembling fragments and the TTL, and it decrements
 * the TTL afterwards. Both return a {@link NatVerdict} (the values of {@link Translator}). Inbound
 * packets not addressed to the public address are dropped: nothing reaches the inside but through
 * a session, a forward or the DMZ. {@link #poll} expires sessions and hands held SYNs whose time is
 * up to the router's {@link Responder}.
 *
 * <ul>
 *   <li>TCP, UDP and ICMP queries (echo, timestamp: the identifier is the port, RFC 5508 section 3)
 *       are translated; other protocols are dropped.</li>
 *   <li>ICMP errors, in both directions, are translated through the session of the datagram they
 *       quote (RFC 5508 REQ-4, REQ-5): the outer address, the quoted addresses and ports, the
 *       quoted IP header checksum and, when the quote holds it, the quoted transport checksum; the
 *       ICMP checksum follows each change. An error that matches no session is dropped. Errors never
 *       refresh or delete a session (RFC 4787 REQ-12, RFC 5508 REQ-6).</li>
 *   <li>Hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8): a packet from the inside to the public address
 *       is translated out (so the owner sees the sender's external address and port, REQ-9a), then
 *       in, and goes back to the inside. The owner's filtering applies, as for any inbound packet.</li>
 *   <li>Inbound without a session: a port forward (the original source is kept), the router itself
 *       (ICMP queries to the public address), the DMZ host, then {@code unmatched}: drop, or reject
 *       (the router answers a TCP RST or ICMP port unreachable, rate-limited; an unsolicited SYN is first held 6 s,
 *       RFC 5382 REQ-4).</li>
 *   <li>When no session can be made (table, host quota or ports exhausted) the packet is refused
 *       with ICMP code 13 (RFC 5508 REQ-8; the router rate-limits it), and counted; no live connection is evicted,
 *       but the host's oldest closed TCP session (both FINs or a RST) makes room first, if it has one
 *       ({@code nat.reclaimed.closed_tcp}).</li>
 *   <li>Broadcast, multicast, loopback and "this network" destinations are never translated.</li>
 *   <li>Offloads: a GSO super-packet is translated like any packet of its flow (its headers are
 *       those of every segment). With a partial checksum ({@link PacketBuffer#F_NEEDS_CSUM}) the
 *       TCP/UDP checksum field holds the folded pseudo-header sum, not complemented, and the
 *       device sums the rest; like Linux's {@code inet_proto_csum_replace4/2} for
 *       {@code CHECKSUM_PARTIAL}, only the address changes (the pseudo-header) are folded into the
 *       field, and port changes are left to the device, which checksums the rewritten ports.</li>
 * </ul>
 *
 * <p>Per packet: no allocation, no exception, no lock, no log; everything is counted.
 */
public final class NatEngine implements Translator {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Slots for unsolicited SYNs waiting out their 6 s. */
    private static final int SYN_HOLD_SLOTS = 64;

    /**
     * Below this many live sessions a look-ahead ({@link #prefetch}) is skipped: the rows and index
     * slots of a few thousand flows stay in the caches, so looking ahead would only cost.
     */
    static final int PREFETCH_MIN_SESSIONS = 1 << 14;
    /** Frames looked up ahead at a time. */
    private static final int AHEAD = 64;
    private static final long NO_HASH = -1L;

    private final int[] aheadHashes = new int[AHEAD];
    private final long[] aheadEntries = new long[AHEAD];
    /** What the look-ahead read, kept so that its loads are not dead code. */
    private long aheadSum;

    private final NatTable table;
    private final SessionTable sessions;
    private final int publicAddress;
    private final int insideAddress;
    private int ipOffset;
    private final ForwardRule[] forwards;
    private final int dmz;
    private final boolean hairpinning;
    private final boolean reject;
    private final SynHold synHold = new SynHold(SYN_HOLD_SLOTS);

    private final Ipv4Packet ip = new Ipv4Packet();
    private final Ipv4Packet quoted = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final UdpDatagram udp = new UdpDatagram();
    private final IcmpPacket icmp = new IcmpPacket();
    private MemorySegment segment;
    private Responder responder;

    private final Counters counters;
    private final int outboundTranslated;
    private final int inboundTranslated;
    private final int hairpinned;
    private final int icmpErrorsTranslated;
    private final int droppedMalformed;
    private final int droppedFragment;
    private final int droppedProtocol;
    private final int droppedNotTranslated;
    private final int droppedNotPublic;
    private final int droppedNoSession;
    private final int droppedIcmpNoSession;
    private final int droppedUnmatched;
    private final int droppedHairpin;
    private final int refusedTableFull;
    private final int refusedHostQuota;
    private final int refusedNoPort;
    private final int rejected;
    private final int prohibited;
    private final int forwarded;
    private final int dmzSessions;
    private final int synHeld;
    private final int synHoldWon;
    private final int synHoldFull;
    private final int expired;

    /**
     * @param publicAddress the outside address, which every inside host shares
     * @param insideAddress the router's own inside address: packets to it are the router's, never translated
     */
    public NatEngine(NatConfig config, int publicAddress, int insideAddress, List<ForwardRule> forwards,
            Counters counters, long seed) {
        this.table = new NatTable(config, seed);
        this.sessions = table.sessions();
        this.publicAddress = publicAddress;
        this.insideAddress = insideAddress;
        this.forwards = forwards.toArray(new ForwardRule[0]);
        this.dmz = config.dmz();
        this.hairpinning = config.hairpinning();
        this.reject = config.unmatched() == NatConfig.Unmatched.REJECT;
        for (int r = 0; r < this.forwards.length; r++) {
            ForwardRule rule = this.forwards[r];
            for (int port = rule.portLow(); port <= rule.portHigh(); port++) {
                if (table.ports().owner(rule.protocol(), port) == PortAllocator.FREE) {
                    table.ports().reserve(rule.protocol(), port, -2 - r); // the first rule for a port wins
                }
            }
        }
        this.counters = counters;
        outboundTranslated = counters.register("nat.translated.outbound", "packets translated inside to outside");
        inboundTranslated = counters.register("nat.translated.inbound", "packets translated outside to inside");
        hairpinned = counters.register("nat.hairpinned", "packets from the inside to the public address sent back in (REQ-9)");
        icmpErrorsTranslated = counters.register("nat.translated.icmp_errors", "ICMP errors translated through the session they quote");
        droppedMalformed = counters.register("nat.dropped.malformed", "packets too short or inconsistent to translate");
        droppedFragment = counters.register("nat.dropped.fragment", "fragments that reached the NAT unreassembled");
        droppedProtocol = counters.register("nat.dropped.protocol", "packets of a protocol the NAT does not translate");
        droppedNotTranslated = counters.register("nat.dropped.not_translatable", "packets to or from broadcast, multicast, loopback or 0/8");
        droppedNotPublic = counters.register("nat.dropped.not_public", "inbound packets to an address other than the public one");
        droppedNoSession = counters.register("nat.dropped.no_session", "packets with no session that cannot make one (a RST, a stray reply)");
        droppedIcmpNoSession = counters.register("nat.dropped.icmp_error_no_session", "ICMP errors quoting no session");
        droppedUnmatched = counters.register("nat.dropped.unmatched", "inbound packets no session, forward or DMZ takes");
        droppedHairpin = counters.register("nat.dropped.hairpin", "hairpinned packets the owner's filtering refused, or hairpinning off");
        refusedTableFull = counters.register("nat.refused.table_full", "new sessions refused: max-sessions reached");
        refusedHostQuota = counters.register("nat.refused.host_quota", "new sessions refused: max-sessions-per-host reached");
        refusedNoPort = counters.register("nat.refused.no_port", "new sessions refused: no external port left");
        rejected = counters.register("nat.answers.rejected", "unmatched inbound packets answered with RST or port unreachable");
        prohibited = counters.register("nat.answers.prohibited", "refused packets answered with ICMP code 13 (RFC 5508 REQ-8)");
        forwarded = counters.register("nat.sessions.forwarded", "sessions made by a port forward");
        dmzSessions = counters.register("nat.sessions.dmz", "sessions made for the DMZ host");
        synHeld = counters.register("nat.syn.held", "unsolicited inbound SYNs held 6 s before the reject (RFC 5382 REQ-4)");
        synHoldWon = counters.register("nat.syn.outbound_won", "held SYNs dropped because an outbound SYN came (simultaneous open)");
        synHoldFull = counters.register("nat.syn.hold_full", "unsolicited SYNs dropped because every hold slot was busy");
        expired = counters.register("nat.sessions.expired", "sessions removed after their idle timeout");
        table.countReclaims(counters, counters.register("nat.reclaimed.closed_tcp",
                "closed TCP sessions (both FINs or a RST) given up for a new session of the same host"));
    }

    /** The engine for a whole router configuration: the public address is the outside address. */
    public static NatEngine of(RouterConfig config, Counters counters, long seed) {
        return new NatEngine(config.nat(), config.outside().address(), config.inside().address(), config.forwards(),
                counters, seed);
    }

    public NatTable table() {
        return table;
    }

    public int publicAddress() {
        return publicAddress;
    }

    @Override
    public void attach(Responder responder) {
        this.responder = responder;
    }

    /** The router's timer step: expire idle sessions, and refuse the held SYNs whose 6 s are over. */
    @Override
    public void poll(long nowNanos) {
        expire(nowNanos);
        PacketBuffer held;
        while ((held = nextHeldReject(nowNanos)) != null) {
            if (responder != null) {
                responder.reject(held, org.jnat.wire.EthernetFrame.HEADER_LENGTH, nowNanos);
            }
        }
    }

    /**
     * When {@link #poll} next has work: the earlier of the session table's next expiry step and
     * the next held SYN's 6 s; {@link Deadlines#NONE} with neither. O(1).
     */
    @Override
    public long nextDeadline() {
        return Deadlines.earliest(table.nextDeadline(), synHold.nextDeadline());
    }

    /** Expires idle sessions; returns how many went. */
    public int expire(long now) {
        int n = table.expire(now);
        if (n > 0) {
            counters.add(expired, n);
        }
        return n;
    }

    /**
     * The next held SYN whose 6 s are over (RFC 5382 REQ-4): a copy of its frame, with the IP header
     * at the offset it came with, for the router to answer as for {@link NatVerdict#REJECT}. Valid
     * until the next call; null when none is due.
     */
    public PacketBuffer nextHeldReject(long now) {
        PacketBuffer due = synHold.nextDue(now);
        if (due != null) {
            counters.increment(rejected);
        }
        return due;
    }

    /** True if {@code address} may be translated: not 0/8, loopback, multicast, reserved or broadcast. */
    static boolean translatable(int address) {
        int first = address >>> 24;
        return first != 0 && first != 127 && first < 224;
    }

    // ---------------------------------------------------------------- look-ahead

    /**
     * Looks up the sessions of a batch of frames ahead of their translation: the hash of each
     * frame's key, then every index slot, then every row (see {@link SessionTable#prefetch}), so
     * that with a table far larger than the caches the misses of the batch overlap and
     * {@link #outbound}/{@link #inbound} then find their session warm. Reads only, guarded by the
     * frame's length, and changes no state: a frame it cannot read is just not looked up.
     */
    @Override
    public void prefetch(FrameBatch batch, int count, boolean inside) {
        if (sessions.size() < PREFETCH_MIN_SESSIONS) {
            return;
        }
        for (int from = 0; from < count; from += AHEAD) {
            int to = Math.min(count, from + AHEAD);
            int n = 0;
            for (int k = from; k < to; k++) {
                long hash = lookupHash(batch.get(k), inside);
                if (hash != NO_HASH) {
                    aheadHashes[n++] = (int) hash;
                }
            }
            aheadSum += sessions.prefetch(aheadHashes, aheadEntries, n, inside);
        }
    }

    /**
     * The hash of the session key an Ethernet frame's IPv4 packet would be looked up by, or
     * {@link #NO_HASH}: TCP and UDP ports, ICMP query identifiers (echo and timestamp requests
     * outbound, their replies inbound to the public address).
     */
    private long lookupHash(PacketBuffer frame, boolean inside) {
        MemorySegment s = frame.segment();
        int length = frame.length();
        int ip = org.jnat.wire.EthernetFrame.HEADER_LENGTH;
        if (length < ip + 20 + 8 || (s.get(U16, 12) & 0xffff) != org.jnat.wire.EtherType.IPV4) {
            return NO_HASH;
        }
        int versionAndLength = s.get(ValueLayout.JAVA_BYTE, ip) & 0xff;
        int l4 = ip + (versionAndLength & 0xf) * 4;
        if (versionAndLength >>> 4 != 4 || l4 < ip + 20 || l4 + 8 > length) {
            return NO_HASH;
        }
        int protocol = s.get(ValueLayout.JAVA_BYTE, ip + 9) & 0xff;
        int source = s.get(I32, ip + Ipv4Packet.SOURCE);
        int destination = s.get(I32, ip + Ipv4Packet.DESTINATION);
        int first;
        int second;
        if (protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) {
            first = s.get(U16, l4) & 0xffff;
            second = s.get(U16, l4 + 2) & 0xffff;
        } else if (protocol == IpProtocol.ICMP) {
            int type = s.get(ValueLayout.JAVA_BYTE, l4) & 0xff;
            boolean query = inside ? type == IcmpPacket.ECHO_REQUEST || type == IcmpPacket.TIMESTAMP
                    : type == IcmpPacket.ECHO_REPLY || type == IcmpPacket.TIMESTAMP_REPLY;
            if (!query) {
                return NO_HASH;
            }
            first = s.get(U16, l4 + IcmpPacket.IDENTIFIER) & 0xffff;
            second = 0;
        } else {
            return NO_HASH;
        }
        if (inside) {
            return SessionTable.insideHash(protocol, source, first, destination, second) & 0xffffffffL;
        }
        if (destination != publicAddress) {
            return NO_HASH;
        }
        return protocol == IpProtocol.ICMP ? SessionTable.outsideHash(protocol, first, source, 0) & 0xffffffffL
                : SessionTable.outsideHash(protocol, second, source, first) & 0xffffffffL;
    }

    // ---------------------------------------------------------------- outbound

    /** A packet from the inside, its IPv4 header at {@code ipOffset} of {@code buffer}. */
    @Override
    public int outbound(PacketBuffer buffer, int ipOffset, long now) {
        segment = buffer.segment();
        this.ipOffset = ipOffset;
        if (!ip.wrap(segment, ipOffset).check(buffer.length() - ipOffset)) {
            return drop(droppedMalformed);
        }
        if (ip.isFragment()) {
            return drop(droppedFragment);
        }
        int destination = ip.destinationAddress();
        if (destination == insideAddress) {
            return NatVerdict.LOCAL; // for the router on its inside address: nothing to translate
        }
        if (!translatable(destination) || !translatable(ip.sourceAddress())) {
            return drop(droppedNotTranslated);
        }
        boolean partial = (buffer.flags & PacketBuffer.F_NEEDS_CSUM) != 0;
        long l4 = ip.payloadOffset();
        int length = ip.payloadLength();
        int protocol = ip.protocol();
        if (destination == publicAddress && !hairpinning && protocol != IpProtocol.ICMP) {
            return drop(droppedHairpin);
        }
        return switch (protocol) {
            case IpProtocol.TCP -> tcp.wrap(segment, l4).check(length) ? outboundPorts(protocol, partial, now)
                    : drop(droppedMalformed);
            case IpProtocol.UDP -> udp.wrap(segment, l4).check(length) ? outboundPorts(protocol, partial, now)
                    : drop(droppedMalformed);
            case IpProtocol.ICMP -> icmp.wrap(segment, l4).check(length) ? outboundIcmp(partial, now)
                    : drop(droppedMalformed);
            default -> drop(droppedProtocol);
        };
    }

    private int outboundPorts(int protocol, boolean partial, long now) {
        boolean isTcp = protocol == IpProtocol.TCP;
        int source = ip.sourceAddress();
        int destination = ip.destinationAddress();
        int sourcePort = isTcp ? tcp.sourcePort() : udp.sourcePort();
        int destinationPort = isTcp ? tcp.destinationPort() : udp.destinationPort();
        int flags = isTcp ? tcp.flags() : 0;
        int id = table.outbound(protocol, source, sourcePort, destination, destinationPort, flags, now);
        if (id < 0) {
            return refused(id, now);
        }
        int external = sessions.externalPort(id);
        if (isTcp && (flags & TcpSegment.SYN) != 0 && synHold.cancel(external, destination, destinationPort)) {
            counters.increment(synHoldWon);
        }
        ip.sourceAddressUpdatingChecksum(publicAddress);
        rewriteTransport(isTcp, partial, true, source, publicAddress, external);
        counters.increment(outboundTranslated);
        if (destination == publicAddress) {
            return hairpin(protocol, partial, now);
        }
        return NatVerdict.FORWARD;
    }

    /** Sets the source (outbound) or destination (inbound) port and folds the address change into the checksum. */
    private void rewriteTransport(boolean isTcp, boolean partial, boolean source, int oldAddress, int newAddress,
            int port) {
        if (partial) {
            // A partial checksum holds only the pseudo-header sum: fold in the address; the device
            // sums the ports itself from checksumStart (Linux inet_proto_csum_replace4, pseudohdr).
            if (isTcp) {
                tcp.checksum(partialAddressUpdate(tcp.checksum(), oldAddress, newAddress));
                if (source) {
                    tcp.sourcePort(port);
                } else {
                    tcp.destinationPort(port);
                }
            } else {
                udp.checksum(partialAddressUpdate(udp.checksum(), oldAddress, newAddress));
                if (source) {
                    udp.sourcePort(port);
                } else {
                    udp.destinationPort(port);
                }
            }
        } else if (isTcp) {
            // Address and port in one checksum update (RFC 1624), not one per field.
            if (source) {
                tcp.translateSource(oldAddress, newAddress, port);
            } else {
                tcp.translateDestination(oldAddress, newAddress, port);
            }
        } else if (source) {
            udp.translateSource(oldAddress, newAddress, port);
        } else {
            udp.translateDestination(oldAddress, newAddress, port);
        }
    }

    /**
     * Linux's {@code inet_proto_csum_replace4} for {@code CHECKSUM_PARTIAL}: the field holds the
     * folded pseudo-header sum, uncomplemented, so the address change is added to it as is.
     */
    static int partialAddressUpdate(int field, int oldAddress, int newAddress) {
        return ~Checksum.update32(~field & 0xffff, oldAddress, newAddress) & 0xffff;
    }

    private int outboundIcmp(boolean partial, long now) {
        int type = icmp.type();
        if (ip.destinationAddress() == publicAddress && IcmpPacket.isQuery(type)) {
            return NatVerdict.LOCAL; // a ping to our own public address: the router answers
        }
        if (type == IcmpPacket.ECHO_REQUEST || type == IcmpPacket.TIMESTAMP) {
            int source = ip.sourceAddress();
            int identifier = icmp.identifier();
            int id = table.outbound(IpProtocol.ICMP, source, identifier, ip.destinationAddress(), 0, 0, now);
            if (id < 0) {
                return refused(id, now);
            }
            int external = sessions.externalPort(id);
            ip.sourceAddressUpdatingChecksum(publicAddress);
            icmp.identifier(external);
            if (!partial) {
                icmp.checksum(Checksum.update16(icmp.checksum(), identifier, external));
            }
            counters.increment(outboundTranslated);
            return NatVerdict.FORWARD;
        }
        if (type == IcmpPacket.DESTINATION_UNREACHABLE || type == IcmpPacket.TIME_EXCEEDED
                || type == IcmpPacket.PARAMETER_PROBLEM) {
            return outboundError(now);
        }
        return drop(droppedNoSession); // a reply to a query that never came in, a redirect, ...
    }

    /**
     * An inside host reports an error about a packet it received through a session (RFC 5508
     * REQ-5): the quote is remote to inside; make it remote to public.
     */
    private int outboundError(long now) {
        if (!icmp.wrapQuoted(quoted) || quoted.fragmentOffset() != 0) {
            return drop(droppedMalformed);
        }
        int qProtocol = quoted.protocol();
        long qt = quoted.payloadOffset();
        int qLength = icmp.quoteLength() - quoted.headerLength();
        if (qLength < 8) {
            return drop(droppedMalformed);
        }
        int inside = quoted.destinationAddress();
        int remote = quoted.sourceAddress();
        int id;
        int insidePort;
        long portAt;
        if (qProtocol == IpProtocol.TCP || qProtocol == IpProtocol.UDP) {
            portAt = qt + 2; // the quoted destination port: the inside host's
            insidePort = u16(portAt);
            id = table.peekInside(qProtocol, inside, insidePort, remote, u16(qt), now);
        } else if (qProtocol == IpProtocol.ICMP && IcmpPacket.isQuery(u8(qt))) {
            portAt = qt + IcmpPacket.IDENTIFIER;
            insidePort = u16(portAt);
            id = table.peekInside(IpProtocol.ICMP, inside, insidePort, remote, 0, now);
        } else {
            return drop(droppedIcmpNoSession);
        }
        if (id < 0) {
            return drop(droppedIcmpNoSession);
        }
        int external = sessions.externalPort(id);
        ip.sourceAddressUpdatingChecksum(publicAddress);
        rewriteQuote(Ipv4Packet.DESTINATION, inside, publicAddress, qProtocol, qt, qLength, portAt, insidePort,
                external);
        counters.increment(icmpErrorsTranslated);
        if (ip.destinationAddress() == publicAddress) {
            if (!hairpinning) {
                return drop(droppedHairpin);
            }
            counters.increment(hairpinned);
            return inboundError(now) == NatVerdict.FORWARD ? NatVerdict.FORWARD : NatVerdict.DROP;
        }
        return NatVerdict.FORWARD;
    }

    /**
     * Rewrites one address of the quoted IP header (at {@code addressField}) and one quoted port or
     * identifier (at {@code portAt}), fixing the quoted IP header checksum, the quoted transport
     * checksum when the quote holds it, and the outer ICMP checksum for every word changed.
     */
    private void rewriteQuote(int addressField, int oldAddress, int newAddress, int qProtocol, long qt, int qLength,
            long portAt, int oldPort, int newPort) {
        long q = quoted.offset();
        int headerChecksum = quoted.headerChecksum();
        icmpWrite32(q + addressField, newAddress);
        icmpWrite16(q + Ipv4Packet.CHECKSUM, Checksum.update32(headerChecksum, oldAddress, newAddress));
        icmpWrite16(portAt, newPort);
        switch (qProtocol) {
            case IpProtocol.TCP -> {
                if (qLength >= TcpSegment.CHECKSUM + 2) {
                    int c = u16(qt + TcpSegment.CHECKSUM);
                    c = Checksum.update16(Checksum.update32(c, oldAddress, newAddress), oldPort, newPort);
                    icmpWrite16(qt + TcpSegment.CHECKSUM, c);
                }
            }
            case IpProtocol.UDP -> {
                int c = u16(qt + UdpDatagram.CHECKSUM);
                c = Checksum.updateUdp16(Checksum.updateUdp32(c, oldAddress, newAddress), oldPort, newPort);
                icmpWrite16(qt + UdpDatagram.CHECKSUM, c);
            }
            default -> {
                // A quoted ICMP query: its checksum covers no pseudo-header, only the identifier.
                int c = u16(qt + IcmpPacket.CHECKSUM);
                icmpWrite16(qt + IcmpPacket.CHECKSUM, Checksum.update16(c, oldPort, newPort));
            }
        }
    }

    // ---------------------------------------------------------------- inbound

    /** A packet from the outside, its IPv4 header at {@code ipOffset} of {@code buffer}. */
    @Override
    public int inbound(PacketBuffer buffer, int ipOffset, long now) {
        segment = buffer.segment();
        this.ipOffset = ipOffset;
        if (!ip.wrap(segment, ipOffset).check(buffer.length() - ipOffset)) {
            return drop(droppedMalformed);
        }
        if (ip.isFragment()) {
            return drop(droppedFragment);
        }
        if (ip.destinationAddress() != publicAddress) {
            return drop(droppedNotPublic); // nothing reaches the inside but through the public address
        }
        if (!translatable(ip.sourceAddress())) {
            return drop(droppedNotTranslated);
        }
        boolean partial = (buffer.flags & PacketBuffer.F_NEEDS_CSUM) != 0;
        long l4 = ip.payloadOffset();
        int length = ip.payloadLength();
        return switch (ip.protocol()) {
            case IpProtocol.TCP -> tcp.wrap(segment, l4).check(length)
                    ? inboundPorts(IpProtocol.TCP, partial, false, now) : drop(droppedMalformed);
            case IpProtocol.UDP -> udp.wrap(segment, l4).check(length)
                    ? inboundPorts(IpProtocol.UDP, partial, false, now) : drop(droppedMalformed);
            case IpProtocol.ICMP -> icmp.wrap(segment, l4).check(length) ? inboundIcmp(partial, now)
                    : drop(droppedMalformed);
            default -> drop(droppedProtocol);
        };
    }

    private int hairpin(int protocol, boolean partial, long now) {
        int verdict = inboundPorts(protocol, partial, true, now);
        if (verdict == NatVerdict.FORWARD) {
            counters.increment(hairpinned);
            return verdict;
        }
        return drop(droppedHairpin);
    }

    private int inboundPorts(int protocol, boolean partial, boolean hairpin, long now) {
        boolean isTcp = protocol == IpProtocol.TCP;
        int source = ip.sourceAddress();
        int sourcePort = isTcp ? tcp.sourcePort() : udp.sourcePort();
        int destinationPort = isTcp ? tcp.destinationPort() : udp.destinationPort();
        int flags = isTcp ? tcp.flags() : 0;
        int id = table.inbound(protocol, destinationPort, source, sourcePort, flags, now);
        if (id == NatTable.NO_MAPPING) {
            int owner = table.ports().owner(protocol, destinationPort);
            if (owner <= -2) {
                ForwardRule rule = forwards[-2 - owner];
                id = table.forward(protocol, destinationPort, rule.toAddress(), rule.insidePort(destinationPort),
                        source, sourcePort, flags, now);
                if (id >= 0) {
                    counters.increment(forwarded);
                }
            } else if (dmz != 0) {
                id = table.dmz(protocol, destinationPort, dmz, source, sourcePort, flags, now);
                if (id >= 0) {
                    counters.increment(dmzSessions);
                }
            }
        }
        if (id < 0) {
            return hairpin ? NatVerdict.DROP : unmatched(id, isTcp, flags, sourcePort, destinationPort, now);
        }
        int inside = sessions.insideAddress(id);
        ip.destinationAddressUpdatingChecksum(inside);
        rewriteTransport(isTcp, partial, false, publicAddress, inside, sessions.insidePort(id));
        counters.increment(inboundTranslated);
        return NatVerdict.FORWARD;
    }

    private int unmatched(int reason, boolean isTcp, int flags, int sourcePort, int destinationPort, long now) {
        switch (reason) {
            case NatTable.TABLE_FULL -> counters.increment(refusedTableFull);
            case NatTable.HOST_QUOTA -> counters.increment(refusedHostQuota);
            case NatTable.NO_PORT -> counters.increment(refusedNoPort);
            default -> {
            }
        }
        counters.increment(droppedUnmatched);
        if (!reject || (isTcp && (flags & TcpSegment.RST) != 0)) {
            return NatVerdict.DROP;
        }
        if (isTcp && (flags & (TcpSegment.SYN | TcpSegment.ACK)) == TcpSegment.SYN) {
            if (synHold.hold(ip, ipOffset, tcp.payloadOffset(), destinationPort, sourcePort, now)) {
                counters.increment(synHeld);
                return NatVerdict.CONSUMED;
            }
            counters.increment(synHoldFull);
            return NatVerdict.DROP;
        }
        counters.increment(rejected);
        return NatVerdict.REJECT;
    }

    private int inboundIcmp(boolean partial, long now) {
        int type = icmp.type();
        switch (type) {
            case IcmpPacket.ECHO_REQUEST, IcmpPacket.TIMESTAMP -> {
                return NatVerdict.LOCAL;
            }
            case IcmpPacket.ECHO_REPLY, IcmpPacket.TIMESTAMP_REPLY -> {
                int external = icmp.identifier();
                int id = table.inbound(IpProtocol.ICMP, external, ip.sourceAddress(), 0, 0, now);
                if (id < 0) {
                    return drop(droppedNoSession);
                }
                int inside = sessions.insideAddress(id);
                int identifier = sessions.insidePort(id);
                ip.destinationAddressUpdatingChecksum(inside);
                icmp.identifier(identifier);
                if (!partial) {
                    icmp.checksum(Checksum.update16(icmp.checksum(), external, identifier));
                }
                counters.increment(inboundTranslated);
                return NatVerdict.FORWARD;
            }
            case IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.TIME_EXCEEDED, IcmpPacket.PARAMETER_PROBLEM -> {
                return inboundError(now);
            }
            default -> {
                return drop(droppedProtocol);
            }
        }
    }

    /**
     * An error about a packet we sent out (RFC 5508 REQ-4): the quote is public to remote; make it
     * inside to remote and send it to the inside host.
     */
    private int inboundError(long now) {
        if (!icmp.wrapQuoted(quoted) || quoted.fragmentOffset() != 0) {
            return drop(droppedMalformed);
        }
        if (quoted.sourceAddress() != publicAddress) {
            return drop(droppedIcmpNoSession);
        }
        int qProtocol = quoted.protocol();
        long qt = quoted.payloadOffset();
        int qLength = icmp.quoteLength() - quoted.headerLength();
        if (qLength < 8) {
            return drop(droppedMalformed);
        }
        int remote = quoted.destinationAddress();
        int id;
        int external;
        long portAt;
        if (qProtocol == IpProtocol.TCP || qProtocol == IpProtocol.UDP) {
            portAt = qt; // the quoted source port: ours
            external = u16(portAt);
            id = table.peekOutside(qProtocol, external, remote, u16(qt + 2), now);
        } else if (qProtocol == IpProtocol.ICMP && IcmpPacket.isQuery(u8(qt))) {
            portAt = qt + IcmpPacket.IDENTIFIER;
            external = u16(portAt);
            id = table.peekOutside(IpProtocol.ICMP, external, remote, 0, now);
        } else {
            return drop(droppedIcmpNoSession);
        }
        if (id < 0) {
            return drop(droppedIcmpNoSession);
        }
        int inside = sessions.insideAddress(id);
        ip.destinationAddressUpdatingChecksum(inside);
        rewriteQuote(Ipv4Packet.SOURCE, publicAddress, inside, qProtocol, qt, qLength, portAt, external,
                sessions.insidePort(id));
        counters.increment(icmpErrorsTranslated);
        return NatVerdict.FORWARD;
    }

    // ---------------------------------------------------------------- helpers

    private int refused(int reason, long now) {
        switch (reason) {
            case NatTable.TABLE_FULL -> counters.increment(refusedTableFull);
            case NatTable.HOST_QUOTA -> counters.increment(refusedHostQuota);
            case NatTable.NO_PORT -> counters.increment(refusedNoPort);
            default -> {
                return drop(droppedNoSession);
            }
        }
        counters.increment(prohibited);
        return NatVerdict.PROHIBITED;
    }

    private int drop(int counter) {
        counters.increment(counter);
        return NatVerdict.DROP;
    }

    private int u8(long at) {
        return segment.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    private int u16(long at) {
        return segment.get(U16, at) & 0xffff;
    }

    /** Writes a 16-bit word inside the ICMP message and keeps the ICMP checksum right. */
    private void icmpWrite16(long at, int value) {
        int old = u16(at);
        segment.set(U16, at, (short) value);
        icmp.checksum(Checksum.update16(icmp.checksum(), old, value));
    }

    /** Writes a 32-bit word inside the ICMP message and keeps the ICMP checksum right. */
    private void icmpWrite32(long at, int value) {
        int old = segment.get(I32, at);
        segment.set(I32, at, value);
        icmp.checksum(Checksum.update32(icmp.checksum(), old, value));
    }
}
