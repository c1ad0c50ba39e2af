package org.jnat.app.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.jnat.app.config.BadConfigTest;
import org.jnat.app.config.ConfigLoader;
import org.jnat.config.RouterConfig;
import org.jnat.testing.Requirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which differences a reload takes live and which it refuses, each by the file's name for the key. */
public class ConfigDiffTest {
    /** Sets every key a test changes, to values other than the defaults where it matters. */
    public static final String BASE = """
            [inside]
            device = "tap:jnat0"
            address = "192.168.1.1/24"
            mac = "02:6a:6e:00:00:01"
            mtu = 1500

            [outside]
            device = "tap:jnat1"
            address = "203.0.113.1/24"
            gateway = "203.0.113.254"

            [nat]
            timeouts = { udp = "5m", tcp-established = "2h4m", tcp-transitory = "4m", icmp = "60s" }
            hairpinning = true
            ports = "1024-65535"
            max-sessions-per-host = 512
            dmz = "192.168.1.50"
            max-sessions = 4096
            unmatched = "drop"

            [[forward]]
            to = "192.168.1.20:80"
            port = "8080"
            protocol = "tcp"

            [[neighbor]]
            address = "203.0.113.254"
            mac = "0a:00:00:00:00:fe"

            [admin]
            listen = "127.0.0.1:8080"
            token = "0123456789abcdef0123"

            [dataplane]
            busy-poll = "0s"
            udp-coalesce = true

            [pcp]
            enabled = true
            max-lifetime = "2h"
            max-mappings-per-host = 16
            allow-third-party = false
            """;

    static RouterConfig parse(String text) throws Exception {
        return ConfigLoader.parse(text, "router.toml").config();
    }

    static RouterConfig with(String from, String to) throws Exception {
        assertThat(BASE).contains(from);
        return parse(BASE.replace(from, to));
    }

    static Stream<Arguments> liveKeys() {
        return Stream.of(
                Arguments.of("max-sessions-per-host = 512", "max-sessions-per-host = 64",
                        "nat.max-sessions-per-host: 512 -> 64"),
                Arguments.of("hairpinning = true", "hairpinning = false", "nat.hairpinning: true -> false"),
                Arguments.of("unmatched = \"drop\"", "unmatched = \"reject\"", "nat.unmatched: drop -> reject"),
                Arguments.of("dmz = \"192.168.1.50\"", "dmz = \"192.168.1.51\"",
                        "nat.dmz: 192.168.1.50 -> 192.168.1.51"),
                Arguments.of("dmz = \"192.168.1.50\"", "", "nat.dmz: 192.168.1.50 -> none"),
                Arguments.of("udp = \"5m\"", "udp = \"10m\"", "nat.timeouts.udp: 5m -> 10m"),
                Arguments.of("tcp-established = \"2h4m\"", "tcp-established = \"3h\"",
                        "nat.timeouts.tcp-established: 2h4m -> 3h"),
                Arguments.of("tcp-transitory = \"4m\"", "tcp-transitory = \"5m\"",
                        "nat.timeouts.tcp-transitory: 4m -> 5m"),
                Arguments.of("icmp = \"60s\"", "icmp = \"2m\"", "nat.timeouts.icmp: 1m -> 2m"),
                Arguments.of("max-lifetime = \"2h\"", "max-lifetime = \"30s\"", "pcp.max-lifetime: 2h -> 30s"),
                Arguments.of("max-mappings-per-host = 16", "max-mappings-per-host = 4",
                        "pcp.max-mappings-per-host: 16 -> 4"),
                Arguments.of("allow-third-party = false", "allow-third-party = true",
                        "pcp.allow-third-party: false -> true"));
    }

    @ParameterizedTest
    @MethodSource("liveKeys")
    void aLiveKeyIsAChangeNotARefusal(String from, String to, String change) throws Exception {
        ConfigDiff diff = ConfigDiff.between(parse(BASE), with(from, to));
        assertThat(diff.refused()).isEmpty();
        assertThat(diff.refusal()).isNull();
        assertThat(diff.changes()).containsExactly(change);
    }

