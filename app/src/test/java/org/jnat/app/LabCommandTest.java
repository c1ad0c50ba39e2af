package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jnat.app.lab.Lab;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;

/** {@code jnat lab}'s answers to mistakes: one line each, exit 1, nothing built. */
class LabCommandTest {
    @TempDir
    Path dir;

    @BeforeEach
    void needsRoot() {
        // Without root, jnat lab up would re-run itself in a user namespace: not what these check.
        String why = Lab.unavailableReason();
        if (why != null) {
            System.out.println("SKIPPED LabCommandTest: " + why);
        }
        Assumptions.assumeTrue(why == null, why);
    }

    /** Runs {@code jnat ARGS} and checks it refused with exactly {@code line} on stderr. */
    private static void refuses(String line, String... args) {
        Cli.Run run = Cli.run(args);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo(line + "\n");
    }

    @Test
    void aMissingFileIsOneLine() {
        Path none = dir.resolve("none.toml");
        refuses("jnat lab up: " + none + ": no such file; give the path of the lab's topology file",
                "lab", "up", none.toString(), "--name", "lbnone");
    }

    @Test
    void aBadTopologyNamesFileLineAndKeyAndABadNameIsRefused() throws Exception {
        Path file = dir.resolve("bad.toml");
        Files.writeString(file, "[[network]]\nname = \"lan1\"\nprefix = \"192.168.1.0/33\"\n");
        refuses("jnat lab up: " + file + ":3: network.prefix: expected a prefix like \"192.168.1.0/24\" with a length"
                + " from /8 to /29, got \"192.168.1.0/33\"", "lab", "up", file.toString(), "--name", "lbbad");
        Files.writeString(file, "[[network]]\nname = \"lan1\"\nprefix = \"192.168.1.0/24\"\n");
        refuses("jnat lab up: --name: expected 1 to 16 lowercase letters and digits, got \"my_lab\"",
                "lab", "up", file.toString(), "--name", "my_lab");
    }

    @Test
    void verbsOnALabThatIsNotUpSaySo() {
        refuses("jnat lab down: no lab named lbnotup is up", "lab", "down", "--name", "lbnotup");
        for (String verb : new String[] {"exec", "status"}) {
            Cli.Run run = verb.equals("exec") ? Cli.run("lab", "exec", "--name", "lbnotup", "alice", "--", "true")
                    : Cli.run("lab", "status", "--name", "lbnotup");
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).startsWith("jnat lab " + verb + ": no lab named lbnotup is up");
        }
    }

    @Test
    void theDefaultNameIsTheFilesLettersAndDigits() {
        assertThat(LabUpCommand.defaultName(Path.of("/tmp/nested-NATs_2.toml"))).isEqualTo("nestednats2");
        assertThat(LabUpCommand.defaultName(Path.of("---.toml"))).isEqualTo("lab");
    }
}
