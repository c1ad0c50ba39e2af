package org.jnat.app.admin;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jnat.runtime.Counters;

/**
 * Every jnat counter as a Prometheus counter, read from {@link Counters} at scrape time (on the
 * scraping thread, never on the data plane): {@code ipv4.dropped.bad_checksum} becomes
 * {@code jnat_ipv4_dropped_bad_checksum_total}, its description the HELP text.
 */
final class CountersCollector implements MultiCollector {
    private final Counters counters;

    CountersCollector(Counters counters) {
        this.counters = counters;
    }

    /**
     * Words of counter names that Prometheus tools misread: promtool takes a word "us" for
     * microseconds ("metric names should not contain abbreviated units"), and in jnat's counter
     * names it is the router ({@code ethernet.dropped.not_for_us}).
     */
    private static final Map<String, String> WORDS = Map.of("us", "router");

    /**
     * The metric's name without the {@code _total} the exposition adds: dots and dashes become
     * underscores, and each word of {@link #WORDS} its replacement.
     */
    static String metricName(String counter) {
        StringBuilder name = new StringBuilder("jnat");
        for (String word : counter.split("[^A-Za-z0-9]+")) {
            if (!word.isEmpty()) {
                name.append('_').append(WORDS.getOrDefault(word, word));
            }
        }
        return name.toString();
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, Long> e : counters.snapshot().entrySet()) {
            String name = metricName(e.getKey());
            if (!seen.add(name)) {
                continue; // "a.b" and "a_b" would be one metric twice, which no scraper accepts
            }
            String help = counters.description(e.getKey());
            out.add(CounterSnapshot.builder().name(name).help(help == null ? e.getKey() : help)
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(e.getValue()).build())
                    .build());
        }
        return new MetricSnapshots(out);
    }
}
