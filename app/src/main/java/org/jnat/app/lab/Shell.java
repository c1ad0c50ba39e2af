package org.jnat.app.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs commands for the lab: set-up tooling only, never on the packet path. */
public final class Shell {
    private Shell() {
    }

    /** What a finished command left behind. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Throws with the command and its output if it failed. */
        public Result orThrow() {
            if (exitCode != 0) {
                throw new LabException("'" + String.join(" ", command) + "' exited " + exitCode + ": "
                        + (stderr.isBlank() ? stdout : stderr).strip());
            }
            return this;
        }
    }

    /** Runs {@code command} to completion, or kills it after {@code timeout} (exit code -1). */
    public static Result run(Duration timeout, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new LabException("cannot run '" + command.get(0) + "': " + e.getMessage()
                    + " (is it installed? .ci/run lists the tools jnat's lab needs)");
        }
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // stdin is not used
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            return new Result(command, done ? p.exitValue() : -1, out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while running '" + String.join(" ", command) + "'");
        }
    }

    public static Result run(Duration timeout, String... command) {
        return run(timeout, Arrays.asList(command));
    }

    /** Runs a short set-up command and throws if it fails. */
    public static Result must(String... command) {
        return run(Duration.ofSeconds(30), command).orThrow();
    }

    /** Starts a long-running command; the caller stops it with {@link #stop(Process)}. */
    public static Process start(List<String> command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new LabException("cannot run '" + command.get(0) + "': " + e.getMessage());
        }
    }

    /** Stops a process started by {@link #start(List)} and everything it started. */
    public static void stop(Process p) {
        if (p == null) {
            return;
        }
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True if {@code tool} is on the PATH. */
    public static boolean has(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (new java.io.File(dir, tool).canExecute()) {
                return true;
            }
        }
        return false;
    }

    static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(Arrays.asList(tail));
        return all;
    }

    /**
     * Reads a stream to its end in the background. A command killed at its timeout has its streams
     * closed under the reader ("Stream closed"): then what was read so far is the output.
     */
    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            try (in) {
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    read.write(chunk, 0, n);
                }
            } catch (IOException e) {
                // closed by the kill at the timeout: keep what came before
            }
            return read.toString(StandardCharsets.UTF_8);
        });
    }
}
