package org.jnat.app.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code jnat run} as a real process in the lab's namespace rt, started from the calling JVM's own
 * class path, so that the end-to-end tests and bench/compare exercise exactly what a user runs.
 */
public final class JnatProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Path config;
    private final boolean echo;
    private final Thread reader;

    private JnatProcess(Process process, Path config, boolean echo) {
        this.process = process;
        this.config = config;
        this.echo = echo;
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                    if (echo) {
                        System.out.println("[jnat] " + line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "jnat-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts jnat for {@code lab} and waits until it routes; in TAP mode attaches the TAPs. */
    public static JnatProcess start(Lab lab, String unmatched) throws IOException {
        return start(lab, unmatched, true);
    }

    /** As {@link #start(Lab, String)}; {@code echo} copies jnat's output to this process's stdout. */
    public static JnatProcess start(Lab lab, String unmatched, boolean echo) throws IOException {
        return start(lab, unmatched, echo, "");
    }

    /** As above, with {@code extraToml} (e.g. a {@code [dataplane]} table) appended to the lab's config. */
    public static JnatProcess start(Lab lab, String unmatched, boolean echo, String extraToml) throws IOException {
        return start(lab, unmatched, echo, extraToml, List.of());
    }

    /** As above, with {@code runOptions} (e.g. {@code --capture DIR}) after {@code run --config FILE}. */
    public static JnatProcess start(Lab lab, String unmatched, boolean echo, String extraToml, List<String> runOptions)
            throws IOException {
        return startWith(lab, lab.jnatConfig(unmatched) + extraToml, echo, runOptions);
    }

    /** As above, with the whole config file's text (e.g. the lab's with keys added to its tables). */
    public static JnatProcess startWith(Lab lab, String configText, boolean echo, List<String> runOptions)
            throws IOException {
        return launch(lab, configText, echo, runOptions, List.of());
    }

    /**
     * As {@link #startWith}, but started as {@code nohup} starts it: with SIGHUP ignored, a
     * disposition the JVM inherits (as under many supervisors and shell scripts).
     */
    public static JnatProcess startIgnoringHangUp(Lab lab, String configText) throws IOException {
        // nohup execs `ip netns exec`, which execs java: the process started is still jnat's JVM.
        return launch(lab, configText, true, List.of(), List.of("nohup"));
    }

    private static JnatProcess launch(Lab lab, String configText, boolean echo, List<String> runOptions,
            List<String> launcher) throws IOException {
        Path config = Files.createTempFile("jnat-e2e", ".toml");
        Files.writeString(config, configText);
        List<String> command = new ArrayList<>(launcher);
        command.addAll(command(lab, config));
        command.addAll(runOptions);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        JnatProcess jnat = new JnatProcess(p, config, echo);
        jnat.awaitLine("routing", 20_000);
        if (lab.mode() == Lab.Mode.TAP) {
            lab.attachTaps(lab.ns("rt"), lab.insideTapName(), lab.outsideTapName());
        }
        return jnat;
    }

    /** The command line of {@code jnat run --config CONFIG} in the lab's namespace rt. */
    public static List<String> command(Lab lab, Path config) {
        return command(lab.ns("rt"), List.of("run", "--config", config.toString()));
    }

    /**
     * The command line of {@code jnat ARGS...} in network namespace {@code namespace}, on this JVM
     * and its class path.
     */
    public static List<String> command(String namespace, List<String> args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The same JVM options as the ./jnat launcher, then any from JNAT_JAVA_OPTS (profilers,
        // -Djnat.* tuning for benchmarks), split on spaces.
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace, java,
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"));
        String extra = System.getenv("JNAT_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.jnat.app.Main"));
        cmd.addAll(args);
        return cmd;
    }

    /** Waits for an output line containing {@code text}; throws with the output so far if not. */
    public void awaitLine(String text, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (lines) {
            while (true) {
                for (String l : lines) {
                    if (l.contains(text)) {
                        return;
                    }
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0 || !process.isAlive() && lines.stream().noneMatch(l -> l.contains(text))) {
                    if (!process.isAlive() || left <= 0) {
                        throw new LabException("jnat did not print '" + text + "' (alive=" + process.isAlive()
                                + "); output:\n" + String.join("\n", lines));
                    }
                }
                try {
                    lines.wait(Math.max(1, Math.min(left, 200)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LabException("interrupted");
                }
            }
        }
    }

    public List<String> output() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The config file jnat was started with (a reload reads it again). */
    public Path configFile() {
        return config;
    }

    /** Sends jnat SIGHUP: reload the config file. */
    public void hangUp() {
        // `ip netns exec` execs java in place, so the process started is jnat's JVM itself.
        signal("HUP");
    }

    /** Sends jnat the signal {@code name} ("HUP", "STOP", "CONT", ...). */
    public void signal(String name) {
        Shell.run(Duration.ofSeconds(5), "kill", "-" + name, Long.toString(process.pid())).orThrow();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** jnat's process id (`ip netns exec` execs the JVM in place), for signals such as SIGSTOP. */
    public long pid() {
        return process.pid();
    }

    /**
     * Waits up to {@code timeoutMillis} for jnat to exit by itself: its exit status, with every line
     * it printed read, or -1 if it is still running.
     */
    public int awaitExit(long timeoutMillis) throws InterruptedException {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            return -1;
        }
        reader.join(5000);
        return process.exitValue();
    }

    /**
     * CPU time used so far by jnat: the launched process and all its descendants (the launcher
     * script and the JVM), user plus system, including the kernel work done in its system calls.
     */
    public Duration cpuTime() {
        Duration total = process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
        for (ProcessHandle child : process.toHandle().descendants().toList()) {
            total = total.plus(child.info().totalCpuDuration().orElse(Duration.ZERO));
        }
        return total;
    }

    /** SIGTERM, then the exit code (-1 if it had to be killed). */
    public int stop() {
        // SIGTERM through the handle: Process.destroy() also closes our end of jnat's stdout at
        // once, and jnat's last lines ("stopped ...") would go into a closed pipe.
        process.toHandle().destroy();
        try {
            if (process.waitFor(10, TimeUnit.SECONDS)) {
                reader.join(5000); // every line jnat printed, up to its last
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        return -1;
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            stop();
        }
        Files.deleteIfExists(config);
    }
}
