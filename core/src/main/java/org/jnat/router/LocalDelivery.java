package org.jnat.router;

import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.stack.Icmp;
import org.jnat.stack.Interface;
import org.jnat.stack.Routes;
import org.jnat.stack.Side;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;

/**
 * Datagrams addressed to the router itself: an echo request is answered (RFC 1122 section
 * 3.2.2.6, the reply written over the request), ICMP errors and other messages are counted, a
 * request to the router's own UDP service ({@link LocalServices}) goes there, and anything else is
 * refused as a closed port or an absent protocol is.
 */
final class LocalDelivery {
    private final Icmp icmp;
    private final RouterIcmp errors;
    private final Interface[] interfaces;
    private final Routes routes;
    private final Egress[] egress;
    /** The router's own UDP service (PCP, NAT-PMP), or null. */
    private final LocalServices services;
    private final Counters counters;
    private final Count count;
    private final Drops drops;
    private final Ipv4Packet ip = new Ipv4Packet();
    private final IcmpPacket message = new IcmpPacket();

    /** What the router counts of the traffic addressed to it. */
    static final class Count {
        final int local, echoRequests, errorsReceived, otherType, malformed, rejected;

        Count(Counters counters) {
            local = counters.register("ipv4.local", "packets for the router itself");
            echoRequests = counters.register("icmp.echo_requests", "echo requests to the router's addresses");
            errorsReceived = counters.register("icmp.errors_received", "ICMP errors addressed to the router itself");
            otherType = counters.register("icmp.dropped.other_type", "ICMP messages to the router it does not answer");
            malformed = counters.register("icmp.dropped.malformed", "ICMP messages to the router that are truncated or have a bad checksum");
            rejected = counters.register("ipv4.local_rejected", "TCP, UDP and other packets to the router, which runs no service on them");
        }
    }

    LocalDelivery(Icmp icmp, RouterIcmp errors, Interface[] interfaces, Routes routes, Egress[] egress,
                  LocalServices services, Counters counters, Drops drops) {
        this.icmp = icmp;
        this.errors = errors;
        this.interfaces = interfaces;
        this.routes = routes;
        this.egress = egress;
        this.services = services;
        this.counters = counters;
        this.drops = drops;
        this.count = new Count(counters);
    }

    /** A whole datagram (IPv4 at 14) for one of the router's addresses. */
    void deliver(PacketBuffer frame, long now) {
        counters.increment(count.local);
        if (!drops.whole(ip, frame)) {
            return;
        }
        int protocol = ip.protocol();
        if (protocol == IpProtocol.UDP && services != null && services.deliver(frame, ip, now)) {
            return;
        }
        if (protocol != IpProtocol.ICMP) {
            // The router runs no TCP or UDP service: refuse as a closed port does (RFC 1122
            // section 4.2.2.20 / 3.2.2.1), rate-limited.
            counters.increment(count.rejected);
            if (protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) {
                errors.reject(frame, EthernetFrame.HEADER_LENGTH, now);
            } else {
                errors.error(frame, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.PROTOCOL_UNREACHABLE, 0, now);
            }
            return;
        }
        IcmpPacket message = this.message.wrap(frame.segment(), ip.payloadOffset());
        if (!message.check(ip.payloadLength()) || !message.checksumValid()) {
            counters.increment(count.malformed);
            return;
        }
        int type = message.type();
        if (type == IcmpPacket.ECHO_REQUEST) {
            counters.increment(count.echoRequests);
            int source = ip.sourceAddress();
            int side = routes.side(source);
            if (side == Side.NONE) {
                counters.increment(drops.noRoute);
                return;
            }
            if (icmp.echoReply(frame, interfaces[side].mac(), ip) == 0) {
                counters.increment(count.malformed);
                return;
            }
            egress[side].sendOwn(frame, routes.nextHop(source), now);
        } else if (IcmpPacket.isError(type)) {
            counters.increment(count.errorsReceived);
        } else {
            counters.increment(count.otherType);
        }
    }
}
