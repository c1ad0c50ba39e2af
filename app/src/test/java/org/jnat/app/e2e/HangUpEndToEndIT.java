package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jnat.app.lab.HelloServer;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.junit.jupiter.api.Test;

/**
 * {@code jnat run} started as {@code nohup} starts it, with SIGHUP ignored (a disposition the JVM
 * inherits, and for which HotSpot silently refuses a handler): jnat says it takes SIGHUP back, the
 * kernel's record shows SIGHUP caught rather than ignored, and a SIGHUP reloads the file (a forward
 * the file gained then works). Before the fix, the signal was lost without a word. TAP lab; needs
 * root, and skips saying why otherwise.
 */
class HangUpEndToEndIT {
    private static final Duration SHORT = Duration.ofSeconds(15);

    @Test
    void startedWithSighupIgnoredJnatStillReloadsOnSighup() throws IOException {
        Labs.assumeLab(getClass(), "curl", "nohup");
        Lab lab = null;
        JnatProcess jnat = null;
        try {
            lab = Lab.create(Lab.uniquePrefix("wh"), Lab.Mode.TAP);
            jnat = JnatProcess.startIgnoringHangUp(lab, lab.jnatConfig("reject"));
            assertThat(jnat.output()).as("jnat says it took SIGHUP back")
                    .anyMatch(l -> l.contains("SIGHUP was ignored") && l.contains("jnat takes it back"));
            // /proc/PID/status: bit 0 of each mask is signal 1, SIGHUP.
            String status = Files.readString(Path.of("/proc", Long.toString(jnat.pid()), "status"));
            assertThat(mask(status, "SigIgn") & 1).as("SIGHUP ignored, per the kernel").isZero();
            assertThat(mask(status, "SigCgt") & 1).as("SIGHUP caught, per the kernel").isEqualTo(1);

            try (HelloServer hello = HelloServer.start(lab.ns("cl"), Lab.CL, 8002, "hello 8002 from %s:%s\n")) {
                assertThat(fromSv(lab, 8082)).as("no forward on 8082 yet").isNull();
                Path file = jnat.configFile();
                Files.writeString(file, Files.readString(file)
                        + "\n[[forward]]\nprotocol = \"tcp\"\nport = \"8082\"\nto = \"" + Lab.CL + ":8002\"\n");
                jnat.hangUp();
                jnat.awaitLine("reloaded " + file, 10_000);
                assertThat(jnat.alive()).isTrue();
                assertThat(fromSv(lab, 8082)).as("the forward the reload added").startsWith("hello 8002 from " + Lab.SV);
            }
        } finally {
            Labs.tearDown(jnat, lab, null);
        }
    }

    private static long mask(String status, String field) {
        for (String line : status.split("\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseUnsignedLong(line.substring(field.length() + 1).strip(), 16);
            }
        }
        throw new AssertionError("no " + field + " in /proc/PID/status:\n" + status);
    }

    /** sv's curl to the public address on {@code port}: the body, or null when it got none. */
    private static String fromSv(Lab lab, int port) {
        Shell.Result r = lab.exec("sv", SHORT, "curl", "-sS", "--max-time", "3",
                "http://" + Lab.RT_OUTSIDE + ":" + port + "/");
        return r.exitCode() == 0 ? r.stdout() : null;
    }
}
