package org.jnat.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jnat.app.config.ConfigException;
import org.jnat.app.config.ConfigLoader;
import org.jnat.app.config.EffectiveConfig;
import org.jnat.app.config.LoadedConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jnat check}: validate a config file and print the effective config; exit 0 or 1. The
 * effective config goes to stdout (it is TOML that loads back to the same config); warnings and
 * the one-line error go to stderr.
 */
@Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a config file and print the effective config; exit 0 or 1.")
final class CheckCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "the router's TOML file")
    Path config;

    @Override
    public Integer call() {
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.loadWithWarnings(config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        for (String warning : loaded.warnings()) {
            System.err.println(warning);
        }
        System.out.print(EffectiveConfig.toToml(loaded.config()));
        System.out.flush();
        return 0;
    }
}
