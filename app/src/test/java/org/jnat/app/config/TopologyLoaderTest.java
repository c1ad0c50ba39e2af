package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jnat.app.lab.LabRouterConfig;
import org.jnat.app.lab.Topology;
import org.jnat.config.NatConfig;
import org.jnat.config.PublicPool;
import org.jnat.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

class TopologyLoaderTest {
    /** The issue's example, with a second home NAT and two hosts on lan1. */
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
        assertThat(home1.natToml()).contains("profile = \"port-restricted-cone\"", "hairpinning = false");
        assertThat(home2.natToml()).contains("profile = \"symmetric\"");
    }

    @Test
    void aKeySetForTheNatWinsOverItsProfile() throws ConfigException {
        Topology t = TopologyLoader.parse(NESTED.replace("profile = \"symmetric\"",
                "profile = \"symmetric\"\nfiltering = \"endpoint-independent\""), "topo.toml");
        // What the router's own loader makes of it: the file's key over the profile's.
        LoadedConfig router = ConfigLoader.parse(LabRouterConfig.text(t.nats().get(2), t.network("lan2"),
                t.network("isp")), "home2.toml");
        assertThat(router.config().nat().filtering()).isEqualTo(NatConfig.Behavior.ENDPOINT_INDEPENDENT);
        assertThat(router.config().nat().mapping()).isEqualTo(NatConfig.Behavior.ADDRESS_AND_PORT_DEPENDENT);
    }

    @Test
    void aNatWithAPoolTakesTheNextFreeAddressesAndPassesPooling() throws ConfigException {
        Topology t = TopologyLoader.parse(NESTED.replace("inside = \"isp\"",
                "inside = \"isp\"\naddresses = 3\npooling = \"arbitrary\""), "topo.toml");
        Topology.Nat cgn = t.nats().get(0);
        // Its own address first, the next two after it; the STUN server and hosts go round them.
        assertThat(cgn.pool()).extracting(TopologyLoaderTest::ip)
                .containsExactly("198.51.100.2", "198.51.100.3", "198.51.100.4");
        assertThat(ip(t.stun().address())).isEqualTo("198.51.100.5");
        LoadedConfig router = ConfigLoader.parse(LabRouterConfig.text(cgn, t.network("isp"), t.network("internet")),
                "cgn.toml");
        assertThat(router.config().pool().addresses()).extracting(TopologyLoaderTest::ip)
                .containsExactly("198.51.100.2", "198.51.100.3", "198.51.100.4");
        assertThat(router.config().pool().pooling()).isEqualTo(PublicPool.Pooling.ARBITRARY);
        // The cgn profile's port blocks keep a host on one address: the router's loader says so, at this file's line.
        assertThat(t.warnings()).containsExactly("topo.toml:23: nat.pooling: warning: \"arbitrary\" changes nothing"
                + " while nat.port-allocation is \"block\": a host's port block lies on one address, so the host keeps"
                + " that address");
        assertThat(TopologyLoader.parse(NESTED.replace("inside = \"isp\"", "inside = \"isp\"\naddresses = 3\n"
                + "pooling = \"arbitrary\"\nport-allocation = \"random\""), "topo.toml").warnings()).isEmpty();
        // Without either key the router has one address and its profile's pooling (cgn: paired).
        Topology.Nat plain = TopologyLoader.parse(NESTED, "topo.toml").nats().get(0);
        assertThat(plain.pool()).containsExactly(plain.outsideAddress());
        assertThat(ConfigLoader.parse(LabRouterConfig.text(plain, t.network("isp"), t.network("internet")), "cgn.toml")
                .config().pool().addresses()).containsExactly(plain.outsideAddress());
    }

    @Test
    void aNatWithPcpAnswersOnItsInsideAddress() throws ConfigException {
        Topology t = TopologyLoader.parse(NESTED.replace("hairpinning = false", "hairpinning = false\npcp = true"),
                "topo.toml");
        Topology.Nat home1 = t.nats().get(1);
        assertThat(home1.pcp()).isTrue();
        assertThat(t.nats().get(0).pcp()).isFalse();
        LoadedConfig router = ConfigLoader.parse(LabRouterConfig.text(home1, t.network("lan1"), t.network("isp")),
                "home1.toml");
        assertThat(router.config().pcp().enabled()).isTrue();
        assertThat(router.config().nat().hairpinning()).as("the [nat] keys still reach [nat]").isFalse();
    }

    /**
     * topology-mistakes.txt: each case changes one spot of {@link #NESTED} ("replace:" text, "with:"
     * text, both with \\n for a line break) and gives the one line expected ("error:").
     */
    @Test
    void mistakesNameFileLineAndKey() throws Exception {
        List<String> lines;
        try (var in = getClass().getResourceAsStream("topology-mistakes.txt")) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        String replace = null;
        String with = null;
        int cases = 0;
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String value = line.substring(line.indexOf(": ") + 2).replace("\\n", "\n");
            if (line.startsWith("replace: ")) {
                replace = value;
            } else if (line.startsWith("with: ")) {
                with = value;
            } else if (line.startsWith("error: ")) {
                assertThat(NESTED).as("the case's spot").contains(replace);
                String toml = NESTED.replace(replace, with);
                assertThatThrownBy(() -> TopologyLoader.parse(toml, "topo.toml")).as(replace + " -> " + with)
                        .isInstanceOf(ConfigException.class).hasMessage(value);
                cases++;
            }
        }
        assertThat(cases).isEqualTo(14);
    }
}
