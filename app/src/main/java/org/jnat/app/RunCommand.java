package org.jnat.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jnat run}: run the router in the foreground (SIGINT/SIGTERM: clean stop). */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the router in the foreground (SIGINT/SIGTERM: clean stop).")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "the router's TOML file")
    Path config;

    @Override
    public Integer call() {
        return NotYetImplemented.say("run");
    }
}
