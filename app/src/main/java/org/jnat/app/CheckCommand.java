package org.jnat.app;

import java.util.concurrent.Callable;
import org.jnat.app.config.EffectiveConfig;
import org.jnat.app.config.LoadedConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code jnat check}: validate a config file and print the effective config; exit 0 or 1. The
 * effective config goes to stdout (it is TOML that loads back to the same config), then, as
 * comments, each key's value and where it came from (file:line, profile NAME or default); warnings
 * and the one-line error go to stderr.
 */
@Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a config file and print the effective config; exit 0 or 1.")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ConfigFile config;

    @Override
    public Integer call() {
        LoadedConfig loaded = config.load("");
        if (loaded == null) {
            return 1;
        }
        for (String warning : loaded.warnings()) {
            System.err.println(warning);
        }
        String effective = EffectiveConfig.toToml(loaded.config(), false, loaded.origins());
        System.out.print(effective);
        // Where each value came from, as comments after the config, so that the output still loads.
        System.out.print("\n" + loaded.origins().report(effective));
        System.out.flush();
        return 0;
    }
}
