package org.jnat.pcp;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz test of the PCP and NAT-PMP server: any datagram, nothing throws, every answer is well
 * formed ({@link PcpProperties}). {@code ./mvnw verify} runs it over the seeds in
 * {@code src/test/resources/org/jnat/pcp/PcpFuzzTestInputs/}; {@code bench/fuzz PcpFuzzTest} fuzzes.
 */
class PcpFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void answersAreWellFormed(byte[] input) {
        PcpProperties.answersAreWellFormed(input);
    }
}
