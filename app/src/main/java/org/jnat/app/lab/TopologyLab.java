package org.jnat.app.lab;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.jnat.wire.Ipv4Address;

/**
 * Builds a {@link Topology} out of network namespaces and takes it down again ({@code jnat lab}):
 *
 * <ul>
 *   <li>each network is a namespace {@code NAME-NETWORK.net} holding a bridge {@code br0}, the switch
 *       every node on that network plugs into through a veth ({@code p1}, {@code p2}... there);
 *   <li>each NAT is a namespace {@code NAME-NAT} with veths {@code outside} and {@code inside} and a
 *       {@code jnat run} on them (AF_PACKET), its config and log in the lab's state directory;
 *   <li>each host is a namespace {@code NAME-HOST} with {@code eth0}, its address and a default route
 *       through its network's router; the STUN server is the same in {@code NAME-stun}, with two
 *       addresses.
 * </ul>
 *
 * <p>Every link is made inside the lab's namespaces, never in the caller's, so deleting the
 * namespaces (after ending every process in them) leaves nothing behind. The processes run in
 * sessions of their own ({@code setsid}), so that they outlive {@code jnat lab up} and a Ctrl-C at
 * its terminal does not reach them. Needs root.
 */
public final class TopologyLab {
    /** How long a router or the STUN server gets to come up: generous, the machine may be busy. */
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration SHORT = Duration.ofSeconds(30);
    public static final int STUN_PORT = 3478;
    public static final int STUN_OTHER_PORT = 3479;

    private final Topology topology;
    private final LabState state;
    private int ports;

    public TopologyLab(Topology topology, LabState state) {
        this.topology = topology;
        this.state = state;
    }

    public static String nodeNamespace(String lab, String node) {
        return lab + "-" + node;
    }

    static String networkNamespace(String lab, String network) {
        return lab + "-" + network + ".net";
    }

    /** Makes every namespace, switch, link, address and route; records each namespace as it is made. */
    public void build() {
        for (Topology.Network n : topology.networks()) {
            String ns = namespace(networkNamespace(state.name(), n.name()));
            ip(ns, "link", "add", "br0", "type", "bridge");
            ip(ns, "link", "set", "br0", "up");
        }
        for (Topology.Nat nat : topology.nats()) {
            String ns = namespace(nodeNamespace(state.name(), nat.name()));
            plug(ns, LabRouterConfig.OUTSIDE, nat.outside());
            plug(ns, LabRouterConfig.INSIDE, nat.inside());
            state.addNode(new LabState.Node("nat", nat.name(), ns));
        }
        for (Topology.Host h : topology.hosts()) {
            String ns = namespace(nodeNamespace(state.name(), h.name()));
            endpoint(ns, h.network(), h.gateway(), h.address());
            state.addNode(new LabState.Node("host", h.name(), ns));
        }
        Topology.Stun stun = topology.stun();
        if (stun != null) {
            String ns = namespace(nodeNamespace(state.name(), "stun"));
            endpoint(ns, stun.network(), stun.gateway(), stun.address(), stun.other());
            state.addNode(new LabState.Node("stun", "stun", ns));
        }
        state.save();
    }

    /**
     * Starts the STUN server ({@code stunCommand} gives its command line for a namespace) and a router
     * per NAT, and waits until each serves: the routers say "routing", the STUN server listens.
     */
    public void start(Function<String, List<String>> stunCommand) throws IOException {
        List<Process> routers = new ArrayList<>();
        for (Topology.Nat nat : topology.nats()) {
            Path config = state.dir().resolve("nat-" + nat.name() + ".toml");
            Files.writeString(config, LabRouterConfig.text(nat, topology.network(nat.inside()),
                    topology.network(nat.outside())));
            String ns = nodeNamespace(state.name(), nat.name());
            routers.add(spawn("nat", nat.name(), ns, JnatProcess.command(ns, List.of("run", "--config",
                    config.toString()))));
        }
        Process stun = null;
        if (topology.stun() != null) {
            String ns = nodeNamespace(state.name(), "stun");
            stun = spawn("stun", "stun", ns, stunCommand.apply(ns));
        }
        long deadline = System.nanoTime() + START.toNanos();
        for (int i = 0; i < routers.size(); i++) {
            String name = topology.nats().get(i).name();
            awaitLogLine(routers.get(i), "nat " + name, state.dir().resolve("nat-" + name + ".log"), "routing", deadline);
        }
        if (stun != null) {
            awaitStun(stun, deadline);
        }
    }

