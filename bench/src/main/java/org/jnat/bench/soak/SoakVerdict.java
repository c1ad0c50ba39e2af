package org.jnat.bench.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The soak's verdict, a pure function of its samples, so that a test can show it failing on a
 * growing heap, sessions left over and an unexpected drop counter.
 *
 * <ul>
 *   <li>Memory flat: over the second half of the traffic (after warm-up: JIT, tables touched, the
 *       heap settled), the least-squares slope of the heap after a full GC, times that half's
 *       length, is under {@link #HEAP_GROWTH_LIMIT_MB}, and the same for the resident size under
 *       {@link #RSS_GROWTH_LIMIT_MB}. A leak of one object per packet or session grows far faster.</li>
 *   <li>Sessions back to zero once the traffic stopped and the timeouts ran.</li>
 *   <li>No drop counter rose but those the traffic is built to cause ({@code expectedDrops}, each
 *       no further than the counter that bounds it).</li>
 *   <li>jnat up at the end.</li>
 * </ul>
 */
record SoakVerdict(List<String> failures, List<String> findings) {
    static final double HEAP_GROWTH_LIMIT_MB = 8;
    static final double RSS_GROWTH_LIMIT_MB = 32;

    /** One sample: seconds since start, resident and post-GC heap in MiB, sessions in all. */
    record Sample(double seconds, double rssMb, double heapMb, long sessions) {
    }

    boolean passed() {
        return failures.isEmpty();
    }

    static SoakVerdict of(List<Sample> trafficSamples, long sessionsAtEnd, Map<String, Long> dropsBefore,
            Map<String, Long> dropsAfter, Map<String, String> expectedDrops, boolean jnatUp) {
        List<String> failures = new ArrayList<>();
        List<String> findings = new ArrayList<>();
        List<Sample> late = trafficSamples.subList(trafficSamples.size() / 2, trafficSamples.size());
        if (late.size() < 3) {
            failures.add("too few samples to judge memory (" + trafficSamples.size() + ")");
        } else {
            double span = late.getLast().seconds() - late.getFirst().seconds();
            double heapGrowth = slope(late, true) * span;
            double rssGrowth = slope(late, false) * span;
            findings.add(String.format(java.util.Locale.ROOT,
                    "over the second half (%.0f s): heap after GC %+.2f MiB (trend), RSS %+.2f MiB (trend)", span,
                    heapGrowth, rssGrowth));
            if (heapGrowth >= HEAP_GROWTH_LIMIT_MB) {
                failures.add(String.format(java.util.Locale.ROOT, "heap after GC grows: %+.2f MiB over the second half"
                        + " (limit %.0f)", heapGrowth, HEAP_GROWTH_LIMIT_MB));
            }
            if (rssGrowth >= RSS_GROWTH_LIMIT_MB) {
                failures.add(String.format(java.util.Locale.ROOT, "resident size grows: %+.2f MiB over the second half"
                        + " (limit %.0f)", rssGrowth, RSS_GROWTH_LIMIT_MB));
            }
        }
        if (sessionsAtEnd != 0) {
            failures.add(sessionsAtEnd + " sessions left after the traffic stopped and the timeouts ran");
        }
        for (Map.Entry<String, Long> e : dropsAfter.entrySet()) {
            long rose = e.getValue() - dropsBefore.getOrDefault(e.getKey(), 0L);
            if (rose > 0) {
                String bound = expectedDrops.get(e.getKey());
                long limit = bound == null ? 0 : dropsAfter.getOrDefault(bound, 0L) - dropsBefore.getOrDefault(bound, 0L);
                if (bound != null && rose <= limit) {
                    findings.add(e.getKey() + " +" + rose + " (expected under this traffic)");
                } else {
                    failures.add("unexpected drops: " + e.getKey() + " +" + rose
                            + (bound == null ? "" : " (more than " + bound + "'s +" + limit + ")"));
                }
            }
        }
        if (!jnatUp) {
            failures.add("jnat is not running at the end");
        }
        return new SoakVerdict(failures, findings);
    }

    /** Least-squares slope per second of the heap (or RSS) over {@code samples}. */
    static double slope(List<Sample> samples, boolean heap) {
        double n = samples.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (Sample s : samples) {
            double y = heap ? s.heapMb() : s.rssMb();
            sx += s.seconds();
            sy += y;
            sxx += s.seconds() * s.seconds();
            sxy += s.seconds() * y;
        }
        double d = n * sxx - sx * sx;
        return d == 0 ? 0 : (n * sxy - sx * sy) / d;
    }
}
