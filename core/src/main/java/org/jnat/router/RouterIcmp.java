package org.jnat.router;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jnat.device.PacketBuffer;
import org.jnat.stack.Icmp;
import org.jnat.stack.Interface;
import org.jnat.stack.Martians;
import org.jnat.stack.Routes;
import org.jnat.stack.Side;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;

/**
 * The messages the router sends about a packet, of its own making: ICMP errors (time exceeded,
 * unreachable, fragmentation needed) and, for {@link Translator#REJECT}, a TCP RST or port
 * unreachable. {@link Icmp} says whether one may be sent and writes it; this class says where
 * it goes and hands it to that side's {@link Egress}. It is the {@link Responder} the translator
 * is given, so that the NAT's later answers (a held SYN rejected) take the same way.
 *
 * <p>An error about a datagram the NAT already translated (its next hop never answered) is
 * addressed to the public address, and goes through the translator's inbound step like any
 * error from the outside (RFC 5508 section 3), back to the inside host.
 */
final class RouterIcmp implements Responder {
    private final Icmp icmp;
    private final Interface[] interfaces;
    private final Routes routes;
    private final Martians martians;
    private final Translator translator;
    private final Egress[] egress;
    private final Drops drops;
    /** The frame the router writes its own messages into. */
    private PacketBuffer own;
    /** Its memory, as made; {@link #resize} sizes the frame within it. */
    private final MemorySegment ownMemory;
    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();

    /**
     * @param egress each side's egress, by side; the array may be filled after this is made (the
     *               egress sends errors through this class in turn)
     */
    RouterIcmp(Icmp icmp, Interface[] interfaces, Routes routes, Martians martians, Translator translator,
               Egress[] egress, int maxFrame, Drops drops) {
        this.icmp = icmp;
        this.interfaces = interfaces;
        this.routes = routes;
        this.martians = martians;
        this.translator = translator;
        this.egress = egress;
        this.drops = drops;
        own = PacketBuffer.allocate(Arena.ofAuto(), maxFrame);
        ownMemory = own.segment();
    }

    /** The largest frame is now {@code maxFrame}, no more than made with (a router's reset). */
    void resize(int maxFrame) {
        own = PacketBuffer.over(ownMemory, maxFrame);
    }

    @Override
    public boolean reject(PacketBuffer frame, int ipOffset, long nowNanos) {
        Ipv4Packet datagram = icmp.offending(frame, ipOffset);
        if (datagram == null) {
            return false;
        }
        if (datagram.protocol() != IpProtocol.TCP) {
            return error(frame, ipOffset, IcmpPacket.DESTINATION_UNREACHABLE, IcmpPacket.PORT_UNREACHABLE, 0,
                    nowNanos);
        }
        int source = datagram.sourceAddress();
        int side = routes.side(source);
        if (side == Side.NONE || !icmp.mayReport(frame, ipOffset, datagram, false) || !icmp.allow(nowNanos)
                || icmp.reset(own, interfaces[side].mac(), datagram) == 0) {
            return false;
        }
        egress[side].sendOwn(own, routes.nextHop(source), nowNanos);
        return true;
    }

    @Override
    public boolean unreachable(PacketBuffer frame, int ipOffset, int code, long nowNanos) {
        return error(frame, ipOffset, IcmpPacket.DESTINATION_UNREACHABLE, code, 0, nowNanos);
    }

    /** {@link #error(PacketBuffer, int, int, int, int, long)} about the datagram after an untagged Ethernet header. */
    boolean error(PacketBuffer frame, int type, int code, int restOfHeader, long now) {
        return error(frame, EthernetFrame.HEADER_LENGTH, type, code, restOfHeader, now);
    }

    /**
     * Sends an ICMP error about the datagram at {@code ipOffset} of {@code frame} to its source,
     * when RFC 1122 section 3.2.2 allows it and the rate limit has room. The error comes from the
     * address the datagram was sent to when that is ours, else from our address on the side it
     * goes out by (the receiving side: RFC 1812 section 4.3.2.4).
     */
    private boolean error(PacketBuffer frame, int ipOffset, int type, int code, int restOfHeader, long now) {
        Ipv4Packet offending = icmp.offending(frame, ipOffset);
        if (offending == null) {
            return false;
        }
        int source = offending.sourceAddress();
        boolean translated = source == interfaces[Side.OUTSIDE].address() && translator != Translator.ROUTING;
        if (!icmp.mayReport(frame, ipOffset, offending, translated)) {
            return false;
        }
        int side = translated ? Side.OUTSIDE : routes.side(source);
        if (side == Side.NONE || !icmp.allow(now)) {
            return false;
        }
        int destination = offending.destinationAddress();
        int from = martians.isOurs(destination) ? destination : interfaces[side].address();
        if (icmp.error(own, interfaces[side].mac(), from, type, code, restOfHeader, offending) == 0) {
            return false;
        }
        int nextHop;
        if (translated) {
            if (translator.inbound(own, EthernetFrame.HEADER_LENGTH, now) != Translator.FORWARD
                    || !drops.whole(ip, own)) {
                return false;
            }
            int insideHost = ip.destinationAddress();
            side = routes.side(insideHost);
            if (side != Side.INSIDE) {
                return false;
            }
            ethernet.wrap(own.segment(), 0).source(interfaces[side].mac());
            nextHop = routes.nextHop(insideHost);
        } else {
            nextHop = routes.nextHop(source);
        }
        egress[side].sendOwn(own, nextHop, now);
        return true;
    }
}
