package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jnat.app.admin.AdminApi;
import org.jnat.app.admin.AdminServer;
import org.jnat.app.admin.Json;
import org.jnat.app.admin.RouterStatus;
import org.jnat.app.config.BadConfigTest;
import org.jnat.app.config.ConfigLoader;
import org.jnat.config.RouterConfig;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jnat counters} against a live admin server in this JVM, and against none. */
class CountersCommandTest {
    @TempDir
    Path dir;

    private AdminServer server;
    private String address;

    @BeforeEach
    void start() throws Exception {
        Counters counters = new Counters();
        counters.add(counters.register("ipv4.forwarded", "IPv4 datagrams forwarded"), 1234);
        counters.register("nat.sessions.expired", "sessions that timed out");
        RouterConfig config = ConfigLoader.parse(BadConfigTest.MINIMAL, "router.toml").config();
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0),
                AdminApi.routes(config, counters, new RouterStatus("1", "203.0.113.1", List.of())));
        address = "127.0.0.1:" + server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void printsATableOfTheCounters() {
        Cli.Run run = Cli.run("counters", "--admin", address);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(String.format(
                "COUNTER               VALUE%n"
                + "ipv4.forwarded        1234%n"
                + "nat.sessions.expired  0%n"));
    }

    @Test
    void printsJsonWithJson() {
        Cli.Run run = Cli.run("counters", "--admin", address, "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        var array = Json.parse(run.out()).getAsJsonArray();
        assertThat(array).hasSize(2);
        assertThat(array.get(0).getAsJsonObject().get("name").getAsString()).isEqualTo("ipv4.forwarded");
        assertThat(array.get(0).getAsJsonObject().get("value").getAsLong()).isEqualTo(1234);
        assertThat(array.get(0).getAsJsonObject().get("description").getAsString()).isEqualTo("IPv4 datagrams forwarded");
    }

    @Test
    void takesTheAddressFromTheConfigsAdminTable() throws Exception {
        Path file = dir.resolve("router.toml");
        Files.writeString(file, BadConfigTest.MINIMAL + "[admin]\nlisten = \"" + address + "\"\n");
        Cli.Run run = Cli.run("counters", "--config", file.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("ipv4.forwarded        1234");
    }

    @Test
    void aConfigWithoutAdminSaysSoInOneLine() throws Exception {
        Path file = dir.resolve("router.toml");
        Files.writeString(file, BadConfigTest.MINIMAL);
        Cli.Run run = Cli.run("counters", "--config", file.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("jnat counters: " + file + " has no [admin] table, so that router serves no"
                + " admin API; add [admin] listen = \"127.0.0.1:8080\" and restart it" + System.lineSeparator());
    }

    @Test
    void aRouterThatIsNotRunningGetsOneLine() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        Cli.Run run = Cli.run("counters", "--admin", "127.0.0.1:" + free);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("jnat counters: no router answers at 127.0.0.1:" + free + " (connection"
                + " refused); is jnat run going with [admin] listen = \"127.0.0.1:" + free + "\"? Give its address with"
                + " --admin HOST:PORT or --config" + System.lineSeparator());
    }

    @Test
    void aBadAdminAddressGetsOneLine() {
        Cli.Run run = Cli.run("counters", "--admin", "localhost");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("jnat counters: --admin: expected HOST:PORT like \"127.0.0.1:8080\", got"
                + " \"localhost\"" + System.lineSeparator());
    }
}
