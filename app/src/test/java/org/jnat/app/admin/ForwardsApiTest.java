package org.jnat.app.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.testing.Frames.IP;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jnat.app.config.ConfigLoader;
import org.jnat.app.config.LoadedConfig;
import org.jnat.app.config.Origins;
import org.jnat.app.control.ConfigDiffTest;
import org.jnat.app.control.Reloader;
import org.jnat.config.ForwardRule;
import org.jnat.config.RouterConfig;
import org.jnat.nat.NatEngine;
import org.jnat.nat.NatVerdict;
import org.jnat.runtime.ControlQueue;
import org.jnat.runtime.Counters;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/v1/forwards} and {@code /api/v1/reload} over real HTTP, over a real NAT engine whose
 * control queue is drained on the caller's thread (as the data-plane thread would, between rounds):
 * what the API says is checked against what the engine then does with packets.
 */
class ForwardsApiTest {
    static final String TOKEN = "0123456789abcdef0123"; // ConfigDiffTest.BASE's
    static final int PUBLIC = Ipv4Address.parse("203.0.113.1");
    static final int CLIENT = Ipv4Address.parse("198.51.100.10");

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final HttpClient http = HttpClient.newHttpClient();
    private Path file;
    private NatEngine nat;
    private AdminServer server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        start(ConfigDiffTest.BASE);
    }

    private void start(String toml) throws Exception {
        file = dir.resolve("router.toml");
        Files.writeString(file, toml);
        LoadedConfig loaded = ConfigLoader.loadWithWarnings(file);
        RouterConfig config = loaded.config();
        nat = NatEngine.of(config, counters, 1);
        ControlQueue control = new ControlQueue();
        control.wakeUp(() -> {
            synchronized (control) { // one consumer at a time, as the one data-plane thread
                control.drain(System.nanoTime(), ControlQueue.CAPACITY);
            }
        });
        Reloader reloader = new Reloader(file, config, loaded.origins(), control, nat, null);
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0),
                AdminApi.routes(reloader, counters, AdminServerTest.status()));
        base = "http://127.0.0.1:" + server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    @Test
    void aRouterWithAPoolKeepsItInForceForTheApi() throws Exception {
        server.close();
        start(ConfigDiffTest.BASE.replace("gateway = \"203.0.113.254\"\n",
                "gateway = \"203.0.113.254\"\naddresses = [\"203.0.113.1\", \"203.0.113.2\"]\n"
                        + "pooling = \"arbitrary\"\n")
                .replace("[pcp]\nenabled = true", "[pcp]\nenabled = false")); // (PCP answers for one address only)
        // A forward on the pool's second address: the API checks it against the pool in force.
        HttpResponse<String> r = post("/api/v1/forwards",
                "{\"protocol\": \"tcp\", \"port\": 9090, \"to\": \"192.168.1.10:90\", \"address\": \"203.0.113.2\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String config = send("GET", "/api/v1/config", null, TOKEN).body();
        assertThat(config).contains("203.0.113.2").contains("arbitrary").doesNotContain("addresses is not set");
    }

    private HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send("POST", path, body, TOKEN);
    }

    private JsonObject json(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return Json.parse(r.body()).getAsJsonObject();
    }

    /** Asserts {@code {"error", "field"}} with {@code status}; returns the sentence. */
    private String error(HttpResponse<String> r, int status, String field) {
        JsonObject body = json(r, status);
        assertThat(body.has("field") ? body.get("field").getAsString() : null).as(r.body()).isEqualTo(field);
        return body.get("error").getAsString();
    }

    private JsonArray forwards() throws Exception {
        return json(send("GET", "/api/v1/forwards", null, null), 200).getAsJsonArray("forwards");
    }

    static final int TARGET = Ipv4Address.parse("192.168.1.10"), FILE_TARGET = Ipv4Address.parse("192.168.1.20"),
            DMZ = Ipv4Address.parse("192.168.1.50");

    /** The inside host a SYN from outside to public port {@code port} goes to now (the DMZ's if no forward's), or 0. */
    private int synTo(int port) {
        var syn = Frames.tcpPacket(CLIENT, 40000 + port % 1000, PUBLIC, port, TcpSegment.SYN, 0);
        int verdict = nat.inbound(syn, IP, System.nanoTime());
        return verdict == NatVerdict.FORWARD ? FrameFields.ip(syn).destinationAddress() : 0;
    }

    @Test
    void theConfigsForwardsAreListedWithIds() throws Exception {
        assertThat(forwards()).isEqualTo(Json.parse("[{\"id\": 1, \"protocol\": \"tcp\", \"port\": \"8080\","
                + " \"to\": \"192.168.1.20:80\", \"source\": \"config\"}]"));
    }

    @Test
    void aForwardAddedTakesPacketsAndGoesWhenRemoved() throws Exception {
        JsonObject added = json(post("/api/v1/forwards",
                "{\"protocol\": \"tcp\", \"port\": \"8081\", \"to\": \"192.168.1.10:8000\"}"), 201);
        assertThat(added.get("id").getAsLong()).isEqualTo(2);
        assertThat(added.get("port").getAsString()).isEqualTo("8081");
        assertThat(added.get("to").getAsString()).isEqualTo("192.168.1.10:8000");
        assertThat(added.get("source").getAsString()).isEqualTo("api");
        assertThat(added.has("note")).isFalse();
        assertThat(nat.policy().forwards()).contains(new ForwardRule(IpProtocol.TCP, 8081, 8081,
                Ipv4Address.parse("192.168.1.10"), 8000));
        assertThat(synTo(8081)).isEqualTo(TARGET);
        assertThat(nat.table().size()).isEqualTo(1);
        assertThat(forwards()).hasSize(2);

        JsonObject removed = json(send("DELETE", "/api/v1/forwards?id=2", null, TOKEN), 200);
        assertThat(removed.get("id").getAsLong()).isEqualTo(2);
        assertThat(nat.table().size()).as("its connection is cut").isZero();
        assertThat(synTo(8081)).as("no longer forwarded; held from other hosts, the DMZ's too, for a while"
                + " (RFC 6888 REQ-8)").isZero();
        assertThat(forwards()).hasSize(1);
        error(send("DELETE", "/api/v1/forwards?id=2", null, TOKEN), 404, "id");
    }

    @Test
    void aRangeAndAWholeNumberPortAreTakenAsInTheFile() throws Exception {
        JsonObject range = json(post("/api/v1/forwards", "{\"protocol\": \"udp\", \"port\": \"6000-6009\","
                + " \"to\": \"192.168.1.11\"}"), 201);
        assertThat(range.get("port").getAsString()).isEqualTo("6000-6009");
        JsonObject number = json(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": 2222,"
                + " \"to\": \"192.168.1.11:22\"}"), 201);
        assertThat(number.get("port").getAsString()).isEqualTo("2222");
        assertThat(forwards()).hasSize(3);
    }

    @Test
    void badFieldsGet400NamingTheField() throws Exception {
        assertThat(error(post("/api/v1/forwards", "{\"protocol\": \"icmp\", \"port\": \"1\", \"to\": \"192.168.1.10\"}"),
                400, "protocol")).isEqualTo("expected \"tcp\" or \"udp\", got \"icmp\"");
        assertThat(error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"0\", \"to\": \"192.168.1.10\"}"),
                400, "port")).startsWith("expected a port like \"8080\"");
        assertThat(error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"90-80\", \"to\": \"192.168.1.10\"}"),
                400, "port")).contains("low first");
        error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": [80], \"to\": \"192.168.1.10\"}"), 400, "port");
        error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": 70000, \"to\": \"192.168.1.10\"}"), 400, "port");
        assertThat(error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"80\", \"to\": \"10.0.0.5\"}"),
                400, "to")).isEqualTo("10.0.0.5 is not inside the inside prefix 192.168.1.0/24; the forward's target"
                + " must be on the LAN");
        error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"80\", \"to\": \"192.168.1.1\"}"), 400, "to");
        error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"80\", \"to\": \"192.168.1.10:0\"}"), 400,
                "to");
        error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"80\"}"), 400, "to");
        error(post("/api/v1/forwards", "{\"port\": \"80\", \"to\": \"192.168.1.10\"}"), 400, "protocol");
        error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"to\": \"192.168.1.10\"}"), 400, "port");
        error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"80\", \"to\": \"192.168.1.10\", \"x\": 1}"),
                400, "x");
        error(post("/api/v1/forwards", "not json"), 400, "body");
        error(send("DELETE", "/api/v1/forwards", null, TOKEN), 400, "id");
        error(send("DELETE", "/api/v1/forwards?id=one", null, TOKEN), 400, "id");
        assertThat(forwards()).as("nothing was added").hasSize(1);
        assertThat(nat.policy().forwards()).hasSize(1);
    }

    @Test
    void changesWithoutTheTokenGet401() throws Exception {
        error(send("POST", "/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"81\", \"to\": \"192.168.1.10\"}",
                null), 401, "Authorization");
        error(send("DELETE", "/api/v1/forwards?id=1", null, "wrong-token-wrong-token"), 401, "Authorization");
        error(send("POST", "/api/v1/reload", null, null), 401, "Authorization");
        assertThat(forwards()).hasSize(1);
    }

    @Test
    void aForwardOnAPortInUseGets409NamingTheForward() throws Exception {
        assertThat(error(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"8000-8100\", \"to\":"
                + " \"192.168.1.10\"}"), 409, "port")).isEqualTo("tcp port 8080 is already forwarded by forward 1 (tcp"
                + " 8080 to 192.168.1.20:80, from the config file); remove it first or choose another port");
        // The same port over UDP is another port.
        json(post("/api/v1/forwards", "{\"protocol\": \"udp\", \"port\": \"8080\", \"to\": \"192.168.1.10\"}"), 201);
        assertThat(error(post("/api/v1/forwards", "{\"protocol\": \"udp\", \"port\": \"8080\", \"to\":"
                + " \"192.168.1.11\"}"), 409, "port")).contains("forward 2 (udp 8080 to 192.168.1.10, added through the"
                + " API)");
    }

    /**
     * A port an inside host's mapping holds now: the forward is added (201) with a note naming the
     * host; the mapping keeps the port (its connection goes on) until it ends.
     */
    @Test
    void aForwardOverAPortAHostHoldsSaysSoAndWaitsForIt() throws Exception {
        int host = Ipv4Address.parse("192.168.1.5");
        long now = System.nanoTime();
        var out = Frames.udpPacket(host, 5000, CLIENT, 53, 8);
        assertThat(nat.outbound(out, IP, now)).isEqualTo(NatVerdict.FORWARD);
        int external = FrameFields.sourcePort(out);
        JsonObject added = json(post("/api/v1/forwards", "{\"protocol\": \"udp\", \"port\": \"" + external
                + "\", \"to\": \"192.168.1.10\"}"), 201);
        assertThat(added.get("note").getAsString()).isEqualTo("udp port " + external + " is in use by a connection of"
                + " 192.168.1.5:5000; the forward takes it when that host's mapping ends");
        assertThat(nat.inbound(Frames.udpPacket(CLIENT, 53, PUBLIC, external, 8), IP, now))
                .as("the host's connection goes on").isEqualTo(NatVerdict.FORWARD);
        assertThat(nat.table().sessionsOf(host)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- reload

    @Test
    void theConfigSaysWhereEachValueCameFromAndAReloadUpdatesIt() throws Exception {
        JsonObject plain = json(send("GET", "/api/v1/config", null, null), 200);
        assertThat(plain.has("origins")).isFalse();
        JsonObject origins = json(send("GET", "/api/v1/config?origins=true", null, null), 200)
                .getAsJsonObject("origins");
        assertThat(origins.get("nat.unmatched").getAsString()).isEqualTo(file + ":19");
        assertThat(origins.get("nat.mapping").getAsString()).isEqualTo("default");
        assertThat(origins.get("nat.udp.mapping").getAsString()).isEqualTo("default (nat.mapping)");
        Files.writeString(file, Files.readString(file).replace("unmatched = \"drop\"\n", "")
                .replace("[nat]\n", "[nat]\nprofile = \"port-restricted-cone\"\n"));
        assertThat(json(post("/api/v1/reload", null), 200).getAsJsonArray("changed")).isEmpty();
        JsonObject after = json(send("GET", "/api/v1/config?origins=true", null, null), 200);
        assertThat(after.getAsJsonObject("nat").get("profile").getAsString()).isEqualTo("port-restricted-cone");
        assertThat(after.getAsJsonObject("origins").get("nat.unmatched").getAsString()).isEqualTo("default");
        assertThat(after.getAsJsonObject("origins").get("nat.mapping").getAsString())
                .isEqualTo("profile port-restricted-cone");
        error(send("GET", "/api/v1/config?origins=yes", null, null), 400, "origins");
    }

    private void rewrite(String from, String to) throws Exception {
        String text = Files.readString(file);
        assertThat(text).contains(from);
        Files.writeString(file, text.replace(from, to));
    }

    @Test
    void aReloadAppliesTheLiveKeysKeepsApiForwardsAndShowsTheNewConfig() throws Exception {
        json(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"8081\", \"to\": \"192.168.1.10\"}"), 201);
        assertThat(synTo(8080)).isEqualTo(FILE_TARGET); // a connection through the file's forward
        rewrite("udp = \"5m\"", "udp = \"7m\"");
        rewrite("dmz = \"192.168.1.50\"", "dmz = \"192.168.1.51\"");
        rewrite("unmatched = \"drop\"", "unmatched = \"reject\"");
        Files.writeString(file, Files.readString(file)
                + "\n[[forward]]\nprotocol = \"udp\"\nport = \"9000\"\nto = \"192.168.1.30\"\n");
        JsonArray changed = json(post("/api/v1/reload", null), 200).getAsJsonArray("changed");
        assertThat(changed.asList().stream().map(e -> e.getAsString()).toList()).containsExactly(
                "forward 3 added: udp 9000 to 192.168.1.30", "nat.unmatched: drop -> reject",
                "nat.dmz: 192.168.1.50 -> 192.168.1.51", "nat.timeouts.udp: 5m -> 7m");
        assertThat(nat.policy().dmz()).isEqualTo(Ipv4Address.parse("192.168.1.51"));
        assertThat(nat.policy().unmatched().configName()).isEqualTo("reject");
        assertThat(nat.table().size()).as("no session dropped").isEqualTo(1);
        assertThat(forwards().asList().stream().map(f -> f.getAsJsonObject().get("id").getAsLong()).toList())
                .containsExactly(1L, 2L, 3L);
        JsonObject config = json(send("GET", "/api/v1/config", null, null), 200);
        assertThat(config.getAsJsonObject("nat").getAsJsonObject("timeouts").get("udp").getAsString()).isEqualTo("7m");
        assertThat(config.getAsJsonObject("nat").get("dmz").getAsString()).isEqualTo("192.168.1.51");
        assertThat(config.getAsJsonArray("forward")).hasSize(3);
        // The same file again changes nothing.
        assertThat(json(post("/api/v1/reload", null), 200).getAsJsonArray("changed")).isEmpty();
    }

    @Test
    void aReloadThatDropsTheFilesForwardCutsItsConnections() throws Exception {
        assertThat(synTo(8080)).isEqualTo(FILE_TARGET);
        rewrite("port = \"8080\"", "port = \"8088\"");
        JsonArray changed = json(post("/api/v1/reload", null), 200).getAsJsonArray("changed");
        assertThat(changed.asList().stream().map(e -> e.getAsString()).toList()).containsExactly(
                "forward 1 removed: tcp 8080 to 192.168.1.20:80", "forward 2 added: tcp 8088 to 192.168.1.20:80");
        assertThat(nat.table().size()).isZero();
        assertThat(synTo(8088)).isEqualTo(FILE_TARGET);
        assertThat(synTo(8080)).as("held from other hosts for a while (RFC 6888 REQ-8), even the DMZ host").isZero();
    }

    @Test
    void aBadFileChangesNothingAndNamesFileLineAndKey() throws Exception {
        String before = send("GET", "/api/v1/config", null, null).body();
        rewrite("udp = \"5m\"", "udp = \"7m\"");
        rewrite("[nat]\n", "[nat]\nmapping = \"full-cone\"\n");
        String sentence = error(post("/api/v1/reload", null), 400, "nat.mapping");
        assertThat(sentence).isEqualTo(file + ":13: nat.mapping: expected \"endpoint-independent\", \"address-dependent\""
                + " or \"address-and-port-dependent\", got \"full-cone\"; nothing was changed");
        assertThat(send("GET", "/api/v1/config", null, null).body()).isEqualTo(before);
    }

    @Test
    void aKeyThatCannotChangeLiveRefusesTheWholeReload() throws Exception {
        String before = send("GET", "/api/v1/config", null, null).body();
        rewrite("udp = \"5m\"", "udp = \"7m\"");
        rewrite("ports = \"1024-65535\"", "ports = \"2000-65535\"");
        rewrite("device = \"tap:jnat1\"", "device = \"tap:other\"");
        assertThat(error(post("/api/v1/reload", null), 409, "outside.device")).isEqualTo(file + ": outside.device and"
                + " nat.ports cannot change while jnat runs; restart jnat to apply them (nothing was changed)");
        assertThat(send("GET", "/api/v1/config", null, null).body()).isEqualTo(before);
    }

    @Test
    void aFileForwardCollidingWithAnApiForwardRefusesTheReload() throws Exception {
        json(post("/api/v1/forwards", "{\"protocol\": \"tcp\", \"port\": \"9000\", \"to\": \"192.168.1.10\"}"), 201);
        String before = send("GET", "/api/v1/config", null, null).body();
        rewrite("udp = \"5m\"", "udp = \"7m\"");
        Files.writeString(file, Files.readString(file)
                + "\n[[forward]]\nprotocol = \"tcp\"\nport = \"8999-9001\"\nto = \"192.168.1.30\"\n");
        assertThat(error(post("/api/v1/reload", null), 409, "port")).isEqualTo("tcp port 9000 is already forwarded by"
                + " forward 2 (tcp 9000 to 192.168.1.10, added through the API); remove it first or choose another port");
        assertThat(send("GET", "/api/v1/config", null, null).body()).isEqualTo(before);
        assertThat(nat.policy().forwards()).hasSize(2);
    }

    @Test
    void aReloadWithoutAFileIsRefused() throws Exception {
        server.close();
        ControlQueue control = new ControlQueue();
        Reloader none = new Reloader(null, ConfigLoader.load(file), new Origins(), control, nat, null);
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0),
                AdminApi.routes(none, counters, AdminServerTest.status()));
        base = "http://127.0.0.1:" + server.address().getPort();
        assertThat(error(post("/api/v1/reload", null), 409, null)).contains("not started from a config file");
        assertThat(List.of(forwards().size())).containsExactly(1);
    }
}
