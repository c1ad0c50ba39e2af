package org.jnat.router;

import java.lang.foreign.Arena;
import org.jnat.device.PacketBuffer;
import org.jnat.stack.Interface;
import org.jnat.stack.Routes;
import org.jnat.stack.Side;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.UdpDatagram;
import org.jnat.wire.UdpFrames;

/**
 * The router's own UDP service ({@link LocalService}) on the wire: a datagram to its port on the
 * inside address, from an inside host, is handed over and the answer sent back over the request's
 * frame; one from elsewhere is left to {@link LocalDelivery} to refuse, as a closed port is. Its
 * announcements go to all hosts on the inside link from a frame of their own.
 */
final class LocalServices {
    /** TTL of the announcements: they are for the link (224.0.0.1, RFC 1112). */
    private static final int ANNOUNCE_TTL = 1;
    private static final int TTL = 64;

    private final LocalService service;
    private final Interface inside;
    private final Routes routes;
    private final Egress egress;
    private final UdpDatagram udp = new UdpDatagram();
    private final PacketBuffer own;
    private int identification;

    LocalServices(LocalService service, Interface inside, Routes routes, Egress egress, int maxFrame) {
        this.service = service;
        this.inside = inside;
        this.routes = routes;
        this.egress = egress;
        this.own = PacketBuffer.allocate(Arena.ofAuto(), maxFrame);
    }

    /**
     * A checked UDP datagram ({@code ip}) for one of the router's addresses: true if it was the
     * service's to take (answered or dropped); false to refuse it.
     */
    boolean deliver(PacketBuffer frame, Ipv4Packet ip, long now) {
        UdpDatagram udp = this.udp.wrap(frame.segment(), ip.payloadOffset());
        if (!udp.check(ip.payloadLength()) || udp.destinationPort() != service.port()) {
            return false;
        }
        int source = ip.sourceAddress();
        int destination = ip.destinationAddress();
        if (destination != inside.address() || routes.side(source) != Side.INSIDE) {
            service.refused(); // the service listens on the inside only (RFC 6887 section 8)
            return false;
        }
        // A local sender on TAP hands over a partial checksum (Ingress checked its metadata) or one
        // the kernel vouches for; a super-packet of several datagrams is no one request.
        boolean vouched = (frame.flags & (PacketBuffer.F_NEEDS_CSUM | PacketBuffer.F_DATA_VALID)) != 0;
        if (frame.gsoType != PacketBuffer.GSO_NONE || !vouched && !udp.checksumValid(source, destination)) {
            service.malformed();
            return true;
        }
        int sourcePort = udp.sourcePort();
        int n = service.answer(frame.segment(), udp.payloadOffset(), udp.payloadLength(), source, sourcePort,
                frame.segment(), UdpFrames.PAYLOAD_OFFSET, now);
        if (n == 0) {
            return true;
        }
        int length = UdpFrames.write(frame.segment(), inside.mac(), 0, destination, service.port(), source,
                sourcePort, n, nextIdentification(), TTL);
        if (length == 0) {
            service.malformed(); // cannot happen: the frame holds the largest answer
            return true;
        }
        frame.clearOffload();
        frame.length(length);
        egress.sendOwn(frame, routes.nextHop(source), now);
        return true;
    }

    /** The router starts: the service's epoch begins and its announcements are due. */
    void start(long now) {
        service.start(now);
    }

    /** The service's timers, and the announcements due, sent to all hosts on the inside. */
    void poll(long now) {
        service.poll(now);
        int n;
        while ((n = service.announcement(own.segment(), UdpFrames.PAYLOAD_OFFSET, now)) > 0) {
            int length = UdpFrames.write(own.segment(), inside.mac(), UdpFrames.multicastMac(UdpFrames.ALL_HOSTS),
                    inside.address(), service.port(), UdpFrames.ALL_HOSTS, service.announcePort(), n,
                    nextIdentification(), ANNOUNCE_TTL);
            if (length == 0) {
                return;
            }
            own.clearOffload();
            own.length(length);
            egress.transmit(own);
        }
    }

    long nextDeadline() {
        return service.nextDeadline();
    }

    private int nextIdentification() {
        identification = (identification + 1) & 0xffff;
        return identification;
    }
}
