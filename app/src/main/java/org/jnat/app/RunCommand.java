package org.jnat.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jnat.app.config.ConfigException;
import org.jnat.app.config.ConfigLoader;
import org.jnat.app.config.LoadedConfig;
import org.jnat.config.RouterConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code jnat run}: validates the config, opens both devices, logs one line per interface, then
 * routes until SIGINT or SIGTERM, and stops cleanly (exit 0), releasing both devices.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the router in the foreground (SIGINT/SIGTERM: clean stop).")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "the router's TOML file")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.loadWithWarnings(config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        loaded.warnings().forEach(System.err::println);
        RouterConfig rc = loaded.config();
        int queues = Integer.getInteger("jnat.queues", 1);
        if (queues > 1) {
            return runSharded(rc, queues);
        }
        RouterRuntime runtime;
        try {
            runtime = RouterRuntime.open(rc);
        } catch (RouterRuntime.StartupException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        try (runtime) {
            runtime.describe(System.out);
            // A signal only asks the data plane to stop; this thread then closes the devices.
            Signal.handle(new Signal("INT"), s -> runtime.stop());
            Signal.handle(new Signal("TERM"), s -> runtime.stop());
            try {
                runtime.start();
            } catch (RouterRuntime.StartupException e) {
                System.err.println(e.getMessage());
                return 1;
            }
            System.out.println("jnat: routing between inside and outside (" + rc.nat().mapping().configName()
                    + " mapping, " + rc.nat().filtering().configName() + " filtering); SIGINT or SIGTERM stops");
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

    /**
     * EXPERIMENT (session 4, not for use): one router per queue of multi-queue TAPs, each with its
     * own NAT over a disjoint slice of the port range. The kernel's tun flow steering keeps a
     * flow's two directions on the queue that wrote it; NAT state is NOT shared between queues
     * (an endpoint-independent mapping, hairpinning and per-host quotas hold per queue only).
     */
    private int runSharded(RouterConfig rc, int queues) throws InterruptedException {
        java.util.List<RouterRuntime> runtimes = new java.util.ArrayList<>();
        org.jnat.config.NatConfig n = rc.nat();
        int span = (n.portHigh() - n.portLow() + 1) / queues;
        for (int k = 0; k < queues; k++) {
            int lo = n.portLow() + k * span;
            int hi = k == queues - 1 ? n.portHigh() : lo + span - 1;
            org.jnat.config.NatConfig nk = new org.jnat.config.NatConfig(n.mapping(), n.filtering(), lo, hi,
                    n.maxSessions() / queues, n.maxSessionsPerHost(), n.hairpinning(), n.unmatched(), n.dmz(),
                    n.timeouts(), n.inboundRefresh());
            RouterConfig ck = new RouterConfig(rc.inside(), rc.outside(), nk, rc.forwards(), rc.neighbors(),
                    rc.admin(), rc.dataPlane());
            try {
                runtimes.add(RouterRuntime.open(ck));
            } catch (RouterRuntime.StartupException e) {
                System.err.println(e.getMessage());
                runtimes.forEach(RouterRuntime::close);
                return 1;
            }
        }
        runtimes.get(0).describe(System.out);
        Signal.handle(new Signal("INT"), s -> runtimes.forEach(RouterRuntime::stop));
        Signal.handle(new Signal("TERM"), s -> runtimes.forEach(RouterRuntime::stop));
        for (RouterRuntime r : runtimes) {
            try {
                r.start();
            } catch (RouterRuntime.StartupException e) {
                System.err.println(e.getMessage());
                runtimes.forEach(RouterRuntime::close);
                return 1;
            }
        }
        System.out.println("jnat: routing between inside and outside (" + queues + " queues, experiment)"
                + "; SIGINT or SIGTERM stops");
        System.out.flush();
        for (RouterRuntime r : runtimes) {
            r.awaitStop();
        }
        for (int k = 0; k < queues; k++) {
            System.out.println("jnat: queue " + k + ": " + Summary.of(runtimes.get(k).counters()));
        }
        runtimes.forEach(RouterRuntime::close);
        System.out.flush();
        return 0;
    }
}
