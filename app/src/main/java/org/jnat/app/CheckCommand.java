package org.jnat.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jnat check}: validate a config file and print the effective config; exit 0 or 1. */
@Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a config file and print the effective config; exit 0 or 1.")
final class CheckCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "the router's TOML file")
    Path config;

    @Override
    public Integer call() {
        return NotYetImplemented.say("check");
    }
}
