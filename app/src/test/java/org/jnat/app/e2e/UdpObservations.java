package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;

/**
 * Flows from the inside observed from outside, for the end-to-end tests of allocation and pools: a
 * {@link UdpPeerRecorder} in sv writes down where each datagram came from, {@link UdpFlows} in cl
 * sends them.
 */
final class UdpObservations {
    private static final Duration LONG = Duration.ofSeconds(60);

    private UdpObservations() {
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Starts a recorder in sv on {@code port} (the lab stops it); its file in {@code work}. */
    static Path record(Lab lab, Path work, int port) {
        Path file = work.resolve("peers-" + port + ".txt");
        lab.spawn("sv", java(), "-cp", System.getProperty("java.class.path"), UdpPeerRecorder.class.getName(), Lab.SV,
                "" + port, file.toString());
        assertThat(lab.awaitListening(System.nanoTime() + LONG.toNanos(), "sv", "-lunH", Lab.SV, port))
                .as("the recorder listens on " + port).isTrue();
        return file;
    }

    /** {@code count} flows from {@code host}, source ports {@code first}, {@code first + step}, ..., to sv:{@code port}. */
    static void flows(Lab lab, String host, int first, int step, int count, int port) {
        // First a ping, so that the router has resolved its gateway: datagrams sent while that ARP
        // is pending wait in a short queue, and a loaded machine answered late enough to overflow it.
        Shell.Result ping = lab.exec("cl", LONG, "ping", "-c", "1", "-W", "10", "-I", host, Lab.SV);
        assertThat(ping.exitCode()).as("cl pings sv first: " + ping.stdout() + ping.stderr()).isZero();
        Shell.Result r = lab.exec("cl", LONG, java(), "-cp", System.getProperty("java.class.path"),
                UdpFlows.class.getName(), host, "" + first, "" + step, "" + count, Lab.SV, "" + port);
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    }

    /** The recorder's lines ("ADDRESS PORT"), once it has {@code count} (waiting generously); exactly {@code count}. */
    static List<String> seen(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (System.nanoTime() - deadline < 0 && (!Files.exists(file) || Files.readAllLines(file).size() < count)) {
            Thread.sleep(100);
        }
        List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        assertThat(lines).as("what sv saw").hasSize(count);
        System.out.println(file.getFileName() + ": " + lines);
        return lines;
    }
}
