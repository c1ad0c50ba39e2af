package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * bytes both ways after all of them; a line written on it during each fault comes back after it
 * (TCP retransmits it through jnat). Torn down, the lab leaves no process in its namespaces. Which
 * link goes down: with TAP, the TAP's kernel end in cl or isp (jnat's own file descriptor stays
 * open; the kernel refuses frames to a TAP whose link is down); with AF_PACKET, jnat's own
 * interface r0 or r1 in rt (its socket sees ENETDOWN). Needs root, ping and socat; skips, saying
 * why, otherwise.
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
        Set<String> netns = lab == null ? Set.of() : namespaceIds(lab);
        if (connection != null) {
            connection.destroyForcibly();
        }
        Labs.tearDown(jnat, lab, null);
        // What `ip netns pids` would show, asked after the namespaces' names are gone: a process
        // still in one keeps that namespace alive, so look for it by the namespace's inode.
        List<String> left = new ArrayList<>();
        Lab.await(System.nanoTime() + RECOVERY.toNanos(), 100, () -> {
            left.clear();
            left.addAll(processesIn(netns));
            return left.isEmpty();
        });
        assertThat(left).as("processes left in the lab's namespaces %s after it was torn down", netns).isEmpty();
    }

    /** The lab's network namespaces as /proc names them ({@code net:[inode]}). */
    private static Set<String> namespaceIds(Lab lab) throws IOException {
        Set<String> ids = new HashSet<>();
        for (String ns : lab.namespaces()) {
            Path mount = Path.of("/run/netns", ns);
            if (Files.exists(mount)) {
                ids.add("net:[" + Files.getAttribute(mount, "unix:ino") + "]");
            }
        }
        return ids;
    }

    /** "pid command" of every process whose network namespace is one of {@code netns}. */
    private static List<String> processesIn(Set<String> netns) {
        return ProcessHandle.allProcesses().filter(p -> {
            try {
                return netns.contains(Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "ns", "net"))
                        .toString());
            } catch (IOException | SecurityException e) {
                return false; // the process ended meanwhile
            }
        }).map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
    }

    /** A line through the long-lived TCP connection, and its echo back within {@link #RECOVERY}. */
    void echo(String when) throws IOException, InterruptedException {
        awaitEcho(send(when));
    }

    /** Writes one numbered line on the TCP connection (into its socket buffer; TCP sends it when it can). */
    private String send(String when) throws IOException {
        String line = "line " + (++echoes) + " " + when;
        toServer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        toServer.flush();
        return line;
    }

    /** Waits up to {@link #RECOVERY} for the echo of {@code line}, the next line due on the connection. */
    private void awaitEcho(String line) throws InterruptedException {
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

    private void linkDownFor3s(String host, String device) throws IOException, InterruptedException {
        lab.ip(host, "link", "set", device, "down");
        // Sent while the link is down: TCP must retransmit it through jnat once the link is back.
        String during = send("while " + device + " in " + host + " is down");
        Thread.sleep(3000); // the fault itself lasts 3 s; nothing is asserted on time
        lab.ip(host, "link", "set", device, "up");
        if (host.equals("cl")) {
            // Linux deletes every IPv4 route through an interface set administratively down (not
            // on a mere carrier loss); cl's default route goes with c0, and cl puts it back as a
            // host's network manager would. jnat's own state is what this test is about.
            lab.ip("cl", "route", "replace", "default", "via", Lab.RT_INSIDE);
        }
        awaitTraffic(device + " in " + host + " was down for 3 s");
        awaitEcho(during);
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
    void insideLinkDownFor3sThenUp() throws IOException, InterruptedException {
        String[] l = link(0);
        linkDownFor3s(l[0], l[1]);
    }

    @Test
    @Order(3)
    void outsideLinkDownFor3sThenUp() throws IOException, InterruptedException {
        String[] l = link(1);
        linkDownFor3s(l[0], l[1]);
    }

    @Test
    @Order(4)
    void stoppedFor3sThenContinued() throws IOException, InterruptedException {
        jnat.signal("STOP");
        String during;
        try {
            // Sent while jnat is frozen: it waits in the sockets' queues or is retransmitted.
            during = send("while jnat is stopped");
            Thread.sleep(3000);
        } finally {
            jnat.signal("CONT");
        }
        awaitTraffic("jnat was stopped (SIGSTOP) for 3 s");
        awaitEcho(during);
    }

    @Test
    @Order(5)
    void theTcpConnectionSurvivedEveryFault() throws IOException, InterruptedException {
        echo("after every fault");
        echo("once more");
    }
}
