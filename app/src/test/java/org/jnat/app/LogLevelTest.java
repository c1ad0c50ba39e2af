package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code --log-level}: applied before any logger is made, so each case runs jnat in a JVM of its
 * own (slf4j-simple reads the level once per JVM). {@code jnat counters} logs its request at debug.
 */
class LogLevelTest {
    record Result(int exit, String err) {
    }

    private static Result jnat(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), err);
    }

    private static String deadAddress() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    @Test
    void debugShowsTheRequestBeforeOrAfterTheVerb() throws Exception {
        String dead = deadAddress();
        Result before = jnat("--log-level", "debug", "counters", "--admin", dead);
        assertThat(before.exit()).isEqualTo(1);
        assertThat(before.err()).contains("DEBUG AdminClient - GET http://" + dead + "/api/v1/counters")
                .contains("jnat counters: no router answers at " + dead);
        Result after = jnat("counters", "--admin", dead, "--log-level", "DEBUG");
        assertThat(after.err()).contains("DEBUG AdminClient - GET http://" + dead + "/api/v1/counters");
    }

    @Test
    void theDefaultIsInfo() throws Exception {
        String dead = deadAddress();
        Result r = jnat("counters", "--admin", dead);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).doesNotContain("DEBUG").isEqualTo("jnat counters: no router answers at " + dead
                + " (connection refused); is jnat run going with [admin] listen = \"" + dead + "\"? Give its address"
                + " with --admin HOST:PORT or --config" + System.lineSeparator());
    }

    @Test
    void anUnknownLevelIsAUsageError() throws Exception {
        Result r = jnat("--log-level", "loud", "counters");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--log-level").contains("loud");
    }
}
