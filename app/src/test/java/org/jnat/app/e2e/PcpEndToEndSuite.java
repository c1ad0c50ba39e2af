package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import org.jnat.app.lab.HelloServer;
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
 * NAT-PMP end to end on a real {@code jnat run} with {@code [pcp] enabled} (DESIGN section 7): Debian's
 * {@code natpmpc} in cl maps a TCP port to a server in cl, and sv reaches that server through jnat's
 * public address; deleting the mapping ({@code natpmpc -a ... 0}) closes the port again, and so does
 * the lifetime running out ({@code max-lifetime = "6s"}). The mapping shows in {@code GET
 * /api/v1/forwards} with source "pcp". Needs root and natpmpc; skips, saying why, otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class PcpEndToEndSuite {
    private static final Duration SHORT = Duration.ofSeconds(15);
    private static final int PORT = 8123;
    private static final String TOKEN = "pcp-e2e-token-0123456";

    private final Lab.Mode mode;
    /** The admin API's address in rt, one per subclass so that two running at once do not collide. */
    private final String admin;
    private Lab lab;
    private JnatProcess jnat;
    private HelloServer hello;

    PcpEndToEndSuite(Lab.Mode mode, String admin) {
        this.mode = mode;
        this.admin = admin;
    }

    private String admin() {
        return admin;
    }

    @BeforeAll
    void startLabAndRouter() throws IOException {
        Labs.assumeLab(getClass(), "natpmpc", "curl");
        lab = Lab.create(Lab.uniquePrefix("pc"), mode);
        jnat = JnatProcess.start(lab, "reject", true, "\n[pcp]\nenabled = true\nmax-lifetime = \"6s\"\n"
                + "\n[admin]\nlisten = \"" + admin() + "\"\ntoken = \"" + TOKEN + "\"\n");
        jnat.awaitLine("admin API listening on http://" + admin(), 10_000);
        hello = HelloServer.start(lab.ns("cl"), Lab.CL, PORT, "hello pcp from %s:%s\n");
    }

    @AfterAll
    void tearDown() throws IOException {
        if (hello != null) {
            hello.close();
        }
        Labs.tearDown(jnat, lab, null);
    }

    /** sv's curl to the public address on {@link #PORT}: the body, or null when it got none. */
    private String fromSv() {
        Shell.Result r = lab.exec("sv", SHORT, "curl", "-sS", "--max-time", "3",
                "http://" + Lab.RT_OUTSIDE + ":" + PORT + "/");
        return r.exitCode() == 0 ? r.stdout() : null;
    }

    /** {@code natpmpc -g 192.168.1.1 -a PORT PORT tcp LIFETIME} in cl. */
    private Shell.Result natpmpc(int lifetime) {
        Shell.Result r = lab.exec("cl", Duration.ofSeconds(60), "natpmpc", "-g", Lab.RT_INSIDE, "-a",
                Integer.toString(PORT), Integer.toString(PORT), "tcp", Integer.toString(lifetime));
        System.out.println("natpmpc -a " + PORT + " " + PORT + " tcp " + lifetime + ": exit " + r.exitCode() + "\n"
                + r.stdout() + r.stderr());
        return r;
    }

    private String api(String path) {
        Shell.Result r = lab.exec("rt", SHORT, "curl", "-sS", "--max-time", "10", "-H",
                "Authorization: Bearer " + TOKEN, "http://" + admin() + path);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout();
    }

    @Test
    @Order(1)
    void natpmpcMapsAPortThatSvReachesUntilItIsDeleted() {
        assertThat(fromSv()).as("no mapping yet: jnat rejects").isNull();
        Shell.Result map = natpmpc(3600);
        assertThat(map.exitCode()).as(map.stdout() + map.stderr()).isZero();
        assertThat(map.stdout()).contains("Public IP address : " + Lab.RT_OUTSIDE)
                .contains("Mapped public port " + PORT + " protocol TCP to local port " + PORT);
        String body = fromSv();
        assertThat(body).as("sv reaches cl's server through the mapping").startsWith("hello pcp from " + Lab.SV + ":");
        String forwards = api("/api/v1/forwards");
        assertThat(forwards).contains("\"source\":\"pcp\"").contains("\"to\":\"" + Lab.CL + ":" + PORT + "\"")
                .contains("\"by\":\"natpmp\"");
        Shell.Result list = Labs.jnatCli(lab, "forwards", "list", "--admin", admin());
        assertThat(list.exitCode()).as(list.stderr()).isZero();
        assertThat(list.stdout()).containsPattern("(?m)^- +tcp +" + PORT + " +192\\.168\\.1\\.10:" + PORT + " +pcp [0-6]s$");

        Shell.Result delete = natpmpc(0);
        assertThat(delete.exitCode()).as(delete.stdout() + delete.stderr()).isZero();
        assertThat(fromSv()).as("deleted: the port is closed again").isNull();
        assertThat(api("/api/v1/forwards")).doesNotContain("\"source\":\"pcp\"");
    }

    @Test
    @Order(2)
    void theLifetimeRunningOutClosesThePort() {
        Shell.Result map = natpmpc(3600);
        assertThat(map.exitCode()).as(map.stdout() + map.stderr()).isZero();
        assertThat(map.stdout()).as("max-lifetime bounds the lifetime").contains("liftime 6");
        assertThat(fromSv()).as("mapped again").startsWith("hello pcp from " + Lab.SV + ":");
        long mapped = System.nanoTime();
        assertThat(Lab.await(System.nanoTime() + Duration.ofSeconds(30).toNanos(), 200, () -> fromSv() == null)).as("the port closes once 6 s are over").isTrue();
        System.out.printf("the port closed %.1f s after the mapping was made (max-lifetime 6 s)%n",
                (System.nanoTime() - mapped) / 1e9);
        String counters = api("/api/v1/counters?prefix=pcp.mappings.expired");
        assertThat(counters).contains("\"value\":1");
    }
}
