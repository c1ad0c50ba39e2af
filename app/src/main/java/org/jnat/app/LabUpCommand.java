package org.jnat.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jnat.app.config.ConfigException;
import org.jnat.app.config.TopologyLoader;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.LabException;
import org.jnat.app.lab.LabState;
import org.jnat.app.lab.Shell;
import org.jnat.app.lab.Topology;
import org.jnat.app.lab.TopologyLab;
import org.jnat.wire.Ipv4Address;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/**
 * {@code jnat lab up FILE}: builds the topology's namespaces, starts a router per NAT and the STUN
 * server, prints the addresses, and returns while the lab runs on (or, with {@code --foreground},
 * stays until Ctrl-C and then takes it down). A failure part way takes down what was built and says
 * why in one line.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Build the lab of a topology file and start its routers and STUN server.")
final class LabUpCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the topology ([[network]], [[nat]], [[host]], [stun])")
    Path file;
    @Option(names = "--name", paramLabel = "LAB",
            description = "the lab's name, which prefixes its namespaces (default: the file's name)")
    String name;
    @Option(names = "--foreground", description = "stay until Ctrl-C, then take the lab down")
    boolean foreground;

    private volatile boolean finished;

    @Override
    public Integer call() throws Exception {
        String why = Lab.unavailableReason();
        if (why != null) {
            return UserNamespace.reexecOrExplain("lab up", why, false);
        }
        if (UserNamespace.active() && !foreground) {
            // The namespaces live in this user namespace, which no later jnat lab command can find.
            System.err.println("jnat lab up: in a user namespace the lab stays in the foreground (Ctrl-C ends it)");
            foreground = true;
        }
        Topology topology;
        try {
            topology = TopologyLoader.load(file);
        } catch (ConfigException e) {
            System.err.println("jnat lab up: " + e.getMessage());
            return 1;
        }
        topology.warnings().forEach(w -> System.err.println("jnat lab up: " + w));
        String lab = name != null ? name.toLowerCase(Locale.ROOT) : defaultName(file);
        if (!lab.matches("[a-z0-9]{1,16}")) {
            System.err.println("jnat lab up: --name: expected 1 to 16 lowercase letters and digits, got \"" + name + "\"");
            return 1;
        }
        String stunLabel = "jnat stun-server";
        Function<String, List<String>> stun = ns -> jnatStun(ns, topology.stun());
        if (!new CommandLine(new Main()).getSubcommands().containsKey("stun-server")) {
            stunLabel = "stund";
            stun = ns -> List.of("ip", "netns", "exec", ns, "stund", "-h", ip(topology.stun().address()), "-a",
                    ip(topology.stun().other()), "-p", "" + TopologyLab.STUN_PORT, "-o", "" + TopologyLab.STUN_OTHER_PORT);
            if (topology.stun() != null && !Shell.has("stund")) {
                System.err.println("jnat lab up: [stun] needs a STUN server and this jnat has none built in; install"
                        + " Vovida's stund (apt-get install stun-server)");
                return 1;
            }
        }
        LabState state;
        try {
            state = LabState.create(lab, file.toAbsolutePath().toString());
        } catch (LabException e) {
            System.err.println("jnat lab up: " + e.getMessage());
            return 1;
        }
        // Ctrl-C (or a kill) while the lab is being built takes down what was built so far.
        Thread halfway = new Thread(() -> {
            if (!finished) {
                TopologyLab.tearDown(lab, state, false);
            }
        }, "jnat-lab-up-cleanup");
        Runtime.getRuntime().addShutdownHook(halfway);
        List<String> summary;
        try {
            TopologyLab built = new TopologyLab(topology, state);
            built.build();
            built.start(stun);
            summary = built.summary(stunLabel);
            state.setSummary(summary);
        } catch (LabException | java.io.IOException | IllegalStateException e) {
            finished = true;
            String teardown;
            try {
                TopologyLab.tearDown(lab, state, false);
                teardown = "what was built is taken down again";
            } catch (LabException again) {
                teardown = "and taking it down failed too: " + again.getMessage();
            }
            System.err.println("jnat lab up: " + e.getMessage() + "; " + teardown);
            return 1;
        }
        finished = true;
        Runtime.getRuntime().removeShutdownHook(halfway);
        System.out.println("lab " + lab + " is up (" + file + "):");
        summary.forEach(l -> System.out.println("  " + l));
        String named = LabState.names().size() > 1 ? " --name " + lab : "";
        if (UserNamespace.active()) {
            // Other jnat commands cannot see this user namespace; nsenter can, for the same user.
            System.out.println("Ctrl-C ends the lab. From another terminal: nsenter -t " + ProcessHandle.current().pid()
                    + " -U -m -n --preserve-credentials ip netns exec " + lab + "-HOST CMD...");
        } else {
            System.out.println("Try: jnat lab exec" + named + " HOST -- CMD...   jnat lab status" + named
                    + "   jnat lab down" + named + (foreground ? "   (or Ctrl-C)" : ""));
        }
        System.out.flush();
        return foreground ? stayUntilInterrupted(lab, state) : 0;
    }

    /** Waits for SIGINT or SIGTERM (or for {@code jnat lab down} from elsewhere), then takes the lab down. */
    private static int stayUntilInterrupted(String lab, LabState state) throws InterruptedException {
        Object signalled = new Object();
        boolean[] stop = {false};
        for (String signal : List.of("INT", "TERM")) {
            Signal.handle(new Signal(signal), s -> {
                synchronized (signalled) {
                    stop[0] = true;
                    signalled.notifyAll();
                }
            });
        }
        synchronized (signalled) {
            while (!stop[0] && Files.exists(state.dir())) {
                signalled.wait(1000);
            }
        }
        if (!Files.exists(state.dir())) {
            System.out.println("lab " + lab + " was taken down by jnat lab down");
            return 0;
        }
        try {
            System.out.println("lab " + lab + " is down: " + TopologyLab.tearDown(lab, state, true));
            return 0;
        } catch (LabException e) {
            System.err.println("jnat lab up: " + e.getMessage());
            return 1;
        }
    }

    private static List<String> jnatStun(String ns, Topology.Stun s) {
        return JnatProcess.command(ns, List.of("stun-server", "--address", ip(s.address()), "--other", ip(s.other()),
                "--port", "" + TopologyLab.STUN_PORT, "--other-port", "" + TopologyLab.STUN_OTHER_PORT));
    }

    private static String ip(int address) {
        return Ipv4Address.toString(address);
    }

    /** The file's name without its extension, as letters and digits only (at most 16), else "lab". */
    static String defaultName(Path file) {
        String base = file.getFileName().toString().replaceFirst("\\.[^.]*$", "").toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9]", "");
        return base.isEmpty() ? "lab" : base.substring(0, Math.min(16, base.length()));
    }
}
