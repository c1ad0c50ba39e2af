package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.app.Main;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.LabState;
import org.jnat.app.lab.Shell;
import org.jnat.testing.Requirement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code jnat lab} end to end, through the real CLI: a CGN (in 100.64.0.0/10) with two home NATs
 * behind it, alice behind one and bob behind the other, and the STUN server on the internet. Each
 * host learns its mapping from the STUN server, the test hands each the other's, and both punch
 * (RFC 5128 section 3.3; {@link HolePunchPeer}). As RFC 5128 predicts, this works when the home
 * NATs are cones (endpoint-independent mapping) and fails when both are symmetric. Both ways the
 * datagrams between the two hairpin at the CGN. The same holds for TCP, punched by simultaneous open
 * ({@link TcpHolePunchPeer}, mappings learnt from a socat reflector). Then {@code jnat lab down}, or Ctrl-C (SIGINT) of
 * {@code jnat lab up --foreground}, must leave no namespace, link or process behind, also after a
 * router crashed. Needs root; skips, saying why, otherwise.
 */
class LabEndToEndIT {
    private static final Duration LONG = Duration.ofSeconds(90);
    /** How long each peer punches: success takes a second; failure is this long. */
    private static final int PUNCH_SECONDS = 6;
    private static final Pattern OUR_LINKS = Pattern.compile("^(p\\d+|inside|outside|eth0|br0)(@.*)?$");

    /** The README's example: a CGN, home1 (lan1: alice, carol) and home2 (lan2: bob) behind it, a server. */
    private static final Path EXAMPLE = Path.of("..", "docs", "lab.example.toml");

    private Path work;
    private String name;
    private Set<String> linksBefore;

    @BeforeEach
    void setUp() throws IOException {
        boolean builtIn = new CommandLine(new Main()).getSubcommands().containsKey("stun-server");
        Labs.assumeLab(getClass(), builtIn ? new String[] {"setsid", "ss"} : new String[] {"setsid", "ss", "stund"});
        work = Files.createTempDirectory("jnat-lab-it");
        name = Lab.uniquePrefix("lb");
        linksBefore = Set.copyOf(rootLinks());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (name != null && (LabState.read(name) != null || !labNamespaces().isEmpty())) {
            System.out.println("cleaning up after a failure: " + jnat(Duration.ofSeconds(60), "lab", "down", "--name", name));
        }
        Labs.tearDown(null, null, work);
    }

