package org.jnat.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jnat replay}: run the router offline over pcap files; write what it sent on each side. */
@Command(name = "replay", mixinStandardHelpOptions = true, description = "Run the router offline over pcap files; write what it sent on each side.")
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "the router's TOML file")
    Path config;
    @Option(names = "--inside", required = true, description = "pcap of frames arriving on the inside")
    Path inside;
    @Option(names = "--outside", description = "pcap of frames arriving on the outside")
    Path outside;
    @Option(names = "--write", required = true, description = "directory for inside.pcap and outside.pcap")
    Path write;

    @Override
    public Integer call() {
        return NotYetImplemented.say("replay");
    }
}
