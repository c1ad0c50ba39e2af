package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults a router meets in the field, end to end on a real {@code jnat run} (issue 17): either link
 * down for 3 s and up again, jnat stopped (SIGSTOP) for 3 s and continued. After each, traffic
 * resumes (a ping from cl to sv answers again; how long it took is printed, not asserted), and
 * one TCP connection from cl to an echo server in sv, opened before the first fault, still carries
 * bytes both ways after all of them. Which link goes down: with TAP, the TAP's kernel end in cl or
 * isp (jnat's own file descriptor stays open; the kernel refuses frames to a TAP whose link is
 * down); with AF_PACKET, jnat's own interface r0 or r1 in rt (its socket sees ENETDOWN). Needs root,
 * ping and socat; skips, saying why, otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class FaultsEndToEndSuite {
    private static final Duration RECOVERY = Duration.ofSeconds(40);
    private static final int ECHO_PORT = 7007;

    private final Lab.Mode mode;
    Lab lab;
    JnatProcess jnat;
    private Process connection;
    private OutputStream toServer;
    private final BlockingQueue<String> fromServer = new LinkedBlockingQueue<>();
    private int echoes;

    FaultsEndToEndSuite(Lab.Mode mode) {
        this.mode = mode;
    }

    @BeforeAll
    void startLabRouterAndConnection() throws IOException, InterruptedException {
        Labs.assumeLab(getClass(), "ping", "socat");
        lab = Lab.create(Lab.uniquePrefix("ft"), mode);
        jnat = JnatProcess.start(lab, "drop", true);
        lab.spawn("sv", "socat", "TCP-LISTEN:" + ECHO_PORT + ",bind=" + Lab.SV + ",reuseaddr", "EXEC:cat");
        assertThat(lab.awaitListening(System.nanoTime() + 20_000_000_000L, "sv", "-ltnH", Lab.SV, ECHO_PORT))
                .as("the echo server in sv listens").isTrue();
        // Its own process (the lab's spawn discards output): the test writes and reads through its pipes.
        connection = new ProcessBuilder("ip", "netns", "exec", lab.ns("cl"), "socat", "-",
                "TCP:" + Lab.SV + ":" + ECHO_PORT).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        toServer = connection.getOutputStream();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    fromServer.add(line);
                }
            } catch (IOException ignored) {
                // the connection ended; echo() then sees nothing
            }
        }, "faults-echo-reader");
        reader.setDaemon(true);
        reader.start();
        echo("before the faults");
    }

    @AfterAll
    void tearDown() throws IOException {
        if (connection != null) {
            connection.destroyForcibly();
        }
        Labs.tearDown(jnat, lab, null);
    }

    /** A line through the long-lived TCP connection, and its echo back within {@link #RECOVERY}. */
    void echo(String when) throws IOException, InterruptedException {
        String line = "line " + (++echoes) + " " + when;
        toServer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        toServer.flush();
        long start = System.nanoTime();
        String back = fromServer.poll(RECOVERY.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(back).as("the echo of '%s' through the TCP connection opened before the faults", line)
                .isEqualTo(line);
        System.out.printf("%s: the TCP connection echoed '%s' after %.0f ms%n", mode, line,
                (System.nanoTime() - start) / 1e6);
    }

    /** Pings sv from cl every 100 ms until one answers; asserts that one did within {@link #RECOVERY}. */
    private void awaitTraffic(String after) {
        long start = System.nanoTime();
        boolean answered = Lab.await(start + RECOVERY.toNanos(), 100,
                () -> lab.exec("cl", Duration.ofSeconds(5), "ping", "-c", "1", "-W", "1", Lab.SV).exitCode() == 0);
        assertThat(answered).as("a ping from cl to sv answers again after %s", after).isTrue();
        System.out.printf("%s: traffic resumed %.0f ms after %s%n", mode, (System.nanoTime() - start) / 1e6, after);
        assertThat(jnat.alive()).as("jnat still runs").isTrue();
    }

    private void linkDownFor3s(String host, String device) throws InterruptedException {
        lab.ip(host, "link", "set", device, "down");
        Thread.sleep(3000); // the fault itself lasts 3 s; nothing is asserted on time
        lab.ip(host, "link", "set", device, "up");
        if (host.equals("cl")) {
            // Linux deletes every IPv4 route through an interface set administratively down (not
            // on a mere carrier loss); cl's default route goes with c0, and cl puts it back as a
            // host's network manager would. jnat's own state is what this test is about.
            lab.ip("cl", "route", "replace", "default", "via", Lab.RT_INSIDE);
        }
        awaitTraffic(device + " in " + host + " was down for 3 s");
    }

    /** The namespace and the device to take down on the inside (0) or the outside (1). */
    private String[] link(int side) {
        if (mode == Lab.Mode.TAP) {
            return side == 0 ? new String[] {"cl", "c0"} : new String[] {"isp", "i0"};
        }
        return new String[] {"rt", side == 0 ? "r0" : "r1"};
    }

    @Test
    @Order(1)
    void trafficFlowsAtFirst() {
        awaitTraffic("start");
    }

    @Test
    @Order(2)
    void insideLinkDownFor3sThenUp() throws InterruptedException {
        String[] l = link(0);
        linkDownFor3s(l[0], l[1]);
    }

    @Test
    @Order(3)
    void outsideLinkDownFor3sThenUp() throws InterruptedException {
        String[] l = link(1);
        linkDownFor3s(l[0], l[1]);
    }

    @Test
    @Order(4)
    void stoppedFor3sThenContinued() throws InterruptedException {
        jnat.signal("STOP");
        try {
            Thread.sleep(3000);
        } finally {
            jnat.signal("CONT");
        }
        awaitTraffic("jnat was stopped (SIGSTOP) for 3 s");
    }

    @Test
    @Order(5)
    void theTcpConnectionSurvivedEveryFault() throws IOException, InterruptedException {
        echo("after every fault");
        echo("once more");
    }
}
