package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jnat.app.config.BadConfigTest;
import org.jnat.app.config.ConfigLoader;
import org.jnat.testing.Requirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {
    @TempDir
    Path dir;

    private static final String MINIMAL = BadConfigTest.MINIMAL;

    private static Cli.Run check(Path config) {
        return Cli.run("check", "--config", config.toString());
    }

    @Test
    void aGoodFilePrintsTheEffectiveConfigAndExitsZero() throws Exception {
        Path file = dir.resolve("router.toml");
        Files.writeString(file, MINIMAL);
        Cli.Run run = check(file);
        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).contains("[inside]\ndevice = \"tap:jnat0\"\naddress = \"192.168.1.1/24\"\n")
                .contains("gateway = \"203.0.113.254\"\n")
                .contains("mapping = \"endpoint-independent\"\n")
                .contains("filtering = \"address-and-port-dependent\"\n")
                .contains("ports = \"1-65535\"\n")
                .contains("max-sessions = 1048576\n")
                .contains("max-sessions-per-host = 8192\n")
                .contains("hairpinning = true\n")
                .contains("unmatched = \"drop\"\n")
                .contains("inbound-refresh = false\n")
                .contains("[nat.timeouts]\nudp = \"5m\"\ntcp-established = \"2h4m\"\ntcp-transitory = \"4m\"\n"
                        + "icmp = \"1m\"\n")
                .contains("# [admin] is not set: the admin API is off.");
        // What check prints is itself a config that loads to the same thing.
        Path effective = dir.resolve("effective.toml");
        Files.writeString(effective, run.out());
        assertThat(ConfigLoader.load(effective)).isEqualTo(ConfigLoader.load(file));
    }

    @Test
    void checkSaysWhereEachValueCameFrom() throws Exception {
        Path file = Files.writeString(dir.resolve("router.toml"),
                MINIMAL + "[nat]\nprofile = \"restricted-cone\"\nhairpinning = false\n");
        Cli.Run run = check(file);
        assertThat(run.out()).contains("[nat]\nprofile = \"restricted-cone\"\n")
                .contains("\n# Where each value comes from (file:line, profile NAME, or default):\n")
                .containsPattern("(?m)^#   nat\\.filtering +\"address-dependent\" +profile restricted-cone$")
                .containsPattern("(?m)^#   nat\\.hairpinning +false +" + java.util.regex.Pattern.quote(file + ":11") + "$")
                .containsPattern("(?m)^#   nat\\.ports +\"1-65535\" +default$");
        assertThat(run.exit()).isZero();
        assertThat(ConfigLoader.load(Files.writeString(dir.resolve("effective.toml"), run.out())))
                .isEqualTo(ConfigLoader.load(file));
    }

    @Test
    void aBadFilePrintsOneLineToStderrAndExitsOne() throws IOException {
        Path file = dir.resolve("router.toml");
        Files.writeString(file, MINIMAL + "[nat]\nmapping = \"full-cone\"\n");
        Cli.Run run = check(file);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo(file + ":10: nat.mapping: expected \"endpoint-independent\","
                + " \"address-dependent\" or \"address-and-port-dependent\", got \"full-cone\"" + System.lineSeparator());
    }

    @Test
    void aMissingFileExitsOneSayingSo() {
        Path file = dir.resolve("nope.toml");
        Cli.Run run = check(file);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo(file + ": no such file; check the path given to --config"
                + System.lineSeparator());
    }

    @Requirement("RFC 4787 REQ-5")
    @Test
    void timeoutsBelowTheRfcMinimumWarnButPass() throws IOException {
        Path file = dir.resolve("router.toml");
        Files.writeString(file, MINIMAL + "[nat.timeouts]\nudp = \"30s\"\n");
        Cli.Run run = check(file);
        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEqualTo(file + ":10: nat.timeouts.udp: warning: \"30s\" is below the 2m minimum of"
                + " RFC 4787 REQ-5; UDP mappings may expire between keep-alives" + System.lineSeparator());
        assertThat(run.out()).contains("udp = \"30s\"\n");
    }

    @Test
    void theExampleConfigChecks() {
        Cli.Run run = check(Path.of("..", "docs", "router.example.toml"));
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("to = \"192.168.1.10:8000\"");
    }
}
