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

    @Test
    void aMissingFileIsOneLine() {
        Cli.Run run = Cli.run("lab", "up", dir.resolve("none.toml").toString(), "--name", "lbnone");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("jnat lab up: " + dir.resolve("none.toml")
                + ": no such file; give the path of the lab's topology file\n");
    }

    @Test
    void aBadTopologyNamesFileLineAndKey() throws Exception {
        Path file = dir.resolve("bad.toml");
        Files.writeString(file, "[[network]]\nname = \"lan1\"\nprefix = \"192.168.1.0/33\"\n");
        Cli.Run run = Cli.run("lab", "up", file.toString(), "--name", "lbbad");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("jnat lab up: " + file + ":3: network.prefix: expected a prefix like"
                + " \"192.168.1.0/24\" with a length from /8 to /29, got \"192.168.1.0/33\"\n");
    }

    @Test
    void aBadNameIsRefused() throws Exception {
        Path file = dir.resolve("ok.toml");
        Files.writeString(file, "[[network]]\nname = \"lan1\"\nprefix = \"192.168.1.0/24\"\n");
        Cli.Run run = Cli.run("lab", "up", file.toString(), "--name", "my_lab");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("jnat lab up: --name: expected 1 to 16 lowercase letters and digits, got"
                + " \"my_lab\"\n");
    }

    @Test
    void verbsOnALabThatIsNotUpSaySo() {
        Cli.Run down = Cli.run("lab", "down", "--name", "lbnotup");
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.err()).isEqualTo("jnat lab down: no lab named lbnotup is up\n");
        Cli.Run exec = Cli.run("lab", "exec", "--name", "lbnotup", "alice", "--", "true");
        assertThat(exec.exit()).isEqualTo(1);
        assertThat(exec.err()).startsWith("jnat lab exec: no lab named lbnotup is up");
        Cli.Run status = Cli.run("lab", "status", "--name", "lbnotup");
        assertThat(status.exit()).isEqualTo(1);
        assertThat(status.err()).startsWith("jnat lab status: no lab named lbnotup is up");
    }

    @Test
    void theDefaultNameIsTheFilesLettersAndDigits() {
        assertThat(LabUpCommand.defaultName(Path.of("/tmp/nested-NATs_2.toml"))).isEqualTo("nestednats2");
        assertThat(LabUpCommand.defaultName(Path.of("---.toml"))).isEqualTo("lab");
    }
}
