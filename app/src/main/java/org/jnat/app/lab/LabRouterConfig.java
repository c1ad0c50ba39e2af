package org.jnat.app.lab;

import java.util.stream.Collectors;
import org.jnat.wire.Ipv4Address;

/**
 * The config file of one lab router: jnat on AF_PACKET sockets bound to the veths {@code inside} and
 * {@code outside} of its namespace, with the addresses its networks imply (a pool's too), its
 * {@code [nat]} keys, PCP when the topology asks, and its admin API on the namespace's own loopback
 * (every router's namespace has its own, so all use the same port; {@code jnat lab status} asks
 * each from inside it).
 */
public final class LabRouterConfig {
    /** The veths of a router's namespace: the names jnat's AF_PACKET devices bind to. */
    public static final String INSIDE = "inside";
    public static final String OUTSIDE = "outside";
    /** The admin API, on the loopback of the router's namespace. */
    public static final String ADMIN = "127.0.0.1:8080";

    private LabRouterConfig() {
    }

    public static String text(Topology.Nat nat, Topology.Network inside, Topology.Network outside) {
        return """
                # jnat lab: NAT %s (%s) between %s (outside) and %s (inside)
                [inside]
                device  = "afpacket:%s"
                address = "%s/%d"

                [outside]
                device  = "afpacket:%s"
                address = "%s/%d"
                gateway = "%s"
                %s
                [admin]
                listen = "%s"

                %s
                [nat]
                %s""".formatted(nat.name(), nat.profile() == null ? "jnat's defaults" : nat.profile(), outside.name(),
                inside.name(), INSIDE, Ipv4Address.toString(nat.insideAddress()), inside.prefixLength(), OUTSIDE,
                Ipv4Address.toString(nat.outsideAddress()), outside.prefixLength(),
                Ipv4Address.toString(nat.outsideGateway()), pool(nat), ADMIN,
                nat.pcp() ? "[pcp]\nenabled = true\n" : "", nat.natToml());
    }

    /** The pool's keys of {@code [outside]}, each on a line of its own; none for one address and the profile's pooling. */
    private static String pool(Topology.Nat nat) {
        String addresses = nat.pool().size() == 1 ? ""
                : nat.pool().stream().map(a -> "\"" + Ipv4Address.toString(a) + "\"")
                        .collect(Collectors.joining(", ", "addresses = [", "]\n"));
        return addresses + (nat.pooling() == null ? "" : "pooling = \"" + nat.pooling() + "\"\n");
    }
}
