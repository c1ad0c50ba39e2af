package org.jnat.app.config;

import org.jnat.config.NatConfig;
import org.jnat.nat.LinuxNatReplayTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The linux-masquerade profile does what the kernel's masquerade rule did: the engine, made from a
 * config that sets nothing but the addresses and the profile, forwards byte for byte what Linux
 * forwarded in every capture of shared/vectors/linux-nat (the differential replay of the core module).
 */
class LinuxMasqueradeProfileTest {
    static final String[] SCENARIOS = LinuxNatReplayTest.SCENARIOS;

    @ParameterizedTest
    @FieldSource("SCENARIOS")
    void theProfileForwardsWhatTheKernelForwarded(String scenario) throws ConfigException {
        NatConfig nat = ConfigLoader.parse(BadConfigTest.MINIMAL + """
                [nat]
                profile = "linux-masquerade"
                max-sessions = 4096
                """, "router.toml").config().nat();
        LinuxNatReplayTest.replay(scenario, nat);
    }
}
