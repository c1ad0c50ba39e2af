package org.jnat.nat;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.PublicPool;
import org.jnat.config.RouterConfig;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.router.Responder;
import org.jnat.router.Translator;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/**
 * The translation's dispatch: reads a packet through the wire views, finds or makes its session in
 * the {@link NatTable} (or asks the {@link InboundPolicy} what becomes of an inbound one that has
 * none), has the {@link Rewrite} translate it, counts, and answers a {@link NatVerdict}.
 *
 * <p>It plugs into the router as its {@link Translator}: the router calls {@link #outbound} for every
 * valid IPv4 packet that came in on the inside and {@link #inbound} for every one that came in on
 * the outside, after checking the header, reassembling fragments and the TTL, and it decrements
 * the TTL afterwards. Inbound packets not addressed to the public address are dropped: nothing
 * reaches the inside but through a session, a forward or the DMZ. {@link #poll} expires sessions and
 * hands held SYNs whose time is up to the router's {@link Responder}.
 *
 * <ul>
 *   <li>TCP, UDP and ICMP queries (echo, timestamp: the identifier is the port, RFC 5508 section 3)
 *       are translated; other protocols are dropped.</li>
 *   <li>ICMP errors, in both directions, are translated through the session of the datagram they
 *       quote (RFC 5508 REQ-4, REQ-5); an error that matches no session is dropped. Errors never
 *       refresh or delete a session (RFC 4787 REQ-12, RFC 5508 REQ-6).</li>
 *   <li>Hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8): a packet from the inside to the public address
 *       is translated out (so the owner sees the sender's external address and port, REQ-9a), then
 *       in, and goes back to the inside. The owner's filtering applies, as for any inbound packet.</li>
 *   <li>Inbound without a session: the router itself (ICMP queries to the public address), else the
 *       {@link InboundPolicy}.</li>
 *   <li>When no session can be made (table, host quota or ports exhausted) the packet is refused
 *       with ICMP code 13 (RFC 5508 REQ-8; the router rate-limits it), and counted; no live
 *       connection is evicted, but the host's oldest closed TCP session (both FINs or a RST) makes
 *       room first, if it has one ({@code nat.reclaimed.closed_tcp}).</li>
 *   <li>Broadcast, multicast, loopback and "this network" destinations are never translated.</li>
 *   <li>A GSO super-packet is translated like any packet of its flow (its headers are those of every
 *       segment); a partial checksum gets only the address change ({@link Rewrite}).</li>
 * </ul>
 *
 * <p>Per packet: no allocation, no exception, no lock, no log; everything is counted.
 */
public final class NatEngine implements Translator {
    private final NatTable table;
    private final SessionTable sessions;
    private final InboundPolicy policy;
    private final LookAhead lookAhead;
    private final Counters counters;
    private final NatCounters count;
    /** The public addresses; a session keeps the index of its own ({@link SessionTable#externalAddressIndex}). */
    private final PublicAddresses pool;
    /** The first public address, and whether it is the only one: the per-packet checks then stay one comparison. */
    private final int publicAddress;
    private final boolean single;
    private final int insideAddress;
    private boolean hairpinning; // a plain field: only the data-plane thread writes it (a reload)

    private final Ipv4Packet ip = new Ipv4Packet();
    private final Ipv4Packet quoted = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final UdpDatagram udp = new UdpDatagram();
    private final IcmpPacket icmp = new IcmpPacket();
    private final Rewrite rewrite = new Rewrite(ip, tcp, udp, icmp, quoted);
    private Responder responder;

    /** With one public address, {@code publicAddress}, which every inside host shares. */
    public NatEngine(NatConfig config, int publicAddress, int insideAddress, List<ForwardRule> forwards,
            Counters counters, long seed) {
        this(config, PublicPool.single(publicAddress), insideAddress, forwards, counters, seed);
    }

