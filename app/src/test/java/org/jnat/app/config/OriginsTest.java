package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The list `jnat check` prints after the effective config: every key, its value and where it came from. */
class OriginsTest {
    @Test
    void everyKeyOfTheEffectiveConfigIsListedWithItsOrigin() throws ConfigException {
        LoadedConfig loaded = ConfigLoader.parse(BadConfigTest.MINIMAL + """
                [nat]
                profile = "symmetric"
                hairpinning = false

                [nat.udp]
                timeout = "7m"

                [[forward]]
                protocol = "udp"
                port = "5000"
                to = "192.168.1.20"
                """, "router.toml");
        String effective = EffectiveConfig.toToml(loaded.config(), false, loaded.origins());
        String report = loaded.origins().report(effective);
        assertThat(report).startsWith("# Where each value comes from (file:line, profile NAME, or default):\n")
                .contains(line("inside.device", "\"tap:jnat0\"", "router.toml:2"))
                .contains(line("inside.mtu", "1500", "default"))
                .contains(line("nat.profile", "\"symmetric\"", "router.toml:10"))
                .contains(line("nat.mapping", "\"address-and-port-dependent\"", "profile symmetric"))
                .contains(line("nat.hairpinning", "false", "router.toml:11"))
                .contains(line("nat.timeouts.udp", "\"7m\"", "router.toml:14"))
                .contains(line("nat.timeouts.icmp", "\"1m\"", "default"))
                .contains(line("nat.udp.mapping", "\"address-and-port-dependent\"", "profile symmetric (nat.mapping)"))
                .contains(line("forward.1.port", "\"5000\"", "router.toml:18"))
                .contains(line("dataplane.udp-coalesce", "true", "default"));
        // Comments only: the whole output of check still loads to the same config.
        assertThat(ConfigLoader.parse(effective + "\n" + report, "e.toml").config()).isEqualTo(loaded.config());
        for (String line : report.split("\n")) {
            assertThat(line).startsWith("#");
        }
    }

    private static String line(String key, String value, String origin) {
        return String.format("#   %-34s %-30s %s%n", key, value, origin).replace(System.lineSeparator(), "\n");
    }
}
