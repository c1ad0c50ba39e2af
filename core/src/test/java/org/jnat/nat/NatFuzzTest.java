package org.jnat.nat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz test of the NAT's properties ({@link NatProperties}): the input is a script of
 * packets from both sides, clock steps and host deletions under a configuration it also picks. A
 * plain {@code ./mvnw verify} replays the seeds in
 * {@code src/test/resources/org/jnat/nat/NatFuzzTestInputs/}; run with {@code JAZZER_FUZZ=1} to fuzz.
 */
class NatFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void natPropertiesHold(byte[] input) {
        NatProperties.run(input);
    }
}
