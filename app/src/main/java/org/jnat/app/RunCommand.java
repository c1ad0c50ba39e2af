package org.jnat.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jnat.app.admin.AdminServer;
import org.jnat.app.config.LoadedConfig;
import org.jnat.app.control.Reloader;
import org.jnat.config.RouterConfig;
import org.jnat.linux.HangUpSignal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code jnat run}: validates the config, opens both devices, logs one line per interface, then
 * routes until SIGINT or SIGTERM, and stops cleanly (exit 0), releasing both devices. SIGHUP reloads the
 * config file ({@link Reloader}).
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the router in the foreground (SIGINT/SIGTERM: clean stop; SIGHUP: reload the config).")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigFile config;

    @Option(names = "--capture", paramLabel = "DIR",
            description = "write DIR/inside.pcap and DIR/outside.pcap: every frame jnat receives and sends on each side")
    Path capture;

    @Override
    public Integer call() throws InterruptedException {
        LoadedConfig loaded = config.load("");
        if (loaded == null) {
            return 1;
        }
        loaded.warnings().forEach(System.err::println);
        RouterConfig rc = loaded.config();
        RouterRuntime runtime;
        try {
            runtime = RouterRuntime.open(rc, capture);
        } catch (RouterRuntime.StartupException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        Reloader reloader = AdminEndpoint.reloader(config.config, rc, loaded.origins(), runtime);
        AdminServer admin;
        try {
            admin = AdminEndpoint.start(rc, runtime, reloader);
        } catch (RouterRuntime.StartupException e) {
            runtime.close();
            System.err.println(e.getMessage());
            return 1;
        }
        try (runtime; admin) {
            runtime.describe(System.out);
            // A signal only asks the data plane to stop; this thread then closes the devices.
            Signal.handle(new Signal("INT"), s -> runtime.stop());
            Signal.handle(new Signal("TERM"), s -> runtime.stop());
            // SIGHUP reloads the file; a refusal is logged, and the router goes on as it was. Started
            // with SIGHUP ignored (nohup), the JVM would silently refuse the handler: take it back first.
            boolean hangUpTakenBack = HangUpSignal.takeBackIfIgnored();
            Signal.handle(new Signal("HUP"), s -> reloader.reloadAndLog());
            if (hangUpTakenBack) {
                System.out.println("jnat: SIGHUP was ignored by the process that started jnat (nohup?);"
                        + " jnat takes it back: SIGHUP reloads the config");
            } else if (HangUpSignal.ignored()) {
                System.out.println("jnat: SIGHUP stays ignored (inherited from the process that started jnat);"
                        + " reload through the admin API ([admin], POST /api/v1/reload) instead");
            }
            try {
                runtime.start();
            } catch (RouterRuntime.StartupException e) {
                System.err.println(e.getMessage());
                return 1;
            }
            System.out.println("jnat: routing between inside and outside (" + rc.nat().mapping().configName()
                    + " mapping, " + rc.nat().filtering().configName() + " filtering); SIGINT or SIGTERM stops, SIGHUP reloads");
            System.out.flush();
            Throwable failure = runtime.awaitStop();
            if (failure != null) {
                System.err.println("jnat: the data plane stopped: " + failure.getMessage());
                System.out.flush();
                return 1;
            }
            System.out.println("jnat: stopped; " + Summary.of(runtime.counters()));
            // What happened, for the record: every counter that moved (as `ip -s link` would).
            runtime.counters().snapshot().forEach((name, value) -> {
                if (value != 0) {
                    System.out.println("jnat:   " + name + " " + value);
                }
            });
            System.out.flush(); // stdout to a pipe is buffered, and System.exit does not flush it
            return 0;
        }
    }
}
