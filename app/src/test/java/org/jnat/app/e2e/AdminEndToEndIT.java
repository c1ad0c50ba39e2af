package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jnat.app.admin.Json;
import org.jnat.app.admin.MetricsEndpointTest;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Pcaps;
import org.jnat.testing.Tshark;
import org.jnat.wire.Ipv4Address;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The control plane of a real {@code jnat run} (TAP lab, DESIGN section 7) with an {@code [admin]}
 * table and {@code --capture}: the API and {@code jnat counters} see traffic that went through it,
 * promtool accepts its {@code /metrics}, a real Prometheus server scrapes it, and the capture holds
 * the ping on both sides. The admin API listens on loopback in namespace rt, so the clients
 * (curl, the CLI, Prometheus) run there too. Needs root; skips, saying why, otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminEndToEndIT {
    private static final Duration SHORT = Duration.ofSeconds(15);
    private static final String ADMIN = "127.0.0.1:9464";

    private Lab lab;
    private JnatProcess jnat;
    private Path work;

    @BeforeAll
    void startLabAndRouter() throws IOException {
        Labs.assumeLab(getClass(), "ping", "curl");
        work = Files.createTempDirectory("jnat-admin-e2e");
        lab = Lab.create(Lab.uniquePrefix("jm"), Lab.Mode.TAP);
        jnat = JnatProcess.start(lab, "reject", true, "\n[admin]\nlisten = \"" + ADMIN + "\"\n",
                List.of("--capture", work.resolve("capture").toString()));
        jnat.awaitLine("admin API listening on http://127.0.0.1:9464", 10_000);
        Shell.Result ping = lab.exec("cl", SHORT, "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.SV);
        assertThat(ping.exitCode()).as(ping.stdout() + ping.stderr()).isZero();
    }

    @AfterAll
    void tearDown() throws IOException {
        Labs.tearDown(jnat, lab, work);
    }

    /** {@code curl URL} in rt; the body. */
    private String curl(String url) {
        Shell.Result r = lab.exec("rt", SHORT, "curl", "-sS", "--max-time", "10", url);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout();
    }

    private long counter(String name) {
        JsonArray counters = Json.parse(curl("http://" + ADMIN + "/api/v1/counters")).getAsJsonObject()
                .getAsJsonArray("counters");
        for (var c : counters) {
            if (c.getAsJsonObject().get("name").getAsString().equals(name)) {
                return c.getAsJsonObject().get("value").getAsLong();
            }
        }
        throw new AssertionError("no counter " + name + " in " + counters);
    }

    @Test
    @Order(1)
    void theApiCountsThePingAndDescribesTheRouter() {
        assertThat(counter("inside.received")).isGreaterThanOrEqualTo(3);
        assertThat(counter("ipv4.forwarded")).isGreaterThanOrEqualTo(6);
        JsonObject status = Json.parse(curl("http://" + ADMIN + "/api/v1/status")).getAsJsonObject();
        assertThat(status.get("public_address").getAsString()).isEqualTo(Lab.RT_OUTSIDE);
        assertThat(status.getAsJsonArray("interfaces").get(0).getAsJsonObject().get("address").getAsString())
                .isEqualTo(Lab.RT_INSIDE + "/24");
        JsonObject config = Json.parse(curl("http://" + ADMIN + "/api/v1/config")).getAsJsonObject();
        assertThat(config.getAsJsonObject("nat").get("unmatched").getAsString()).isEqualTo("reject");
    }

    @Test
    @Order(2)
    void jnatCountersReadsTheLiveRouter() {
        Shell.Result r = lab.exec("rt", Duration.ofSeconds(60),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "org.jnat.app.Main", "counters", "--admin", ADMIN);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).startsWith("COUNTER").containsPattern("(?m)^inside\\.received +[1-9]\\d*$");
    }

    @Test
    @Order(3)
    void promtoolAcceptsTheLiveExposition() throws Exception {
        String metrics = curl("http://" + ADMIN + "/metrics");
        assertThat(metrics).containsPattern("(?m)^jnat_inside_received_total [1-9]")
                .containsPattern("(?m)^jnat_dataplane_rounds_total [1-9]");
        MetricsEndpointTest.assertPromtoolAccepts(metrics);
    }

    @Test
    @Order(4)
    void aPrometheusServerScrapesJnat() throws Exception {
        Path prometheus = Path.of("/usr/bin/prometheus");
        if (!Files.isExecutable(prometheus)) {
            System.out.println("SKIPPED " + getClass().getSimpleName() + ".aPrometheusServerScrapesJnat: "
                    + prometheus + " is missing (.ci/run installs Debian's prometheus)");
        }
        Assumptions.assumeTrue(Files.isExecutable(prometheus), "prometheus is missing");
        Path config = work.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: jnat
                    static_configs:
                      - targets: ['%s']
                """.formatted(ADMIN));
        lab.spawn("rt", prometheus.toString(), "--config.file=" + config, "--storage.tsdb.path=" + work.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:9090");
        String last = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Shell.Result r = lab.exec("rt", SHORT, "curl", "-sS", "--max-time", "5",
                    "http://127.0.0.1:9090/api/v1/query?query=jnat_inside_received_total");
            last = r.stdout() + r.stderr();
            if (r.exitCode() == 0 && r.stdout().startsWith("{")) {
                JsonArray result = Json.parse(r.stdout()).getAsJsonObject().getAsJsonObject("data")
                        .getAsJsonArray("result");
                if (!result.isEmpty()) {
                    double value = result.get(0).getAsJsonObject().getAsJsonArray("value").get(1).getAsDouble();
                    assertThat(value).as(r.stdout()).isGreaterThan(0);
                    System.out.println("AdminEndToEndIT: Prometheus scraped jnat_inside_received_total = " + value);
                    return;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("Prometheus never had jnat_inside_received_total within 60 s; last answer: " + last);
    }

    @Test
    @Order(5)
    void theCaptureHoldsThePingOnBothSides() throws Exception {
        assertThat(jnat.stop()).as(String.join("\n", jnat.output())).isZero();
        assertThat(jnat.output()).anyMatch(l -> l.contains("admin API stopped"));
        Path inside = work.resolve("capture/inside.pcap");
        Path outside = work.resolve("capture/outside.pcap");
        // Echo requests as cl sent them inside, and as jnat sent them outside (translated).
        assertThat(echoRequests(inside, Lab.CL)).isGreaterThanOrEqualTo(3);
        assertThat(echoRequests(outside, Lab.RT_OUTSIDE)).isGreaterThanOrEqualTo(3);
        if (Tshark.available()) {
            Tshark.Result r = Tshark.run("-r", outside.toString(), "-Y", "icmp.type == 8 && ip.dst == " + Lab.SV);
            assertThat(r.exitCode()).as(r.errors()).isZero();
            assertThat(r.lines()).as("tshark reads the capture").hasSizeGreaterThanOrEqualTo(3);
        } else {
            System.out.println("AdminEndToEndIT: tshark is missing; the capture was read with PcapReader only");
        }
    }

    private static long echoRequests(Path pcap, String source) {
        int src = Ipv4Address.parse(source);
        int dst = Ipv4Address.parse(Lab.SV);
        return Pcaps.frames(pcap).stream()
                .filter(f -> FrameFields.etherType(f) == 0x0800 && FrameFields.protocol(f) == 1)
                .filter(f -> FrameFields.ipSrc(f) == src && FrameFields.ipDst(f) == dst && FrameFields.icmpType(f) == 8)
                .count();
    }
}