    /**
     * @param pool          the public addresses, which the inside hosts share as {@link PublicPool#pooling} says
     * @param insideAddress the router's own inside address: packets to it are the router's, never translated
     */
    public NatEngine(NatConfig config, PublicPool pool, int insideAddress, List<ForwardRule> forwards,
            Counters counters, long seed) {
        this.counters = counters;
        this.count = new NatCounters(counters);
        this.pool = new PublicAddresses(pool.addresses());
        this.table = new NatTable(config, seed, PortAllocator.DEFAULT_HOLD_NANOS, count, this.pool.count(),
                pool.pooling());
        this.sessions = table.sessions();
        this.policy = new InboundPolicy(table, count, this.pool, forwards, config.dmz(), pool.dmzAddress(),
                config.unmatched());
        this.lookAhead = new LookAhead(sessions, this.pool);
        this.publicAddress = this.pool.address(0);
        this.single = this.pool.count() == 1;
        this.insideAddress = insideAddress;
        this.hairpinning = config.hairpinning();
    }

    /**
     * Back to a new engine's state for {@code config} (whose sizes, port range, allocation mode,
     * per-protocol mapping, filtering and inbound refresh must be the ones it was made with, and the
     * same public pool), {@code forwards} and {@code seed}, without
     * allocating tables: a fuzzer reuses one engine per configuration (NatResetTest shows that a
     * reset engine and a new one answer alike). The counters are the caller's to zero.
     */
    void reset(NatConfig config, List<ForwardRule> forwards, long seed) {
        table.reset(config, seed);
        policy.reset(forwards, config.dmz(), config.unmatched());
        this.hairpinning = config.hairpinning();
    }

    /** The engine for a whole router configuration: the public addresses are the pool's (the outside address by default). */
    public static NatEngine of(RouterConfig config, Counters counters, long seed) {
        return new NatEngine(config.nat(), config.pool(), config.inside().address(), config.forwards(), counters,
                seed);
    }

    public NatTable table() {
        return table;
    }

    /** The inbound policy, which the control plane changes at run time (on the data-plane thread). */
    public InboundPolicy policy() {
        return policy;
    }

    /** Turns hairpinning on or off (a reload); sessions already hairpinned stay. */
    public void hairpinning(boolean on) {
        this.hairpinning = on;
    }

    /** The first public address (the only one without a pool). */
    public int publicAddress() {
        return publicAddress;
    }

    /** The index of public address {@code address}, or -1: as {@link PublicAddresses#indexOf}, one comparison without a pool. */
    private int poolIndex(int address) {
        return address == publicAddress ? 0 : single ? -1 : pool.indexOf(address);
    }

