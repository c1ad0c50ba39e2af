package org.jnat.router;

import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.stack.GsoPacket;
import org.jnat.stack.Interface;
import org.jnat.stack.Martians;
import org.jnat.stack.Routes;
import org.jnat.stack.Side;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.Ipv4Packet;

/**
 * Where a whole, valid datagram goes: the route, the TTL, the MTU, and the translator's verdict.
 *
 * <pre>
 * not for us: route ─► TTL (time exceeded) ─► DF and MTU (fragmentation needed)
 *    ─► Translator.outbound (inside) / inbound (outside): FORWARD, LOCAL, REJECT, PROHIBITED, DROP, CONSUMED
 *    ─► FORWARD: route by the (new) destination ─► TTL−1 ─► that side's Egress; or for us: LocalDelivery
 * </pre>
 *
 * <p>The TTL and MTU checks come before the translation for the packets whose route is already
 * known (the destination is not one of ours), so that the ICMP errors quote the packet as its
 * sender sent it and come from the address of the receiving side (RFC 1812 sections 4.3.2.4 and
 * 5.3.1: traceroute shows 192.168.1.1 as hop 1). Packets to one of our addresses are routed only
 * after the translator has said where they go.
 */
final class Forwarding {
    private final Interface inside;
    private final Interface outside;
    private final Routes routes;
    private final Martians martians;
    private final Translator translator;
    private final Egress[] egress;
    private final LocalDelivery local;
    private final RouterIcmp icmp;
    private final Counters counters;
    private final Count count;
    private final Drops drops;
    private final Ipv4Packet ip = new Ipv4Packet();
    private final GsoPacket gso = new GsoPacket();

    /** What forwarding counts; the translator counts its own reasons. */
    static final class Count {
        final int notThisSide, sameSide, ttlExpired, ttlExpiredTranslated, forwarded, translatorDropped,
                translatorConsumed;

        Count(Counters counters) {
            notThisSide = counters.register("ipv4.dropped.not_this_side", "packets from the outside to the router's inside address");
            sameSide = counters.register("ipv4.dropped.same_side", "packets that would leave by the side they came in on");
            ttlExpired = counters.register("ipv4.dropped.ttl_expired", "packets whose TTL ran out here");
            ttlExpiredTranslated = counters.register("ipv4.dropped.ttl_expired_translated", "packets to our address, translated towards a host, whose TTL ran out (dropped without an error)");
            forwarded = counters.register("ipv4.forwarded", "packets forwarded");
            translatorDropped = counters.register("translator.dropped", "packets the translator dropped, whatever the reason: a total, each also counted under its reason (nat.dropped.*)");
            translatorConsumed = counters.register("translator.consumed", "packets the translator kept");
        }
    }

    Forwarding(Interface[] interfaces, Routes routes, Martians martians, Translator translator, Egress[] egress,
               LocalDelivery local, RouterIcmp icmp, Counters counters, Drops drops) {
        this.inside = interfaces[Side.INSIDE];
        this.outside = interfaces[Side.OUTSIDE];
        this.routes = routes;
        this.martians = martians;
        this.translator = translator;
        this.egress = egress;
        this.local = local;
        this.icmp = icmp;
        this.counters = counters;
        this.drops = drops;
        this.count = new Count(counters);
    }

    /**
     * A whole, valid datagram (IPv4 at 14) that came in on {@code side}: a received frame, with
     * {@code fragmentLimit} {@link Egress#NO_FRAGMENT_LIMIT}, or one reassembled from fragments
     * the largest of which was {@code fragmentLimit} bytes.
     */
    void forward(PacketBuffer frame, int side, long now, int fragmentLimit) {
        if (!drops.whole(ip, frame)) {
            return;
        }
        int destination = ip.destinationAddress();
        boolean forUs = destination == outside.address() || (side == Side.INSIDE && destination == inside.address())
                || martians.isPoolAddress(destination);
        if (!forUs && !mayLeave(frame, side, destination, now)) {
            return;
        }
        int verdict = side == Side.INSIDE
                ? translator.outbound(frame, EthernetFrame.HEADER_LENGTH, now)
                : translator.inbound(frame, EthernetFrame.HEADER_LENGTH, now);
        switch (verdict) {
            case Translator.FORWARD -> route(frame, now, fragmentLimit);
            case Translator.LOCAL -> local.deliver(frame, now);
            case Translator.REJECT -> icmp.reject(frame, EthernetFrame.HEADER_LENGTH, now);
            case Translator.PROHIBITED -> icmp.unreachable(frame, EthernetFrame.HEADER_LENGTH, IcmpPacket.ADMIN_PROHIBITED, now);
            case Translator.CONSUMED -> counters.increment(count.translatorConsumed);
            default -> counters.increment(count.translatorDropped);
        }
    }

    /**
     * The checks on a datagram not for us, before the translator sees it: a route other than
     * back, a TTL that lasts one more hop (RFC 1812 section 5.3.1), and a size the egress takes
     * or DF clear. False, counted and answered where an answer is due, if one fails.
     */
    private boolean mayLeave(PacketBuffer frame, int side, int destination, long now) {
        if (destination == inside.address()) {
            counters.increment(count.notThisSide);
            return false;
        }
        int egressSide = routes.side(destination);
        if (egressSide == Side.NONE) {
            counters.increment(drops.noRoute);
            icmp.error(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.NET_UNREACHABLE, 0, now);
            return false;
        }
        if (egressSide == side) {
            counters.increment(count.sameSide);
            return false;
        }
        if (ip.ttl() <= 1) {
            counters.increment(count.ttlExpired);
            icmp.error(frame, IcmpPacket.TIME_EXCEEDED, IcmpPacket.TTL_EXCEEDED_IN_TRANSIT, 0, now);
            return false;
        }
        int mtu = egress[egressSide].mtu();
        // A GSO super-packet is many wire-sized segments: the size of one is what must fit.
        int wireLength = frame.gsoType == PacketBuffer.GSO_NONE ? ip.totalLength()
                : gso.segmentLength(frame, EthernetFrame.HEADER_LENGTH);
        if (wireLength > mtu && ip.dontFragment()) {
            // RFC 1191 section 4 / RFC 4787 REQ-13: tell the sender the egress MTU.
            counters.increment(drops.fragmentationNeeded);
            icmp.error(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.FRAGMENTATION_NEEDED, mtu, now);
            return false;
        }
        return true;
    }

    /** Forwards a translated packet by its (possibly new) destination, or delivers it to us. */
    private void route(PacketBuffer frame, long now, int fragmentLimit) {
        if (!drops.whole(ip, frame)) {
            return;
        }
        int destination = ip.destinationAddress();
        if (martians.isOurs(destination)) {
            local.deliver(frame, now);
            return;
        }
        int egressSide = routes.side(destination);
        if (egressSide == Side.NONE) {
            counters.increment(drops.noRoute);
            return;
        }
        if (ip.ttl() <= 1) {
            // Only a packet to our own address, translated towards a host, gets here: an error
            // about the translated packet would leak the inside address, so it goes silently.
            counters.increment(count.ttlExpiredTranslated);
            return;
        }
        ip.decrementTtl();
        counters.increment(count.forwarded);
        egress[egressSide].forward(frame, routes.nextHop(destination), now, fragmentLimit);
    }
}
