package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jnat.app.config.BadConfigTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jnat run} refusals that come before any device is opened (no root needed). */
class RunCommandTest {
    @TempDir
    Path dir;

    @Test
    void anAdminApiReachableFromElsewhereWithoutATokenDoesNotStart() throws Exception {
        Path file = dir.resolve("router.toml");
        Files.writeString(file, BadConfigTest.MINIMAL + "[admin]\nlisten = \"0.0.0.0:8080\"\n");
        Cli.Run run = Cli.run("run", "--config", file.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo(file + ":10: admin.listen: \"0.0.0.0:8080\" is not a loopback address, so"
                + " the admin API needs a token; add token-file = \"/etc/jnat/admin.token\" (or token = \"...\") to"
                + " [admin], or listen on \"127.0.0.1:8080\"" + System.lineSeparator());
    }
}
