package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.testing.Requirement;
import org.junit.jupiter.api.Test;

/** [nat.udp], [nat.tcp] and [nat.icmp]: [nat]'s keys are every protocol's defaults, each table overrides its own. */
class ProtocolTablesTest {
    static final String MINIMAL = BadConfigTest.MINIMAL;

    static LoadedConfig load(String text) throws ConfigException {
        return ConfigLoader.parse(MINIMAL + text, "router.toml");
    }

    @Test
    void withoutProtocolTablesEveryProtocolFollowsNat() throws ConfigException {
        NatConfig nat = load("[nat]\nmapping = \"address-dependent\"\ninbound-refresh = true\n").config().nat();
        for (NatConfig.ProtocolBehavior b : new NatConfig.ProtocolBehavior[] {nat.udp(), nat.tcp(), nat.icmp()}) {
            assertThat(b).isEqualTo(new NatConfig.ProtocolBehavior(Behavior.ADDRESS_DEPENDENT,
                    Behavior.ADDRESS_AND_PORT_DEPENDENT, true));
        }
    }

    @Requirement({"RFC 4787 REQ-5b", "RFC 5382 REQ-3a", "RFC 5382 REQ-5a", "RFC 5508 REQ-2a"})
    @Test
    void eachTableOverridesItsProtocolOnly() throws ConfigException {
        NatConfig nat = load("""
                [nat]
                filtering = "endpoint-independent"

                [nat.udp]
                mapping = "address-and-port-dependent"
                timeout = "7m"

                [nat.tcp]
                filtering = "address-dependent"
                inbound-refresh = true
                timeout-established = "3h"
                timeout-transitory = "5m"

                [nat.icmp]
                mapping = "address-dependent"
                timeout = "90s"
                """).config().nat();
        assertThat(nat.udp()).isEqualTo(new NatConfig.ProtocolBehavior(Behavior.ADDRESS_AND_PORT_DEPENDENT,
                Behavior.ENDPOINT_INDEPENDENT, false));
        assertThat(nat.tcp()).isEqualTo(new NatConfig.ProtocolBehavior(Behavior.ENDPOINT_INDEPENDENT,
                Behavior.ADDRESS_DEPENDENT, true));
        assertThat(nat.icmp()).isEqualTo(new NatConfig.ProtocolBehavior(Behavior.ADDRESS_DEPENDENT,
                Behavior.ENDPOINT_INDEPENDENT, false));
        assertThat(nat.mapping()).isEqualTo(Behavior.ENDPOINT_INDEPENDENT);
        assertThat(nat.timeouts().udpNanos()).isEqualTo(TimeUnit.MINUTES.toNanos(7));
        assertThat(nat.timeouts().tcpEstablishedNanos()).isEqualTo(TimeUnit.HOURS.toNanos(3));
        assertThat(nat.timeouts().tcpTransitoryNanos()).isEqualTo(TimeUnit.MINUTES.toNanos(5));
        assertThat(nat.timeouts().icmpNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(90));
    }

    @Test
    void aTimeoutSetInBothPlacesNamesBothLines() {
        assertThatThrownBy(() -> load("[nat.timeouts]\nudp = \"5m\"\n\n[nat.udp]\ntimeout = \"6m\"\n"))
                .hasMessage("router.toml:13: nat.udp.timeout: also set as nat.timeouts.udp at line 10; set it in"
                        + " one place");
        assertThatThrownBy(() -> load("[nat.tcp]\ntimeout-transitory = \"5m\"\n\n[nat.timeouts]\n"
                + "tcp-transitory = \"6m\"\n"))
                .hasMessage("router.toml:10: nat.tcp.timeout-transitory: also set as nat.timeouts.tcp-transitory at"
                        + " line 13; set it in one place");
    }

    @Test
    void badValuesNameTheProtocolTable() {
        assertThatThrownBy(() -> load("[nat.udp]\nmapping = \"full-cone\"\n"))
                .hasMessage("router.toml:10: nat.udp.mapping: expected \"endpoint-independent\", \"address-dependent\""
                        + " or \"address-and-port-dependent\", got \"full-cone\"");
        assertThatThrownBy(() -> load("[nat.tcp]\ntimeout = \"5m\"\n"))
                .hasMessage("router.toml:10: nat.tcp.timeout: unknown key; TCP has two timeouts: timeout-established and"
                        + " timeout-transitory");
        assertThatThrownBy(() -> load("[nat.icmp]\nfiltering = \"endpoint-independent\"\n"))
                .hasMessage("router.toml:10: nat.icmp.filtering: ICMP has no filtering to set: a query's reply only"
                        + " ever reaches the session of the query that went out (RFC 5508); [nat.icmp] takes mapping,"
                        + " inbound-refresh, timeout");
        assertThatThrownBy(() -> load("[nat]\nudp = 5\n"))
                .hasMessage("router.toml:10: nat.udp: expected a table [nat.udp], got an integer");
    }

    @Test
    void aProtocolsTimeoutBelowTheRfcWarnsUnderItsOwnName() throws ConfigException {
        assertThat(load("[nat.udp]\ntimeout = \"30s\"\n").warnings()).containsExactly("router.toml:10:"
                + " nat.udp.timeout: warning: \"30s\" is below the 2m minimum of RFC 4787 REQ-5; UDP mappings may"
                + " expire between keep-alives");
    }

    @Test
    void theEffectiveConfigPrintsEachProtocolAndReadsBack() throws ConfigException {
        LoadedConfig loaded = load("[nat.udp]\nfiltering = \"endpoint-independent\"\ntimeout = \"7m\"\n");
        String effective = EffectiveConfig.toToml(loaded.config());
        assertThat(effective).contains("[nat.udp]\nmapping = \"endpoint-independent\"\n"
                        + "filtering = \"endpoint-independent\"\ninbound-refresh = false\n")
                .contains("[nat.icmp]\nmapping = \"endpoint-independent\"\ninbound-refresh = false\n")
                .contains("udp = \"7m\"\n");
        assertThat(ConfigLoader.parse(effective, "e.toml").config()).isEqualTo(loaded.config());
    }
}
