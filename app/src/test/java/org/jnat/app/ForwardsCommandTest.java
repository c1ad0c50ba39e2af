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
import org.jnat.app.config.ConfigLoader;
import org.jnat.app.config.Origins;
import org.jnat.app.control.ConfigDiffTest;
import org.jnat.app.control.Reloader;
import org.jnat.config.RouterConfig;
import org.jnat.nat.NatEngine;
import org.jnat.runtime.ControlQueue;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jnat forwards list|add|remove} against a live admin server over a NAT engine in this JVM. */
class ForwardsCommandTest {
    @TempDir
    Path dir;

    private AdminServer server;
    private Path file;
    private NatEngine nat;

    @BeforeEach
    void start() throws Exception {
        // The file's [admin] listen is where the server really listens, so that --config finds it and its token.
        Path first = dir.resolve("first.toml");
        Files.writeString(first, ConfigDiffTest.BASE);
        RouterConfig config = ConfigLoader.load(first);
        Counters counters = new Counters();
        nat = NatEngine.of(config, counters, 1);
        ControlQueue control = new ControlQueue();
        control.wakeUp(() -> {
            synchronized (control) {
                control.drain(System.nanoTime(), ControlQueue.CAPACITY);
            }
        });
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), AdminApi.routes(
                new Reloader(first, config, new Origins(), control, nat, null), counters, new RouterStatus("1", "203.0.113.1", List.of())));
        file = dir.resolve("router.toml");
        Files.writeString(file, ConfigDiffTest.BASE.replace("listen = \"127.0.0.1:8080\"",
                "listen = \"127.0.0.1:" + server.address().getPort() + "\""));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void addListAndRemove() {
        Cli.Run add = Cli.run("forwards", "add", "--config", file.toString(), "--protocol", "tcp", "--port", "8081",
                "--to", "192.168.1.10:8000");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).isEqualTo("forward 2 added: tcp 8081 to 192.168.1.10:8000" + System.lineSeparator());
        assertThat(nat.policy().forwards()).hasSize(2);

        Cli.Run list = Cli.run("forwards", "list", "--config", file.toString());
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).isEqualTo(String.format(
                "ID    PROTOCOL  PORT         TO                     SOURCE%n"
                + "1     tcp       8080         192.168.1.20:80        config%n"
                + "2     tcp       8081         192.168.1.10:8000      api%n"));

        Cli.Run json = Cli.run("forwards", "list", "--config", file.toString(), "--json");
        assertThat(json.exit()).as(json.err()).isZero();
        var array = Json.parse(json.out()).getAsJsonArray();
        assertThat(array).hasSize(2);
        assertThat(array.get(1).getAsJsonObject().get("to").getAsString()).isEqualTo("192.168.1.10:8000");

        Cli.Run remove = Cli.run("forwards", "remove", "--config", file.toString(), "2");
        assertThat(remove.exit()).as(remove.err()).isZero();
        assertThat(remove.out()).isEqualTo("forward 2 removed: tcp 8081 to 192.168.1.10:8000" + System.lineSeparator());
        assertThat(nat.policy().forwards()).hasSize(1);
    }

    @Test
    void apiErrorsArePrintedAsTheirSentence() {
        Cli.Run taken = Cli.run("forwards", "add", "--config", file.toString(), "--protocol", "tcp", "--port", "8080",
                "--to", "192.168.1.10");
        assertThat(taken.exit()).isEqualTo(1);
        assertThat(taken.out()).isEmpty();
        assertThat(taken.err()).isEqualTo("jnat forwards: the router at 127.0.0.1:" + server.address().getPort()
                + " refused (HTTP 409): tcp port 8080 is already forwarded by forward 1 (tcp 8080 to 192.168.1.20:80,"
                + " from the config file); remove it first or choose another port" + System.lineSeparator());

        Cli.Run bad = Cli.run("forwards", "add", "--config", file.toString(), "--protocol", "sctp", "--port", "1",
                "--to", "192.168.1.10");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).endsWith("refused (HTTP 400): expected \"tcp\" or \"udp\", got \"sctp\""
                + System.lineSeparator());

        Cli.Run unknown = Cli.run("forwards", "remove", "--config", file.toString(), "9");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).endsWith("refused (HTTP 404): there is no forward 9; GET /api/v1/forwards lists them"
                + System.lineSeparator());
    }

    @Test
    void withoutTheTokenAChangeIsRefused() {
        Cli.Run run = Cli.run("forwards", "remove", "--admin", "127.0.0.1:" + server.address().getPort(), "1");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("refused (HTTP 401)");
        assertThat(nat.policy().forwards()).hasSize(1);
    }

    @Test
    void aRouterThatIsNotRunningGetsOneLine() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        Cli.Run run = Cli.run("forwards", "list", "--admin", "127.0.0.1:" + free);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines()).hasSize(1);
        assertThat(run.err()).startsWith("jnat forwards: no router answers at 127.0.0.1:" + free);
    }
}
