package org.jnat.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz tests of the wire package. A plain {@code ./mvnw verify} runs them in regression
 * mode over the seeds in {@code src/test/resources/org/jnat/wire/WireFuzzTestInputs/} (plus an
 * empty input). To fuzz one of them for real, for its {@code maxDuration}:
 *
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw -o -pl core test -Dtest='WireFuzzTest#viewsAgreeWithTheirBytes' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>A finding is written beside the seeds as {@code crash-*}: rename it after what it found and
 * keep it as a regression seed. The generated corpus goes to {@code core/.cifuzz-corpus}; do not
 * commit it.
 */
class WireFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void viewsAgreeWithTheirBytes(byte[] input) {
        WireProperties.viewsAgreeWithTheirBytes(input);
    }

    @FuzzTest(maxDuration = "60s")
    void incrementalChecksumEqualsRecomputation(byte[] input) {
        WireProperties.incrementalEqualsRecomputation(input);
    }
}
