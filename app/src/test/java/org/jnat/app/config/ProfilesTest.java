package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.testing.Requirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tomlj.TomlTable;

/** [nat] profile: a layer of key defaults beneath the file, read through the loader's own checks. */
class ProfilesTest {
    static final String MINIMAL = BadConfigTest.MINIMAL;

    static LoadedConfig load(String text) throws ConfigException {
        return ConfigLoader.parse(MINIMAL + text, "router.toml");
    }

    static List<String> names() {
        return Profiles.names();
    }

    @Test
    void theProfilesTheIssueNames() {
        assertThat(Profiles.names()).containsExactly("full-cone", "restricted-cone", "port-restricted-cone",
                "symmetric", "linux-masquerade", "cgn");
    }

    /** Every key a profile sets is one the loader knows, in a table that takes it: none is silently ignored. */
    @ParameterizedTest
    @MethodSource("names")
    void everyProfileKeyIsAKeyTheLoaderReads(String name) {
        TomlTable profile = Profiles.of(name);
        for (String dotted : profile.dottedKeySet()) {
            int dot = dotted.lastIndexOf('.');
            String table = dotted.substring(0, dot);
            assertThat(ConfigLoader.KEYS).as("profile %s: %s", name, dotted).containsKey(table);
            assertThat(ConfigLoader.KEYS.get(table)).as("profile %s: %s", name, dotted)
                    .contains(dotted.substring(dot + 1));
        }
    }

    /** Every profile loads on the minimal file, and its effective config reads back to the same. */
    @ParameterizedTest
    @MethodSource("names")
    void everyProfileLoadsAndReadsBack(String name) throws ConfigException {
        LoadedConfig loaded = load("[nat]\nprofile = \"" + name + "\"\n");
        String effective = EffectiveConfig.toToml(loaded.config(), false, loaded.origins());
        assertThat(effective).contains("[nat]\nprofile = \"" + name + "\"\n");
        assertThat(ConfigLoader.parse(effective, "e.toml").config()).isEqualTo(loaded.config());
    }

    @Test
    void theConeProfilesAndSymmetricSetMappingAndFiltering() throws ConfigException {
        assertBehaviour("full-cone", Behavior.ENDPOINT_INDEPENDENT, Behavior.ENDPOINT_INDEPENDENT);
        assertBehaviour("restricted-cone", Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_DEPENDENT);
        assertBehaviour("port-restricted-cone", Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT);
        assertBehaviour("symmetric", Behavior.ADDRESS_AND_PORT_DEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT);
    }

    private static void assertBehaviour(String profile, Behavior mapping, Behavior filtering) throws ConfigException {
        NatConfig nat = load("[nat]\nprofile = \"" + profile + "\"\n").config().nat();
        NatConfig.ProtocolBehavior expected = new NatConfig.ProtocolBehavior(mapping, filtering, false);
        assertThat(List.of(nat.udp(), nat.tcp(), nat.icmp().mapping())).as(profile)
                .containsExactly(expected, expected, mapping);
    }

    @Requirement({"RFC 5382 REQ-5", "RFC 5508 REQ-2"})
    @Test
    void linuxMasqueradeIsWhatTheKernelDid() throws ConfigException {
        LoadedConfig loaded = load("[nat]\nprofile = \"linux-masquerade\"\n");
        NatConfig nat = loaded.config().nat();
        assertThat(nat.mapping()).isEqualTo(Behavior.ENDPOINT_INDEPENDENT);
        assertThat(nat.filtering()).isEqualTo(Behavior.ADDRESS_AND_PORT_DEPENDENT);
        assertThat(nat.hairpinning()).isFalse();
        assertThat(nat.unmatched()).isEqualTo(NatConfig.Unmatched.REJECT);
        assertThat(nat.inboundRefresh()).isTrue();
        assertThat(nat.timeouts().tcpEstablishedNanos()).isEqualTo(TimeUnit.DAYS.toNanos(5));
        // conntrack's own timeouts are below two RFC minimums; the warnings say whose values they are.
        assertThat(loaded.warnings()).containsExactly(
                "router.toml:10: nat.timeouts.tcp-transitory: warning: \"2m\" is below the 4m minimum of RFC 5382"
                        + " REQ-5; connections being opened or closed may be cut (the value of profile"
                        + " \"linux-masquerade\"; set nat.timeouts.tcp-transitory in the file to override it)",
                "router.toml:10: nat.timeouts.icmp: warning: \"30s\" is below the 1m minimum of RFC 5508 REQ-2;"
                        + " slow ICMP queries may lose their replies (the value of profile \"linux-masquerade\"; set"
                        + " nat.timeouts.icmp in the file to override it)");
    }

