package org.jnat.app.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jnat.runtime.Counters;
import org.jnat.testing.Requirement;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code /metrics}: every counter as {@code jnat_..._total} with its HELP, accepted by promtool. */
public class MetricsEndpointTest {

    /** The exposition of {@code counters}, as a scrape gets it. */
    static String scrape(Counters counters) throws ApiException {
        Response r = new MetricsEndpoint(counters).handle(new Request("GET", "/metrics", Map.of(), null, true,
                InputStream.nullInputStream()));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain; version=0.0.4");
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static Counters someCounters() {
        Counters counters = new Counters();
        counters.add(counters.register("ipv4.forwarded", "IPv4 datagrams forwarded"), 7);
        counters.register("dataplane.rounds", "rounds of the data-plane loop");
        counters.add(counters.register("tap.jnat-0.rx_frames", "frames read from jnat-0"), 3);
        counters.register("ethernet.dropped.not_for_us", "frames for another MAC");
        counters.register("odd.help", "a \"quoted\" description with a back\\slash and a\nsecond line");
        return counters;
    }

    @Requirement("RFC 6888 REQ-10")
    @Test
    void everyCounterIsAPrometheusCounterWithItsDescription() throws Exception {
        String text = scrape(someCounters());
        assertThat(text).contains("# HELP jnat_ipv4_forwarded_total IPv4 datagrams forwarded\n")
                .contains("# TYPE jnat_ipv4_forwarded_total counter\n")
                .contains("jnat_ipv4_forwarded_total 7.0\n")
                .contains("jnat_dataplane_rounds_total 0.0\n")
                .contains("jnat_tap_jnat_0_rx_frames_total 3.0\n")
                .as("promtool reads a word \"us\" as microseconds").contains("jnat_ethernet_dropped_not_for_router_total 0.0\n")
                .contains("# HELP jnat_odd_help_total a \"quoted\" description with a back\\\\slash and a\\nsecond line\n");
    }

    @Test
    void aScrapeReadsTheCountersAsTheyAreThen() throws Exception {
        Counters counters = new Counters();
        int slot = counters.register("nat.translated.outbound", "packets translated inside to outside");
        assertThat(scrape(counters)).contains("jnat_nat_translated_outbound_total 0.0\n");
        counters.add(slot, 5);
        assertThat(scrape(counters)).contains("jnat_nat_translated_outbound_total 5.0\n");
    }

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        assertPromtoolAccepts(scrape(someCounters()));
    }

    /** Runs {@code promtool check metrics} on {@code exposition}; skips, saying so, without promtool. */
    public static void assertPromtoolAccepts(String exposition) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            System.out.println("SKIPPED promtool check: /usr/bin/promtool is missing (.ci/run installs Debian's"
                    + " prometheus, which ships it)");
        }
        Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool is missing");
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool says:\n" + out + "\nabout:\n" + exposition).isZero();
        assertThat(out.strip()).as(out).isEmpty();
    }
}
