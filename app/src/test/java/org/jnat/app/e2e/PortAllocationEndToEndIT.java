package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
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
    /** Inside source ports 41000, 41007, ...: not consecutive, so that consecutive public ports are the NAT's doing. */
    private static final int FIRST = 41000, STEP = 7;

    private Lab lab;
    private JnatProcess jnat;
    private Path work;

    @BeforeEach
    void lab() throws IOException {
        Labs.assumeLab(getClass(), "ping");
        work = Files.createTempDirectory("jnat-al");
        lab = Lab.create(Lab.uniquePrefix("al"), Lab.Mode.TAP);
    }

    @AfterEach
    void tearDown() throws IOException {
        Labs.tearDown(jnat, lab, work);
    }

    private void start(String natKeys) throws IOException {
        String config = lab.jnatConfig("drop").replace("unmatched = \"drop\"", "unmatched = \"drop\"\n" + natKeys);
        jnat = JnatProcess.startWith(lab, config, true, List.of());
    }

    /** The public ports of {@code count} flows from {@code host} to sv:{@code port}, all from the public address. */
    private List<Integer> ports(String host, int count, int port) throws Exception {
        Path file = UdpObservations.record(lab, work, port);
        UdpObservations.flows(lab, host, FIRST, STEP, count, port);
        List<String> lines = UdpObservations.seen(file, count);
        assertThat(lines).allMatch(l -> l.startsWith(Lab.RT_OUTSIDE + " "));
        return lines.stream().map(l -> Integer.parseInt(l.substring(l.indexOf(' ') + 1))).toList();
    }

    private static int inside(int i) {
        return FIRST + i * STEP;
    }

    @Test
    void preserveKeepsTheInsidePorts() throws Exception {
        start("");
        List<Integer> ports = ports(Lab.CL, 20, 5401);
        assertThat(ports).isEqualTo(java.util.stream.IntStream.range(0, 20).map(PortAllocationEndToEndIT::inside)
                .boxed().toList());
    }

    @Test
    void randomNeverKeepsTheInsidePort() throws Exception {
        start("port-allocation = \"random\"\n");
        List<Integer> ports = ports(Lab.CL, 50, 5402);
        for (int i = 0; i < 50; i++) {
            assertThat(ports.get(i)).as("flow %d", i).isNotEqualTo(inside(i)).isBetween(1024, 65535);
            assertThat(ports.get(i) % 2).as("parity kept (RFC 4787 REQ-4)").isEqualTo(inside(i) % 2);
        }
        assertThat(ports).doesNotHaveDuplicates();
    }

    @Test
    void sequentialGivesConsecutivePorts() throws Exception {
        start("port-allocation = \"sequential\"\n");
        List<Integer> sorted = ports(Lab.CL, 100, 5403).stream().sorted().toList();
        for (int i = 1; i < 100; i++) {
            assertThat(sorted.get(i)).as("port %d after %d", i, sorted.get(i - 1)).isEqualTo(sorted.get(i - 1) + 1);
        }
        assertThat(sorted.get(0)).as("in the class of the inside ports (REQ-3a)").isGreaterThanOrEqualTo(1024);
    }

    @Test
    void deterministicBlocksAreWhereTheFormulaSays() throws Exception {
        start("port-allocation = \"block\"\nport-block-size = 512\ndeterministic = true\n");
        int blocks = (65535 - 1024 + 1) / 512; // blocks over 1024-65535, from the inside prefix 192.168.1.0/24
        int svPort = 5404;
        for (String host : List.of(Lab.CL, Lab.CL2)) {
            int index = Ipv4Address.parse(host) - Ipv4Address.parse("192.168.1.0");
            int start = 1024 + (index % blocks) * 512; // RFC 7422: what an operator computes without logs
            assertThat(ports(host, 60, svPort++)).as(host).allMatch(p -> p >= start && p < start + 512)
                    .doesNotHaveDuplicates();
        }
    }

    @Test
    void dynamicBlocksKeepEachHostInABlockOfItsOwn() throws Exception {
        start("port-allocation = \"block\"\nport-block-size = 256\n");
        List<Integer> a = ports(Lab.CL, 60, 5406);
        List<Integer> b = ports(Lab.CL2, 60, 5407);
        int blockA = (a.get(0) - 1024) / 256;
        int blockB = (b.get(0) - 1024) / 256;
        assertThat(a).allMatch(p -> (p - 1024) / 256 == blockA && p >= 1024);
        assertThat(b).allMatch(p -> (p - 1024) / 256 == blockB && p >= 1024);
        assertThat(blockA).isNotEqualTo(blockB);
    }
}
