package org.jnat.app.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jnat.app.config.BadConfigTest;
import org.jnat.app.config.ConfigLoader;
import org.jnat.config.RouterConfig;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin server over real HTTP on loopback: the read endpoints, the routing answers (404, 405),
 * access (401), bad input (400 naming the field), failures inside an endpoint (500), garbage on
 * the socket, and many clients at once. Changes are exercised through a test route, the way the
 * sessions and forwards endpoints will plug in.
 */
class AdminServerTest {
    static final String TOKEN = "0123456789abcdef0123";

    private final Counters counters = new Counters();
    private final HttpClient http = HttpClient.newHttpClient();
    private AdminServer server;
    private String base;

    /** A config with a token, and the routes of {@link AdminApi} plus a test route that changes something. */
    @BeforeEach
    void start() throws Exception {
        int forwarded = counters.register("ipv4.forwarded", "IPv4 datagrams forwarded");
        counters.register("nat.dropped.no_session", "inbound packets with no session, dropped");
        counters.add(forwarded, 42);
        Routes routes = AdminApi.routes(config(), counters, status())
                .post("/api/v1/test/echo", request -> {
                    JsonObject body = request.jsonBody();
                    Request.acceptOnlyKeys(body, "protocol", "port");
                    return Response.json(201, new Echo(Request.stringField(body, "protocol", "\"tcp\""),
                            Request.stringField(body, "port", "\"8080\"")));
                })
                .get("/api/v1/test/fail", request -> {
                    throw new IllegalStateException("a bug");
                });
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), routes);
        base = "http://127.0.0.1:" + server.address().getPort();
    }

    /** The minimal config with {@code [admin]} on 127.0.0.1:8080 and {@link #TOKEN}. */
    static RouterConfig config() throws Exception {
        return ConfigLoader.parse(BadConfigTest.MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\n"
                + "token = \"" + TOKEN + "\"\n", "router.toml").config();
    }

    /** A router's status: version 9.9.9, tap:jnat0 and tap:jnat1, public address 203.0.113.1. */
    static RouterStatus status() {
        return new RouterStatus("9.9.9", "203.0.113.1", List.of(
                new RouterStatus.Interface("inside", "tap:jnat0", "02:6a:6e:00:00:01", "192.168.1.1/24", 1500, null),
                new RouterStatus.Interface("outside", "tap:jnat1", "02:6a:6e:00:00:02", "203.0.113.1/24", 1500,
                        "203.0.113.254")));
    }

    record Echo(String protocol, String port) {
    }

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject json(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Content-Type")).as(r.body()).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/json"));
        return Json.parse(r.body()).getAsJsonObject();
    }

    /** Asserts {@code {"error": "...", "field": field}} with {@code status}; returns the sentence. */
    private static String error(HttpResponse<String> r, int status, String field) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonObject body = json(r);
        if (field == null) {
            assertThat(body.has("field")).as(r.body()).isFalse();
        } else {
            assertThat(body.get("field").getAsString()).as(r.body()).isEqualTo(field);
        }
        return body.get("error").getAsString();
    }

    @Test
    void countersGivesNameValueAndDescription() throws Exception {
        HttpResponse<String> r = get("/api/v1/counters");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonArray list = json(r).getAsJsonArray("counters");
        assertThat(list).hasSize(2);
        JsonObject first = list.get(0).getAsJsonObject();
        assertThat(first.get("name").getAsString()).isEqualTo("ipv4.forwarded");
        assertThat(first.get("value").getAsLong()).isEqualTo(42);
        assertThat(first.get("description").getAsString()).isEqualTo("IPv4 datagrams forwarded");

        JsonArray nat = json(get("/api/v1/counters?prefix=nat.")).getAsJsonArray("counters");
        assertThat(nat).hasSize(1);
        assertThat(nat.get(0).getAsJsonObject().get("name").getAsString()).isEqualTo("nat.dropped.no_session");
    }

    @Test
    void configIsTheEffectiveConfigWithoutTheToken() throws Exception {
        HttpResponse<String> r = get("/api/v1/config");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonObject config = json(r);
        assertThat(config.getAsJsonObject("inside").get("device").getAsString()).isEqualTo("tap:jnat0");
        assertThat(config.getAsJsonObject("nat").get("mapping").getAsString()).isEqualTo("endpoint-independent");
        assertThat(config.getAsJsonObject("nat").getAsJsonObject("timeouts").get("udp").getAsString()).isEqualTo("5m");
        assertThat(config.getAsJsonObject("admin").get("listen").getAsString()).isEqualTo("127.0.0.1:8080");
        assertThat(r.body()).doesNotContain(TOKEN);
    }

    @Test
    void statusGivesInterfacesVersionAndUptime() throws Exception {
        JsonObject status = json(get("/api/v1/status"));
        assertThat(status.get("version").getAsString()).isEqualTo("9.9.9");
        assertThat(status.get("public_address").getAsString()).isEqualTo("203.0.113.1");
        assertThat(status.get("uptime_seconds").getAsLong()).isBetween(0L, 60L);
        JsonObject outside = status.getAsJsonArray("interfaces").get(1).getAsJsonObject();
        assertThat(outside.get("name").getAsString()).isEqualTo("outside");
        assertThat(outside.get("device").getAsString()).isEqualTo("tap:jnat1");
        assertThat(outside.get("mac").getAsString()).isEqualTo("02:6a:6e:00:00:02");
        assertThat(outside.get("address").getAsString()).isEqualTo("203.0.113.1/24");
        assertThat(outside.get("gateway").getAsString()).isEqualTo("203.0.113.254");
    }

    @Test
    void anUnknownPathIs404AndAWrongMethod405() throws Exception {
        assertThat(error(get("/api/v1/nope"), 404, null)).contains("/api/v1/nope").contains("/api/v1/counters");
        HttpResponse<String> r = post("/api/v1/counters", "{}", TOKEN);
        assertThat(error(r, 405, null)).isEqualTo("POST is not allowed on /api/v1/counters; use GET");
        assertThat(r.headers().firstValue("Allow")).hasValue("GET");
        assertThat(get("/api/v1/counters/").statusCode()).as("a trailing slash is the same path").isEqualTo(200);
    }

    @Test
    void aChangeWithoutTheTokenIs401() throws Exception {
        HttpResponse<String> none = post("/api/v1/test/echo", "{\"protocol\": \"tcp\", \"port\": \"80\"}", null);
        assertThat(error(none, 401, "Authorization")).contains("Authorization: Bearer");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(post("/api/v1/test/echo", "{}", "wrong-token-wrong-token").statusCode()).isEqualTo(401);
        HttpResponse<String> ok = post("/api/v1/test/echo", "{\"protocol\": \"tcp\", \"port\": \"80\"}", TOKEN);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
        assertThat(json(ok).get("port").getAsString()).isEqualTo("80");
    }

    @Test
    void withoutATokenEveryChangeIsRefused() throws Exception {
        try (AdminServer open = AdminServer.start(new InetSocketAddress("127.0.0.1", 0),
                new Routes(new Access(null)).post("/x", r -> Response.json(new Echo("tcp", "1"))))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + open.address().getPort() + "/x"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).header("Authorization", "Bearer anything")
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(error(r, 401, "Authorization")).isEqualTo("the admin API has no token, so it accepts no"
                    + " changes; set token-file (or token) in [admin] and restart jnat, then send it as Authorization:"
                    + " Bearer <token>");
        }
    }

    @Test
    void readsFromAnotherMachineNeedTheToken() throws Exception {
        Access access = new Access(TOKEN);
        Request remote = new Request("GET", "/api/v1/counters", java.util.Map.of(), null, false, InputStream.nullInputStream());
        Request remoteWithToken = new Request("GET", "/api/v1/counters", java.util.Map.of(), "Bearer " + TOKEN, false,
                InputStream.nullInputStream());
        Request local = new Request("GET", "/api/v1/counters", java.util.Map.of(), null, true, InputStream.nullInputStream());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> access.check(remote, false))
                .isInstanceOf(ApiException.class).hasMessageContaining("another machine");
        access.check(remoteWithToken, false);
        access.check(local, false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> access.check(local, true))
                .isInstanceOf(ApiException.class);
    }

    @Test
    void badRequestsAre400NamingTheFieldAndTheServerGoesOn() throws Exception {
        assertThat(error(get("/api/v1/counters?prefx=nat."), 400, "prefx"))
                .isEqualTo("unknown parameter \"prefx\"; /api/v1/counters takes prefix");
        assertThat(error(get("/api/v1/status?verbose=1"), 400, "verbose")).endsWith("takes none");
        assertThat(error(get("/api/v1/counters?prefix=a&prefix=b"), 400, "prefix")).contains("twice");
        assertThat(raw("GET /api/v1/counters?prefix=%zz HTTP/1.1\r\nHost: x\r\n\r\n"))
                .as("a URI no client library would send").startsWith("HTTP/1.1 400");
        assertThat(error(post("/api/v1/test/echo", "{not json", TOKEN), 400, "body")).startsWith("the body is not JSON");
        assertThat(error(post("/api/v1/test/echo", "", TOKEN), 400, "body")).contains("no body");
        assertThat(error(post("/api/v1/test/echo", "[1, 2]", TOKEN), 400, "body")).contains("JSON object");
        assertThat(error(post("/api/v1/test/echo", "{\"protocol\": \"tcp\"}", TOKEN), 400, "port"))
                .isEqualTo("\"port\" is missing; e.g. \"port\": \"8080\"");
        assertThat(error(post("/api/v1/test/echo", "{\"protocol\": 6, \"port\": \"80\"}", TOKEN), 400, "protocol"))
                .contains("must be a string");
        assertThat(error(post("/api/v1/test/echo", "{\"protocol\": \"tcp\", \"port\": \"80\", \"to\": 1}", TOKEN),
                400, "to")).contains("unknown key \"to\"");
        assertThat(error(post("/api/v1/test/echo", "{\"x\": \"" + "a".repeat(Request.MAX_BODY) + "\"}", TOKEN),
                400, "body")).contains("larger than");
        assertThat(error(get("/api/v1/test/fail"), 500, null)).contains("the router goes on");
        assertThat(get("/api/v1/counters").statusCode()).as("still serving after all that").isEqualTo(200);
    }

    /** Sends {@code request} as it is and returns whatever comes back (empty after a reset). */
    private String raw(String request) {
        try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return ""; // a reset is an answer too
        }
    }

    @Test
    void garbageOnTheSocketDoesNotStopTheServer() throws Exception {
        for (String junk : List.of("GARBAGE\r\n\r\n", "GET\r\n\r\n", "\u0000\u0001\u0002\r\n\r\n",
                "GET /api/v1/counters HTTP/1.1\r\nContent-Length: -5\r\n\r\n")) {
            raw(junk);
        }
        assertThat(get("/api/v1/status").statusCode()).isEqualTo(200);
    }

    @Test
    void fiftyClientsAtOnceAreAllAnswered() throws Exception {
        List<Future<Integer>> answers = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(50)) {
            for (int i = 0; i < 50; i++) {
                String path = List.of("/api/v1/counters", "/metrics", "/api/v1/status", "/api/v1/config").get(i % 4);
                answers.add(clients.submit(() -> {
                    // A client of its own each: 50 connections, not one multiplexed one.
                    try (HttpClient own = HttpClient.newHttpClient()) {
                        return own.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                                HttpResponse.BodyHandlers.ofString()).statusCode();
                    }
                }));
            }
        }
        for (Future<Integer> a : answers) {
            assertThat(a.get()).isEqualTo(200);
        }
    }
}