    /** The public addresses. */
    public PublicAddresses pool() {
        return pool;
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
                responder.reject(held, EthernetFrame.HEADER_LENGTH, nowNanos);
            }
        }
    }

    /**
     * When {@link #poll} next has work: the earlier of the session table's next expiry step and
     * the next held SYN's 6 s; {@link Deadlines#NONE} with neither. O(1).
     */
    @Override
    public long nextDeadline() {
        return Deadlines.earliest(table.nextDeadline(), policy.nextDeadline());
    }

    /** Expires idle sessions; returns how many went. */
    public int expire(long now) {
        int n = table.expire(now);
        if (n > 0) {
            counters.add(count.expired, n);
        }
        return n;
    }

    /**
     * The next held SYN whose 6 s are over (RFC 5382 REQ-4): a copy of its frame, with the IP header
     * at the offset it came with, for the router to answer as for {@link NatVerdict#REJECT}. Valid
     * until the next call; null when none is due.
     */
    public PacketBuffer nextHeldReject(long now) {
        return policy.nextHeldReject(now);
    }

    /** True if {@code address} may be translated: not 0/8, loopback, multicast, reserved or broadcast. */
    static boolean translatable(int address) {
        int first = address >>> 24;
        return first != 0 && first != 127 && first < 224;
    }

    /** Looks the sessions of a batch up ahead ({@link LookAhead}); changes nothing. */
    @Override
    public void prefetch(FrameBatch batch, int count, boolean inside) {
        lookAhead.prefetch(batch, count, inside);
    }

    /** A packet from the inside, its IPv4 header at {@code ipOffset} of {@code buffer}. */
    @Override
    public int outbound(PacketBuffer buffer, int ipOffset, long now) {
        if (!wrapIp(buffer, ipOffset)) {
            return NatVerdict.DROP;
        }
        int destination = ip.destinationAddress();
        if (destination == insideAddress) {
            return NatVerdict.LOCAL; // for the router on its inside address: nothing to translate
        }
        int source = ip.sourceAddress();
        if (!translatable(destination) || !translatable(source)) {
            return drop(count.droppedNotTranslatable);
        }
        int protocol = ip.protocol();
        if (!hairpinning && protocol != IpProtocol.ICMP && poolIndex(destination) >= 0) {
            return drop(count.droppedHairpin);
        }
        if (!wrapTransport(protocol)) {
            return NatVerdict.DROP;
        }
        boolean partial = (buffer.flags & PacketBuffer.F_NEEDS_CSUM) != 0;
        return switch (protocol) {
            case IpProtocol.TCP -> outbound(Endpoint.of(protocol, source, tcp.sourcePort()),
                    Endpoint.of(protocol, destination, tcp.destinationPort()), tcp.flags(), partial, now);
            case IpProtocol.UDP -> outbound(Endpoint.of(protocol, source, udp.sourcePort()),
                    Endpoint.of(protocol, destination, udp.destinationPort()), 0, partial, now);
            default -> outboundIcmp(source, destination, partial, now);
        };
    }

    /** A TCP segment, UDP datagram or ICMP query from {@code inside} to {@code remote}: through its session. */
    private int outbound(long inside, long remote, int tcpFlags, boolean partial, long now) {
        int id = table.outbound(inside, remote, tcpFlags, now);
        if (id < 0) {
            return refused(id);
        }
        int external = sessions.externalPort(id);
        int destination = Endpoint.address(remote);
        if ((tcpFlags & TcpSegment.SYN) != 0) {
            policy.outboundSyn(external, destination, Endpoint.port(remote));
        }
        int protocol = Endpoint.protocol(inside);
        int from = single ? publicAddress : pool.address(sessions.externalAddressIndex(id));
        rewrite.endpoint(protocol, true, from, external, partial);
        counters.increment(count.outboundTranslated);
        // Not poolIndex(destination): written out so that with one public address the
        // established path is one comparison and no call (the compiler ran out of node budget
        // before inlining poolIndex here; PERFORMANCE, session 11).
        if (destination == publicAddress) {
            return hairpin(protocol, 0, partial, now);
        }
        int a = single ? -1 : pool.indexOf(destination);
        return a >= 0 ? hairpin(protocol, a, partial, now) : NatVerdict.FORWARD;
    }

    private int outboundIcmp(int source, int destination, boolean partial, long now) {
        int type = icmp.type();
        if (IcmpPacket.isQuery(type) && poolIndex(destination) >= 0) {
            return NatVerdict.LOCAL; // a ping to our own public address: the router answers
        }
        if (type == IcmpPacket.ECHO_REQUEST || type == IcmpPacket.TIMESTAMP) {
            return outbound(Endpoint.of(IpProtocol.ICMP, source, icmp.identifier()),
                    Endpoint.of(IpProtocol.ICMP, destination, 0), 0, partial, now);
        }
        if (type == IcmpPacket.DESTINATION_UNREACHABLE || type == IcmpPacket.TIME_EXCEEDED
                || type == IcmpPacket.PARAMETER_PROBLEM) {
            return error(true, now);
        }
        return drop(count.droppedNoSession); // a reply to a query that never came in, a redirect, ...
    }

    /** A session could not be made: refused with code 13 for want of room, else dropped. */
    private int refused(int reason) {
        if (!count.refused(reason)) {
            return drop(count.droppedNoSession);
        }
        counters.increment(count.prohibited);
        return NatVerdict.PROHIBITED;
    }

    /** An outbound packet, just translated, to public address {@code a}: it goes back in, as if it came from outside. */
    private int hairpin(int protocol, int a, boolean partial, long now) {
        int verdict = inbound(protocol, a, ip.sourceAddress(), partial, true, now);
        if (verdict == NatVerdict.FORWARD) {
            counters.increment(count.hairpinned);
            return verdict;
        }
        return drop(count.droppedHairpin);
    }

    /** A packet from the outside, its IPv4 header at {@code ipOffset} of {@code buffer}. */
    @Override
    public int inbound(PacketBuffer buffer, int ipOffset, long now) {
        if (!wrapIp(buffer, ipOffset)) {
            return NatVerdict.DROP;
        }
        int a = poolIndex(ip.destinationAddress());
        if (a < 0) {
            return drop(count.droppedNotPublic); // nothing reaches the inside but through a public address
        }
        int source = ip.sourceAddress();
        if (!translatable(source)) {
            return drop(count.droppedNotTranslatable);
        }
        int protocol = ip.protocol();
        if (!wrapTransport(protocol)) {
            return NatVerdict.DROP;
        }
        boolean partial = (buffer.flags & PacketBuffer.F_NEEDS_CSUM) != 0;
        return protocol == IpProtocol.ICMP ? inboundIcmp(a, source, partial, now)
                : inbound(protocol, a, source, partial, false, now);
    }

    /**
     * A TCP segment or UDP datagram from {@code source} outside, or hairpinned, to public address
     * {@code a}: its session, or the policy's.
     */
    private int inbound(int protocol, int a, int source, boolean partial, boolean hairpin, long now) {
        boolean isTcp = protocol == IpProtocol.TCP;
        int sourcePort = isTcp ? tcp.sourcePort() : udp.sourcePort();
        int destinationPort = isTcp ? tcp.destinationPort() : udp.destinationPort();
        int flags = isTcp ? tcp.flags() : 0;
        long remote = Endpoint.of(protocol, source, sourcePort);
        int external = PublicAddresses.external(a, destinationPort);
        int id = table.inbound(external, remote, flags, now);
        if (id == NatTable.NO_MAPPING) {
            id = policy.admit(external, remote, flags, now);
        }
        if (id < 0) {
            return hairpin ? NatVerdict.DROP : policy.unmatched(id, ip, tcp, now);
        }
        return translated(protocol, id, partial);
    }

    /** Rewrites an inbound packet of session {@code id} for its inside endpoint. */
    private int translated(int protocol, int id, boolean partial) {
        rewrite.endpoint(protocol, false, sessions.insideAddress(id), sessions.insidePort(id), partial);
        counters.increment(count.inboundTranslated);
        return NatVerdict.FORWARD;
    }

    private int inboundIcmp(int a, int source, boolean partial, long now) {
        switch (icmp.type()) {
            case IcmpPacket.ECHO_REQUEST, IcmpPacket.TIMESTAMP -> {
                return NatVerdict.LOCAL;
            }
            case IcmpPacket.ECHO_REPLY, IcmpPacket.TIMESTAMP_REPLY -> {
                int id = table.inbound(PublicAddresses.external(a, icmp.identifier()),
                        Endpoint.of(IpProtocol.ICMP, source, 0), 0, now);
                return id < 0 ? drop(count.droppedNoSession) : translated(IpProtocol.ICMP, id, partial);
            }
            case IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.TIME_EXCEEDED, IcmpPacket.PARAMETER_PROBLEM -> {
                return error(false, now);
            }
            default -> {
                return drop(count.droppedProtocol);
            }
        }
    }

    /**
     * An ICMP error about a datagram of a session: from an inside host about one it received
     * ({@code outbound}, RFC 5508 REQ-5), or from the outside about one we sent (REQ-4). The
     * quote is a datagram of the session that went the other way, so the session is the one whose
     * key is that of the quote's reply; the error and the quote are translated for it, and the
     * session is neither refreshed nor changed. An outbound error to the public address is
     * hairpinned: translated in again.
     */
    private int error(boolean outbound, long now) {
        if (!icmp.wrapQuoted(quoted) || quoted.fragmentOffset() != 0) {
            return drop(count.droppedMalformed);
        }
        if (!icmp.checksumValid() || !quoted.headerChecksumValid()) {
            return drop(count.droppedIcmpErrorChecksum); // RFC 5508 REQ-3, 3a: not passed on still corrupt
        }
        int a = outbound ? 0 : poolIndex(quoted.sourceAddress());
        if (a < 0) {
            return drop(count.droppedIcmpNoSession);
        }
        if (icmp.quoteLength() - quoted.headerLength() < TcpSegment.QUOTED_LENGTH) {
            return drop(count.droppedMalformed); // the 8 bytes of data every error quotes (RFC 792)
        }
        long ours = rewrite.quotedEnd(outbound, true);
        if (ours == Rewrite.NO_ENDPOINT) {
            return drop(count.droppedIcmpNoSession);
        }
        long theirs = rewrite.quotedEnd(outbound, false);
        int id = outbound ? table.peekInside(ours, theirs, now)
                : table.peekOutside(PublicAddresses.external(a, Endpoint.port(ours)), theirs, now);
        if (id < 0) {
            return drop(count.droppedIcmpNoSession);
        }
        rewrite.error(outbound, outbound ? pool.address(sessions.externalAddressIndex(id)) : sessions.insideAddress(id),
                outbound ? sessions.externalPort(id) : sessions.insidePort(id));
        counters.increment(count.icmpErrorsTranslated);
        if (!outbound || poolIndex(ip.destinationAddress()) < 0) {
            return NatVerdict.FORWARD;
        }
        if (!hairpinning) {
            return drop(count.droppedHairpin);
        }
        counters.increment(count.hairpinned);
        return error(false, now) == NatVerdict.FORWARD ? NatVerdict.FORWARD : NatVerdict.DROP;
    }

    /**
     * Wraps {@link #ip} over the packet; false, counted, if it is malformed or a fragment (the
     * router reassembles before the NAT, so a fragment here cannot be translated).
     */
    private boolean wrapIp(PacketBuffer buffer, int ipOffset) {
        if (!ip.wrap(buffer.segment(), ipOffset).check(buffer.length() - ipOffset)) {
            counters.increment(count.droppedMalformed);
            return false;
        }
        if (ip.isFragment()) {
            counters.increment(count.droppedFragment);
            return false;
        }
        return true;
    }

    /** Wraps the view of {@code protocol}'s header; false, counted, if not TCP, UDP, ICMP or too short. */
    private boolean wrapTransport(int protocol) {
        MemorySegment segment = ip.segment();
        int headerLength = ip.headerLength(); // read once: the payload's offset and length both need it
        long l4 = ip.offset() + headerLength;
        int length = ip.totalLength() - headerLength;
        boolean wrapped = switch (protocol) {
            case IpProtocol.TCP -> tcp.wrap(segment, l4).check(length);
            case IpProtocol.UDP -> udp.wrap(segment, l4).check(length);
            case IpProtocol.ICMP -> icmp.wrap(segment, l4).check(length);
            default -> false;
        };
        if (!wrapped) {
            boolean known = PortAllocator.protocolIndex(protocol) >= 0; // TCP, UDP or ICMP
            counters.increment(known ? count.droppedMalformed : count.droppedProtocol);
        }
        return wrapped;
    }

    private int drop(int counter) {
        counters.increment(counter);
        return NatVerdict.DROP;
    }
}
