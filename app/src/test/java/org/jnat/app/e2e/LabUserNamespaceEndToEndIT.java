package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code jnat lab up} run by an unprivileged user (nobody, through setpriv), as DESIGN promises:
 * it runs itself again in a user namespace of its own (unshare), builds the lab there, and stays in
 * the foreground. A host of the lab then reaches the STUN server (through the nsenter command up
 * prints, run by the same user), and SIGINT takes the lab down with nothing left in that user
 * namespace. Where the kernel's setting refuses user namespaces, up says so in one line (the
 * setting is shown to jnat as 0 by a bind mount in a mount namespace of the test's own, so that
 * the machine's real setting, which other tests rely on, is never touched). Needs root (to become
 * nobody), setpriv, unshare, nsenter and the stun client; skips, saying why, otherwise.
 */
class LabUserNamespaceEndToEndIT {
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final Path EXAMPLE = Path.of("..", "docs", "lab.example.toml");
    private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    private static final Pattern NSENTER = Pattern.compile("nsenter -t (\\d+) -U -m -n --preserve-credentials");

    private Path work;
    private String classPath;
    private Process up;

    @BeforeEach
    void setUp() throws IOException {
        Labs.assumeLab(getClass(), "setpriv", "unshare", "nsenter", "stun");
        Path max = Path.of("/proc/sys/user/max_user_namespaces");
        Assumptions.assumeFalse(Files.exists(max) && Files.readString(max).strip().equals("0"),
                "this machine allows no user namespaces (user.max_user_namespaces = 0)");
        work = Files.createTempDirectory("jnat-userns-it");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        // nobody cannot read root's Maven repository: the jars go where it can. One wildcard entry
        // for them keeps the command line short: the JDK gives a process no arguments of its own
        // when /proc/self/cmdline is longer than a page, and up then cannot run itself again.
        Path lib = Files.createDirectory(work.resolve("lib"));
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> entries = new ArrayList<>();
        int jars = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isRegularFile(p)) {
                Path copy = lib.resolve((jars++) + "-" + p.getFileName());
                Files.copy(p, copy);
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
            } else {
                entries.add(p.toAbsolutePath().normalize().toString());
            }
        }
        entries.add(lib + "/*");
        classPath = String.join(java.io.File.pathSeparator, entries);
        Path topology = work.resolve("lab.toml");
        Files.copy(EXAMPLE, topology);
        Files.setPosixFilePermissions(topology, PosixFilePermissions.fromString("rw-r--r--"));
        Shell.Result canRun = Shell.run(Duration.ofSeconds(60), asNobody(java(), "-cp", classPath,
                "org.jnat.app.Main", "--version"));
        Assumptions.assumeTrue(canRun.exitCode() == 0, "user nobody cannot run this JDK and these classes "
                + "(a directory on the way not open to others?): " + canRun.stderr().strip());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (up != null && up.isAlive()) {
            up.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            up.destroyForcibly();
        }
        if (work != null) {
            try (var files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void nobodyBringsTheLabUpInAUserNamespaceAHostReachesStunAndCtrlCLeavesNothing() throws Exception {
        String name = Lab.uniquePrefix("un");
        up = new ProcessBuilder(asNobody(jnat("lab", "up", work.resolve("lab.toml").toString(), "--name", name)))
                .directory(work.toFile()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8));
        String summary = Labs.readUntil(out, "Ctrl-C ends the lab", LONG);
        System.out.println(summary);
        assertThat(summary).contains("not root; running in a user namespace instead")
                .contains("lab " + name + " is up");
        Matcher m = NSENTER.matcher(summary);
        assertThat(m.find()).as("the nsenter command in:\n" + summary).isTrue();
        long inner = Long.parseLong(m.group(1));
        String userNamespace = Files.readSymbolicLink(Path.of("/proc", "" + inner, "ns", "user")).toString();
        String rootUserNamespace = Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString();
        assertThat(userNamespace).as("the lab's user namespace").isNotEqualTo(rootUserNamespace);

        Matcher stun = Pattern.compile("(?m)^\\s*stun\\s+stun\\s+([0-9.]+):").matcher(summary);
        assertThat(stun.find()).as("the STUN server's address in:\n" + summary).isTrue();
        List<String> inAlice = new ArrayList<>(asNobody("nsenter", "-t", "" + inner, "-U", "-m", "-n",
                "--preserve-credentials", "ip", "netns", "exec", name + "-alice"));
        inAlice.addAll(List.of("stun", stun.group(1)));
        Shell.Result asked = Shell.run(LONG, inAlice);
        System.out.println("stun from alice, as nobody, in the lab's user namespace:\n" + asked.stdout() + asked.stderr());
        // stun's exit status encodes the NAT type; what shows it reached the server is its "Primary:" verdict.
        assertThat(asked.stdout()).contains("Primary: ").doesNotContain("Blocked");

        List<ProcessHandle> lab = up.toHandle().descendants().toList();
        System.out.println("processes of the lab, all of user nobody: " + lab.size());
        Shell.run(Duration.ofSeconds(5), "kill", "-INT", Long.toString(inner)).orThrow();
        assertThat(up.waitFor(LONG.toSeconds(), TimeUnit.SECONDS)).as("jnat lab up ends after SIGINT").isTrue();
        String rest = new String(up.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println(rest);
        assertThat(up.exitValue()).as(rest).isZero();
        assertThat(rest).contains("lab " + name + " is down");
        List<String> left = new ArrayList<>();
        Lab.await(System.nanoTime() + Duration.ofSeconds(30).toNanos(), 100, () -> {
            left.clear();
            lab.stream().filter(ProcessHandle::isAlive).forEach(p -> left.add(p.pid() + " " + p.info().commandLine()
                    .orElse("?")));
            ProcessHandle.allProcesses().filter(p -> userNamespace.equals(userNamespaceOf(p)))
                    .forEach(p -> left.add(p.pid() + " (in the user namespace)"));
            return left.isEmpty();
        });
        assertThat(left).as("processes left after the lab went down").isEmpty();
    }

    @Test
    void whereTheKernelAllowsNoUserNamespacesUpSaysSoInOneLine() throws Exception {
        Path zero = work.resolve("zero");
        Files.writeString(zero, "0\n");
        // A mount namespace of this command only: the machine's setting stays as it is for everyone else.
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount --bind \"$0\" /proc/sys/user/max_user_namespaces && exec \"$@\"", zero.toString()));
        cmd.addAll(asNobody(jnat("lab", "up", work.resolve("lab.toml").toString(), "--name", Lab.uniquePrefix("un"))));
        Shell.Result refused = Shell.run(LONG, cmd);
        System.out.println("refused: exit " + refused.exitCode() + "\n" + refused.stdout() + refused.stderr());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stdout()).isEmpty();
        assertThat(refused.stderr().strip()).doesNotContain("\n").isEqualTo("jnat lab up: the lab needs root (network"
                + " namespaces and veths); run as root, e.g. with sudo; and a user namespace is no way out here: the"
                + " kernel allows no user namespaces (user.max_user_namespaces = 0); run as root");
    }

    private static String userNamespaceOf(ProcessHandle p) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", "" + p.pid(), "ns", "user")).toString();
        } catch (IOException | SecurityException e) {
            return null; // ended meanwhile
        }
    }

    private static List<String> asNobody(String... command) {
        return asNobody(List.of(command));
    }

    private static List<String> asNobody(List<String> command) {
        List<String> cmd = new ArrayList<>(NOBODY);
        cmd.addAll(command);
        return cmd;
    }

    private List<String> jnat(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-cp", classPath, "org.jnat.app.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
