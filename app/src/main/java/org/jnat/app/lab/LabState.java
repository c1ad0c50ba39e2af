package org.jnat.app.lab;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a running {@code jnat lab} is made of, kept under {@code /run/jnat/lab/NAME} so that later
 * commands ({@code exec}, {@code status}, {@code down}) find it: {@code state.json} (the namespaces,
 * the processes, the nodes and the summary {@code up} printed), and the routers' config files and
 * logs. It is saved after every step of {@code up}, so that a lab whose start was cut short can still
 * be taken down. (/run is a tmpfs: a reboot, which ends every lab, also forgets them.)
 */
public final class LabState {
    /** Where labs are recorded. */
    public static final Path ROOT = Path.of("/run/jnat/lab");
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** A process the lab started: a router ("nat") or the STUN server ("stun"). */
    public record Proc(String role, String name, String namespace, long pid, String log) {
    }

    /** A host, NAT or STUN server: where it lives, for {@code exec} and {@code status}. */
    public record Node(String kind, String name, String namespace) {
    }

    private String name;
    private String file;
    private List<String> namespaces = new ArrayList<>();
    private List<Proc> processes = new ArrayList<>();
    private List<Node> nodes = new ArrayList<>();
    private List<String> summary = new ArrayList<>();

    /** For Gson. */
    private LabState() {
    }

    /** Starts the record of a new lab; throws if one of that name is recorded already. */
    public static LabState create(String name, String file) {
        LabState s = new LabState();
        s.name = name;
        s.file = file;
        try {
            Files.createDirectories(ROOT);
            Files.createDirectory(s.dir());
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new LabException("a lab named " + name + " is up already (" + s.dir() + "); take it down with"
                    + " jnat lab down --name " + name + ", or give this one another --name");
        } catch (IOException e) {
            throw new LabException("cannot record the lab under " + ROOT + ": " + e.getMessage());
        }
        s.save();
        return s;
    }

    /** The recorded lab {@code name}, or null when there is none. */
    public static LabState read(String name) {
        Path f = ROOT.resolve(name).resolve("state.json");
        if (!Files.exists(f)) {
            return null;
        }
        try {
            return GSON.fromJson(Files.readString(f), LabState.class);
        } catch (IOException | JsonParseException e) {
            throw new LabException("cannot read " + f + " (" + e.getMessage() + "); jnat lab down --name " + name
                    + " takes the lab's namespaces down by their names");
        }
    }

    /** The names of the recorded labs, sorted. */
    public static List<String> names() {
        if (!Files.isDirectory(ROOT)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(ROOT)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new LabException("cannot list " + ROOT + ": " + e.getMessage());
        }
    }

    /**
     * The lab a command means: {@code given}, or the only one recorded. Throws with the sentence for
     * the user when there is none or several.
     */
    public static String resolve(String given) {
        if (given != null) {
            return given;
        }
        List<String> names = names();
        if (names.isEmpty()) {
            throw new LabException("no lab is up; start one with jnat lab up FILE");
        }
        if (names.size() > 1) {
            throw new LabException("several labs are up (" + String.join(", ", names) + "); say which with --name");
        }
        return names.getFirst();
    }

    public void save() {
        try {
            Path tmp = dir().resolve("state.json.tmp");
            Files.writeString(tmp, GSON.toJson(this));
            Files.move(tmp, dir().resolve("state.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new LabException("cannot write " + dir() + "/state.json: " + e.getMessage());
        }
    }

    /** Forgets the lab: its directory and everything in it. */
    public void delete() {
        if (!Files.exists(dir())) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir())) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new LabException("cannot remove " + dir() + ": " + e.getMessage());
        }
    }

    public String name() {
        return name;
    }

    /** "lab NAME (FILE)": how {@code status} heads its answer. */
    public String title() {
        return "lab " + name + " (" + file + ")";
    }

    public Path dir() {
        return ROOT.resolve(name);
    }

    public void addNamespace(String namespace) {
        namespaces.add(namespace);
        save();
    }

    public void addProcess(Proc p) {
        processes.add(p);
        save();
    }

    public void addNode(Node n) {
        nodes.add(n);
    }

    public void setSummary(List<String> lines) {
        summary.clear();
        summary.addAll(lines);
        save();
    }

    public List<String> namespaces() {
        return List.copyOf(namespaces);
    }

    public List<Proc> processes() {
        return List.copyOf(processes);
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    public List<String> summary() {
        return List.copyOf(summary);
    }

    /** The node {@code name} of {@code kind}, or null. */
    public Node node(String kind, String name) {
        return nodes.stream().filter(n -> n.kind().equals(kind) && n.name().equals(name)).findFirst().orElse(null);
    }
}
