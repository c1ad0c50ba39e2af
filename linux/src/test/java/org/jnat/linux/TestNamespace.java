package org.jnat.linux;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway network namespace for one test class, named {@code lx} plus a random suffix, and
 * the shell commands the tests need. Deleted by {@link #close()}.
 */
final class TestNamespace implements AutoCloseable {
    final String namespace;
    final String suffix;
    private final List<Process> processes = new ArrayList<>();

    private TestNamespace() {
        suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
        namespace = "lx" + suffix;
        run("ip", "netns", "add", namespace);
    }

    /** Skips the calling test, printing why, unless we are root with ip and the given tools. */
    static void assumeRoot(String... tools) {
        String reason = null;
        if (!"0".equals(idU())) {
            reason = "needs root (uid 0) to create namespaces and devices; run the tests as root";
        } else if (!Files.exists(Path.of("/dev/net/tun"))) {
            reason = "/dev/net/tun is missing: modprobe tun";
        } else {
            for (String tool : withIp(tools)) {
                if (!onPath(tool)) {
                    reason = "needs the tool '" + tool + "' on the PATH";
                    break;
                }
            }
        }
        if (reason != null) {
            System.out.println("SKIPPED: " + reason);
        }
        assumeTrue(reason == null, reason);
    }

    private static List<String> withIp(String... tools) {
        List<String> all = new ArrayList<>(List.of("ip"));
        all.addAll(List.of(tools));
        return all;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin:/usr/sbin:/sbin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private static String idU() {
        try {
            Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor();
            return out;
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }

    static TestNamespace create() {
        return new TestNamespace();
    }

    /** Runs a command to completion; fails the test with its output if it exits non-zero. */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Runs a command inside the namespace. */
    String inside(String... command) {
        return run(prefix(command));
    }

    /** Starts a command inside the namespace; it is killed in {@link #close()} if still running. */
    Process start(String... command) {
        try {
            Process p = new ProcessBuilder(prefix(command)).redirectErrorStream(true).start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private String[] prefix(String... command) {
        String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = namespace;
        System.arraycopy(command, 0, full, 4, command.length);
        return full;
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        try {
            run("ip", "netns", "del", namespace);
        } catch (AssertionError e) {
            System.out.println("could not delete namespace " + namespace + ": " + e.getMessage());
        }
    }
}
