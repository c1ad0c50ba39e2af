package org.jnat.app;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jnat.app.admin.AdminServer;
import org.jnat.app.config.ConfigException;
import org.jnat.app.config.ConfigLoader;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.LabException;
import org.jnat.app.lab.Shell;
import org.jnat.config.RouterConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code jnat demo}: a throwaway lab with jnat between a "laptop" and an "internet server", real
 * Linux traffic through it, and an account of what happened in plain words. jnat runs inside this
 * process on two TAP devices whose kernel ends become the laptop's and the ISP's network cards.
 * Everything is torn down at the end, also after Ctrl-C or an error.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "A throwaway lab: a laptop and an internet server with jnat between them.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--keep", description = "keep the lab and the router running until Ctrl-C, to try things by hand")
    boolean keep;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        String why = Lab.unavailableReason();
        if (why != null) {
            return UserNamespace.reexecOrExplain("demo", why);
        }
        for (String tool : DemoTraffic.required()) {
            if (!Shell.has(tool)) {
                System.err.println("jnat demo: '" + tool + "' is missing; install it: apt-get install " + tool);
                return 1;
            }
        }
        Lab lab = null;
        RouterRuntime router = null;
        AdminServer admin = null;
        DemoTraffic traffic = null;
        Thread cleanup = null;
        try {
            say("Building a small network in namespaces: a laptop (" + Lab.CL + ") behind jnat, an ISP router, and "
                    + "an internet server (" + Lab.SV + ").");
            lab = Lab.create(Lab.uniquePrefix("jd"), Lab.Mode.TAP);
            String token = DemoAdmin.token();
            RouterConfig config = ConfigLoader.parse(lab.jnatConfig("reject") + DemoAdmin.table(token), "demo.toml")
                    .config();
            router = RouterRuntime.open(config);
            admin = AdminEndpoint.start(config, router, AdminEndpoint.reloader(null, config, router));
            traffic = new DemoTraffic(lab);
            Lab l = lab;
            RouterRuntime r = router;
            AdminServer a = admin;
            DemoTraffic t = traffic;
            cleanup = new Thread(() -> {
                a.close();
                t.close();
                r.close();
                l.close();
            }, "jnat-demo-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            router.describe(out);
            router.start();
            lab.attachTaps(null, lab.insideTapName(), lab.outsideTapName());
            startServers(traffic);
            say("jnat is routing. The laptop's address is private; the internet only ever sees jnat's public "
                    + "address " + Lab.RT_OUTSIDE + ".");

            step("1. The laptop pings the internet server");
            show(traffic.ping("cl", Lab.SV), 2);

            step("2. The laptop fetches a web page from the internet server");
            show(traffic.curl("cl", "http://" + Lab.SV + ":8000/", 5), 5);

            step("3. A traceroute from the laptop: hop 1 is jnat itself, hop 2 the ISP, then the server");
            show(traffic.traceroute("cl", Lab.SV), 6);

            step("4. A port forward: the internet server connects to jnat's public port " + Lab.FORWARD_PUBLIC_PORT
                    + ", which jnat forwards to the laptop's port " + Lab.FORWARD_INSIDE_PORT);
            show(traffic.curl("sv", "http://" + Lab.RT_OUTSIDE + ":" + Lab.FORWARD_PUBLIC_PORT + "/", 5), 5);

            step("5. Unsolicited traffic from the internet to a port nothing forwards is refused, after the 6 s "
                    + "that RFC 5382 REQ-4 gives a laptop to open the same connection from inside");
            show(traffic.curl("sv", "http://" + Lab.RT_OUTSIDE + ":41000/", 10), 3);

            if (keep) {
                say("The lab stays up. Try: ip netns exec " + lab.ns("cl") + (Shell.has("ping") ? " ping " + Lab.SV
                        : " curl http://" + Lab.SV + ":8000/") + "   (Ctrl-C ends)");
                DemoAdmin.describe(admin, token, out);
                Object forever = new Object();
                Signal.handle(new Signal("INT"), s -> {
                    synchronized (forever) {
                        forever.notifyAll();
                    }
                });
                synchronized (forever) {
                    forever.wait();
                }
            }

            // The data plane is the only writer of its tables; stop it before reading them here.
            router.stop();
            Throwable failure = router.awaitStop();
            if (failure != null) {
                System.err.println("jnat demo: the router stopped: " + failure.getMessage());
                return 1;
            }
            step("What jnat saw");
            SessionListing.print(router, out);
            printCounters(router, out);
            say("Tearing the lab down.");
            return 0;
        } catch (ConfigException | RouterRuntime.StartupException | LabException e) {
            System.err.println("jnat demo: " + e.getMessage());
            return 1;
        } finally {
            if (admin != null) {
                admin.close();
            }
            if (traffic != null) {
                traffic.close();
            }
            if (router != null) {
                router.close();
            }
            if (lab != null) {
                lab.close();
            }
            if (cleanup != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or ran: it cleans up
                }
            }
        }
    }

    private static void startServers(DemoTraffic traffic) {
        // A web server on the internet server that tells the client where it came from.
        traffic.startWebServer("sv", Lab.SV, 8000,
                "Hello from the internet server. You came from %s port %s.\n");
        // A web server on the laptop, reachable from the internet only through the port forward.
        traffic.startWebServer("cl", Lab.CL, Lab.FORWARD_INSIDE_PORT,
                "Hello from the laptop, through the port forward. You are %s port %s.\n");
    }

    private void printCounters(RouterRuntime router, PrintStream out) {
        out.println("Counters (every event jnat counted; zero counters left out):");
        for (Map.Entry<String, Long> e : router.counters().snapshot().entrySet()) {
            if (e.getValue() != 0) {
                String what = router.counters().description(e.getKey());
                out.printf("  %8d  %-40s %s%n", e.getValue(), e.getKey(), what == null ? "" : what);
            }
        }
    }

    private void step(String title) {
        out.println();
        out.println("== " + title);
    }

    private void say(String text) {
        out.println(text);
    }

    /** Prints a command line, then the last {@code lines} lines of what it printed. */
    private void show(DemoTraffic.Run run, int lines) {
        String who = run.host().equals("cl") ? "laptop" : run.host().equals("sv") ? "server" : run.host();
        out.println("$ [" + who + "] " + run.commandLine());
        Shell.Result r = run.result();
        List<String> text = (r.stdout() + r.stderr()).lines().toList();
        text.subList(Math.max(0, text.size() - lines), text.size()).forEach(l -> out.println("  " + l));
        if (!r.ok()) {
            out.println("  (exit code " + r.exitCode() + ")");
        }
    }
}
