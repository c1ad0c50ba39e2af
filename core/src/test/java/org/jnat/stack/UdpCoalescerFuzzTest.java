package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Jazzer property test of UDP coalescing ({@link UdpCoalescerProperties}): coalesce, then segment
 * as the kernel does, gives back the datagrams offered. {@code ./mvnw verify} runs it in regression
 * mode over the seeds in {@code src/test/resources/org/jnat/stack/UdpCoalescerFuzzTestInputs/}, and
 * the seeded run below covers more ground on every build. To fuzz for real:
 *
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw -o -pl core test -Dtest='UdpCoalescerFuzzTest#coalesceThenSegmentIsTheIdentity' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class UdpCoalescerFuzzTest {
    private final UdpCoalescerProperties properties = new UdpCoalescerProperties();

    @FuzzTest(maxDuration = "60s")
    void coalesceThenSegmentIsTheIdentity(byte[] input) {
        properties.check(input);
    }

    @Test
    void seededRandomSequencesComeBackWhole() {
        Random random = new Random(20261125);
        byte[] input = new byte[3 + 80 * 5];
        for (int i = 0; i < 400; i++) {
            random.nextBytes(input);
            properties.check(input);
        }
        assertThat(properties.superPackets()).isGreaterThan(100);
    }
}
