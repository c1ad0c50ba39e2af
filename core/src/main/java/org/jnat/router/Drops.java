package org.jnat.router;

import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.Ipv4Packet;

/**
 * The drops that more than one stage of the path counts, each under its one name, and the check
 * behind the first of them: every stage that takes a datagram another may have rewritten (the
 * translator, a builder, the reassembly) wraps its view over it again through {@link #whole}.
 */
final class Drops {
    final int badLength, noRoute, fragmentationNeeded, offloadMalformed, offloadUnsupported;
    private final Counters counters;

    Drops(Counters counters) {
        badLength = counters.register("ipv4.dropped.bad_total_length", "IPv4 packets whose total length disagrees with the frame");
        noRoute = counters.register("ipv4.dropped.no_route", "packets with no route (no gateway configured)");
        fragmentationNeeded = counters.register("ipv4.dropped.fragmentation_needed", "packets too big for the egress MTU with DF set");
        offloadMalformed = counters.register("offload.dropped.malformed", "frames whose offload metadata disagrees with their headers (checksum position, GSO type, gso_size)");
        offloadUnsupported = counters.register("offload.dropped.unsupported", "GSO super-packets of a type an IPv4 router cannot segment (TCPv6, unknown)");
        this.counters = counters;
    }

    /**
     * Wraps {@code ip} over the datagram of {@code frame} (IPv4 after an untagged Ethernet header)
     * and checks that the frame holds it whole: views read the bytes, so the check is what a
     * rewrite since the last one could have broken. False, counted, if it no longer does.
     */
    boolean whole(Ipv4Packet ip, PacketBuffer frame) {
        if (ip.wrap(frame.segment(), EthernetFrame.HEADER_LENGTH).check(frame.length() - EthernetFrame.HEADER_LENGTH)) {
            return true;
        }
        counters.increment(badLength);
        return false;
    }
}
