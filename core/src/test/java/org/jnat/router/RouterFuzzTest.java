package org.jnat.router;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Jazzer fuzz test of the whole router. {@code ./mvnw verify} runs it in regression mode over the
 * seeds in {@code src/test/resources/org/jnat/router/RouterFuzzTestInputs/}; to fuzz, run with
 * {@code JAZZER_FUZZ=1}. A seeded random run of the same property keeps it exercised in every build.
 */
class RouterFuzzTest {
    @FuzzTest(maxDuration = "120s")
    void arbitraryFramesNeverThrowNorBreakABound(FuzzedDataProvider data) {
        RouterProperties.neverThrowsNorBreaksABound(RouterProperties.of(data));
    }

    @Test
    void seededRandomRuns() {
        Random random = new Random(0x6a6e6174L);
        for (int run = 0; run < 25; run++) {
            RouterProperties.neverThrowsNorBreaksABound(RouterProperties.of(random, 64));
        }
    }
}
