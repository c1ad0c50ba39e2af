package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jnat.app.admin.Json;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.jnat.testing.Tshark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The session log and the live capture of a real {@code jnat run} (TAP lab, DESIGN section 7):
 * a ping from cl makes a "created" line and, once its 2 s ICMP timeout has passed, an "ended" line,
 * with cl's endpoint inside, the public address outside and sv remote; a capture of both sides
 * through {@code curl} holds the ping as cl sent it and as jnat sent it on, and tshark reading the
 * stream from a pipe gets the frames while the capture still runs. The admin API listens on loopback
 * in namespace rt, so curl runs there. Needs root, ping and curl (tshark for the capture); skips,
 * saying why, otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionLogEndToEndIT {
    private static final String ADMIN = "127.0.0.1:9471";

    private Lab lab;
    private JnatProcess jnat;
    /** The test's folder, and the session log in it. */
    private Path work, sessions;

    /** {@code command} in lab host {@code host}, for at most 15 s. */
    private Shell.Result run(String host, String... command) {
        return lab.exec(host, Duration.ofSeconds(15), command);
    }

    @BeforeAll
    void startLabAndRouter() throws IOException {
        Labs.assumeLab(getClass(), "ping", "curl");
        work = Files.createTempDirectory("jnat-sessionlog-e2e");
        sessions = work.resolve("sessions.jsonl");
        lab = Lab.create(Lab.uniquePrefix("sl"), Lab.Mode.TAP);
        jnat = JnatProcess.start(lab, "drop", true, """

                [nat.timeouts]
                icmp = "2s"
                udp = "2s"

                [admin]
                listen = "%s"

                [log]
                sessions = "%s"
                """.formatted(ADMIN, sessions));
        jnat.awaitLine("admin API listening on http://" + ADMIN, 10_000);
    }

    @AfterAll
    void tearDown() throws IOException {
        Labs.tearDown(jnat, lab, work);
    }

    private static void assumeTshark(String test) {
        if (!Tshark.available()) {
            System.out.println("SKIPPED SessionLogEndToEndIT." + test + ": tshark is missing (.ci/run installs it)");
        }
        Assumptions.assumeTrue(Tshark.available(), "tshark is missing");
    }

    /** The lines of the session log that {@code protocol} sessions from cl to sv made, once {@code count} are there. */
    private List<JsonObject> linesOf(String event, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<JsonObject> found = List.of();
        while (System.nanoTime() < deadline) {
            found = (Files.exists(sessions) ? Files.readAllLines(sessions) : List.<String>of()).stream()
                    .map(l -> Json.parse(l).getAsJsonObject())
                    .filter(o -> o.get("event").getAsString().equals(event)
                            && o.get("inside").getAsString().startsWith(Lab.CL + ":")
                            && o.get("remote").getAsString().equals(Lab.SV + ":0"))
                    .toList();
            if (found.size() >= count) {
                return found;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no " + count + " \"" + event + "\" lines for cl's ping in 30 s; the log holds: "
                + (Files.exists(sessions) ? Files.readString(sessions) : "(no file)"));
    }

    @Test
    @Order(1)
    void aPingMakesACreatedLineAndAnEndedOneWhenItExpires() throws Exception {
        Shell.Result ping = run("cl", "ping", "-c", "1", "-W", "2", Lab.SV);
        assertThat(ping.exitCode()).as(ping.stdout() + ping.stderr()).isZero();
        JsonObject created = linesOf("created", 1).getFirst();
        System.out.println("SessionLogEndToEndIT: " + created);
        assertThat(created.keySet()).containsExactly("event", "time", "protocol", "inside", "outside", "remote");
        assertThat(created.get("protocol").getAsString()).isEqualTo("icmp");
        assertThat(created.get("outside").getAsString()).startsWith(Lab.RT_OUTSIDE + ":");
        Instant made = Instant.parse(created.get("time").getAsString());
        assertThat(Duration.between(made, Instant.now()).abs()).as("wall-clock time").isLessThan(Duration.ofMinutes(1));

        JsonObject ended = linesOf("ended", 1).getFirst();
        System.out.println("SessionLogEndToEndIT: " + ended);
        assertThat(ended.keySet()).containsExactly("event", "time", "protocol", "inside", "outside", "remote", "start",
                "reason");
        assertThat(ended.get("reason").getAsString()).isEqualTo("expired");
        assertThat(ended.get("start").getAsString()).isEqualTo(created.get("time").getAsString());
        for (String key : List.of("protocol", "inside", "outside", "remote")) {
            assertThat(ended.get(key)).as(key).isEqualTo(created.get(key));
        }
        assertThat(Instant.parse(ended.get("time").getAsString())).as("at least the 2 s ICMP timeout later")
                .isAfterOrEqualTo(made.plusSeconds(2));
        assertThat(counter("log.sessions.written")).isGreaterThanOrEqualTo(2);
        assertThat(counter("log.sessions.dropped")).isZero();
    }

    @Test
    @Order(2)
    void aCaptureOfBothSidesHoldsThePingAsSentAndAsForwarded() throws Exception {
        assumeTshark("aCaptureOfBothSidesHoldsThePingAsSentAndAsForwarded");
        Path file = work.resolve("both.pcapng");
        Process curl = lab.spawn("rt", "curl", "-sS", "-N", "--max-time", "30", "-o", file.toString(),
                "http://" + ADMIN + "/api/v1/capture?side=both&seconds=3");
        // The pcapng header comes as the capture starts: ping once it is there.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((!Files.exists(file) || Files.size(file) == 0) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(file).as("curl got the stream's header").isNotEmptyFile();
        Shell.Result ping = run("cl", "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.SV);
        assertThat(ping.exitCode()).as(ping.stdout() + ping.stderr()).isZero();
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).as("the stream ends after its 3 s").isTrue();
        assertThat(curl.exitValue()).isZero();
        Tshark.Result r = Tshark.run("-r", file.toString(), "-Y", "icmp.type == 8", "-T", "fields",
                "-e", "frame.interface_name", "-e", "ip.src", "-e", "ip.dst");
        assertThat(r.exitCode()).as(r.errors()).isZero();
        System.out.println("SessionLogEndToEndIT: echo requests in the capture:\n" + String.join("\n", r.lines()));
        assertThat(r.lines()).filteredOn(l -> l.equals("inside\t" + Lab.CL + "\t" + Lab.SV)).hasSize(3);
        assertThat(r.lines()).filteredOn(l -> l.equals("outside\t" + Lab.RT_OUTSIDE + "\t" + Lab.SV)).hasSize(3);
        Tshark.Result replies = Tshark.run("-r", file.toString(), "-Y", "icmp.type == 0", "-T", "fields",
                "-e", "frame.interface_name", "-e", "frame.p2p_dir");
        assertThat(replies.lines()).as("replies received outside, sent inside")
                .contains("outside\t1", "inside\t0");
    }

    @Test
    @Order(3)
    void tsharkReadsTheStreamFromAPipeAsItArrives() throws Exception {
        assumeTshark("tsharkReadsTheStreamFromAPipeAsItArrives");
        Process pinger = lab.spawn("cl", "ping", "-c", "40", "-i", "0.2", Lab.SV);
        // A 60 s capture; tshark stops after 4 frames. Within the 45 s this command may take, only a
        // stream that delivers frames as they come gets tshark there: a body sent at the end would not.
        long started = System.nanoTime();
        Shell.Result r = lab.exec("rt", Duration.ofSeconds(45), "sh", "-c", "curl -sS -N 'http://" + ADMIN
                + "/api/v1/capture?side=both&seconds=60' | tshark -r - -c 4 -T fields -e frame.interface_name"
                + " -e icmp.type");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        pinger.destroy();
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        System.out.println("SessionLogEndToEndIT: tshark read 4 frames from the live stream in " + millis
                + " ms (the capture was asked for 60 s):\n" + r.stdout());
        assertThat(r.stdout().lines().toList()).hasSize(4).allMatch(l -> l.startsWith("inside\t")
                || l.startsWith("outside\t"));
    }

    @Test
    @Order(4)
    void aSessionLiveAtTheStopGetsAnEndedLineSayingSo() throws Exception {
        Shell.Result ping = run("cl", "ping", "-c", "1", "-W", "2", Lab.SV);
        assertThat(ping.exitCode()).as(ping.stdout() + ping.stderr()).isZero();
        linesOf("created", 1);
        assertThat(jnat.stop()).as(String.join("\n", jnat.output())).isZero();
        // Stopped: the log is complete. Every session made has ended, by its timeout or by the stop.
        List<JsonObject> made = linesOf("created", 1);
        List<JsonObject> ended = linesOf("ended", 1);
        System.out.println("SessionLogEndToEndIT: last line: " + ended.getLast());
        assertThat(ended.getLast().get("reason").getAsString()).isEqualTo("stopped");
        assertThat(ended.stream().map(e -> e.get("start").getAsString() + " " + e.get("inside").getAsString()).toList())
                .containsExactlyInAnyOrderElementsOf(made.stream().map(c -> c.get("time").getAsString() + " "
                        + c.get("inside").getAsString()).toList());
    }

    private long counter(String name) {
        Shell.Result r = run("rt", "curl", "-sS", "--max-time", "10",
                "http://" + ADMIN + "/api/v1/counters?prefix=" + name);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonArray counters = Json.parse(r.stdout()).getAsJsonObject().getAsJsonArray("counters");
        for (var c : counters) {
            if (c.getAsJsonObject().get("name").getAsString().equals(name)) {
                return c.getAsJsonObject().get("value").getAsLong();
            }
        }
        throw new AssertionError("no counter " + name + " in " + counters);
    }
}
