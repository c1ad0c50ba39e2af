package org.jnat.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jnat.app.config.LoadedConfig;
import org.jnat.config.RouterConfig;
import org.jnat.nat.NatEngine;
import org.jnat.router.Replay;
import org.jnat.runtime.Counters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jnat replay}: run the router offline over pcap files; write what it sent on each side
 * (DESIGN section 4). The frames of both captures are fed in timestamp order and the router's
 * clock follows them; the device lines of the config are ignored. The router is the whole router,
 * stack and NAT engine, as {@code jnat run} builds it.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, description = "Run the router offline over pcap files; write what it sent on each side.")
final class ReplayCommand implements Callable<Integer> {
    static final long REPLAY_SEED = 0x6a6e6174L;

    @Mixin
    ConfigFile config;
    @Option(names = "--inside", required = true, description = "pcap of frames arriving on the inside")
    Path inside;
    @Option(names = "--outside", description = "pcap of frames arriving on the outside")
    Path outside;
    @Option(names = "--write", required = true, description = "directory for inside.pcap and outside.pcap")
    Path write;

    @Override
    public Integer call() {
        LoadedConfig loaded = config.load("jnat replay: ");
        if (loaded == null) {
            return 1;
        }
        RouterConfig routerConfig = loaded.config();
        for (Path capture : new Path[] {inside, outside}) {
            if (capture != null && !Files.isReadable(capture)) {
                return fail(capture + " can not be read; give the path of a pcap file");
            }
        }
        try {
            Files.createDirectories(write);
        } catch (IOException e) {
            return fail("can not create the directory " + write + " (" + e.getMessage() + "); choose a writable one with --write");
        }
        Counters counters = new Counters();
        Replay.Result result;
        try {
            // A fixed seed for the port allocator: the same captures always give the same output.
            result = Replay.run(routerConfig, inside, outside, write, counters,
                    NatEngine.of(routerConfig, counters, REPLAY_SEED));
        } catch (IOException e) {
            return fail(e.getMessage());
        }
        System.out.printf("jnat replay: %d inside and %d outside frames in; wrote %d frames to %s and %d to %s%n",
                result.insideFramesIn(), result.outsideFramesIn(), result.insideFramesOut(),
                write.resolve("inside.pcap"), result.outsideFramesOut(), write.resolve("outside.pcap"));
        if (result.framesTooBig() > 0) {
            System.out.printf("jnat replay: %d frames were larger than the replay links carry (9018 bytes) and were skipped%n",
                    result.framesTooBig());
        }
        return 0;
    }

    private static int fail(String message) {
        System.err.println("jnat replay: " + message);
        return 1;
    }
}
