package org.jnat.stack;

import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpFrames;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.MacAddress;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.TcpFrames;
import org.jnat.wire.TcpSegment;

/**
 * The router's own ICMP (and TCP RST) messages: whether one may be sent at all, the rate limit,
 * and writing it. Where it goes is the router's business.
 *
 * <p>RFC 1122 section 3.2.2 (and RFC 1812 section 4.3.2.7): no error about an ICMP error, a
 * non-initial fragment, a datagram sent to a broadcast or multicast address or as a link-layer
 * broadcast, or from an address that does not name one host. Errors and resets share one token
 * bucket (RFC 1812 section 4.3.2.8); echo replies are not limited, as in Linux.
 */
public final class Icmp {
    private final Martians martians;
    private final RateLimiter limit;
    private final Counters counters;
    private final Ipv4Packet offending = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final EthernetFrame ethernet = new EthernetFrame();
    private int identification;

    private final Count counted;

    /** What the router's own messages count: those sent, by kind, and those held back. */
    private static final class Count {
        final int sent, timeExceeded, unreachable, fragmentationNeeded, echoReplies, resets, rateLimited, suppressed;

        Count(Counters counters) {
            sent = counters.register("icmp.errors_sent", "ICMP errors sent");
            timeExceeded = counters.register("icmp.sent.time_exceeded", "ICMP time exceeded sent");
            unreachable = counters.register("icmp.sent.unreachable", "ICMP destination unreachable sent (besides fragmentation needed)");
            fragmentationNeeded = counters.register("icmp.sent.fragmentation_needed", "ICMP fragmentation needed sent");
            echoReplies = counters.register("icmp.sent.echo_reply", "ICMP echo replies sent");
            resets = counters.register("tcp.sent.reset", "TCP resets sent");
            rateLimited = counters.register("icmp.rate_limited", "ICMP errors and resets not sent: over the rate limit");
            suppressed = counters.register("icmp.suppressed", "ICMP errors not sent because RFC 1122 3.2.2 forbids them (about an ICMP error, a fragment, a broadcast)");
        }
    }

    public Icmp(Martians martians, RateLimiter limit, Counters counters) {
        this.martians = martians;
        this.limit = limit;
        this.counters = counters;
        counted = new Count(counters);
    }

    /**
     * Wraps the datagram at {@code ipOffset} of {@code frame} as the offending one and returns it,
     * or null if it is not a whole datagram. Valid until the next call.
     */
    public Ipv4Packet offending(PacketBuffer frame, int ipOffset) {
        return offending.wrap(frame.segment(), ipOffset).check(frame.length() - ipOffset) ? offending : null;
    }

    /**
     * Whether an error about {@code datagram} (wrapped by {@link #offending}) may be sent at all.
     * {@code fromUs} admits a datagram whose source is one of our addresses (one the NAT translated);
     * any other source must name a host. Counts a refusal.
     */
    public boolean mayReport(PacketBuffer frame, int ipOffset, Ipv4Packet datagram, boolean fromUs) {
        boolean allowed = datagram.fragmentOffset() == 0
                && (fromUs || !martians.isMartianSource(datagram.sourceAddress()))
                && !martians.isBroadcastOrMulticast(datagram.destinationAddress())
                && !(ipOffset >= EthernetFrame.HEADER_LENGTH
                        && MacAddress.isMulticast(ethernet.wrap(frame.segment(), 0).destination()));
        if (allowed && datagram.protocol() == IpProtocol.ICMP) {
            // An error is never answered; a message too short to tell is treated as one.
            long type = datagram.payloadOffset() + IcmpPacket.TYPE;
            allowed = datagram.payloadLength() >= 1 && frame.length() > type
                    && !IcmpPacket.isError(NetworkOrder.u8(frame.segment(), type));
        }
        if (!allowed) {
            counters.increment(counted.suppressed);
        }
        return allowed;
    }

    /** Takes a token from the shared limit; counts a refusal. */
    public boolean allow(long nowNanos) {
        if (limit.tryAcquire(nowNanos)) {
            return true;
        }
        counters.increment(counted.rateLimited);
        return false;
    }

    /**
     * Writes the error about {@code datagram} into {@code out} (Ethernet source {@code ourMac},
     * destination left 0 for the neighbor step), from {@code from}, and returns its length, or 0.
     * The caller has checked {@link #mayReport} and {@link #allow}.
     */
    public int error(PacketBuffer out, long ourMac, int from, int type, int code, int restOfHeader, Ipv4Packet datagram) {
        int n = IcmpFrames.error(out.segment(), ourMac, 0, from, type, code, restOfHeader, datagram, nextIdentification());
        if (n == 0) {
            return 0;
        }
        out.clearOffload();
        out.length(n);
        counters.increment(counted.sent);
        counters.increment(type == IcmpPacket.TIME_EXCEEDED ? counted.timeExceeded
                : code == IcmpPacket.FRAGMENTATION_NEEDED ? counted.fragmentationNeeded : counted.unreachable);
        return n;
    }

    /**
     * Writes the TCP reset answering the segment in {@code datagram} (RFC 9293 section 3.10.7.1)
     * into {@code out}, and returns its length, or 0 when there is nothing to send (a reset, a
     * fragment, a truncated header). The caller has checked {@link #mayReport} and {@link #allow}.
     */
    public int reset(PacketBuffer out, long ourMac, Ipv4Packet datagram) {
        if (datagram.protocol() != IpProtocol.TCP || datagram.fragmentOffset() != 0
                || !tcp.wrap(datagram.segment(), datagram.payloadOffset()).check(datagram.payloadLength())) {
            return 0;
        }
        int n = TcpFrames.reset(out.segment(), ourMac, 0, datagram, tcp);
        if (n == 0) {
            return 0;
        }
        out.clearOffload();
        out.length(n);
        counters.increment(counted.resets);
        return n;
    }

    /**
     * Turns the echo request in {@code frame} (IPv4 {@code request}, checked, ICMP checked) into
     * its reply, in place (RFC 1122 section 3.2.2.6: same identifier, sequence number and data,
     * from the address it was sent to). Returns the new length, or 0.
     */
    public int echoReply(PacketBuffer frame, long ourMac, Ipv4Packet request) {
        int n = IcmpFrames.echoReply(frame.segment(), ourMac, 0, request, nextIdentification());
        if (n == 0) {
            return 0;
        }
        frame.clearOffload();
        frame.length(n);
        counters.increment(counted.echoReplies);
        return n;
    }

    /** Back to a new instance's state: identification from the start, a full token bucket (set-up time). */
    public void reset() {
        identification = 0;
        limit.reset();
    }

    private int nextIdentification() {
        identification = (identification + 1) & 0xffff;
        return identification;
    }
}
