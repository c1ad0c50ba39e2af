package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jnat.config.PortAllocation;
import org.jnat.config.PortAllocation.Mode;
import org.jnat.config.RouterConfig;
import org.jnat.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

/** {@code [nat] port-allocation}, {@code port-stride}, {@code port-block-size}, {@code deterministic}. */
class PortAllocationKeysTest {
    private static PortAllocation load(String nat) throws ConfigException {
        return ConfigLoader.parse(BadConfigTest.MINIMAL + "[nat]\n" + nat, "r.toml").config().nat().allocation();
    }

    @Test
    void preserveIsTheDefault() throws ConfigException {
        assertThat(ConfigLoader.parse(BadConfigTest.MINIMAL, "r.toml").config().nat().allocation())
                .isEqualTo(PortAllocation.defaults());
    }

    @Test
    void everyModeLoadsAndReadsBackFromTheEffectiveConfig() throws ConfigException {
        assertThat(load("port-allocation = \"random\"\n")).isEqualTo(PortAllocation.of(Mode.RANDOM));
        assertThat(load("port-allocation = \"sequential\"\nport-stride = 2\n"))
                .isEqualTo(new PortAllocation(Mode.SEQUENTIAL, 2, 512, false, 0));
        assertThat(load("port-allocation = \"block\"\nport-block-size = 1000\ndeterministic = true\n"))
                .isEqualTo(new PortAllocation(Mode.BLOCK, 1, 1000, true, Ipv4Address.parse("192.168.1.0")));
        RouterConfig config = ConfigLoader.parse(BadConfigTest.MINIMAL
                + "[nat]\nports = \"1024-65535\"\nport-allocation = \"block\"\nport-block-size = 256\n"
                + "deterministic = true\n", "r.toml").config();
        assertThat(ConfigLoader.parse(EffectiveConfig.toToml(config), "e.toml").config()).isEqualTo(config);
    }

    @Test
    void keysOfAnotherModeLoadWithAWarning() throws ConfigException {
        LoadedConfig loaded = ConfigLoader.parse(BadConfigTest.MINIMAL + "[nat]\nport-stride = 4\n", "r.toml");
        assertThat(loaded.warnings()).containsExactly(
                "r.toml:10: nat.port-stride: warning: has no effect unless port-allocation = \"sequential\"");
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> load("port-allocation = \"linear\"\n")).hasMessage(
                "r.toml:10: nat.port-allocation: expected \"preserve\", \"random\", \"sequential\" or \"block\","
                        + " got \"linear\"");
        assertThatThrownBy(() -> load("ports = \"2000-2099\"\nport-allocation = \"block\"\nport-block-size = 101\n"))
                .hasMessage("r.toml:12: nat.port-block-size: expected at most the 100 ports of the range 2000-2099,"
                        + " got 101");
        assertThatThrownBy(() -> load("port-allocation = \"sequential\"\nport-stride = 0\n"))
                .hasMessageStartingWith("r.toml:11: nat.port-stride: expected an integer from 1 to 65535");
        assertThatThrownBy(() -> load("deterministic = \"yes\"\n"))
                .hasMessageStartingWith("r.toml:10: nat.deterministic:");
    }
}
