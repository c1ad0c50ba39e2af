package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;

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
        long checked = RouterProperties.STATS.transportChecked;
        long forwarded = RouterProperties.STATS.forwarded;
        for (int run = 0; run < 50; run++) {
            RouterProperties.neverThrowsNorBreaksABound(RouterProperties.of(random, 64, run % 2 == 1));
        }
        checked = RouterProperties.STATS.transportChecked - checked;
        forwarded = RouterProperties.STATS.forwarded - forwarded;
        System.out.printf("router properties: %d datagrams' transport checksums checked, %d TCP/UDP frames sent%n",
                checked, forwarded);
        assertThat(checked).as("whole datagrams whose transport checksums were checked").isPositive();
        assertThat(forwarded).as("TCP/UDP frames the router sent").isPositive();
    }
}
