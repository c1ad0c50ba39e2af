package org.jnat.app.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * The named profiles of {@code [nat] profile}: each a set of key defaults that lies beneath the
 * config file, written in {@code profiles.toml} (beside this class) as the file writes them.
 * {@link ConfigLoader} reads a key from the file, else from the profile, else takes its built-in
 * default, through the same checks either way, and notes which it was ({@link Origins}). Adding a
 * key to a profile is one line there.
 */
final class Profiles {
    /** Every profile, a table each, in the order the file lists them. */
    private static final TomlParseResult ALL = read();

    private Profiles() {
    }

    private static TomlParseResult read() {
        try (InputStream in = Profiles.class.getResourceAsStream("profiles.toml")) {
            if (in == null) {
                throw new IllegalStateException("profiles.toml is missing from the jar");
            }
            TomlParseResult parsed = Toml.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            if (parsed.hasErrors()) {
                throw new IllegalStateException("profiles.toml: " + parsed.errors().getFirst());
            }
            return parsed;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The profile names, in order. */
    static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /** The keys of profile {@code name}, as tables named as in the config file ("nat", "nat.timeouts"), or null. */
    static TomlTable of(String name) {
        return ALL.getTable(List.of(name));
    }
}
