package org.jnat.app;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs jnat's command line in this JVM and keeps what it printed, for the verbs' tests. */
final class Cli {
    private Cli() {
    }

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.execute(args);
            // Jazzer's agent (installed by a fuzz test earlier in this JVM) reports each class it
            // instruments on stderr as the class loads; that is the harness talking, not jnat.
            String jnatErr = err.toString(StandardCharsets.UTF_8).replaceAll("(?m)^INFO: Instrumented .*\\R", "");
            return new Run(exit, out.toString(StandardCharsets.UTF_8), jnatErr);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