    @Test
    void holePunchingBetweenConesBehindACgnWorksAndDownLeavesNothingEvenAfterARouterCrashed() throws Exception {
        Labs.assumeLab(getClass(), "ping"); // alice pings the server through two NATs, below
        Path file = topology("port-restricted-cone");
        Shell.Result up = jnat(LONG, "lab", "up", file.toString(), "--name", name);
        System.out.println(up.stdout() + up.stderr());
        assertThat(up.exitCode()).as(up.stderr()).isZero();
        assertThat(up.stdout()).contains("lab " + name + " is up");
        List<Long> pids = LabState.read(name).processes().stream().map(LabState.Proc::pid).toList();
        assertThat(pids).as("three routers and the STUN server").hasSize(4);

        Punch punch = punch(up.stdout());
        assertThat(punch.alice().exit()).as(punch.toString()).isZero();
        assertThat(punch.bob().exit()).as(punch.toString()).isZero();
        // Each got the other's datagram from the very mapping the STUN server told the other.
        assertThat(punch.alice().got()).isEqualTo("punch from bob FROM " + punch.bob().mapped());
        assertThat(punch.bob().got()).isEqualTo("punch from alice FROM " + punch.alice().mapped());
        assertThat(punch.alice().mapped()).as("both appear from the CGN's public address")
                .startsWith(address(up.stdout(), "nat", "cgn") + ":");

        // Options of the command are its own, also without "--"; its exit status is passed on.
        Shell.Result ping = jnat(LONG, "lab", "exec", "--name", name, "alice", "ping", "-c", "1", "-W", "5",
                address(up.stdout(), "host", "server"));
        assertThat(ping.exitCode()).as(ping.stdout() + ping.stderr()).isZero();
        assertThat(jnat(LONG, "lab", "exec", "--name", name, "alice", "--", "sh", "-c", "exit 7").exitCode()).isEqualTo(7);
        // A command that is not there exits 127, as in a shell, and says which.
        Shell.Result missing = jnat(LONG, "lab", "exec", "--name", name, "alice", "--", "no-such-command-jnat");
        assertThat(missing.exitCode()).isEqualTo(127);
        assertThat(missing.stderr()).contains("no-such-command-jnat");
        // Leading NAME=value words set variables for the command (env runs it).
        Shell.Result variable = jnat(LONG, "lab", "exec", "--name", name, "alice", "--", "JNAT_LAB_VAR=seen", "sh", "-c",
                "echo \"$JNAT_LAB_VAR\"");
        assertThat(variable.exitCode()).as(variable.stderr()).isZero();
        assertThat(variable.stdout().strip()).isEqualTo("seen");

        Shell.Result status = jnat(LONG, "lab", "status", "--name", name);
        System.out.println(status.stdout() + status.stderr());
        assertThat(status.exitCode()).as(status.stderr()).isZero();
        assertThat(status.stdout()).contains("== nat cgn: sessions", "== nat home1: sessions", "== nat home2: sessions")
                .contains(punch.alice().mapped()).contains(punch.bob().mapped());

        // A router that crashed: status says so, and down still takes everything down.
        long home2 = LabState.read(name).processes().stream().filter(p -> p.name().equals("home2")).findFirst()
                .orElseThrow().pid();
        ProcessHandle.of(home2).ifPresent(ProcessHandle::destroyForcibly);
        awaitGone(List.of(home2));
        Shell.Result crashed = jnat(LONG, "lab", "status", "--name", name);
        assertThat(crashed.exitCode()).isEqualTo(1);
        assertThat(crashed.stdout()).contains("== nat home2: not running");

        Shell.Result down = jnat(LONG, "lab", "down", "--name", name);
        assertThat(down.exitCode()).as(down.stderr()).isZero();
        assertThat(down.stdout()).contains("lab " + name + " is down");
        assertNothingLeft(pids);
    }

    /**
     * With {@code unmatched = "reject"} at the home NATs it works just as well, and each side's
     * first connect succeeds: alice's SYN, which reaches home2 before bob's has left, is held
     * unanswered (RFC 5382 REQ-4) until bob's SYN goes out and takes its place. A NAT that answered
     * it at once would fail alice's connect (seen: with the hold taken out, this fails).
     */
    @Requirement({"RFC 5382 REQ-2", "RFC 5382 REQ-2a", "RFC 5382 REQ-4"})
    @ParameterizedTest(name = "home NATs unmatched = {0}")
    @ValueSource(strings = {"drop", "reject"})
    void tcpHolePunchingBySimultaneousOpenBetweenConesBehindACgnWorks(String unmatched) throws Exception {
        Labs.assumeLab(getClass(), "socat", "ss");
        Path file = topology("port-restricted-cone");
        String text = Files.readString(file);
        for (String lan : List.of("lan1", "lan2")) {
            text = text.replace("inside = \"" + lan + "\"\n",
                    "inside = \"" + lan + "\"\nunmatched = \"" + unmatched + "\"\n");
        }
        assertThat(text.split("unmatched = ", -1)).as("both home NATs' unmatched").hasSize(3);
        Files.writeString(file, text);
        Shell.Result up = jnat(LONG, "lab", "up", file.toString(), "--name", name);
        assertThat(up.exitCode()).as(up.stderr()).isZero();
        Punch punch = tcpPunch(up.stdout());
        assertThat(punch.alice().mapped()).as("both appear from the CGN's public address")
                .startsWith(address(up.stdout(), "nat", "cgn") + ":");
        assertThat(punch.alice().exit()).as(punch.toString()).isZero();
        assertThat(punch.bob().exit()).as(punch.toString()).isZero();
        // One connection, each end at the other's mapping: the SYNs crossed through three NATs.
        assertThat(punch.alice().got()).isEqualTo("tcp from bob FROM " + punch.bob().mapped());
        assertThat(punch.bob().got()).isEqualTo("tcp from alice FROM " + punch.alice().mapped());
        if (unmatched.equals("reject")) {
            assertThat(punch.alice().output()).as(punch.toString()).contains("ATTEMPTS 1");
            assertThat(punch.bob().output()).as(punch.toString()).contains("ATTEMPTS 1");
        }
        assertThat(jnat(LONG, "lab", "down", "--name", name).exitCode()).isZero();
    }

