package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jnat.app.admin.Json;
import org.jnat.app.admin.LiveNat;
import org.jnat.app.config.BadConfigTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jnat sessions} and {@code jnat sessions flush} against a live admin server over a real NAT in this JVM. */
class SessionsCommandTest {
    @TempDir
    Path dir;

    private LiveNat live;

    @BeforeEach
    void start() throws Exception {
        live = new LiveNat(LiveNat.config());
        live.udp("192.168.1.10", 5000, "198.51.100.1", 53);
        live.tcpSyn("192.168.1.11", 40000, "198.51.100.1", 443);
    }

    @AfterEach
    void stop() throws Exception {
        live.close();
    }

    /** A config file whose [admin] points at the live server and carries the test token. */
    private Path config() throws Exception {
        Path file = dir.resolve("router.toml");
        Files.writeString(file, BadConfigTest.MINIMAL + "[admin]\nlisten = \"" + live.address + "\"\ntoken = \""
                + LiveNat.TOKEN + "\"\n");
        return file;
    }

    @Test
    void printsATableLikeConntrack() {
        Cli.Run run = Cli.run("sessions", "--admin", live.address);
        assertThat(run.exit()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.getFirst()).isEqualTo("PROTO  STATE     INSIDE              OUTSIDE            REMOTE"
                + "            IDLE  EXPIRES");
        assertThat(lines).contains(
                "udp    -         192.168.1.10:5000   203.0.113.1:5000   198.51.100.1:53      0      300",
                "tcp    SYN_SENT  192.168.1.11:40000  203.0.113.1:40000  198.51.100.1:443     0      240");
        assertThat(run.err()).isEqualTo("jnat sessions: 2 sessions shown" + System.lineSeparator());
    }

    @Test
    void printsJsonWithJsonAndFilters() {
        Cli.Run run = Cli.run("sessions", "--admin", live.address, "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonArray all = Json.parse(run.out()).getAsJsonArray();
        assertThat(all).hasSize(2);
        for (var s : all) {
            assertThat(s.getAsJsonObject().keySet()).contains("protocol", "inside", "outside", "remote");
        }
        run = Cli.run("sessions", "--admin", live.address, "--json", "--protocol", "tcp");
        JsonArray tcp = Json.parse(run.out()).getAsJsonArray();
        assertThat(tcp).hasSize(1);
        assertThat(tcp.get(0).getAsJsonObject().get("inside").getAsString()).isEqualTo("192.168.1.11:40000");
        run = Cli.run("sessions", "--admin", live.address, "--json", "--host", "192.168.1.10");
        assertThat(inside(Json.parse(run.out()).getAsJsonArray())).containsExactly("192.168.1.10:5000");
    }

    private static List<String> inside(JsonArray sessions) {
        List<String> out = new ArrayList<>();
        sessions.forEach(s -> out.add(s.getAsJsonObject().get("inside").getAsString()));
        return out;
    }

    @Test
    void aBadFilterGetsTheRoutersSentenceInOneLine() {
        Cli.Run run = Cli.run("sessions", "--admin", live.address, "--protocol", "sctp");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("jnat sessions: the router at " + live.address + " refused (HTTP 400): expected"
                + " tcp, udp or icmp, got \"sctp\"" + System.lineSeparator());
    }

    @Test
    void flushTakesTheTokenFromTheConfig() throws Exception {
        Cli.Run refused = Cli.run("sessions", "flush", "--admin", live.address, "--host", "192.168.1.10");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).startsWith("jnat sessions flush: the router at " + live.address
                + " refused (HTTP 401)").hasLineCount(1);

        Cli.Run run = Cli.run("sessions", "flush", "--config", config().toString(), "--host", "192.168.1.10");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("jnat sessions flush: 1 sessions of 192.168.1.10 removed"
                + System.lineSeparator());
        run = Cli.run("sessions", "--config", config().toString(), "--json");
        assertThat(inside(Json.parse(run.out()).getAsJsonArray())).containsExactly("192.168.1.11:40000");
    }

    @Test
    void flushWithoutAHostIsAUsageError() {
        Cli.Run run = Cli.run("sessions", "flush", "--admin", live.address);
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--host");
    }

    @Test
    void aRouterThatIsNotRunningGetsOneLine() {
        Cli.Run run = Cli.run("sessions", "--admin", "127.0.0.1:1"); // tcpmux: nothing listens there
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("jnat sessions: no router answers at 127.0.0.1:1 ").hasLineCount(1);
    }
}
