package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jnat.config.PcpConfig;
import org.jnat.config.RouterConfig;
import org.junit.jupiter.api.Test;

/** {@code [pcp]}: the PCP and NAT-PMP server's keys, checked like every key (file:line:key). */
class PcpConfigTest {
    private static RouterConfig load(String pcp) throws ConfigException {
        return ConfigLoader.parse(BadConfigTest.MINIMAL + pcp, "router.toml").config();
    }

    @Test
    void offByDefault() throws Exception {
        RouterConfig config = load("");
        assertThat(config.pcp()).isEqualTo(PcpConfig.DEFAULT);
        assertThat(config.pcp().enabled()).isFalse();
        assertThat(config.pcp().maxLifetimeSeconds()).isEqualTo(7200);
        assertThat(EffectiveConfig.toToml(config)).contains("[pcp]\nenabled = false\nmax-lifetime = \"2h\"\n"
                + "max-mappings-per-host = 64\nallow-third-party = false\n");
    }

    @Test
    void everyKeyAndCheckPrintsThemBack() throws Exception {
        RouterConfig config = load("[pcp]\nenabled = true\nmax-lifetime = \"30m\"\nmax-mappings-per-host = 8\n"
                + "allow-third-party = true\n");
        assertThat(config.pcp()).isEqualTo(new PcpConfig(true, 1800, 8, true));
        assertThat(ConfigLoader.parse(EffectiveConfig.toToml(config), "effective.toml").config().pcp())
                .isEqualTo(config.pcp());
    }

    @Test
    void badValuesNameTheFileTheLineAndTheKey() {
        assertThatThrownBy(() -> load("[pcp]\nenabled = true\nmax-lifetime = \"500ms\"\n")).hasMessage(
                "router.toml:11: pcp.max-lifetime: expected a duration of at least \"1s\" like \"2h\" or \"30m\", got \"500ms\"");
        assertThatThrownBy(() -> load("[pcp]\nmax-lifetime = 7200\n"))
                .hasMessageStartingWith("router.toml:10: pcp.max-lifetime: ");
        assertThatThrownBy(() -> load("[pcp]\nmax-mappings-per-host = 0\n"))
                .hasMessage("router.toml:10: pcp.max-mappings-per-host: expected an integer from 1 to 4096, got 0");
        assertThatThrownBy(() -> load("[pcp]\nenabled = \"yes\"\n"))
                .hasMessageStartingWith("router.toml:10: pcp.enabled: expected true or false");
        assertThatThrownBy(() -> load("[pcp]\nallow-thirdparty = true\n"))
                .hasMessageStartingWith("router.toml:10: pcp.allow-thirdparty: unknown key; did you mean \"allow-third-party\"?");
    }
}