    @Test
    void tcpHolePunchingBetweenSymmetricNatsFails() throws Exception {
        Labs.assumeLab(getClass(), "socat", "ss");
        Shell.Result up = jnat(LONG, "lab", "up", topology("symmetric").toString(), "--name", name);
        assertThat(up.exitCode()).as(up.stderr()).isZero();
        // Each SYN to the peer leaves from a new mapping, not the one the reflector saw.
        Punch punch = tcpPunch(up.stdout());
        assertThat(punch.alice().exit()).as(punch.toString()).isEqualTo(1);
        assertThat(punch.bob().exit()).as(punch.toString()).isEqualTo(1);
        assertThat(punch.alice().got()).isNull();
        assertThat(punch.bob().got()).isNull();
        assertThat(jnat(LONG, "lab", "down", "--name", name).exitCode()).isZero();
    }

    @Test
    void withoutHairpinningAtTheCgnTheConesBehindItCannotMeet() throws Exception {
        Path file = topology("port-restricted-cone");
        String text = Files.readString(file);
        Files.writeString(file, text.replace("inside = \"isp\"\n", "inside = \"isp\"\nhairpinning = false\n"));
        Shell.Result up = jnat(LONG, "lab", "up", file.toString(), "--name", name);
        assertThat(up.exitCode()).as(up.stderr()).isZero();
        Punch punch = punch(up.stdout());
        assertThat(punch.alice().got()).as(punch.toString()).isNull();
        assertThat(punch.bob().got()).as(punch.toString()).isNull();
        assertThat(jnat(LONG, "lab", "down", "--name", name).exitCode()).isZero();
    }

