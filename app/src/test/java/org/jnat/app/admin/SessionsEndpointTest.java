package org.jnat.app.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code GET} and {@code DELETE /api/v1/sessions} and the NAT's gauges in {@code /metrics}, over
 * real HTTP, against a real NAT engine whose commands run on a data-plane thread of their own.
 */
class SessionsEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private LiveNat live;
    private String base;

    @BeforeEach
    void start() throws Exception {
        live = new LiveNat(AdminServerTest.config());
        base = "http://" + live.address;
        live.udp("192.168.1.10", 5000, "198.51.100.1", 53);
        live.udp("192.168.1.10", 5001, "198.51.100.2", 123);
        live.tcpSyn("192.168.1.11", 40000, "198.51.100.1", 443);
    }

    @AfterEach
    void stop() throws Exception {
        live.close();
    }

    HttpResponse<String> send(String method, String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).method(method,
                HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonObject getJson(String pathAndQuery) throws Exception {
        HttpResponse<String> r = send("GET", pathAndQuery, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(Response.JSON);
        return Json.parse(r.body()).getAsJsonObject();
    }

    static List<String> field(JsonObject listing, String key) {
        List<String> out = new ArrayList<>();
        for (var s : listing.getAsJsonArray("sessions")) {
            var v = s.getAsJsonObject().get(key);
            out.add(v.isJsonNull() ? null : v.getAsString());
        }
        return out;
    }

    @Test
    void listsEverySessionWithItsFields() throws Exception {
        JsonObject listing = getJson("/api/v1/sessions");
        assertThat(listing.get("total").getAsLong()).isEqualTo(3);
        JsonArray sessions = listing.getAsJsonArray("sessions");
        assertThat(sessions).hasSize(3);
        assertThat(field(listing, "inside")).containsExactlyInAnyOrder("192.168.1.10:5000", "192.168.1.10:5001",
                "192.168.1.11:40000");
        JsonObject tcp = null;
        for (var s : sessions) {
            if (s.getAsJsonObject().get("protocol").getAsString().equals("tcp")) {
                tcp = s.getAsJsonObject();
            }
        }
        assertThat(tcp).isNotNull();
        assertThat(tcp.get("outside").getAsString()).isEqualTo("203.0.113.1:40000");
        assertThat(tcp.get("remote").getAsString()).isEqualTo("198.51.100.1:443");
        assertThat(tcp.get("state").getAsString()).isEqualTo("SYN_SENT");
        assertThat(tcp.get("idle_seconds").getAsLong()).isZero();
        assertThat(tcp.get("expires_in_seconds").getAsLong()).as("the transitory timeout, 4 min").isEqualTo(240);
        assertThat(tcp.keySet()).as("no per-session traffic: it costs the packet path")
                .containsExactly("protocol", "inside", "outside", "remote", "state", "idle_seconds", "expires_in_seconds");
        assertThat(field(listing, "state")).containsOnlyOnce("SYN_SENT").containsNull();
    }

    @Test
    void filtersAndTheLimitKeepTheTotalOfAllMatches() throws Exception {
        assertThat(field(getJson("/api/v1/sessions?host=192.168.1.10"), "remote"))
                .containsExactlyInAnyOrder("198.51.100.1:53", "198.51.100.2:123");
        assertThat(field(getJson("/api/v1/sessions?protocol=TCP"), "inside")).containsExactly("192.168.1.11:40000");
        assertThat(field(getJson("/api/v1/sessions?port=53"), "inside")).containsExactly("192.168.1.10:5000");
        assertThat(field(getJson("/api/v1/sessions?port=5001&protocol=udp&host=192.168.1.10"), "remote"))
                .containsExactly("198.51.100.2:123");
        assertThat(getJson("/api/v1/sessions?host=192.168.1.99").getAsJsonArray("sessions")).isEmpty();
        JsonObject limited = getJson("/api/v1/sessions?limit=1");
        assertThat(limited.getAsJsonArray("sessions")).hasSize(1);
        assertThat(limited.get("total").getAsLong()).isEqualTo(3);
        JsonObject limitedFiltered = getJson("/api/v1/sessions?limit=1&host=192.168.1.10");
        assertThat(limitedFiltered.getAsJsonArray("sessions")).hasSize(1);
        assertThat(limitedFiltered.get("total").getAsLong()).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource({"host=192.168.1, host", "host=0.0.0.0, host", "protocol=sctp, protocol", "port=65536, port",
            "port=x, port", "limit=0, limit", "limit=-5, limit", "sort=inside, sort", "host=1.2.3.4&host=1.2.3.5, host"})
    void eachBadParameterIsA400NamingIt(String query, String field) throws Exception {
        HttpResponse<String> r = send("GET", "/api/v1/sessions?" + query, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonObject error = Json.parse(r.body()).getAsJsonObject();
        assertThat(error.get("field").getAsString()).isEqualTo(field);
        assertThat(error.get("error").getAsString()).isNotBlank();
        assertThat(getJson("/api/v1/sessions").get("total").getAsLong()).as("the server goes on").isEqualTo(3);
    }

    @Test
    void flushingAHostNeedsTheTokenAndRemovesOnlyItsSessions() throws Exception {
        HttpResponse<String> anonymous = send("DELETE", "/api/v1/sessions?host=192.168.1.10", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(send("DELETE", "/api/v1/sessions?host=192.168.1.10", "wrong").statusCode()).isEqualTo(401);
        assertThat(getJson("/api/v1/sessions").get("total").getAsLong()).isEqualTo(3);

        HttpResponse<String> noHost = send("DELETE", "/api/v1/sessions", AdminServerTest.TOKEN);
        assertThat(noHost.statusCode()).isEqualTo(400);
        assertThat(Json.parse(noHost.body()).getAsJsonObject().get("field").getAsString()).isEqualTo("host");
        HttpResponse<String> badHost = send("DELETE", "/api/v1/sessions?host=nope", AdminServerTest.TOKEN);
        assertThat(badHost.statusCode()).isEqualTo(400);

        HttpResponse<String> r = send("DELETE", "/api/v1/sessions?host=192.168.1.10", AdminServerTest.TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.parse(r.body()).getAsJsonObject().get("removed").getAsLong()).isEqualTo(2);
        assertThat(field(getJson("/api/v1/sessions"), "inside")).containsExactly("192.168.1.11:40000");
        r = send("DELETE", "/api/v1/sessions?host=192.168.1.10", AdminServerTest.TOKEN);
        assertThat(Json.parse(r.body()).getAsJsonObject().get("removed").getAsLong()).isZero();
    }

    @Test
    void manyClientsListAtOnce() throws Exception {
        for (int i = 0; i < 2000; i++) {
            live.udp("192.168.2." + (1 + i % 200), 10000 + i, "198.51.100.7", 9);
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Long>> totals = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                totals.add(pool.submit(() -> getJson("/api/v1/sessions?limit=100000").get("total").getAsLong()));
            }
            for (Future<Long> f : totals) {
                assertThat(f.get()).isEqualTo(2003);
            }
        }
    }

    @Test
    void metricsGiveTheNatsGauges() throws Exception {
        HttpResponse<String> r = send("GET", "/metrics", null);
        assertThat(r.statusCode()).isEqualTo(200);
        String text = r.body();
        assertThat(text).contains("jnat_sessions{protocol=\"udp\"} 2.0\n")
                .contains("jnat_sessions{protocol=\"tcp\"} 1.0\n")
                .contains("jnat_sessions{protocol=\"icmp\"} 0.0\n")
                .contains("jnat_tcp_sessions{state=\"syn_sent\"} 1.0\n")
                .contains("jnat_tcp_sessions{state=\"established\"} 0.0\n")
                .contains("jnat_sessions_max 1048576.0\n")
                .contains("jnat_inside_hosts 2.0\n")
                .contains("jnat_ports_in_use{protocol=\"udp\"} 2.0\n")
                .contains("jnat_ports_in_use{protocol=\"tcp\"} 1.0\n")
                .contains("jnat_port_range_size{protocol=\"udp\"} ")
                .contains("jnat_host_sessions{host=\"192.168.1.10\"} 2.0\n")
                .contains("jnat_host_sessions{host=\"192.168.1.11\"} 1.0\n")
                .contains("# TYPE jnat_control_longest_command_seconds gauge\n")
                .contains("# TYPE jnat_control_longest_round_seconds gauge\n")
                .contains("# TYPE jnat_control_command_seconds histogram\n")
                // Some command was timed (the +Inf bucket counts them all; a bucket of 1 ms would make
                // the test depend on how busy the machine is).
                .containsPattern("(?m)^jnat_control_command_seconds_bucket\\{le=\"\\+Inf\"\\} [1-9]")
                .containsPattern("(?m)^jnat_control_command_seconds_count [1-9]");
        MetricsEndpointTest.assertPromtoolAccepts(text);
    }
}