    static Stream<Arguments> refusedKeys() {
        return Stream.of(
                Arguments.of("device = \"tap:jnat0\"", "device = \"tap:jnat9\"", "inside.device"),
                Arguments.of("address = \"192.168.1.1/24\"", "address = \"192.168.1.2/24\"", "inside.address"),
                Arguments.of("mac = \"02:6a:6e:00:00:01\"", "mac = \"02:6a:6e:00:00:09\"", "inside.mac"),
                Arguments.of("mtu = 1500", "mtu = 1400", "inside.mtu"),
                Arguments.of("device = \"tap:jnat1\"", "device = \"tap:jnat8\"", "outside.device"),
                Arguments.of("address = \"203.0.113.1/24\"", "address = \"203.0.113.2/24\"", "outside.address"),
                Arguments.of("gateway = \"203.0.113.254\"", "gateway = \"203.0.113.253\"", "outside.gateway"),
                Arguments.of("ports = \"1024-65535\"", "ports = \"2048-65535\"", "nat.ports"),
                Arguments.of("max-sessions = 4096", "max-sessions = 8192", "nat.max-sessions"),
                Arguments.of("[nat]\n", "[nat]\nmapping = \"address-dependent\"\n", "nat.mapping"),
                Arguments.of("[nat]\n", "[nat]\nfiltering = \"endpoint-independent\"\n", "nat.filtering"),
                Arguments.of("[nat]\n", "[nat]\ninbound-refresh = true\n", "nat.inbound-refresh"),
                Arguments.of("mac = \"0a:00:00:00:00:fe\"", "mac = \"0a:00:00:00:00:fd\"", "neighbor"),
                Arguments.of("listen = \"127.0.0.1:8080\"", "listen = \"127.0.0.1:8081\"", "admin.listen"),
                Arguments.of("token = \"0123456789abcdef0123\"", "token = \"0123456789abcdef9999\"", "admin.token"),
                Arguments.of("busy-poll = \"0s\"", "busy-poll = \"100us\"", "dataplane.busy-poll"),
                Arguments.of("udp-coalesce = true", "udp-coalesce = false", "dataplane.udp-coalesce"),
                Arguments.of("[dataplane]\n", "[dataplane]\ncpu = 0\n", "dataplane.cpu"),
                Arguments.of("[dataplane]\n", "[dataplane]\nwarm-up = false\n", "dataplane.warm-up"),
                Arguments.of("[dataplane]\n", "[dataplane]\nrealtime-priority = 10\n", "dataplane.realtime-priority"),
                Arguments.of("enabled = true", "enabled = false", "pcp.enabled"),
                Arguments.of("[dataplane]\n", "[nat.udp]\nmapping = \"address-dependent\"\n\n[dataplane]\n",
                        "nat.udp.mapping"),
                Arguments.of("[dataplane]\n", "[nat.tcp]\nfiltering = \"endpoint-independent\"\n\n[dataplane]\n",
                        "nat.tcp.filtering"),
                Arguments.of("[dataplane]\n", "[nat.icmp]\ninbound-refresh = true\n\n[dataplane]\n",
                        "nat.icmp.inbound-refresh"));
    }

    @Test
    void aProtocolsTimeoutChangesLiveUnderItsTimeoutsName() throws Exception {
        RouterConfig running = with("udp = \"5m\", ", "");
        RouterConfig next = parse(BASE.replace("udp = \"5m\", ", "")
                .replace("[dataplane]\n", "[nat.udp]\ntimeout = \"10m\"\n\n[dataplane]\n"));
        ConfigDiff diff = ConfigDiff.between(running, next);
        assertThat(diff.refused()).isEmpty();
        assertThat(diff.changes()).containsExactly("nat.timeouts.udp: 5m -> 10m");
    }

    @Test
    void aProtocolTableSayingWhatNatSaysChangesNothingAndNatsChangeIsNamedOnce() throws Exception {
        RouterConfig running = parse(BASE);
        RouterConfig same = with("[dataplane]\n", "[nat.udp]\nmapping = \"endpoint-independent\"\n\n[dataplane]\n");
        assertThat(ConfigDiff.between(running, same).refused()).isEmpty();
        RouterConfig all = with("[nat]\n", "[nat]\nmapping = \"address-dependent\"\n");
        assertThat(ConfigDiff.between(running, all).refused()).containsExactly("nat.mapping");
    }

    @Requirement("RFC 4787 REQ-11")
    @ParameterizedTest
    @MethodSource("refusedKeys")
    void aKeyThatCannotChangeLiveIsRefusedByName(String from, String to, String key) throws Exception {
        ConfigDiff diff = ConfigDiff.between(parse(BASE), with(from, to));
        assertThat(diff.refused()).containsExactly(key);
        assertThat(diff.refusal()).isEqualTo(key + " cannot change while jnat runs; restart jnat to apply it"
                + " (nothing was changed)");
    }

    @Test
    void theSessionLogsFileIsOpenedOnceSoItCannotChange() throws Exception {
        String tmp = System.getProperty("java.io.tmpdir");
        RouterConfig a = parse(BASE + "\n[log]\nsessions = \"" + tmp + "/jnat-diff-a.jsonl\"\n");
        RouterConfig b = parse(BASE + "\n[log]\nsessions = \"" + tmp + "/jnat-diff-b.jsonl\"\n");
        assertThat(ConfigDiff.between(a, b).refused()).containsExactly("log.sessions");
        assertThat(ConfigDiff.between(parse(BASE), a).refused()).containsExactly("log.sessions");
        assertThat(ConfigDiff.between(a, a).refused()).isEmpty();
    }

    @Test
    void severalRefusedKeysAreAllNamedAndLiveOnesDoNotHideThem() throws Exception {
        RouterConfig next = parse(BASE.replace("ports = \"1024-65535\"", "ports = \"2048-65535\"")
                .replace("mtu = 1500", "mtu = 1400").replace("udp = \"5m\"", "udp = \"10m\"")
                .replace("[admin]\nlisten = \"127.0.0.1:8080\"\ntoken = \"0123456789abcdef0123\"\n", ""));
        ConfigDiff diff = ConfigDiff.between(parse(BASE), next);
        assertThat(diff.refused()).containsExactly("inside.mtu", "nat.ports", "admin");
        assertThat(diff.refusal()).isEqualTo("inside.mtu, nat.ports and admin cannot change while jnat runs; restart"
                + " jnat to apply them (nothing was changed)");
    }

    @Test
    void theSameFileChangesNothingAndForwardsAreNotItsBusiness() throws Exception {
        assertThat(ConfigDiff.between(parse(BASE), parse(BASE))).isEqualTo(new ConfigDiff(
                java.util.List.of(), java.util.List.of()));
        ConfigDiff diff = ConfigDiff.between(parse(BASE), with("port = \"8080\"", "port = \"9090\""));
        assertThat(diff.refused()).isEmpty();
        assertThat(diff.changes()).as("LiveForwards' job").isEmpty();
        assertThat(ConfigDiff.between(parse(BadConfigTest.MINIMAL), parse(BadConfigTest.MINIMAL)).refused()).isEmpty();
    }
}