    @Test
    void holePunchingBetweenSymmetricNatsFailsAndCtrlCOfForegroundLeavesNothing() throws Exception {
        Path file = topology("symmetric");
        Process up = new ProcessBuilder(javaCommand("lab", "up", file.toString(), "--name", name, "--foreground"))
                .redirectErrorStream(true).start();
        BufferedReader upOut = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8));
        String summary = Labs.readUntil(upOut, "Try: ", LONG);
        System.out.println(summary);
        assertThat(summary).contains("lab " + name + " is up");
        List<Long> pids = LabState.read(name).processes().stream().map(LabState.Proc::pid).toList();

        Punch punch = punch(summary);
        assertThat(punch.alice().exit()).as(punch.toString()).isEqualTo(1);
        assertThat(punch.bob().exit()).as(punch.toString()).isEqualTo(1);
        assertThat(punch.alice().got()).isNull();
        assertThat(punch.bob().got()).isNull();

        Shell.run(Duration.ofSeconds(5), "kill", "-INT", Long.toString(up.pid())).orThrow();
        assertThat(up.waitFor(LONG.toSeconds(), TimeUnit.SECONDS)).as("jnat lab up ends after SIGINT").isTrue();
        String rest = new String(up.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println(rest);
        assertThat(up.exitValue()).as(rest).isZero();
        assertThat(rest).contains("lab " + name + " is down");
        assertNothingLeft(pids);
    }

    @Test
    void aCgnWithAPoolOfThreeAnswersOnEachAndSpreadsAHostOverThemWhenArbitrary() throws Exception {
        Labs.assumeLab(getClass(), "ping", "bash");
        Path file = topology("full-cone");
        Files.writeString(file, Files.readString(file).replace("inside = \"isp\"\n",
                "inside = \"isp\"\naddresses = 3\npooling = \"arbitrary\"\nport-allocation = \"preserve\"\n"));
        Shell.Result up = jnat(LONG, "lab", "up", file.toString(), "--name", name);
        System.out.println(up.stdout() + up.stderr());
        assertThat(up.exitCode()).as(up.stderr()).isZero();
        Matcher listed = Pattern.compile("(?m)^\\s*nat\\s+cgn\\s.*, public addresses ([0-9., ]+) \\(arbitrary\\)$")
                .matcher(up.stdout());
        assertThat(listed.find()).as(up.stdout()).isTrue();
        List<String> pool = List.of(listed.group(1).split(", "));
        assertThat(pool).hasSize(3).startsWith(address(up.stdout(), "nat", "cgn"));

        // The CGN answers ARP and ping on every address of its pool.
        for (String a : pool) {
            Shell.Result ping = jnat(LONG, "lab", "exec", "--name", name, "server", "ping", "-c", "1", "-W", "5", a);
            assertThat(ping.exitCode()).as(a + ": " + ping.stdout() + ping.stderr()).isZero();
        }
        // Twelve flows from alice (one source port each): arbitrary pooling gives the addresses in turn,
        // mapping after mapping (the cgn profile's port blocks would keep a host on one: hence preserve).
        String server = address(up.stdout(), "host", "server");
        Shell.Result sent = jnat(LONG, "lab", "exec", "--name", name, "alice", "--", "bash", "-c",
                "for i in $(seq 12); do echo probe > /dev/udp/" + server + "/9; done");
        assertThat(sent.exitCode()).as(sent.stderr()).isZero();
        Shell.Result status = jnat(LONG, "lab", "status", "--name", name);
        String cgn = status.stdout().split("== nat cgn: sessions")[1].split("== nat ")[0];
        Set<String> used = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^udp\\s+\\S+\\s+\\S+\\s+([0-9.]+):\\d+\\s+" + Pattern.quote(server) + ":9\\s")
                .matcher(cgn);
        int flows = 0;
        while (row.find()) {
            used.add(row.group(1));
            flows++;
        }
        assertThat(flows).as(cgn).isEqualTo(12);
        assertThat(used).as("public addresses alice's flows left from").containsExactlyInAnyOrderElementsOf(pool);
        assertThat(jnat(LONG, "lab", "down", "--name", name).exitCode()).isZero();
    }

    @Test
    void aHomeNatWithPcpGivesItsHostsAMapping() throws Exception {
        Labs.assumeLab(getClass(), "natpmpc");
        Path file = topology("port-restricted-cone");
        Files.writeString(file, Files.readString(file).replace("inside = \"lan1\"\n", "inside = \"lan1\"\npcp = true\n"));
        Shell.Result up = jnat(LONG, "lab", "up", file.toString(), "--name", name);
        assertThat(up.exitCode()).as(up.stderr()).isZero();
        String home1 = address(up.stdout(), "nat", "home1");
        // NAT-PMP (RFC 6886) from alice to her router, home1: its public address, then a mapping.
        Shell.Result asked = jnat(LONG, "lab", "exec", "--name", name, "alice", "--", "natpmpc", "-g", "192.168.1.1",
                "-a", "5000", "5000", "udp", "60");
        System.out.println(asked.stdout() + asked.stderr());
        assertThat(asked.exitCode()).as(asked.stdout() + asked.stderr()).isZero();
        assertThat(asked.stdout()).contains("Public IP address : " + home1)
                .containsPattern("Mapped public port \\d+ protocol UDP to local port 5000");
        // home2 has no [pcp]: nothing answers there.
        Shell.Result none = jnat(LONG, "lab", "exec", "--name", name, "bob", "--", "natpmpc", "-g", "192.168.2.1");
        assertThat(none.stdout() + none.stderr()).doesNotContain("Public IP address :");
        assertThat(jnat(LONG, "lab", "down", "--name", name).exitCode()).isZero();
    }

    @Test
    void aFailurePartWayTakesDownWhatItBuiltAndSaysWhyInOneLine() throws Exception {
        // A namespace in the way of the last one up makes: the STUN server's.
        String inTheWay = name + "-stun";
        Shell.run(Duration.ofSeconds(10), "ip", "netns", "add", inTheWay).orThrow();
        try {
            Shell.Result up = jnat(LONG, "lab", "up", topology("full-cone").toString(), "--name", name);
            assertThat(up.exitCode()).isEqualTo(1);
            assertThat(up.stderr().strip()).doesNotContain("\n").startsWith("jnat lab up: 'ip netns add " + inTheWay
                    + "' exited 1: ").endsWith("; what was built is taken down again");
            assertThat(up.stdout()).doesNotContain("is up");
            assertThat(labNamespaces()).as("only the namespace that was in the way, which up did not make")
                    .containsExactly(inTheWay);
            assertThat(Files.exists(LabState.ROOT.resolve(name))).isFalse();
        } finally {
            Shell.run(Duration.ofSeconds(10), "ip", "netns", "del", inTheWay);
        }
    }

    /** One peer's run: its mapping, what it got (null: nothing), its exit status and output. */
    record Peer(String mapped, String got, int exit, String output) {
    }

    record Punch(Peer alice, Peer bob) {
    }

    /** Runs {@link HolePunchPeer} in alice and bob at once, hands each the other's mapping, and waits. */
    private Punch punch(String summary) throws Exception {
        String stun = address(summary, "stun", "stun");
        return exchange(peer("alice", address(summary, "host", "alice"), stun),
                peer("bob", address(summary, "host", "bob"), stun), 0);
    }

    /**
     * Reads each peer's mapping, hands each the other's (bob {@code bobLaterMillis} after alice),
     * and waits for both.
     */
    private static Punch exchange(Process alice, Process bob, long bobLaterMillis) throws Exception {
        BufferedReader aliceOut = reader(alice);
        BufferedReader bobOut = reader(bob);
        String aliceMapped = mapped(aliceOut, alice);
        String bobMapped = mapped(bobOut, bob);
        give(alice, bobMapped);
        Thread.sleep(bobLaterMillis);
        give(bob, aliceMapped);
        return new Punch(finish(alice, aliceOut, aliceMapped), finish(bob, bobOut, bobMapped));
    }

    private Process peer(String host, String address, String stun) throws IOException {
        List<String> cmd = javaCommand("lab", "exec", "--name", name, host, "--", java(), "-cp",
                System.getProperty("java.class.path"), HolePunchPeer.class.getName(), address, stun, "3478", host,
                "" + PUNCH_SECONDS);
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /**
     * Runs {@link TcpHolePunchPeer} in alice (local port 40001) and bob (40002) at once, with a
     * reflector on the server, hands each the other's mapping, and waits.
     */
    private Punch tcpPunch(String summary) throws Exception {
        // The reflector: each connection gets the address it came from ("ip port": a colon would end
        // socat's address), and stays open, so that the NATs keep the mapping.
        String server = address(summary, "host", "server");
        Process reflector = new ProcessBuilder(javaCommand("lab", "exec", "--name", name, "server", "--", "socat",
                "TCP-LISTEN:7000,fork,reuseaddr", "SYSTEM:echo $SOCAT_PEERADDR $SOCAT_PEERPORT; cat"))
                .redirectErrorStream(true).start();
        try {
            assertThat(Lab.await(System.nanoTime() + Duration.ofSeconds(20).toNanos(), 100, () -> jnat(LONG, "lab",
                    "exec", "--name", name, "server", "--", "ss", "-Hltn", "sport = :7000").stdout().contains(":7000")))
                    .as("the reflector listens on the server").isTrue();
            // Bob starts half a second after alice: her first SYN reaches home2 before his has left, the
            // case a NAT must survive for the punch to work (the SYNs rarely cross in flight).
            Punch punch = exchange(tcpPeer("alice", address(summary, "host", "alice"), 40001, server),
                    tcpPeer("bob", address(summary, "host", "bob"), 40002, server), 500);
            System.out.println(punch);
            return punch;
        } finally {
            reflector.destroy();
        }
    }

    private Process tcpPeer(String host, String address, int port, String reflector) throws IOException {
        List<String> cmd = javaCommand("lab", "exec", "--name", name, host, "--", java(), "-cp",
                System.getProperty("java.class.path"), TcpHolePunchPeer.class.getName(), address, "" + port, reflector,
                "7000", host, "" + PUNCH_SECONDS * 2); // longer: a lost SYN is sent again after 1 s, then 3 s
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private static String mapped(BufferedReader out, Process p) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                StringBuilder seen = new StringBuilder();
                for (String l; (l = out.readLine()) != null; ) {
                    if (l.startsWith("MAPPED ")) {
                        return l.substring("MAPPED ".length());
                    }
                    seen.append(l).append('\n');
                }
                throw new AssertionError("the peer ended without a mapping: " + seen);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        try {
            return line.get(LONG.toSeconds(), TimeUnit.SECONDS);
        } finally {
            if (!line.isDone()) {
                p.destroyForcibly();
            }
        }
    }

    private static void give(Process p, String mapping) throws IOException {
        Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        in.write(mapping + "\n");
        in.close();
    }

    private static Peer finish(Process p, BufferedReader out, String mapped) throws Exception {
        if (!p.waitFor(LONG.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        List<String> lines = new ArrayList<>();
        for (String l; (l = out.readLine()) != null; ) {
            lines.add(l);
        }
        String got = lines.stream().filter(l -> l.startsWith("GOT ")).map(l -> l.substring(4)).findFirst().orElse(null);
        return new Peer(mapped, got, p.isAlive() ? -1 : p.exitValue(), String.join("\n", lines));
    }

    /** The address {@code up} printed for {@code kind name} ("host alice 192.168.1.2/24 ..."), without length or port. */
    private static String address(String summary, String kind, String node) {
        Matcher m = Pattern.compile("(?m)^\\s*" + kind + "\\s+" + node + "\\s+([0-9.]+)").matcher(summary);
        assertThat(m.find()).as("'" + kind + " " + node + "' in:\n" + summary).isTrue();
        return m.group(1);
    }

    private void assertNothingLeft(List<Long> pids) {
        assertThat(labNamespaces()).as("the lab's namespaces").isEmpty();
        assertThat(Files.exists(LabState.ROOT.resolve(name))).as("the lab's record").isFalse();
        assertThat(pids.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)))
                .as("the lab's routers and STUN server").isEmpty();
        String ps = Shell.run(Duration.ofSeconds(10), "ps", "-eo", "pid,args").stdout();
        assertThat(ps.lines().filter(l -> l.contains(" " + name + "-") || l.contains("/run/jnat/lab/" + name)))
                .as("processes of the lab").isEmpty();
        List<String> added = rootLinks().stream().filter(l -> !linksBefore.contains(l))
                .filter(l -> OUR_LINKS.matcher(l).matches()).toList();
        assertThat(added).as("links left in this namespace").isEmpty();
    }

    private List<String> labNamespaces() {
        return Shell.run(Duration.ofSeconds(10), "ip", "netns", "list").stdout().lines()
                .map(l -> l.split(" ")[0]).filter(ns -> ns.startsWith(name + "-")).toList();
    }

    private static List<String> rootLinks() {
        return Shell.run(Duration.ofSeconds(10), "ip", "-o", "link", "show").stdout().lines()
                .map(l -> l.split(":\\s+")[1]).toList();
    }

    private static void awaitGone(List<Long> pids) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (pids.stream().anyMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                && System.nanoTime() - deadline < 0) {
            Thread.sleep(50);
        }
    }

    /** The example with {@code homeProfile} for both home NATs. */
    private Path topology(String homeProfile) throws IOException {
        String example = Files.readString(EXAMPLE);
        String text = example.replaceAll("(?m)^profile = \"(port-restricted-cone|symmetric)\"",
                "profile = \"" + homeProfile + "\"");
        assertThat(text.split("profile = \"" + homeProfile + "\"", -1)).as("both home NATs' profiles").hasSize(3);
        Path file = work.resolve("nested.toml");
        Files.writeString(file, text);
        return file;
    }

    private static Shell.Result jnat(Duration timeout, String... args) {
        return Shell.run(timeout, javaCommand(args));
    }

    private static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "org.jnat.app.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
