package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.jnat.wire.Ipv4Address;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every {@code [nat] port-allocation} mode observed from outside, on a real {@code jnat run} (TAP
 * lab): the inside hosts 192.168.1.10 and .11 (two addresses of cl) send one UDP datagram from each
 * of many source ports, and a recorder in sv writes down the source address and port each arrives
 * from. One lab and router per mode. Needs root; skips, saying why, otherwise.
 */
class PortAllocationEndToEndIT {
    private static final Duration LONG = Duration.ofSeconds(60);
    /** Inside source ports 41000, 41007, ...: not consecutive, so that consecutive public ports are the NAT's doing. */
    private static final int FIRST = 41000, STEP = 7;

    private Lab lab;
    private JnatProcess jnat;
    private Path work;
    private final List<Process> recorders = new ArrayList<>();

    @BeforeEach
    void lab() throws IOException {
        Labs.assumeLab(getClass());
        work = Files.createTempDirectory("jnat-al");
        lab = Lab.create(Lab.uniquePrefix("al"), Lab.Mode.TAP);
    }

    @AfterEach
    void tearDown() throws IOException {
        recorders.forEach(Shell::stop);
        Labs.tearDown(jnat, lab, work);
    }

    private void start(String natKeys) throws IOException {
        String config = lab.jnatConfig("drop").replace("unmatched = \"drop\"", "unmatched = \"drop\"\n" + natKeys);
        jnat = JnatProcess.startWith(lab, config, true, List.of());
    }

    /** A recorder in sv on {@code port}; its file. */
    private Path record(int port) {
        Path file = work.resolve("peers-" + port + ".txt");
        recorders.add(lab.spawn("sv", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), UdpPeerRecorder.class.getName(), Lab.SV, "" + port,
                file.toString()));
        assertThat(lab.awaitListening(System.nanoTime() + LONG.toNanos(), "sv", "-lunH", Lab.SV, port))
                .as("the recorder listens on " + port).isTrue();
        return file;
    }

    /** {@code count} flows from {@code host}, source ports FIRST, FIRST + STEP, ..., to sv:{@code port}. */
    private void flows(String host, int count, int port) {
        Shell.Result r = lab.exec("cl", LONG, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), UdpFlows.class.getName(), host, "" + FIRST, "" + STEP,
                "" + count, Lab.SV, "" + port);
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    }

    /** The public ports the recorder saw, once it has {@code count} lines (or after a generous wait). */
    private List<Integer> seen(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (System.nanoTime() - deadline < 0 && (!Files.exists(file) || Files.readAllLines(file).size() < count)) {
            Thread.sleep(100);
        }
        List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        assertThat(lines).as("what sv saw").hasSize(count);
        assertThat(lines).allMatch(l -> l.startsWith(Lab.RT_OUTSIDE + " "));
        List<Integer> ports = lines.stream().map(l -> Integer.parseInt(l.substring(l.indexOf(' ') + 1))).toList();
        System.out.println(file.getFileName() + ": " + ports);
        return ports;
    }

    private static int inside(int i) {
        return FIRST + i * STEP;
    }

    @Test
    void preserveKeepsTheInsidePorts() throws Exception {
        start("");
        Path file = record(5401);
        flows(Lab.CL, 20, 5401);
        List<Integer> ports = seen(file, 20);
        for (int i = 0; i < 20; i++) {
            assertThat(ports.get(i)).isEqualTo(inside(i));
        }
    }

    @Test
    void randomNeverKeepsTheInsidePort() throws Exception {
        start("port-allocation = \"random\"\n");
        Path file = record(5402);
        flows(Lab.CL, 50, 5402);
        List<Integer> ports = seen(file, 50);
        for (int i = 0; i < 50; i++) {
            assertThat(ports.get(i)).as("flow %d", i).isNotEqualTo(inside(i)).isBetween(1024, 65535);
            assertThat(ports.get(i) % 2).as("parity kept (RFC 4787 REQ-4)").isEqualTo(inside(i) % 2);
        }
        assertThat(ports).doesNotHaveDuplicates();
    }

    @Test
    void sequentialGivesConsecutivePorts() throws Exception {
        start("port-allocation = \"sequential\"\n");
        Path file = record(5403);
        flows(Lab.CL, 100, 5403);
        List<Integer> sorted = seen(file, 100).stream().sorted().toList();
        for (int i = 1; i < 100; i++) {
            assertThat(sorted.get(i)).as("port %d after %d", i, sorted.get(i - 1)).isEqualTo(sorted.get(i - 1) + 1);
        }
        assertThat(sorted.get(0)).as("in the class of the inside ports (REQ-3a)").isGreaterThanOrEqualTo(1024);
    }

    @Test
    void deterministicBlocksAreWhereTheFormulaSays() throws Exception {
        start("port-allocation = \"block\"\nport-block-size = 512\ndeterministic = true\n");
        Path ten = record(5404);
        Path eleven = record(5405);
        flows(Lab.CL, 60, 5404);
        flows(Lab.CL2, 60, 5405);
        int blocks = (65535 - 1024 + 1) / 512; // blocks over 1024-65535, from the inside prefix 192.168.1.0/24
        for (var host : List.of(java.util.Map.entry(Lab.CL, ten), java.util.Map.entry(Lab.CL2, eleven))) {
            int index = Ipv4Address.parse(host.getKey()) - Ipv4Address.parse("192.168.1.0");
            int start = 1024 + (index % blocks) * 512; // RFC 7422: what an operator computes without logs
            assertThat(seen(host.getValue(), 60)).as(host.getKey()).allMatch(p -> p >= start && p < start + 512)
                    .doesNotHaveDuplicates();
        }
    }

    @Test
    void dynamicBlocksKeepEachHostInABlockOfItsOwn() throws Exception {
        start("port-allocation = \"block\"\nport-block-size = 256\n");
        Path ten = record(5406);
        Path eleven = record(5407);
        flows(Lab.CL, 60, 5406);
        flows(Lab.CL2, 60, 5407);
        List<Integer> a = seen(ten, 60);
        List<Integer> b = seen(eleven, 60);
        int blockA = (a.get(0) - 1024) / 256;
        int blockB = (b.get(0) - 1024) / 256;
        assertThat(a).allMatch(p -> (p - 1024) / 256 == blockA && p >= 1024);
        assertThat(b).allMatch(p -> (p - 1024) / 256 == blockB && p >= 1024);
        assertThat(blockA).isNotEqualTo(blockB);
    }
}
