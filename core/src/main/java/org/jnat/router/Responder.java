package org.jnat.router;

import org.jnat.device.PacketBuffer;

/**
 * What the router does on a translator's behalf, at any time after the packet came in: the NAT
 * holds an unsolicited SYN for 6 s (RFC 5382 REQ-4) before it rejects it, for instance. The router
 * implements it; replies go to the packet's source by the normal routes, rate-limited like every
 * ICMP error, and never about an ICMP error, a non-first fragment or a broadcast (RFC 1122 section
 * 3.2.2). Calls come from the data-plane thread only.
 */
public interface Responder {
    /**
     * The {@link Translator#REJECT} answer to the packet (IPv4 at {@code ipOffset} of {@code frame}):
     * a TCP RST for TCP (RFC 9293 section 3.10.7.1), ICMP port unreachable for anything else.
     * Returns true if a reply was sent.
     */
    boolean reject(PacketBuffer frame, int ipOffset, long nowNanos);

    /**
     * An ICMP destination unreachable with {@code code} (e.g. 13, communication administratively
     * prohibited) about the packet. Returns true if it was sent.
     */
    boolean unreachable(PacketBuffer frame, int ipOffset, int code, long nowNanos);
}
