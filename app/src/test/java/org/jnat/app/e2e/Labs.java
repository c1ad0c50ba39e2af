package org.jnat.app.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.junit.jupiter.api.Assumptions;

/** What every end-to-end test class does around its lab: skip, saying why, and clean up. */
final class Labs {
    private Labs() {
    }

    /** Skips {@code test} (printing why) unless a lab can be built here and every one of {@code tools} is present. */
    static void assumeLab(Class<?> test, String... tools) {
        String why = Lab.unavailableReason();
        for (String tool : tools) {
            if (why == null && !Shell.has(tool)) {
                why = tool + " is missing (.ci/run installs it with apt-get)";
            }
        }
        if (why != null) {
            System.out.println("SKIPPED " + test.getSimpleName() + ": " + why);
        }
        Assumptions.assumeTrue(why == null, why);
    }

    /** {@code jnat ARGS...} run as a process in rt, as a user on the router's machine runs it. */
    static Shell.Result jnatCli(Lab lab, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "org.jnat.app.Main"));
        command.addAll(List.of(args));
        return lab.exec("rt", Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    /** Stops jnat, deletes the lab and the work directory: whichever of them was made (null: not made). */
    static void tearDown(JnatProcess jnat, Lab lab, Path work) throws IOException {
        if (jnat != null) {
            jnat.close();
        }
        if (lab != null) {
            lab.close();
        }
        if (work != null) {
            try (var files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * The lines {@code out} gives up to and with the first that contains {@code marker} (or up to its
     * end), waiting at most {@code timeout}: what a foreground command printed until it was ready.
     */
    static String readUntil(BufferedReader out, String marker, Duration timeout) throws Exception {
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> {
            StringBuilder text = new StringBuilder();
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    text.append(line).append('\n');
                    if (line.contains(marker)) {
                        break;
                    }
                }
            } catch (IOException e) {
                text.append(e);
            }
            return text.toString();
        });
        return read.get(timeout.toSeconds(), TimeUnit.SECONDS);
    }
}
