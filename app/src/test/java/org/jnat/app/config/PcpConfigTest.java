package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jnat.config.PcpConfig;
import org.jnat.config.RouterConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [pcp]}: the PCP and NAT-PMP server's keys, checked like every key (file:line:key). */
class PcpConfigTest {
    @TempDir
    Path dir;

    private Path config(String pcp) throws Exception {
        Path file = dir.resolve("router.toml");
        Files.writeString(file, BadConfigTest.MINIMAL + pcp);
        return file;
    }

    @Test
    void offByDefault() throws Exception {
        RouterConfig config = ConfigLoader.load(config(""));
        assertThat(config.pcp()).isEqualTo(PcpConfig.DEFAULT);
        assertThat(config.pcp().enabled()).isFalse();
        assertThat(config.pcp().maxLifetimeSeconds()).isEqualTo(7200);
        assertThat(EffectiveConfig.toToml(config)).contains("[pcp]\nenabled = false\nmax-lifetime = \"2h\"\n"
                + "max-mappings-per-host = 64\nallow-third-party = false\n");
    }

    @Test
    void everyKeyAndCheckPrintsThemBack() throws Exception {
        Path file = config("[pcp]\nenabled = true\nmax-lifetime = \"30m\"\nmax-mappings-per-host = 8\n"
                + "allow-third-party = true\n");
        RouterConfig config = ConfigLoader.load(file);
        assertThat(config.pcp()).isEqualTo(new PcpConfig(true, 1800, 8, true));
        Files.writeString(dir.resolve("effective.toml"), EffectiveConfig.toToml(config));
        assertThat(ConfigLoader.load(dir.resolve("effective.toml")).pcp()).isEqualTo(config.pcp());
    }

    @Test
    void badValuesNameTheFileTheLineAndTheKey() throws Exception {
        Path lifetime = config("[pcp]\nenabled = true\nmax-lifetime = \"500ms\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(lifetime)).hasMessage(lifetime
                + ":11: pcp.max-lifetime: expected a duration of at least \"1s\" like \"2h\" or \"30m\", got \"500ms\"");
        Path unquoted = config("[pcp]\nmax-lifetime = 7200\n");
        assertThatThrownBy(() -> ConfigLoader.load(unquoted)).hasMessageStartingWith(unquoted + ":10: pcp.max-lifetime: ");
        Path perHost = config("[pcp]\nmax-mappings-per-host = 0\n");
        assertThatThrownBy(() -> ConfigLoader.load(perHost)).hasMessage(perHost
                + ":10: pcp.max-mappings-per-host: expected an integer from 1 to 4096, got 0");
        Path enabled = config("[pcp]\nenabled = \"yes\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(enabled)).hasMessageStartingWith(enabled
                + ":10: pcp.enabled: expected true or false");
        Path misspelt = config("[pcp]\nallow-thirdparty = true\n");
        assertThatThrownBy(() -> ConfigLoader.load(misspelt)).hasMessageStartingWith(misspelt
                + ":10: pcp.allow-thirdparty: unknown key; did you mean \"allow-third-party\"?");
    }
}
