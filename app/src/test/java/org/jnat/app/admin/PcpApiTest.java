package org.jnat.app.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jnat.app.config.ConfigLoader;
import org.jnat.app.config.Origins;
import org.jnat.app.control.ConfigDiffTest;
import org.jnat.app.control.Reloader;
import org.jnat.config.RouterConfig;
import org.jnat.nat.NatEngine;
import org.jnat.pcp.PcpServer;
import org.jnat.runtime.ControlQueue;
import org.jnat.runtime.Counters;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.NatPmpMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PCP mappings through the admin API: listed by {@code GET /api/v1/forwards} with source "pcp" and
 * their time left; a reload changes {@code [pcp]}'s limits live, keeps the mappings, and refuses
 * {@code pcp.enabled}. Over a real NAT engine and PCP server whose control queue is drained on the
 * caller's thread (as the data-plane thread would).
 */
class PcpApiTest {
    static final String TOKEN = "0123456789abcdef0123"; // ConfigDiffTest.BASE's
    static final int HOST = Ipv4Address.parse("192.168.1.10");

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ControlQueue control = new ControlQueue();
    private Path file;
    private PcpServer pcp;
    private AdminServer server;
    private String base;
    private long now = 1_000_000_000L;

    @BeforeEach
    void start() throws Exception {
        file = dir.resolve("router.toml");
        Files.writeString(file, ConfigDiffTest.BASE);
        RouterConfig config = ConfigLoader.load(file);
        NatEngine nat = NatEngine.of(config, counters, 1);
        pcp = PcpServer.of(config, nat.table(), counters);
        pcp.start(now);
        control.wakeUp(() -> {
            synchronized (control) { // one consumer at a time, as the one data-plane thread
                control.drain(now, ControlQueue.CAPACITY);
            }
        });
        Reloader reloader = new Reloader(file, config, new Origins(), control, nat, pcp);
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0),
                AdminApi.routes(reloader, counters, AdminServerTest.status(), new DataPlane(control, nat, pcp)));
        base = "http://127.0.0.1:" + server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + TOKEN).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A NAT-PMP TCP mapping request from {@link #HOST}, answered on the data-plane thread: the granted lifetime. */
    private long map(int port, long lifetime) throws Exception {
        byte[] bytes = new byte[NatPmpMessage.MAP_RESPONSE_LENGTH];
        MemorySegment s = MemorySegment.ofArray(bytes);
        new NatPmpMessage().wrap(s, 0).request(NatPmpMessage.MAP_TCP, port, port, lifetime);
        int n = control.call(t -> pcp.answer(s, 0, NatPmpMessage.MAP_REQUEST_LENGTH, HOST, 5350, s, 0, now)).get();
        assertThat(n).isEqualTo(NatPmpMessage.MAP_RESPONSE_LENGTH);
        NatPmpMessage answer = new NatPmpMessage().wrap(s, 0);
        assertThat(answer.resultCode()).isZero();
        return answer.responseLifetime();
    }

    private JsonObject pcpEntry() throws Exception {
        HttpResponse<String> r = send("GET", "/api/v1/forwards");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonArray forwards = Json.parse(r.body()).getAsJsonObject().getAsJsonArray("forwards");
        for (var e : forwards) {
            if (e.getAsJsonObject().get("source").getAsString().equals("pcp")) {
                return e.getAsJsonObject();
            }
        }
        return null;
    }

    @Test
    void mappingsAreListedWithTheForwards() throws Exception {
        assertThat(pcpEntry()).isNull();
        assertThat(map(8123, 600)).isEqualTo(600);
        now += 100_000_000_000L; // 100 s later
        JsonObject e = pcpEntry();
        assertThat(e).isNotNull();
        assertThat(e.has("id")).isFalse();
        assertThat(e.get("protocol").getAsString()).isEqualTo("tcp");
        assertThat(e.get("port").getAsString()).isEqualTo("8123");
        assertThat(e.get("to").getAsString()).isEqualTo("192.168.1.10:8123");
        assertThat(e.get("lifetime_seconds").getAsLong()).isEqualTo(500);
        assertThat(e.get("by").getAsString()).isEqualTo("natpmp");
        assertThat(e.get("filters").getAsInt()).isZero();
        HttpResponse<String> metrics = send("GET", "/metrics");
        assertThat(metrics.body()).containsPattern("(?m)^jnat_pcp_mappings 1(\\.0)?$")
                .containsPattern("(?m)^jnat_natpmp_requests_total 1(\\.0)?$");
    }

    @Test
    void aReloadChangesTheLimitsLiveAndKeepsTheMappings() throws Exception {
        map(8123, 3600);
        Files.writeString(file, ConfigDiffTest.BASE.replace("max-lifetime = \"2h\"", "max-lifetime = \"30s\""));
        HttpResponse<String> r = send("POST", "/api/v1/reload");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("pcp.max-lifetime: 2h -> 30s");
        assertThat(pcpEntry()).as("the mapping survives the reload").isNotNull();
        assertThat(pcpEntry().get("lifetime_seconds").getAsLong()).isEqualTo(3600);
        assertThat(map(8124, 3600)).as("a new request gets the new max-lifetime").isEqualTo(30);

        Files.writeString(file, ConfigDiffTest.BASE.replace("enabled = true", "enabled = false"));
        HttpResponse<String> refused = send("POST", "/api/v1/reload");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("pcp.enabled cannot change while jnat runs").contains("\"field\":\"pcp.enabled\"");
    }
}
