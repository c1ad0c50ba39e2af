package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.jnat.app.admin.Json;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code jnat sessions} (the real CLI, a process of its own) against a real {@code jnat run} in the
 * TAP lab: cl's ping to sv is a session in its {@code --json} and in its table, and flushing cl
 * through the API ends it. The admin API listens on loopback in namespace rt, where the CLI and curl
 * run too. Needs root; skips, saying why, otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionsEndToEndIT {
    private static final Duration SHORT = Duration.ofSeconds(15);
    private static final String ADMIN = "127.0.0.1:9465";
    private static final String TOKEN = "sessions-e2e-token-0123";

    private Lab lab;
    private JnatProcess jnat;

    @BeforeAll
    void startLabAndRouter() throws IOException {
        Labs.assumeLab(getClass(), "ping", "curl");
        lab = Lab.create(Lab.uniquePrefix("ws"), Lab.Mode.TAP);
        jnat = JnatProcess.start(lab, "reject", true, "\n[admin]\nlisten = \"" + ADMIN + "\"\ntoken = \"" + TOKEN
                + "\"\n");
        jnat.awaitLine("admin API listening on http://" + ADMIN, 10_000);
        Shell.Result ping = lab.exec("cl", SHORT, "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.SV);
        assertThat(ping.exitCode()).as(ping.stdout() + ping.stderr()).isZero();
    }

    @AfterAll
    void tearDown() throws IOException {
        Labs.tearDown(jnat, lab, null);
    }

    /** {@code jnat ARGS...} run as a process in rt, as a user would. */
    private Shell.Result jnat(String... args) {
        return Labs.jnatCli(lab, args);
    }

    @Test
    @Order(1)
    void clsPingIsASessionInTheJson() {
        Shell.Result r = jnat("sessions", "--admin", ADMIN, "--json");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonArray sessions = Json.parse(r.stdout()).getAsJsonArray();
        JsonObject ping = null;
        for (JsonElement s : sessions) {
            JsonObject o = s.getAsJsonObject();
            if (o.get("inside").getAsString().startsWith(Lab.CL + ":")) {
                ping = o;
            }
        }
        assertThat(ping).as("cl's session in %s", r.stdout()).isNotNull();
        assertThat(ping.get("protocol").getAsString()).isEqualTo("icmp");
        assertThat(ping.get("remote").getAsString()).isEqualTo(Lab.SV + ":0");
        assertThat(ping.get("outside").getAsString()).startsWith(Lab.RT_OUTSIDE + ":");
        assertThat(ping.get("idle_seconds").getAsLong()).isBetween(0L, 60L);
        assertThat(ping.get("expires_in_seconds").getAsLong()).isPositive();
        System.out.println("SessionsEndToEndIT: " + ping);
    }

    @Test
    @Order(2)
    void theTableAndTheFiltersShowIt() {
        Shell.Result r = jnat("sessions", "--admin", ADMIN, "--host", Lab.CL, "--protocol", "icmp");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines.getFirst()).startsWith("PROTO  STATE  INSIDE");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).startsWith("icmp   -      " + Lab.CL + ":").contains(Lab.SV + ":0");
        Shell.Result none = jnat("sessions", "--admin", ADMIN, "--json", "--protocol", "tcp");
        assertThat(none.exitCode()).as(none.stderr()).isZero();
        assertThat(Json.parse(none.stdout()).getAsJsonArray()).isEmpty();
    }

    @Test
    @Order(3)
    void flushingClEndsItsSession() {
        Shell.Result r = lab.exec("rt", SHORT, "curl", "-sS", "--max-time", "10", "-X", "DELETE", "-H",
                "Authorization: Bearer " + TOKEN, "http://" + ADMIN + "/api/v1/sessions?host=" + Lab.CL);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(Json.parse(r.stdout()).getAsJsonObject().get("removed").getAsLong()).isEqualTo(1);
        Shell.Result after = jnat("sessions", "--admin", ADMIN, "--json", "--host", Lab.CL);
        assertThat(Json.parse(after.stdout()).getAsJsonArray()).isEmpty();
    }

    @Test
    @Order(4)
    void aRouterThatIsNotThereGetsOneLine() {
        Shell.Result r = jnat("sessions", "--admin", "127.0.0.1:9");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr().strip()).startsWith("jnat sessions: no router answers at 127.0.0.1:9").doesNotContain("\n");
    }
}
