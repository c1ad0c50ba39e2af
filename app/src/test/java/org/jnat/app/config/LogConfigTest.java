package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jnat.config.LogConfig;
import org.jnat.config.RouterConfig;
import org.jnat.testing.Requirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [log] sessions}: where the session log goes, checked like every key (file:line:key). */
class LogConfigTest {
    @TempDir
    Path dir;

    private Path config(String log) throws Exception {
        Path file = dir.resolve("router.toml");
        Files.writeString(file, BadConfigTest.MINIMAL + log);
        return file;
    }

    @Requirement("RFC 6888 REQ-12")
    @Test
    void noLogTableMeansNoSessionLog() throws Exception {
        RouterConfig config = ConfigLoader.load(config(""));
        assertThat(config.log()).isEqualTo(LogConfig.NONE);
        assertThat(config.log().logsSessions()).isFalse();
        assertThat(EffectiveConfig.toToml(config)).contains("# [log] sessions is not set: no session log.\n");
    }

    @Test
    void aRelativePathIsTheConfigFoldersAndCheckShowsIt() throws Exception {
        Files.createDirectories(dir.resolve("logs"));
        Path file = config("[log]\nsessions = \"logs/sessions.jsonl\"\n");
        RouterConfig config = ConfigLoader.load(file);
        assertThat(config.log()).isEqualTo(new LogConfig("logs/sessions.jsonl",
                dir.resolve("logs/sessions.jsonl").toAbsolutePath().toString()));
        String effective = EffectiveConfig.toToml(config);
        assertThat(effective).contains("[log]\nsessions = \"logs/sessions.jsonl\"\n# that is "
                + dir.resolve("logs/sessions.jsonl").toAbsolutePath() + "\n");
        Files.writeString(dir.resolve("effective.toml"), effective);
        assertThat(ConfigLoader.load(dir.resolve("effective.toml"))).isEqualTo(config);

        Path absolute = dir.resolve("abs.jsonl").toAbsolutePath();
        Files.writeString(absolute, "an earlier line\n"); // appended to, never truncated
        assertThat(ConfigLoader.load(config("[log]\nsessions = \"" + absolute + "\"\n")).log().sessionsPath())
                .isEqualTo(absolute.toString());
    }

    @Test
    void badValuesNameTheFileTheLineAndTheKey() throws Exception {
        Path file = config("[log]\nsessions = \"\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).hasMessage(file + ":10: log.sessions: is empty; give the file"
                + " the session log goes to, e.g. \"/var/log/jnat/sessions.jsonl\", or remove the key");
        Path folder = config("[log]\nsessions = \"" + dir + "\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(folder)).hasMessage(folder + ":10: log.sessions: " + dir
                + " is a directory; give a file in it, e.g. \"" + dir + "/sessions.jsonl\"");
        Path missing = config("[log]\nsessions = \"nowhere/sessions.jsonl\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(missing)).hasMessage(missing + ":10: log.sessions: the folder "
                + dir.resolve("nowhere").toAbsolutePath() + " does not exist; create it, or log elsewhere");
        Path number = config("[log]\nsessions = 5\n");
        assertThatThrownBy(() -> ConfigLoader.load(number)).hasMessageStartingWith(number + ":10: log.sessions: ")
                .hasMessageContaining("string");
        Path misspelt = config("[log]\nsession = \"s.jsonl\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(misspelt)).hasMessage(misspelt
                + ":10: log.session: unknown key; did you mean \"sessions\"?");
        Path topLevel = dir.resolve("top.toml");
        Files.writeString(topLevel, "sessions = \"s.jsonl\"\n" + BadConfigTest.MINIMAL);
        assertThatThrownBy(() -> ConfigLoader.load(topLevel)).hasMessage(topLevel
                + ":1: sessions: unknown key at the top level; it belongs in [log]");
        Path notATable = dir.resolve("flat.toml");
        Files.writeString(notATable, "log = \"s.jsonl\"\n" + BadConfigTest.MINIMAL);
        assertThatThrownBy(() -> ConfigLoader.load(notATable)).hasMessage(notATable
                + ":1: log: expected a table [log], got a string");
    }
}
