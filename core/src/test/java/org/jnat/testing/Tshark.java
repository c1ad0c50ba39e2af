package org.jnat.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs tshark for tests that check pcap files with the reference decoder. A test that needs it
 * checks {@link #available()} first and skips, printing why, when it is absent ({@code .ci/run}
 * installs it).
 */
public final class Tshark {
    private Tshark() {
    }

    public static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "tshark"))) {
                return true;
            }
        }
        return false;
    }

    /** The result of one tshark run: exit code, stdout lines, stderr. */
    public record Result(int exitCode, List<String> lines, String errors) {
    }

    public static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("tshark");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        // Read stderr on another thread so that neither pipe fills and blocks tshark.
        StringBuilder errors = new StringBuilder();
        Thread stderr = Thread.ofVirtual().start(() -> {
            try {
                errors.append(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the exit code tells
            }
        });
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("tshark " + args[0] + " did not finish within 120 s");
        }
        stderr.join();
        List<String> lines = out.isEmpty() ? List.of() : List.of(out.split("\n"));
        return new Result(process.exitValue(), lines, errors.toString());
    }

    /** The number of frames tshark reads in {@code file}. */
    public static int frameCount(Path file) throws IOException, InterruptedException {
        Result result = run("-r", file.toString(), "-T", "fields", "-e", "frame.number");
        if (result.exitCode() != 0) {
            throw new AssertionError("tshark -r " + file + " failed: " + result.errors());
        }
        return result.lines().size();
    }
}
