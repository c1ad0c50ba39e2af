package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.PublicPool;
import org.jnat.config.PublicPool.Pooling;
import org.jnat.config.RouterConfig;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

/** {@code [outside] addresses} and {@code pooling}, {@code [nat] dmz-address}, {@code [[forward]] address}. */
class PoolKeysTest {
    private static final String INSIDE = """
            [inside]
            device = "tap:jnat0"
            address = "192.168.1.1/24"

            """;

    private static RouterConfig load(String outsideExtra, String rest) throws ConfigException {
        return ConfigLoader.parse(INSIDE + """
                [outside]
                device = "tap:jnat1"
                address = "203.0.113.1/24"
                gateway = "203.0.113.254"
                """ + outsideExtra + "\n" + rest, "r.toml").config();
    }

    private static int a(String text) {
        return Ipv4Address.parse(text);
    }

    @Test
    void withoutAddressesThePoolIsTheOutsideAddress() throws ConfigException {
        assertThat(load("", "").pool()).isEqualTo(PublicPool.single(a("203.0.113.1")));
    }

    @Test
    void aListOrAPrefix() throws ConfigException {
        assertThat(load("addresses = [\"203.0.113.1\", \"203.0.113.7\"]\npooling = \"arbitrary\"\n", "").pool())
                .isEqualTo(new PublicPool(List.of(a("203.0.113.1"), a("203.0.113.7")), Pooling.ARBITRARY, 0));
        // A prefix: every host address, not the network and broadcast addresses.
        assertThat(load("addresses = \"203.0.113.0/29\"\n", "").pool().addresses()).containsExactly(
                a("203.0.113.1"), a("203.0.113.2"), a("203.0.113.3"), a("203.0.113.4"), a("203.0.113.5"),
                a("203.0.113.6"));
        assertThat(load("addresses = [\"198.51.100.8/31\", \"198.51.100.20/32\"]\n", "").pool().addresses())
                .containsExactly(a("198.51.100.8"), a("198.51.100.9"), a("198.51.100.20"));
    }

    @Test
    void forwardsAndTheDmzNameAPoolAddress() throws ConfigException {
        RouterConfig config = load("addresses = \"203.0.113.0/29\"\n", """
                [nat]
                dmz = "192.168.1.50"
                dmz-address = "203.0.113.3"

                [[forward]]
                protocol = "tcp"
                port = "8080"
                to = "192.168.1.10:80"
                address = "203.0.113.2"

                [[forward]]
                protocol = "tcp"
                port = "8080"
                to = "192.168.1.11:80"
                address = "203.0.113.4"
                """);
        assertThat(config.pool().dmzAddress()).isEqualTo(a("203.0.113.3"));
        assertThat(config.forwards()).containsExactly(
                new ForwardRule(IpProtocol.TCP, 8080, 8080, a("192.168.1.10"), 80, a("203.0.113.2")),
                new ForwardRule(IpProtocol.TCP, 8080, 8080, a("192.168.1.11"), 80, a("203.0.113.4")));
        assertThat(ConfigLoader.parse(EffectiveConfig.toToml(config), "e.toml").config()).isEqualTo(config);
    }

    @Test
    void badPoolsNameTheKey() {
        assertThatThrownBy(() -> load("addresses = \"203.0.113.0/26\"\n", "")).hasMessage(
                "r.toml:9: outside.addresses: expected at most 32 public addresses, got 62 (a session keeps its"
                        + " address's index in 5 bits, and each address costs 48 bytes a port of [nat] ports: 3 MiB"
                        + " for 1-65535)");
        assertThatThrownBy(() -> load("addresses = [\"203.0.113.1\", \"203.0.113.1\"]\n", ""))
                .hasMessageContaining("outside.addresses: 203.0.113.1 is given twice");
        assertThatThrownBy(() -> load("addresses = [\"192.168.1.9\"]\n", ""))
                .hasMessageContaining("outside.addresses: 192.168.1.9 is inside the inside prefix");
        assertThatThrownBy(() -> load("addresses = \"203.0.113.1/29\"\n", ""))
                .hasMessageContaining("has host bits set; write the prefix as 203.0.113.0/29");
        assertThatThrownBy(() -> load("pooling = \"sticky\"\n", ""))
                .hasMessage("r.toml:9: outside.pooling: expected \"paired\" or \"arbitrary\", got \"sticky\"");
        assertThatThrownBy(() -> load("", "[nat]\ndmz-address = \"203.0.113.9\"\n"))
                .hasMessage("r.toml:11: nat.dmz-address: 203.0.113.9 is not one of the public addresses (203.0.113.1)");
        assertThatThrownBy(() -> load("addresses = [\"203.0.113.1\", \"203.0.113.2\"]\n", """
                [[forward]]
                protocol = "udp"
                port = "53"
                to = "192.168.1.10"
                address = "203.0.113.3"
                """)).hasMessage("r.toml:15: forward.address: 203.0.113.3 is not one of the public addresses"
                        + " (203.0.113.1, 203.0.113.2)");
        assertThatThrownBy(() -> load("", """
                [[forward]]
                protocol = "udp"
                port = "53"
                to = "192.168.1.10"

                [[forward]]
                protocol = "udp"
                port = "53"
                to = "192.168.1.11"
                address = "203.0.113.1"
                """)).hasMessageContaining("udp port 53 is already forwarded at line");
    }
}
