package org.jnat.app;

import java.time.Duration;
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

    /**
     * What {@code exec}, {@code status} and {@code down} share: {@code --name}, the root check, the
     * lab meant (given, or the only one up), and one line for whatever goes wrong.
     */
    abstract static class OnLab implements Callable<Integer> {
        @Option(names = "--name", paramLabel = "LAB", description = "the lab (default: the only one up)")
        String name;

        /** The verb, as its {@code @Command} names it, for the first word of every line it prints to stderr. */
        private final String verb = getClass().getAnnotation(Command.class).name();

        /** Runs the verb on lab {@code lab} (not necessarily recorded) and gives its exit status. */
        abstract int run(String lab) throws Exception;

        @Override
        public Integer call() throws Exception {
            String why = Lab.unavailableReason();
            if (why != null) {
                System.err.println("jnat lab " + verb + ": " + why + (UserNamespace.active() ? "" : "; a lab started"
                        + " without root lives in a user namespace of its own and is reached only from there"));
                return 1;
            }
            try {
                return run(LabState.resolve(name == null ? null : name.toLowerCase(Locale.ROOT)));
            } catch (LabException e) {
                System.err.println("jnat lab " + verb + ": " + e.getMessage());
                return 1;
            }
        }
    }

    /** The record of lab {@code lab}; throws with the sentence for the user when there is none. */
    static LabState recorded(String lab) {
        LabState state = LabState.read(lab);
        if (state == null) {
            throw new LabException("no lab named " + lab + " is up" + (LabState.names().isEmpty() ? ""
                    : " (up: " + String.join(", ", LabState.names()) + ")"));
        }
        return state;
    }

    /** {@code jnat lab exec HOST -- CMD...}: a command in one of the lab's hosts, its exit status passed on. */
    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = "Run a command in a host of the lab (also in a NAT's or the STUN server's namespace).")
    static final class Exec extends OnLab {
        @Parameters(index = "0", paramLabel = "HOST", description = "a [[host]] of the topology (or a NAT, or stun)")
        String host;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "the command (after --, or not)")
        List<String> command;

        @Override
        int run(String lab) throws Exception {
            LabState state = recorded(lab);
            LabState.Node node = state.node("host", host);
            for (String kind : List.of("nat", "stun")) {
                node = node != null ? node : state.node(kind, host);
            }
            if (node == null) {
                throw new LabException("lab " + lab + " has no host " + host + "; its hosts are " + String.join(", ",
                        state.nodes().stream().filter(n -> n.kind().equals("host")).map(LabState.Node::name).toList()));
            }
            // Through env, as a shell would run it: a command that is not found exits 127, one that
            // cannot be run 126 (ip netns exec's own failure is 1, the same as a command's "false").
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", node.namespace(), "env", "--"));
            // Past HOST everything is the command's (Main stops option parsing there), "--" too.
            List<String> own = command.getFirst().equals("--") ? command.subList(1, command.size()) : command;
            if (own.isEmpty()) {
                throw new LabException("give the command to run in " + host + " after --");
            }
            cmd.addAll(own);
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        }
    }

    /** {@code jnat lab status}: the lab's addresses, then each NAT's sessions through its admin API. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the lab's addresses and every NAT's sessions.")
    static final class Status extends OnLab {
        @Override
        int run(String lab) throws Exception {
            LabState state = recorded(lab);
            System.out.println(state.title());
            state.summary().forEach(l -> System.out.println("  " + l));
            boolean allRunning = true;
            for (LabState.Proc p : state.processes()) {
                boolean running = Shell.run(Duration.ofSeconds(10), "ip", "netns", "pids", p.namespace())
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
    static final class Down extends OnLab {
        @Override
        int run(String lab) {
            LabState state = LabState.read(lab);
            String removed = TopologyLab.tearDown(lab, state, true);
            if (state == null && removed.startsWith("0 namespaces")) {
                throw new LabException("no lab named " + lab + " is up");
            }
            System.out.println("lab " + lab + " is down: " + removed);
            return 0;
        }
    }
}
