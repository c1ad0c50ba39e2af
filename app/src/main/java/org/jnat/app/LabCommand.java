package org.jnat.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.LabException;
import org.jnat.app.lab.LabRouterConfig;
import org.jnat.app.lab.LabState;
import org.jnat.app.lab.Shell;
import org.jnat.app.lab.TopologyLab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jnat lab}: labs for NAT traversal tests, built from a topology file ({@code up}), used
 * ({@code exec}, {@code status}) and taken down ({@code down}). {@code up} is {@link LabUpCommand}.
 */
@Command(name = "lab", mixinStandardHelpOptions = true,
        subcommands = {LabUpCommand.class, LabCommand.Exec.class, LabCommand.Status.class, LabCommand.Down.class},
        description = "Labs of hosts behind nested NATs, from a topology file: up, exec, status, down.")
final class LabCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        new picocli.CommandLine(this).usage(System.out);
        return 0;
    }

    /** Why this verb cannot run here (printed as its one line), or null: the lab's namespaces are root's. */
    static String unavailable(String verb) {
        String why = Lab.unavailableReason();
        if (why == null) {
            return null;
        }
        return "jnat lab " + verb + ": " + why + (UserNamespace.active() ? "" : "; a lab started without root lives"
                + " in a user namespace of its own and is reached only from there");
    }

    /** The recorded lab {@code --name} means; throws with the sentence for the user. */
    static LabState recorded(String name) {
        String resolved = LabState.resolve(name);
        LabState state = LabState.read(resolved);
        if (state == null) {
            throw new LabException("no lab named " + resolved + " is up" + (LabState.names().isEmpty() ? ""
                    : " (up: " + String.join(", ", LabState.names()) + ")"));
        }
        return state;
    }

    /** {@code jnat lab exec HOST -- CMD...}: a command in one of the lab's hosts, its exit status passed on. */
    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = "Run a command in a host of the lab (also in a NAT's or the STUN server's namespace).")
    static final class Exec implements Callable<Integer> {
        @Option(names = "--name", paramLabel = "LAB", description = "the lab (default: the only one up)")
        String name;
        @Parameters(index = "0", paramLabel = "HOST", description = "a [[host]] of the topology (or a NAT, or stun)")
        String host;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "the command, after --")
        List<String> command;

        @Override
        public Integer call() throws Exception {
            String why = unavailable("exec");
            if (why != null) {
                System.err.println(why);
                return 1;
            }
            try {
                LabState state = recorded(name);
                LabState.Node node = state.node("host", host);
                for (String kind : List.of("nat", "stun")) {
                    node = node != null ? node : state.node(kind, host);
                }
                if (node == null) {
                    System.err.println("jnat lab exec: lab " + state.name() + " has no host " + host + "; its hosts are "
                            + String.join(", ", state.nodes().stream().filter(n -> n.kind().equals("host"))
                            .map(LabState.Node::name).toList()));
                    return 1;
                }
                List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", node.namespace()));
                cmd.addAll(command);
                return new ProcessBuilder(cmd).inheritIO().start().waitFor();
            } catch (LabException e) {
                System.err.println("jnat lab exec: " + e.getMessage());
                return 1;
            }
        }
    }

    /** {@code jnat lab status}: the lab's addresses, then each NAT's sessions through its admin API. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the lab's addresses and every NAT's sessions.")
    static final class Status implements Callable<Integer> {
        @Option(names = "--name", paramLabel = "LAB", description = "the lab (default: the only one up)")
        String name;

        @Override
        public Integer call() throws Exception {
            String why = unavailable("status");
            if (why != null) {
                System.err.println(why);
                return 1;
            }
            LabState state;
            try {
                state = recorded(name);
            } catch (LabException e) {
                System.err.println("jnat lab status: " + e.getMessage());
                return 1;
            }
            System.out.println("lab " + state.name() + " (" + state.file() + ")");
            state.summary().forEach(l -> System.out.println("  " + l));
            boolean allRunning = true;
            for (LabState.Proc p : state.processes()) {
                boolean running = Shell.run(java.time.Duration.ofSeconds(10), "ip", "netns", "pids", p.namespace())
                        .stdout().lines().anyMatch(l -> l.strip().equals(Long.toString(p.pid())));
                allRunning &= running;
                if (!running) {
                    System.out.println("== " + p.role() + " " + p.name() + ": not running (see " + p.log() + ")");
                } else if (p.role().equals("nat")) {
                    System.out.println("== nat " + p.name() + ": sessions");
                    System.out.flush();
                    // The admin API listens on the loopback of the router's namespace: ask from there.
                    List<String> cmd = JnatProcess.command(p.namespace(), List.of("sessions", "--admin",
                            LabRouterConfig.ADMIN));
                    allRunning &= new ProcessBuilder(cmd).inheritIO().start().waitFor() == 0;
                }
            }
            return allRunning ? 0 : 1;
        }
    }

    /** {@code jnat lab down}: ends the lab's processes, deletes its namespaces and its record. */
    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Take the lab down: its routers, STUN server, hosts' processes, namespaces and links.")
    static final class Down implements Callable<Integer> {
        @Option(names = "--name", paramLabel = "LAB", description = "the lab (default: the only one up)")
        String name;

        @Override
        public Integer call() {
            String why = unavailable("down");
            if (why != null) {
                System.err.println(why);
                return 1;
            }
            try {
                String lab = LabState.resolve(name == null ? null : name.toLowerCase(Locale.ROOT));
                LabState state = LabState.read(lab);
                String removed = TopologyLab.tearDown(lab, state, true);
                if (state == null && removed.startsWith("0 namespaces")) {
                    System.err.println("jnat lab down: no lab named " + lab + " is up");
                    return 1;
                }
                System.out.println("lab " + lab + " is down: " + removed);
                return 0;
            } catch (LabException e) {
                System.err.println("jnat lab down: " + e.getMessage());
                return 1;
            }
        }
    }
}