    @Requirement("RFC 6888 REQ-7")
    @Test
    void cgnSaysWhenTheInsideIsNotInTheSharedAddressSpace() throws ConfigException {
        LoadedConfig home = load("[nat]\nprofile = \"cgn\"\n");
        assertThat(home.warnings()).containsExactly("router.toml: inside.address: warning: 192.168.1.0/24 is not"
                + " within 100.64.0.0/10, the shared address space RFC 6598 sets aside for the subscribers behind a"
                + " CGN (profile \"cgn\")");
        LoadedConfig isp = ConfigLoader.parse(MINIMAL.replace("192.168.1.1/24", "100.64.0.1/16")
                + "[nat]\nprofile = \"cgn\"\n", "router.toml");
        assertThat(isp.warnings()).isEmpty();
        assertThat(isp.config().nat().filtering()).isEqualTo(Behavior.ENDPOINT_INDEPENDENT);
        assertThat(isp.config().nat().maxSessionsPerHost()).isEqualTo(4096);
    }

    @Test
    void anyKeyInTheFileOverridesTheProfile() throws ConfigException {
        LoadedConfig loaded = load("[nat]\nprofile = \"full-cone\"\nfiltering = \"address-dependent\"\n\n"
                + "[nat.tcp]\nmapping = \"address-and-port-dependent\"\n");
        NatConfig nat = loaded.config().nat();
        assertThat(nat.filtering()).isEqualTo(Behavior.ADDRESS_DEPENDENT);
        assertThat(nat.mapping()).isEqualTo(Behavior.ENDPOINT_INDEPENDENT);
        assertThat(nat.tcp()).isEqualTo(new NatConfig.ProtocolBehavior(Behavior.ADDRESS_AND_PORT_DEPENDENT,
                Behavior.ADDRESS_DEPENDENT, false));
        Origins origins = loaded.origins();
        assertThat(origins.of("nat.profile")).isEqualTo("router.toml:10");
        assertThat(origins.of("nat.mapping")).isEqualTo("profile full-cone");
        assertThat(origins.of("nat.filtering")).isEqualTo("router.toml:11");
        assertThat(origins.of("nat.ports")).isEqualTo("default");
        assertThat(origins.of("nat.tcp.mapping")).isEqualTo("router.toml:14");
        assertThat(origins.of("nat.tcp.filtering")).isEqualTo("router.toml:11 (nat.filtering)");
        assertThat(origins.of("nat.udp.mapping")).isEqualTo("profile full-cone (nat.mapping)");
    }

    @Test
    void aProfilesValueAtOddsWithTheFileNamesTheProfile() {
        assertThatThrownBy(() -> load("[nat]\nprofile = \"cgn\"\n\n[nat.timeouts]\nudp = \"5m\"\n\n[nat.udp]\n"
                + "timeout = \"6m\"\n"))
                .hasMessage("router.toml:16: nat.udp.timeout: also set as nat.timeouts.udp at line 13; set it in one"
                        + " place");
        assertThatThrownBy(() -> load("[nat]\nprofile = \"cone\"\n"))
                .hasMessage("router.toml:10: nat.profile: expected one of \"full-cone\", \"restricted-cone\","
                        + " \"port-restricted-cone\", \"symmetric\", \"linux-masquerade\" or \"cgn\", got \"cone\"");
    }

    @Test
    void aProfilesQuotaFollowsASmallerTableDown() throws ConfigException {
        NatConfig nat = load("[nat]\nprofile = \"cgn\"\nmax-sessions = 1000\n").config().nat();
        assertThat(nat.maxSessionsPerHost()).isEqualTo(1000);
    }
}
