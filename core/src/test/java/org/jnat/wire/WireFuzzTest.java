package org.jnat.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz tests of the wire package. A plain {@code ./mvnw verify} runs them in regression
 * mode over the seeds in {@code src/test/resources/org/jnat/wire/WireFuzzTestInputs/}; to fuzz,
 * run with {@code JAZZER_FUZZ=1} (see the README of the core module's tests).
 */
class WireFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void viewsNeverThrow(byte[] input) {
        WireProperties.viewsNeverThrow(input);
    }

    @FuzzTest(maxDuration = "60s")
    void incrementalChecksumEqualsRecomputation(byte[] input) {
        WireProperties.incrementalEqualsRecomputation(input);
    }
}
