package org.jnat.app.lab;

import java.util.List;
import org.jnat.wire.Ipv4Address;

/**
 * A lab's topology as {@code jnat lab up} builds it: the networks, the NAT routers between them, the
 * hosts and the STUN server, every address already chosen (by {@code config.TopologyLoader}, which
 * reads the file and checks it). Addresses are {@code int}s as in {@code wire.Ipv4Address}.
 * {@code warnings}: what the routers' loaders warned of, each naming this file's line.
 */
public record Topology(String file, List<Network> networks, List<Nat> nats, List<Host> hosts, Stun stun,
                       List<String> warnings) {

    /**
     * A network: one Ethernet segment (a bridge). {@code gateway} is its NAT router's inside address,
     * or 0 where no NAT has it as its inside (then nothing on it routes beyond it).
     */
    public record Network(String name, int address, int prefixLength, int gateway) {
        public String prefix() {
            return Ipv4Address.toString(address) + "/" + prefixLength;
        }
    }

    /**
     * A NAT router: jnat between {@code outside} and {@code inside}. {@code pool} is its public
     * addresses, {@code outsideAddress} first ({@code [outside] addresses}); {@code pooling} is
     * {@code "paired"} or {@code "arbitrary"}, or null for the profile's; {@code pcp}: the router
     * answers PCP and NAT-PMP on its inside address ({@code [pcp] enabled}). {@code natToml} is the body
     * of its {@code [nat]} table (the profile's keys and those passed through from the file, as TOML
     * lines), written into the router's config file as it stands.
     */
    public record Nat(String name, String profile, String outside, String inside, int outsideAddress,
                      int outsideGateway, int insideAddress, List<Integer> pool, String pooling, boolean pcp,
                      String natToml) {
    }

    /** A host: a namespace with one interface on {@code network}; {@code gateway} 0: no default route. */
    public record Host(String name, String network, int address, int gateway) {
    }

    /** The STUN server (RFC 5780 needs two addresses): on {@code network}; null in the topology when absent. */
    public record Stun(String network, int address, int other, int gateway) {
    }

    public Network network(String name) {
        return networks.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }
}
