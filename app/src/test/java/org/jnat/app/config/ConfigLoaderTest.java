package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jnat.config.AdminConfig;
import org.jnat.config.DataPlaneConfig;
import org.jnat.config.ForwardRule;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.NatConfig.Unmatched;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.config.Timeouts;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    /** Every key of DESIGN section 4, none at its default. */
    static final String FULL = """
            [inside]
            device  = "afpacket:eth1"
            address = "10.20.0.1/16"
            mac     = "02:6a:6e:00:00:01"
            mtu     = 9000

            [outside]
            device  = "tap:wan0"
            address = "198.51.100.2/31"     # RFC 3021 point-to-point link
            gateway = "198.51.100.3"
            mac     = "02-6A-6E-00-00-02"
            mtu     = 1492

            [nat]
            mapping   = "address-dependent"
            filtering = "endpoint-independent"
            ports     = "1024-60999"
            max-sessions          = 65536
            max-sessions-per-host = 512
            hairpinning = false
            unmatched   = "reject"
            dmz         = "10.20.3.4"
            inbound-refresh = true

            [nat.timeouts]
            udp = "10m"
            tcp-established = "24h"
            tcp-transitory  = "4m30s"
            icmp = "90s"

            [[forward]]
            protocol = "tcp"
            port     = "8080"
            to       = "10.20.0.20:80"

            [[forward]]
            protocol = "udp"
            port     = "5000-5010"
            to       = "10.20.0.21:6000"

            [[forward]]
            protocol = "udp"
            port     = 8080                 # the same number as the TCP forward: another protocol
            to       = "10.20.0.22"

            [[neighbor]]
            address = "198.51.100.3"
            mac     = "0a:00:00:00:00:fe"

            [[neighbor]]
            address = "10.20.0.20"
            mac     = "0a:00:00:00:00:20"

            [admin]
            listen = "[::1]:9090"

            [dataplane]
            busy-poll = "200us"
            realtime-priority = 10
            cpu = 1
            """;

    static final RouterConfig FULL_RECORDS = new RouterConfig(
            new InterfaceConfig("afpacket:eth1", Ipv4Address.parse("10.20.0.1"), 16,
                    MacAddress.parse("02:6a:6e:00:00:01"), 0, 9000),
            new InterfaceConfig("tap:wan0", Ipv4Address.parse("198.51.100.2"), 31,
                    MacAddress.parse("02:6a:6e:00:00:02"), Ipv4Address.parse("198.51.100.3"), 1492),
            NatConfig.defaults().withBehavior(Behavior.ADDRESS_DEPENDENT, Behavior.ENDPOINT_INDEPENDENT)
                    .withPorts(1024, 60999).withLimits(65536, 512).withHairpinning(false)
                    .withUnmatched(Unmatched.REJECT).withDmz(Ipv4Address.parse("10.20.3.4"))
                    .withTimeouts(new Timeouts(TimeUnit.MINUTES.toNanos(10), TimeUnit.HOURS.toNanos(24),
                            TimeUnit.SECONDS.toNanos(270), TimeUnit.SECONDS.toNanos(90)))
                    .withInboundRefresh(true),
            List.of(new ForwardRule(IpProtocol.TCP, 8080, 8080, Ipv4Address.parse("10.20.0.20"), 80),
                    new ForwardRule(IpProtocol.UDP, 5000, 5010, Ipv4Address.parse("10.20.0.21"), 6000),
                    new ForwardRule(IpProtocol.UDP, 8080, 8080, Ipv4Address.parse("10.20.0.22"), 0)),
            List.of(new StaticNeighbor(Ipv4Address.parse("198.51.100.3"), MacAddress.parse("0a:00:00:00:00:fe")),
                    new StaticNeighbor(Ipv4Address.parse("10.20.0.20"), MacAddress.parse("0a:00:00:00:00:20"))),
            new AdminConfig("[::1]:9090"),
            DataPlaneConfig.DEFAULT.withBusyPoll(200_000).withRealtimePriority(10).withCpu(1),
            null, null, null);

    @Test
    void aFullFileLoadsToTheExpectedRecords() throws ConfigException {
        LoadedConfig loaded = ConfigLoader.parse(FULL, "full.toml");
        assertThat(loaded.config()).isEqualTo(FULL_RECORDS);
        assertThat(loaded.warnings()).isEmpty();
        assertThat(loaded.config().forwards().get(1).insidePort(5010)).isEqualTo(6010);
    }

    @Test
    void aMinimalFileGetsEveryDefault() throws ConfigException {
        RouterConfig config = ConfigLoader.parse(BadConfigTest.MINIMAL, "minimal.toml").config();
        assertThat(config).isEqualTo(new RouterConfig(
                new InterfaceConfig("tap:jnat0", Ipv4Address.parse("192.168.1.1"), 24, -1, 0, 1500),
                new InterfaceConfig("tap:jnat1", Ipv4Address.parse("203.0.113.1"), 24, -1,
                        Ipv4Address.parse("203.0.113.254"), 1500),
                NatConfig.defaults(), List.of(), List.of(), null, null, null, null, null));
        assertThat(config.admin()).as("no [admin]: the admin API is off").isNull();
        assertThat(config.nat().timeouts()).isEqualTo(Timeouts.defaults());
    }

    @Test
    void theExampleConfigLoads() throws ConfigException {
        Path example = Path.of("..", "docs", "router.example.toml");
        assertThat(example).exists();
        LoadedConfig loaded = ConfigLoader.loadWithWarnings(example);
        assertThat(loaded.warnings()).isEmpty();
        RouterConfig config = loaded.config();
        assertThat(config.inside().address()).isEqualTo(Ipv4Address.parse("192.168.1.1"));
        assertThat(config.outside().gateway()).isEqualTo(Ipv4Address.parse("203.0.113.254"));
        // The forward of the reference captures (core/src/test/resources/vectors/linux-nat/README.md).
        assertThat(config.forwards()).containsExactly(
                new ForwardRule(IpProtocol.TCP, 8080, 8080, Ipv4Address.parse("192.168.1.10"), 8000));
        assertThat(config.nat()).isEqualTo(NatConfig.defaults());
        assertThat(config.admin()).isEqualTo(new AdminConfig("127.0.0.1:8080"));
        assertThat(config.pcp()).isEqualTo(org.jnat.config.PcpConfig.DEFAULT);
    }

    @Test
    void theEffectiveConfigReadsBackToTheSameRecords() throws ConfigException {
        for (String toml : List.of(FULL, BadConfigTest.MINIMAL)) {
            RouterConfig config = ConfigLoader.parse(toml, "a.toml").config();
            String effective = EffectiveConfig.toToml(config);
            assertThat(ConfigLoader.parse(effective, "effective.toml").config()).isEqualTo(config);
        }
    }

    @Test
    void anAdminTokenComesInlineOrFromAFileBesideTheConfig() throws Exception {
        Path file = dir.resolve("router.toml");
        Files.writeString(dir.resolve("admin.token"), "  0123456789abcdef0123  \nsecond line ignored\n");
        Files.writeString(file, BadConfigTest.MINIMAL + "[admin]\nlisten = \"0.0.0.0:8080\"\ntoken-file = \"admin.token\"\n");
        RouterConfig fromFile = ConfigLoader.load(file);
        assertThat(fromFile.admin()).isEqualTo(new AdminConfig("0.0.0.0:8080", "0123456789abcdef0123", "admin.token"));
        assertThat(fromFile.admin().toString()).doesNotContain("0123456789abcdef0123");
        // The effective config names the file, never its content; it reads back to the same config.
        String effective = EffectiveConfig.toToml(fromFile);
        assertThat(effective).contains("token-file = \"admin.token\"\n").doesNotContain("0123456789abcdef0123");
        Files.writeString(dir.resolve("effective.toml"), effective);
        assertThat(ConfigLoader.load(dir.resolve("effective.toml"))).isEqualTo(fromFile);

        RouterConfig inline = ConfigLoader.parse(BadConfigTest.MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\n"
                + "token = \"0123456789abcdef0123\"\n", "a.toml").config();
        assertThat(inline.admin().token()).isEqualTo("0123456789abcdef0123");
        assertThat(EffectiveConfig.toToml(inline)).contains("token = \"0123456789abcdef0123\"\n");
        assertThat(EffectiveConfig.toToml(inline, true)).contains("# token is set (not shown).\n")
                .doesNotContain("0123456789abcdef0123");
        assertThat(ConfigLoader.parse(EffectiveConfig.toToml(inline), "e.toml").config()).isEqualTo(inline);
        Files.writeString(dir.resolve("empty.token"), "\n");
        Files.writeString(file, BadConfigTest.MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\ntoken-file = \"empty.token\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).hasMessage(file + ":11: admin.token-file: empty.token is empty;"
                + " write the token on its first line");
        Files.writeString(dir.resolve("huge.token"), "x".repeat(ConfigLoader.MAX_TOKEN_FILE + 1));
        Files.writeString(file, BadConfigTest.MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\ntoken-file = \"huge.token\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).hasMessage(file + ":11: admin.token-file: huge.token is larger"
                + " than 4096 bytes; a token file holds the token on its first line");
    }

    @Test
    void timeoutsBelowTheRfcMinimumsLoadWithAWarningEach() throws ConfigException {
        LoadedConfig loaded = ConfigLoader.parse(BadConfigTest.MINIMAL + """
                [nat.timeouts]
                udp = "30s"
                tcp-established = "1h"
                tcp-transitory = "1m"
                icmp = "500ms"
                """, "router.toml");
        assertThat(loaded.config().nat().timeouts()).isEqualTo(new Timeouts(TimeUnit.SECONDS.toNanos(30),
                TimeUnit.HOURS.toNanos(1), TimeUnit.MINUTES.toNanos(1), TimeUnit.MILLISECONDS.toNanos(500)));
        assertThat(loaded.warnings()).containsExactly(
                "router.toml:10: nat.timeouts.udp: warning: \"30s\" is below the 2m minimum of RFC 4787 REQ-5;"
                        + " UDP mappings may expire between keep-alives",
                "router.toml:11: nat.timeouts.tcp-established: warning: \"1h\" is below the 2h4m minimum of"
                        + " RFC 5382 REQ-5; idle TCP connections may be cut",
                "router.toml:12: nat.timeouts.tcp-transitory: warning: \"1m\" is below the 4m minimum of"
                        + " RFC 5382 REQ-5; connections being opened or closed may be cut",
                "router.toml:13: nat.timeouts.icmp: warning: \"500ms\" is below the 1m minimum of RFC 5508 REQ-2;"
                        + " slow ICMP queries may lose their replies");
    }

    @Test
    void realtimeChoosesWhenTheRealtimePriorityApplies() throws ConfigException {
        for (DataPlaneConfig.Realtime realtime : DataPlaneConfig.Realtime.values()) {
            String toml = BadConfigTest.MINIMAL + "[dataplane]\nrealtime-priority = 50\nrealtime = \""
                    + realtime.configName() + "\"\n";
            RouterConfig config = ConfigLoader.parse(toml, "r.toml").config();
            assertThat(config.dataPlane())
                    .isEqualTo(DataPlaneConfig.DEFAULT.withRealtimePriority(50).withRealtime(realtime));
            String effective = EffectiveConfig.toToml(config);
            assertThat(effective).contains("realtime = \"" + realtime.configName() + "\"");
            assertThat(ConfigLoader.parse(effective, "effective.toml").config()).isEqualTo(config);
        }
        RouterConfig unset = ConfigLoader.parse(BadConfigTest.MINIMAL + "[dataplane]\nrealtime-priority = 50\n",
                "r.toml").config();
        assertThat(unset.dataPlane().realtime()).isEqualTo(DataPlaneConfig.DEFAULT_REALTIME);
        assertThat(EffectiveConfig.toToml(unset))
                .contains("realtime = \"" + DataPlaneConfig.DEFAULT_REALTIME.configName() + "\"");
        assertThat(EffectiveConfig.toToml(ConfigLoader.parse(BadConfigTest.MINIMAL, "r.toml").config()))
                .as("no realtime-priority: nothing to choose").doesNotContain("realtime =");
    }

    @Test
    void theWarmUpIsOnUnlessTheFileTurnsItOff() throws ConfigException {
        assertThat(ConfigLoader.parse(BadConfigTest.MINIMAL, "r.toml").config().dataPlane().warmUp()).isTrue();
        RouterConfig off = ConfigLoader.parse(BadConfigTest.MINIMAL + "[dataplane]\nwarm-up = false\n", "r.toml")
                .config();
        assertThat(off.dataPlane()).isEqualTo(DataPlaneConfig.DEFAULT.withWarmUp(false));
        String effective = EffectiveConfig.toToml(off);
        assertThat(effective).contains("warm-up = false");
        assertThat(ConfigLoader.parse(effective, "effective.toml").config()).isEqualTo(off);
    }

    @Test
    void udpCoalesceIsOnUnlessTheFileTurnsItOff() throws ConfigException {
        assertThat(ConfigLoader.parse(BadConfigTest.MINIMAL, "r.toml").config().dataPlane().udpCoalesce()).isTrue();
        assertThat(ConfigLoader.parse(BadConfigTest.MINIMAL + "[dataplane]\ncpu = 1\n", "r.toml").config().dataPlane()
                .udpCoalesce()).isTrue();
        RouterConfig off = ConfigLoader.parse(BadConfigTest.MINIMAL + "[dataplane]\nudp-coalesce = false\n", "r.toml")
                .config();
        assertThat(off.dataPlane()).isEqualTo(DataPlaneConfig.DEFAULT.withUdpCoalesce(false));
        String effective = EffectiveConfig.toToml(off);
        assertThat(effective).contains("udp-coalesce = false");
        assertThat(ConfigLoader.parse(effective, "effective.toml").config()).isEqualTo(off);
    }

    @Test
    void thePerHostQuotaFollowsASmallerTableWhenUnset() throws ConfigException {
        RouterConfig config = ConfigLoader.parse(BadConfigTest.MINIMAL + "[nat]\nmax-sessions = 1000\n", "r.toml")
                .config();
        assertThat(config.nat().maxSessions()).isEqualTo(1000);
        assertThat(config.nat().maxSessionsPerHost()).isEqualTo(1000);
    }

    @Test
    void dottedKeysAndInlineTablesAreTheSameTables() throws ConfigException {
        RouterConfig config = ConfigLoader.parse("""
                inside = { device = "tap:jnat0", address = "192.168.1.1/24" }
                outside.device = "tap:jnat1"
                outside.address = "203.0.113.1/24"
                outside.gateway = "203.0.113.254"
                nat.timeouts.udp = "3m"
                forward = [ { protocol = "tcp", port = "22", to = "192.168.1.2" } ]
                """, "r.toml").config();
        assertThat(config.nat().timeouts().udpNanos()).isEqualTo(TimeUnit.MINUTES.toNanos(3));
        assertThat(config.forwards()).hasSize(1);
    }

    @Test
    void aMissingFileSaysSoInOneLine() {
        Path missing = dir.resolve("router.toml");
        assertThatThrownBy(() -> ConfigLoader.load(missing)).isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": no such file; check the path given to --config");
    }

    @Test
    void aDirectoryIsNotAConfigFile() {
        assertThatThrownBy(() -> ConfigLoader.load(dir)).isInstanceOf(ConfigException.class)
                .hasMessage(dir + ": is a directory, not a config file; give the path of the TOML file");
    }

    @Test
    void aFileThatIsNotUtf8IsRefused() throws IOException {
        Path file = dir.resolve("latin1.toml");
        Files.write(file, new byte[] {'#', ' ', (byte) 0xe9, '\n'});
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + ": is not UTF-8 text; save it as UTF-8 (TOML requires it)");
    }

    @Test
    void errorsNameTheFileAsGiven() throws IOException {
        Path file = dir.resolve("router.toml");
        Files.writeString(file, BadConfigTest.MINIMAL + "[nat]\nmapping = \"full-cone\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ":10: nat.mapping: expected");
    }

    @Test
    void theFirstMisspeltKeyInFileOrderIsReported() {
        assertThatThrownBy(() -> ConfigLoader.parse(BadConfigTest.MINIMAL + """
                [nat]
                maping = "endpoint-independent"
                [admin]
                lisen = "127.0.0.1:8080"
                """, "router.toml")).hasMessage("router.toml:10: nat.maping: unknown key; did you mean \"mapping\"?");
    }
}
