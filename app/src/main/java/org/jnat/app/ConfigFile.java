package org.jnat.app;

import java.nio.file.Path;
import org.jnat.app.config.ConfigException;
import org.jnat.app.config.ConfigLoader;
import org.jnat.app.config.LoadedConfig;
import picocli.CommandLine.Option;

/**
 * The {@code --config} option every verb that reads the router's file shares (a picocli mixin),
 * and loading that file the one way they all report a bad one: its one-line error on stderr.
 */
final class ConfigFile {
    @Option(names = "--config", required = true, description = "the router's TOML file")
    Path config;

    /** The loaded config and its warnings, or null after printing {@code prefix} and the error to stderr. */
    LoadedConfig load(String prefix) {
        try {
            return ConfigLoader.loadWithWarnings(config);
        } catch (ConfigException e) {
            System.err.println(prefix + e.getMessage());
            return null;
        }
    }
}
