package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Jazzer fuzz test of software GSO and checksum completion ({@link OffloadProperties}). A plain
 * {@code ./mvnw verify} runs it in regression mode over the seeds in
 * {@code src/test/resources/org/jnat/stack/OffloadFuzzTestInputs/}, and the seeded run below covers
 * more ground on every build. To fuzz for real:
 *
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw -o -pl core test -Dtest='OffloadFuzzTest#segmentationKeepsItsProperties' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class OffloadFuzzTest {
    private final OffloadProperties properties = new OffloadProperties();

    @FuzzTest(maxDuration = "60s")
    void segmentationKeepsItsProperties(byte[] input) {
        properties.check(input);
    }

    @Test
    void seededSuperPacketsKeepTheProperties() {
        Random random = new Random(20261124);
        byte[] input = new byte[40];
        long segments = OffloadProperties.STATS.segmentsChecked;
        long fragments = OffloadProperties.STATS.fragmentsChecked;
        long datagrams = OffloadProperties.STATS.datagramsReassembled;
        for (int i = 0; i < 1500; i++) {
            random.nextBytes(input);
            properties.check(input);
        }
        segments = OffloadProperties.STATS.segmentsChecked - segments;
        fragments = OffloadProperties.STATS.fragmentsChecked - fragments;
        datagrams = OffloadProperties.STATS.datagramsReassembled - datagrams;
        System.out.printf("offload properties: %d segments' transport and payload checked, %d UFO fragments in %d "
                + "reassembled datagrams%n", segments, fragments, datagrams);
        assertThat(segments).as("TSO/USO segments whose transport and payload were checked").isPositive();
        assertThat(datagrams).as("UFO datagrams reassembled and checked").isPositive();
    }
}