    /** The lines {@code up} prints: each host's, NAT's and the STUN server's addresses. */
    public List<String> summary(String stunLabel) {
        List<String> lines = new ArrayList<>();
        for (Topology.Host h : topology.hosts()) {
            Topology.Network n = topology.network(h.network());
            lines.add(String.format("host %-12s %-18s on %s%s", h.name(), ip(h.address()) + "/" + n.prefixLength(),
                    h.network(), h.gateway() == 0 ? "" : ", via " + ip(h.gateway())));
        }
        for (Topology.Nat nat : topology.nats()) {
            Topology.Network in = topology.network(nat.inside());
            lines.add(String.format("nat  %-12s %-18s on %s, inside %s/%d on %s, %s%s", nat.name(),
                    ip(nat.outsideAddress()) + "/" + topology.network(nat.outside()).prefixLength(), nat.outside(),
                    ip(nat.insideAddress()), in.prefixLength(), nat.inside(),
                    nat.profile() == null ? "jnat's default behaviour" : nat.profile(), pool(nat)));
        }
        Topology.Stun s = topology.stun();
        if (s != null) {
            lines.add(String.format("stun %-12s %-18s on %s, other %s:%d (%s)", "stun", ip(s.address()) + ":" + STUN_PORT,
                    s.network(), ip(s.other()), STUN_OTHER_PORT, stunLabel));
        }
        return lines;
    }

    /** ", public addresses A, B, C (pooling)" for a NAT with a pool; nothing for one address. */
    private static String pool(Topology.Nat nat) {
        if (nat.pool().size() == 1) {
            return nat.pooling() == null ? "" : ", " + nat.pooling() + " pooling";
        }
        return ", public addresses " + String.join(", ", nat.pool().stream().map(TopologyLab::ip).toList())
                + (nat.pooling() == null ? "" : " (" + nat.pooling() + ")");
    }

    private static String ip(int address) {
        return Ipv4Address.toString(address);
    }

    private String namespace(String ns) {
        Shell.must("ip", "netns", "add", ns);
        state.addNamespace(ns);
        // No IPv6: its router and neighbour solicitations would be noise in every session table.
        Shell.must("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1");
        ip(ns, "link", "set", "lo", "up");
        return ns;
    }

    /** A veth from {@code ns} (named {@code ifname} there) to a port of {@code network}'s bridge. */
    private void plug(String ns, String ifname, String network) {
        String sw = networkNamespace(state.name(), network);
        String port = "p" + (++ports);
        Shell.must("ip", "link", "add", ifname, "netns", ns, "type", "veth", "peer", "name", port, "netns", sw);
        ip(sw, "link", "set", port, "master", "br0", "up");
        ip(ns, "link", "set", ifname, "up");
    }

    /** A host-like node: eth0 on {@code network} with {@code addresses}, default route via {@code gateway}. */
    private void endpoint(String ns, String network, int gateway, int... addresses) {
        plug(ns, "eth0", network);
        int length = topology.network(network).prefixLength();
        for (int a : addresses) {
            ip(ns, "addr", "add", ip(a) + "/" + length, "dev", "eth0");
        }
        if (gateway != 0) {
            ip(ns, "route", "add", "default", "via", ip(gateway));
        }
    }

    private static void ip(String ns, String... args) {
        Shell.run(SHORT, Shell.concat(List.of("ip", "-n", ns), args)).orThrow();
    }

    /** Starts {@code command} in a session of its own, its output to {@code ROLE-NAME.log}; recorded. */
    private Process spawn(String role, String name, String ns, List<String> command) throws IOException {
        File log = state.dir().resolve((role.equals(name) ? role : role + "-" + name) + ".log").toFile();
        List<String> detached = new ArrayList<>(List.of("setsid"));
        detached.addAll(command);
        Process p = new ProcessBuilder(detached).redirectErrorStream(true).redirectOutput(log)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        state.addProcess(new LabState.Proc(role, name, ns, p.pid(), log.toString()));
        return p;
    }

