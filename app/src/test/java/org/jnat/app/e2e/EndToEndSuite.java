package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * jnat between real Linux hosts (DESIGN section 7): curl, ping, traceroute, socat and iperf3 run
 * in namespaces cl and sv, and jnat ({@code jnat run}, a real process) sits in rt. Subclasses pick
 * the devices: TAP or AF_PACKET. Needs root; without it every test is skipped and says why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class EndToEndSuite {
    private static final Duration SHORT = Duration.ofSeconds(15);

    private Lab lab;
    private JnatProcess jnat;
    private Path work;

    abstract Lab.Mode mode();

    private String who() {
        return mode() == Lab.Mode.KERNEL ? "the kernel NAT" : "jnat (" + mode() + ")";
    }

    @BeforeAll
    void startLabAndRouter() throws IOException {
        Labs.assumeLab(getClass(), "ping", "traceroute", "socat", "curl", "iperf3");
        work = Files.createTempDirectory("jnat-e2e");
        lab = Lab.create(Lab.uniquePrefix(mode() == Lab.Mode.TAP ? "jt" : "ja"), mode());
        if (mode() != Lab.Mode.KERNEL) {
            jnat = JnatProcess.start(lab, "reject");
        }
        // A web server with a known file on sv, and a UDP echo server.
        Files.writeString(work.resolve("hello.txt"), "hello through jnat\n");
        Files.write(work.resolve("big.bin"), new byte[1 << 20]);
        lab.spawn("sv", Path.of(System.getProperty("java.home"), "bin", "jwebserver").toString(), "-b", Lab.SV,
                "-p", "8000", "-d", work.toString(), "-o", "none");
        lab.spawn("sv", "socat", "UDP4-RECVFROM:5353,bind=" + Lab.SV + ",fork", "PIPE");
        awaitTcp("sv", Lab.SV, 8000);
        awaitUdp("sv", Lab.SV, 5353);
    }

    @AfterAll
    void tearDown() throws IOException {
        Labs.tearDown(jnat, lab, work);
    }

    @Test
    @Order(1)
    void pingReachesTheServer() {
        Shell.Result r = lab.exec("cl", SHORT, "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.SV);
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).contains("3 received");
    }

    @Test
    @Order(2)
    void pingTheRouterOnBothSides() {
        assertThat(lab.exec("cl", SHORT, "ping", "-c", "1", "-W", "2", Lab.RT_INSIDE).exitCode()).isZero();
        assertThat(lab.exec("isp", SHORT, "ping", "-c", "1", "-W", "2", Lab.RT_OUTSIDE).exitCode()).isZero();
    }

    @Test
    @Order(3)
    void curlFetchesAPageAndAMegabyte() {
        Shell.Result page = lab.exec("cl", SHORT, "curl", "-sS", "--max-time", "10",
                "http://" + Lab.SV + ":8000/hello.txt");
        assertThat(page.stdout()).as(page.stderr()).isEqualTo("hello through jnat\n");
        Shell.Result big = lab.exec("cl", SHORT, "curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w",
                "%{size_download}", "http://" + Lab.SV + ":8000/big.bin");
        assertThat(big.stdout()).as(big.stderr()).isEqualTo("" + (1 << 20));
    }

    @Test
    @Order(4)
    void tracerouteShowsRouterIspServer() {
        Shell.Result r = lab.exec("cl", Duration.ofSeconds(30), "traceroute", "-n", "-q", "1", "-w", "2", "-m", "5",
                Lab.SV);
        List<String> hops = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            Matcher m = Pattern.compile("^\\s*(\\d+)\\s+(\\S+)").matcher(line);
            if (m.find()) {
                hops.add(m.group(2));
            }
        }
        assertThat(hops).as(r.stdout()).containsExactly(Lab.RT_INSIDE, Lab.ISP_INSIDE, Lab.SV);
    }

    @Test
    @Order(5)
    void udpEchoThroughSocat() {
        Shell.Result r = lab.exec("cl", SHORT, "sh", "-c",
                "echo ping-over-udp | socat -T 3 - UDP4:" + Lab.SV + ":5353");
        assertThat(r.stdout()).as(r.stderr()).isEqualTo("ping-over-udp\n");
    }

    @Test
    @Order(6)
    void twoInsideHostsWithTheSameSourcePort() throws Exception {
        Path seen = work.resolve("peers.txt");
        // A one-socket recorder: socat's recvfrom-and-fork sometimes let one child take both
        // datagrams and record one (seen in CI with the assertions below: one line, .10's).
        Process recorder = lab.spawn("sv", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), UdpPeerRecorder.class.getName(), Lab.SV, "5354", seen.toString());
        awaitUdp("sv", Lab.SV, 5354);
        // One after the other, the first host's session still live when the second host's
        // datagram needs a mapping for the same port (UDP sessions last minutes). Sent at once,
        // this test failed twice in about a dozen runs (TAP once, AF_PACKET once) without saying
        // which step, while 40 simultaneous pairs sent by hand through jnat all came back: the
        // suspect is sv's socat echo server, which takes one recvfrom-and-fork at a time.
        Shell.Result a = lab.exec("cl", SHORT, "sh", "-c",
                "echo from-10 | socat -T 3 - UDP4:" + Lab.SV + ":5353,bind=" + Lab.CL + ":41005");
        Shell.Result b = lab.exec("cl", SHORT, "sh", "-c",
                "echo from-11 | socat -T 3 - UDP4:" + Lab.SV + ":5353,bind=" + Lab.CL2 + ":41005");
        assertThat(a.stdout()).as("host .10's echo; socat said: " + a.stderr()).isEqualTo("from-10\n");
        assertThat(b.stdout()).as("host .11's echo; socat said: " + b.stderr()).isEqualTo("from-11\n");
        lab.exec("cl", SHORT, "sh", "-c", "echo x | socat -u - UDP4:" + Lab.SV + ":5354,bind=" + Lab.CL + ":41006");
        lab.exec("cl", SHORT, "sh", "-c", "echo y | socat -u - UDP4:" + Lab.SV + ":5354,bind=" + Lab.CL2 + ":41006");
        // Give the recorder time to write both lines.
        for (int i = 0; i < 50 && (!Files.exists(seen) || Files.readAllLines(seen).size() < 2); i++) {
            Thread.sleep(100);
        }
        Shell.stop(recorder);
        List<String> peers = Files.exists(seen) ? Files.readAllLines(seen) : List.of();
        assertThat(peers).as("what sv saw").hasSize(2);
        assertThat(peers).allMatch(p -> p.startsWith(Lab.RT_OUTSIDE + " "));
        assertThat(peers.get(0)).isNotEqualTo(peers.get(1));
    }

    @Test
    @Order(7)
    void portForwardReachesTheInsideServerWithTheRealClientAddress() throws Exception {
        lab.spawn("cl", "socat", "TCP4-LISTEN:" + Lab.FORWARD_INSIDE_PORT + ",bind=" + Lab.CL + ",reuseaddr,fork",
                "SYSTEM:echo seen $SOCAT_PEERADDR");
        awaitTcp("cl", Lab.CL, Lab.FORWARD_INSIDE_PORT);
        Shell.Result r = lab.exec("sv", SHORT, "socat", "-T", "3", "-", "TCP4:" + Lab.RT_OUTSIDE + ":"
                + Lab.FORWARD_PUBLIC_PORT);
        assertThat(r.stdout()).as(r.stderr()).isEqualTo("seen " + Lab.SV + "\n");
    }

    @Test
    @Order(8)
    void unsolicitedInboundIsRejectedAndNothingGoesInside() throws Exception {
        Path inside = work.resolve("inside-saw.txt");
        Process listener = lab.spawn("cl", "socat", "-u", "TCP4-LISTEN:41000,bind=" + Lab.CL + ",reuseaddr",
                "CREATE:" + inside);
        awaitTcp("cl", Lab.CL, 41000);
        // RFC 5382 REQ-4: the NAT holds an unsolicited SYN for 6 s before it answers it.
        Shell.Result tcp = lab.exec("sv", SHORT, "socat", "-T", "2", "-", "TCP4:" + Lab.RT_OUTSIDE
                + ":41000,connect-timeout=10");
        assertThat(tcp.stderr()).containsIgnoringCase("refused");
        Shell.Result udp = lab.exec("sv", SHORT, "sh", "-c", "echo x | socat -T 2 - UDP4:" + Lab.RT_OUTSIDE
                + ":41001");
        assertThat(udp.stderr()).containsIgnoringCase("refused");
        Shell.stop(listener);
        assertThat(inside).doesNotExist();
    }

    @Test
    @Order(9)
    void dontFragmentTooBigGetsFragmentationNeededFromIsp() {
        Shell.Result r = lab.exec("cl", SHORT, "ping", "-c", "2", "-i", "0.3", "-W", "2", "-M", "do", "-s", "1450",
                Lab.SV);
        assertThat(r.stdout() + r.stderr()).containsIgnoringCase("mtu = " + Lab.SV_MTU);
    }

    @Test
    @Order(10)
    void a3000ByteUdpDatagramIsFragmentedAndEchoed() throws IOException {
        Path payload = work.resolve("3000.bin");
        byte[] bytes = new byte[3000];
        new java.util.Random(7).nextBytes(bytes);
        Files.write(payload, bytes);
        Shell.Result r = lab.exec("cl", SHORT, "sh", "-c", "socat -b 65536 -T 3 - UDP4:" + Lab.SV + ":5353 < "
                + payload + " | wc -c");
        assertThat(r.stdout().strip()).as(r.stderr()).isEqualTo("3000");
    }

    @Test
    @Order(11)
    void iperf3TcpFiveSeconds() {
        Shell.Result r = iperf3(5201, "-t", "5");
        double bps = jsonNumber(r.stdout(), "sum_received", "bits_per_second");
        System.out.printf("iperf3 TCP through %s: %.1f Mbit/s%n", who(), bps / 1e6);
        // "Sane": a stalled or broken path gives ~0; any working one gives far more than this.
        assertThat(bps).as(r.stdout() + r.stderr()).isGreaterThan(10e6);
    }

    @Test
    @Order(12)
    void iperf3Udp() {
        Shell.Result r = iperf3(5202, "-u", "-b", "100M", "-t", "3");
        double lost = jsonNumber(r.stdout(), "sum", "lost_percent");
        double bps = jsonNumber(r.stdout(), "sum", "bits_per_second");
        System.out.printf("iperf3 UDP through %s: %.1f Mbit/s offered, %.2f%% lost%n", who(), bps / 1e6,
                lost);
        assertThat(lost).as(r.stdout()).isLessThan(50.0);
    }

    @Test
    @Order(20)
    void withUnmatchedDropUnsolicitedInboundTimesOut() throws Exception {
        Assumptions.assumeTrue(mode() != Lab.Mode.KERNEL, "the kernel baseline has no 'unmatched' setting");
        assertThat(jnat.stop()).as("jnat exits 0 on SIGTERM").isZero();
        assertThat(String.join("\n", jnat.output())).contains("stopped");
        jnat.output().stream().filter(l -> l.startsWith("jnat:   ")).forEach(System.out::println);
        jnat.close();
        jnat = JnatProcess.start(lab, "drop");
        Shell.Result tcp = lab.exec("sv", SHORT, "socat", "-T", "2", "-", "TCP4:" + Lab.RT_OUTSIDE
                + ":41000,connect-timeout=2");
        assertThat(tcp.exitCode()).isNotZero();
        assertThat(tcp.stderr()).doesNotContainIgnoringCase("refused");
        // The router still routes after the restart.
        assertThat(lab.exec("cl", SHORT, "ping", "-c", "1", "-W", "2", Lab.SV).exitCode()).isZero();
    }

    @Test
    @Order(21)
    void withDataPlaneTuningTheRouterStillRoutes() throws Exception {
        Assumptions.assumeTrue(mode() != Lab.Mode.KERNEL, "the kernel baseline has no [dataplane] settings");
        jnat.close();
        jnat = JnatProcess.start(lab, "drop", true,
                "\n[dataplane]\nbusy-poll = \"200us\"\nrealtime-priority = 10\ncpu = 0\n");
        Shell.Result ping = lab.exec("cl", SHORT, "ping", "-c", "20", "-i", "0.01", "-W", "2", Lab.SV);
        assertThat(ping.exitCode()).as(ping.stdout()).isZero();
        Shell.Result curl = lab.exec("cl", SHORT, "curl", "-sS", "--max-time", "5",
                "http://" + Lab.SV + ":8000/hello.txt");
        assertThat(curl.stdout()).isEqualTo("hello through jnat\n");
    }

    @Test
    @Order(22)
    void aDataPlaneSettingThatCannotBeAppliedStopsTheStartInOneLine() throws Exception {
        Assumptions.assumeTrue(mode() != Lab.Mode.KERNEL, "the kernel baseline has no [dataplane] settings");
        jnat.close();
        jnat = null;
        Path config = work.resolve("bad-cpu.toml");
        Files.writeString(config, lab.jnatConfig("drop") + "\n[dataplane]\ncpu = 1023\n");
        List<String> cmd = JnatProcess.command(lab, config);
        Shell.Result run = Shell.run(Duration.ofSeconds(30), cmd.toArray(String[]::new));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr().strip()).startsWith("jnat: cannot apply [dataplane]: sched_setaffinity(cpu 1023)"
                + " failed: EINVAL").doesNotContain("\n");
        assertThat(run.stdout()).doesNotContain("routing");
        // Nothing half-started: both devices were closed again (jnat's TAPs go with it).
        if (mode() == Lab.Mode.TAP) {
            Shell.Result link = Shell.run(SHORT, "ip", "-n", lab.ns("rt"), "link", "show", lab.insideTapName());
            assertThat(link.exitCode()).as(link.stdout()).isNotZero();
        }
    }

    /** Waits until a UDP socket is bound to addr:port in host (ss), up to 10 s. */
    private void awaitUdp(String host, String addr, int port) {
        awaitSocket(host, "-lunH", addr, port);
    }

    /** Runs iperf3 in cl, with {@code options}, against a one-off iperf3 server in sv on {@code port}; JSON out. */
    private Shell.Result iperf3(int port, String... options) {
        lab.spawn("sv", "iperf3", "-s", "-1", "-B", Lab.SV, "-p", "" + port);
        awaitTcp("sv", Lab.SV, port);
        List<String> client = new ArrayList<>(List.of("iperf3", "-c", Lab.SV, "-p", "" + port));
        client.addAll(List.of(options));
        client.add("-J");
        return lab.exec("cl", Duration.ofSeconds(30), client.toArray(String[]::new));
    }

    /** Waits until something listens on addr:port in host (ss), up to 10 s. */
    private void awaitTcp(String host, String addr, int port) {
        awaitSocket(host, "-ltnH", addr, port);
    }

    private void awaitSocket(String host, String ssFlags, String addr, int port) {
        if (!lab.awaitListening(System.nanoTime() + Duration.ofSeconds(10).toNanos(), host, ssFlags, addr, port)
                && !Thread.currentThread().isInterrupted()) {
            throw new AssertionError("nothing listens on " + addr + ":" + port + " in " + host);
        }
    }

    /** The number after "key": in the object after the last "section": of iperf3's JSON. */
    static double jsonNumber(String json, String section, String key) {
        int at = json.lastIndexOf("\"" + section + "\"");
        if (at < 0) {
            throw new AssertionError("no '" + section + "' in iperf3 output: " + json);
        }
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([0-9.eE+-]+)").matcher(json);
        if (!m.find(at)) {
            throw new AssertionError("no '" + key + "' in iperf3 output: " + json);
        }
        return Double.parseDouble(m.group(1));
    }
}
