package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jnat.app.lab.Topology;
import org.jnat.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

class TopologyLoaderTest {
    /** The example, with a second home NAT and two hosts on lan1. */
    static final String NESTED = """
            [[network]]
            name = "internet"
            prefix = "198.51.100.0/24"

            [[network]]
            name = "isp"
            prefix = "100.64.0.0/24"

            [[network]]
            name = "lan1"
            prefix = "192.168.1.0/24"

            [[network]]
            name = "lan2"
            prefix = "192.168.1.0/24"

            [[nat]]
            name = "cgn"
            profile = "cgn"
            outside = "internet"
            inside = "isp"

            [[nat]]
            name = "home1"
            profile = "port-restricted-cone"
            outside = "isp"
            inside = "lan1"
            hairpinning = false

            [[nat]]
            name = "home2"
            profile = "symmetric"
            outside = "isp"
            inside = "lan2"
            address = "100.64.0.20"

            [[host]]
            name = "alice"
            network = "lan1"

            [[host]]
            name = "carol"
            network = "lan1"
            address = "192.168.1.2"

            [[host]]
            name = "bob"
            network = "internet"

            [stun]
            network = "internet"
            """;

    private static String ip(int address) {
        return Ipv4Address.toString(address);
    }

    @Test
    void theNestedExampleGetsItsAddresses() throws ConfigException {
        Topology t = TopologyLoader.parse(NESTED, "topo.toml");
        Topology.Nat cgn = t.nats().get(0);
        Topology.Nat home1 = t.nats().get(1);
        Topology.Nat home2 = t.nats().get(2);
        assertThat(ip(cgn.outsideAddress())).isEqualTo("198.51.100.2");
        assertThat(ip(cgn.outsideGateway())).as("nobody's: the top network has no router").isEqualTo("198.51.100.1");
        assertThat(ip(cgn.insideAddress())).isEqualTo("100.64.0.1");
        assertThat(ip(home1.outsideAddress())).isEqualTo("100.64.0.2");
        assertThat(ip(home1.outsideGateway())).isEqualTo("100.64.0.1");
        assertThat(ip(home2.outsideAddress())).isEqualTo("100.64.0.20");
        assertThat(ip(t.stun().address())).isEqualTo("198.51.100.3");
        assertThat(ip(t.stun().other())).isEqualTo("198.51.100.4");
        assertThat(t.hosts()).extracting(h -> h.name() + " " + ip(h.address()) + " via " + ip(h.gateway()))
                .containsExactly("alice 192.168.1.3 via 192.168.1.1", "carol 192.168.1.2 via 192.168.1.1",
                        "bob 198.51.100.5 via 0.0.0.0");
        assertThat(home1.natToml()).contains("mapping = \"endpoint-independent\"",
                "filtering = \"address-and-port-dependent\"", "hairpinning = false");
        assertThat(home2.natToml()).contains("mapping = \"address-and-port-dependent\"");
    }

    @Test
    void aKeySetForTheNatWinsOverItsProfile() throws ConfigException {
        Topology t = TopologyLoader.parse(NESTED.replace("profile = \"symmetric\"",
                "profile = \"symmetric\"\nfiltering = \"endpoint-independent\""), "topo.toml");
        assertThat(t.nats().get(2).natToml()).contains("filtering = \"endpoint-independent\"")
                .doesNotContain("address-and-port-dependent\"\nfiltering");
    }

    private static void fails(String toml, String expected) {
        assertThatThrownBy(() -> TopologyLoader.parse(toml, "topo.toml")).isInstanceOf(ConfigException.class)
                .hasMessage(expected);
    }

    @Test
    void mistakesNameFileLineAndKey() {
        fails(NESTED.replace("network = \"lan1\"\n\n[[host]]\nname = \"carol\"", "network = \"lan9\"\n\n[[host]]\nname = \"carol\""),
                "topo.toml:39: host.network: no [[network]] is named \"lan9\"; did you mean \"lan1\"?");
        fails(NESTED.replace("hairpinning = false", "hairpining = false"),
                "topo.toml:28: nat.hairpining: unknown key; did you mean \"hairpinning\"?");
        fails(NESTED.replace("profile = \"cgn\"", "profile = \"cone\""),
                "topo.toml:19: nat.profile: expected one of \"full-cone\", \"restricted-cone\", \"port-restricted-cone\","
                        + " \"symmetric\", \"linux-masquerade\", \"cgn\", got \"cone\"");
        fails(NESTED.replace("prefix = \"100.64.0.0/24\"", "prefix = \"100.64.0.1/24\""),
                "topo.toml:7: network.prefix: \"100.64.0.1/24\" has host bits set; did you mean \"100.64.0.0/24\"?");
        fails(NESTED.replace("address = \"192.168.1.2\"", "address = \"192.168.1.1\""),
                "topo.toml:44: host.address: 192.168.1.1 is taken on \"lan1\" (the first address is the router's);"
                        + " give another");
        fails(NESTED.replace("name = \"carol\"", "name = \"home1\""),
                "topo.toml:42: host.name: \"home1\" is taken by another host or NAT; each needs its own name");
        fails(NESTED.replace("[stun]\nnetwork", "[stun]\nnetwrk"),
                "topo.toml:51: stun.netwrk: unknown key; did you mean \"network\"?");
        fails(NESTED.replace("[[host]]\nname = \"bob\"", "[[hosts]]\nname = \"bob\""),
                "topo.toml:46: hosts: unknown table; did you mean [[host]]?");
        fails(NESTED.replace("outside = \"internet\"\ninside = \"isp\"", "outside = \"lan1\"\ninside = \"isp\""),
                "topo.toml:20: nat.outside: the NATs cgn -> home1 lead back to \"cgn\"; NATs nest as a tree, each"
                        + " outside closer to the top");
    }

    @Test
    void aNetworkIsTheInsideOfOneNatOnly() {
        fails(NESTED.replace("inside = \"lan2\"", "inside = \"lan1\""),
                "topo.toml:34: nat.inside: \"lan1\" is already the inside of NAT \"home1\" (line 23); a network has"
                        + " one router");
    }
}
