package org.jnat.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The soak's verdict fails on each thing it guards against, and passes on a flat run. */
class SoakVerdictTest {
    private static final Map<String, String> EXPECTED = Soak.EXPECTED_DROPS;
    private static final String UNMATCHED = "jnat_nat_dropped_unmatched_total";
    private static final String TRANSLATOR = "jnat_translator_dropped_total";

    /** 60 samples 10 s apart: heap and RSS flat with noise, or growing by {@code mbPerHour}. */
    private static List<SoakVerdict.Sample> samples(double heapMbPerHour, double rssMbPerHour) {
        List<SoakVerdict.Sample> out = new ArrayList<>();
        for (int i = 0; i < 360; i++) {
            double t = 10.0 * (i + 1);
            double noise = (i % 3 - 1) * 0.4;
            out.add(new SoakVerdict.Sample(t, 300 + rssMbPerHour * t / 3600 + noise,
                    120 + heapMbPerHour * t / 3600 + noise, 180));
        }
        return out;
    }

    private static SoakVerdict judge(List<SoakVerdict.Sample> samples, long sessionsAtEnd, Map<String, Long> after) {
        return SoakVerdict.of(samples, sessionsAtEnd, Map.of(UNMATCHED, 10L, TRANSLATOR, 10L), after, EXPECTED, true);
    }

    @Test
    void aFlatRunPassesAndNamesTheExpectedDrops() {
        SoakVerdict v = judge(samples(0, 0), 0, Map.of(UNMATCHED, 3610L, TRANSLATOR, 3610L));
        assertThat(v.failures()).isEmpty();
        assertThat(v.findings()).anyMatch(f -> f.startsWith(UNMATCHED + " +3600"));
    }

    @Test
    void aGrowingHeapFails() {
        // 20 MiB an hour: 10 MiB over the second half, over the 8 MiB limit.
        SoakVerdict v = judge(samples(20, 0), 0, Map.of(UNMATCHED, 10L, TRANSLATOR, 10L));
        assertThat(v.failures()).singleElement().asString().startsWith("heap after GC grows");
    }

    @Test
    void aGrowingResidentSizeFails() {
        SoakVerdict v = judge(samples(0, 80), 0, Map.of(UNMATCHED, 10L, TRANSLATOR, 10L));
        assertThat(v.failures()).singleElement().asString().startsWith("resident size grows");
    }

    @Test
    void sessionsLeftOverFail() {
        SoakVerdict v = judge(samples(0, 0), 3, Map.of(UNMATCHED, 10L, TRANSLATOR, 10L));
        assertThat(v.failures()).containsExactly("3 sessions left after the traffic stopped and the timeouts ran");
    }

    @Test
    void anUnexpectedDropCounterFails() {
        Map<String, Long> after = Map.of(UNMATCHED, 10L, TRANSLATOR, 10L, "jnat_ipv4_dropped_bad_checksum_total", 1L);
        SoakVerdict v = judge(samples(0, 0), 0, after);
        assertThat(v.failures()).containsExactly("unexpected drops: jnat_ipv4_dropped_bad_checksum_total +1");
    }

    @Test
    void anExpectedCounterRisingFurtherThanItsBoundFails() {
        // The translator dropped more than the unmatched probes explain: something else was dropped.
        SoakVerdict v = judge(samples(0, 0), 0, Map.of(UNMATCHED, 110L, TRANSLATOR, 150L));
        assertThat(v.failures()).singleElement().asString()
                .startsWith("unexpected drops: " + TRANSLATOR + " +140 (more than " + UNMATCHED);
    }

    @Test
    void jnatDownFails() {
        SoakVerdict v = SoakVerdict.of(samples(0, 0), 0, Map.of(), Map.of(), EXPECTED, false);
        assertThat(v.failures()).containsExactly("jnat is not running at the end");
    }
}