    private static void awaitLogLine(Process p, String who, Path log, String text, long deadline) throws IOException {
        while (true) {
            String content = Files.exists(log) ? Files.readString(log) : "";
            if (content.contains(text)) {
                return;
            }
            if (!p.isAlive() || System.nanoTime() - deadline > 0) {
                List<String> lines = content.lines().filter(l -> !l.isBlank()).toList();
                throw new LabException(who + (p.isAlive() ? " did not start within " + START.toSeconds() + " s"
                        : " exited " + p.exitValue()) + (lines.isEmpty() ? "" : ": " + lines.getLast().strip())
                        + " (see " + log + ")");
            }
            pause();
        }
    }

    private void awaitStun(Process p, long deadline) throws IOException {
        Topology.Stun s = topology.stun();
        String ns = nodeNamespace(state.name(), "stun");
        Path log = state.dir().resolve("stun.log");
        while (Shell.run(SHORT, "ip", "netns", "exec", ns, "ss", "-lunH", "src", ip(s.address()) + ":" + STUN_PORT)
                .stdout().isBlank()) {
            if (!p.isAlive() || System.nanoTime() - deadline > 0) {
                List<String> lines = Files.readString(log).lines().filter(l -> !l.isBlank()).toList();
                throw new LabException("the STUN server " + (p.isAlive() ? "did not listen within " + START.toSeconds()
                        + " s" : "exited " + p.exitValue()) + (lines.isEmpty() ? "" : ": " + lines.getLast().strip())
                        + " (see " + log + ")");
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while the lab was starting");
        }
    }

    /**
     * Takes lab {@code name} down: ends every process in its namespaces (SIGTERM, then SIGKILL after
     * 5 s), deletes the namespaces (and with them every link), then forgets the lab. With {@code
     * unrecorded}, namespaces named like the lab's that its record lacks (a record lost, or a start
     * killed between making a namespace and saving it) go too; a failed {@code up} removes only what
     * it made. Returns what was removed, as a sentence.
     */
    public static String tearDown(String name, LabState state, boolean unrecorded) {
        Set<String> namespaces = new LinkedHashSet<>();
        if (state != null) {
            namespaces.addAll(state.namespaces());
        }
        for (String line : unrecorded ? Shell.run(SHORT, "ip", "netns", "list").stdout().split("\n") : new String[0]) {
            String ns = line.split(" ")[0];
            // Lab names are letters and digits only, so NAME- starts no other lab's namespace.
            if (ns.startsWith(name + "-")) {
                namespaces.add(ns);
            }
        }
        Set<Long> pids = new LinkedHashSet<>();
        for (String ns : namespaces) {
            for (String pid : Shell.run(SHORT, "ip", "netns", "pids", ns).stdout().split("\\s+")) {
                if (!pid.isBlank()) {
                    pids.add(Long.parseLong(pid.strip()));
                }
            }
        }
        List<ProcessHandle> handles = pids.stream().map(ProcessHandle::of).flatMap(java.util.Optional::stream).toList();
        handles.forEach(ProcessHandle::destroy);
        awaitExit(handles, Duration.ofSeconds(5));
        handles.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        awaitExit(handles, Duration.ofSeconds(5));
        List<String> failed = new ArrayList<>();
        for (String ns : namespaces) {
            if (!Shell.run(SHORT, "ip", "netns", "del", ns).ok()) {
                failed.add(ns);
            }
        }
        if (!failed.isEmpty()) {
            throw new LabException("could not delete the namespaces " + String.join(", ", failed)
                    + " (ip netns del failed); the lab's record is kept, try jnat lab down --name " + name + " again");
        }
        if (state != null) {
            state.delete();
        } else {
            LabState.ROOT.resolve(name).toFile().delete();
        }
        return namespaces.size() + " namespaces and " + pids.size() + " processes removed";
    }

    private static void awaitExit(List<ProcessHandle> handles, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (handles.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
