package org.jnat.app;

import java.io.PrintStream;
import java.util.Locale;
import org.jnat.nat.NatEngine;
import org.jnat.nat.SessionTable;
import org.jnat.router.Translator;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;

/**
 * Prints the NAT's session table in words. The data plane is the only writer of the table, so
 * this runs only after it has stopped (the demo) or on the data-plane thread itself.
 */
final class SessionListing {
    private SessionListing() {
    }

    static void print(RouterRuntime router, PrintStream out) {
        Translator t = router.translator();
        if (!(t instanceof NatEngine nat)) {
            out.println("Sessions: none (no NAT engine)");
            return;
        }
        SessionTable s = nat.table().sessions();
        out.println("Sessions (" + s.size() + "): inside endpoint -> as seen outside -> remote endpoint");
        long now = System.nanoTime();
        for (int id = 0; id < s.capacity(); id++) {
            if (!s.isLive(id)) {
                continue;
            }
            String proto = switch (s.protocol(id)) {
                case IpProtocol.TCP -> "tcp ";
                case IpProtocol.UDP -> "udp ";
                case IpProtocol.ICMP -> "icmp";
                default -> "p" + s.protocol(id);
            };
            long left = (s.expiry(id) - now) / 1_000_000_000L;
            out.printf(Locale.ROOT, "  %s %15s:%-5d -> %s:%-5d -> %15s:%-5d  idle timeout in %ds%n", proto,
                    Ipv4Address.toString(s.insideAddress(id)), s.insidePort(id),
                    Ipv4Address.toString(nat.pool().address(s.externalAddressIndex(id))), s.externalPort(id),
                    Ipv4Address.toString(s.remoteAddress(id)), s.remotePort(id), Math.max(0, left));
        }
    }
}
