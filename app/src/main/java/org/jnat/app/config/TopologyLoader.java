package org.jnat.app.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.app.lab.LabRouterConfig;
import org.jnat.app.lab.Topology;
import org.jnat.wire.Ipv4Address;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

/**
 * Reads a lab's topology file ({@code jnat lab up FILE}, DESIGN section 4) into a {@link Topology}
 * with every address chosen. Errors are {@link ConfigException}s in the config file's style: one line
 * naming the file, the line, the key and what is expected.
 *
 * <p>Addresses: a network that is some NAT's inside has that router at its first address (.1),
 * which is every other node's default route there; on any network .1 is kept free, and the rest is
 * handed out from .2 in file order (NAT outsides, then the STUN server's two, then hosts), after the
 * addresses the file gives itself.
 */
public final class TopologyLoader {
    /** The keys of each table; {@code [[nat]]} passes any other key to the router's {@code [nat]}. */
    private static final Map<String, List<String>> KEYS = Map.of(
            "network", List.of("name", "prefix"),
            "nat", List.of("name", "profile", "outside", "inside", "address", "addresses", "pooling", "pcp"),
            "host", List.of("name", "network", "address"),
            "stun", List.of("network", "address", "other"));
    private static final List<String> TOP = List.of("network", "nat", "host", "stun");
    /** Every router of a lab starts with this table size unless the file sets max-sessions: a lab is small. */
    static final int LAB_MAX_SESSIONS = 65536;
    /** The most public addresses a NAT's pool holds (the router's own limit). */
    private static final int MAX_POOL = 32;

    private final String file;
    private final TomlTable root;
    /** Addresses taken, per network name. */
    private final Map<String, Set<Integer>> taken = new HashMap<>();
    private final Map<String, Topology.Network> networks = new LinkedHashMap<>();
    /** What the routers' loaders warned of, at this file's lines. */
    private final List<String> warnings = new ArrayList<>();

    private TopologyLoader(String file, TomlTable root) {
        this.file = file;
        this.root = root;
    }

    public static Topology load(Path path) throws ConfigException {
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": no such file; give the path of the lab's topology file", e);
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot be read (" + e.getMessage() + ")", e);
        }
        return parse(text, path.toString());
    }

    public static Topology parse(String text, String fileName) throws ConfigException {
        TomlParseResult toml;
        try {
            toml = Toml.parse(text);
        } catch (TomlParseError e) {
            throw syntax(fileName, e);
        }
        if (toml.hasErrors()) {
            throw syntax(fileName, toml.errors().getFirst());
        }
        return new TopologyLoader(fileName, toml).load();
    }

    private static ConfigException syntax(String file, TomlParseError e) {
        int line = e.position() == null ? 0 : e.position().line();
        return new ConfigException(file + (line > 0 ? ":" + line : "") + ": syntax error: " + e.getMessage());
    }

    private Topology load() throws ConfigException {
        for (String key : root.keySet()) {
            if (!TOP.contains(key)) {
                String close = Suggestions.closest(key, TOP);
                throw new ConfigException(file + ":" + root.inputPositionOf(List.of(key)).line() + ": " + key
                        + ": unknown " + (close == null ? "table; a topology has [[network]], [[nat]], [[host]] and"
                        + " [stun]" : "table; did you mean " + (close.equals("stun") ? "[stun]" : "[[" + close + "]]")
                        + "?"));
            }
        }
        List<Section> networkEntries = entries("network");
        List<Section> natEntries = entries("nat");
        List<Section> hostEntries = entries("host");
        Section stunSection = stunTable();
        if (networkEntries.isEmpty()) {
            throw new ConfigException(file + ": network: missing; add at least one [[network]] with name and prefix,"
                    + " e.g. name = \"internet\" and prefix = \"198.51.100.0/24\"");
        }
        for (Section s : networkEntries) {
            network(s);
        }
        Map<String, Section> insideOf = new HashMap<>();
        Set<String> nodeNames = new HashSet<>();
        for (Section s : natEntries) {
            String name = name(s, nodeNames, "\"home1\"");
            String outside = networkName(s, "outside");
            String inside = networkName(s, "inside");
            if (outside.equals(inside)) {
                throw s.error("inside", "\"" + inside + "\" is also this NAT's outside; a NAT joins two networks");
            }
            Section other = insideOf.put(inside, s);
            if (other != null) {
                throw s.error("inside", "\"" + inside + "\" is already the inside of NAT \"" + other.table.getString("name")
                        + "\" (line " + other.line + "); a network has one router");
            }
            Topology.Network in = networks.get(inside);
            Topology.Network out = networks.get(outside);
            int shorter = Math.min(in.prefixLength(), out.prefixLength());
            if (Ipv4Address.inPrefix(in.address(), out.address(), shorter)) {
                throw s.error("inside", in.prefix() + " overlaps the outside " + out.prefix() + " of NAT \"" + name
                        + "\"; its two sides need separate prefixes");
            }
            networks.put(inside, new Topology.Network(inside, in.address(), in.prefixLength(), in.address() + 1));
            taken.get(inside).add(in.address() + 1);
        }
        checkNoLoop(natEntries, insideOf);
        // The file's own addresses first, so that those handed out go round them.
        Map<Section, Integer> natAddresses = new HashMap<>();
        for (Section s : natEntries) {
            natAddresses.put(s, given(s, "address", s.table.getString("outside")));
        }
        Map<Section, Integer> hostAddresses = new HashMap<>();
        for (Section s : hostEntries) {
            String name = name(s, nodeNames, "\"alice\"");
            hostAddresses.put(s, given(s, "address", networkName(s, "network")));
            if (name.equals("stun")) {
                throw s.error("name", "\"stun\" is the STUN server's name in a lab; give the host another");
            }
        }
        Topology.Stun stun = null;
        int stunA = 0;
        int stunB = 0;
        String stunNetwork = null;
        if (stunSection != null) {
            stunNetwork = networkName(stunSection, "network");
            stunA = given(stunSection, "address", stunNetwork);
            stunB = given(stunSection, "other", stunNetwork);
        }
        List<Topology.Nat> nats = new ArrayList<>();
        for (Section s : natEntries) {
            nats.add(nat(s, natAddresses.get(s)));
        }
        if (stunSection != null) {
            stunA = stunA != 0 ? stunA : next(stunSection, "address", stunNetwork);
            stunB = stunB != 0 ? stunB : next(stunSection, "other", stunNetwork);
            stun = new Topology.Stun(stunNetwork, stunA, stunB, networks.get(stunNetwork).gateway());
        }
        List<Topology.Host> hosts = new ArrayList<>();
        for (Section s : hostEntries) {
            String network = s.table.getString("network");
            int address = hostAddresses.get(s) != 0 ? hostAddresses.get(s) : next(s, "address", network);
            hosts.add(new Topology.Host(s.table.getString("name"), network, address, networks.get(network).gateway()));
        }
        return new Topology(file, List.copyOf(networks.values()), nats, hosts, stun, List.copyOf(warnings));
    }

    private List<Section> entries(String name) throws ConfigException {
        Object value = root.get(List.of(name));
        if (value == null) {
            return List.of();
        }
        int line = root.inputPositionOf(List.of(name)).line();
        if (!(value instanceof TomlArray array) || !array.isEmpty() && !(array.get(0) instanceof TomlTable)) {
            throw new ConfigException(file + ":" + line + ": " + name + ": expected [[" + name + "]] entries (double"
                    + " brackets, one per " + name + "), got " + Section.typeName(value));
        }
        List<Section> sections = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            Section s = Section.entry(file, name, array.getTable(i), array.inputPositionOf(i).line());
            unknownKeys(s);
            sections.add(s);
        }
        return sections;
    }

    private Section stunTable() throws ConfigException {
        Object value = root.get(List.of("stun"));
        if (value == null) {
            return null;
        }
        int line = root.inputPositionOf(List.of("stun")).line();
        if (!(value instanceof TomlTable table)) {
            throw new ConfigException(file + ":" + line + ": stun: expected one [stun] table, got "
                    + Section.typeName(value));
        }
        Section s = new Section(file, "stun", table, line);
        unknownKeys(s);
        return s;
    }

    private void unknownKeys(Section s) throws ConfigException {
        if (s.path.equals("nat")) {
            return; // the rest of [[nat]] goes to the router's [nat], whose loader judges it
        }
        for (String key : s.table.keySet()) {
            List<String> known = KEYS.get(s.path);
            if (!known.contains(key)) {
                String close = Suggestions.closest(key, known);
                throw s.error(key, "unknown key; " + (close != null ? "did you mean \"" + close + "\"?"
                        : (s.path.equals("stun") ? "[stun]" : "[[" + s.path + "]]") + " takes "
                        + String.join(", ", known)));
            }
        }
    }

    private void network(Section s) throws ConfigException {
        String name = s.string("name", "\"lan1\"");
        checkName(s, name);
        if (networks.containsKey(name)) {
            throw s.error("name", "a second network named \"" + name + "\"; give each network its own name");
        }
        String text = s.string("prefix", "\"192.168.1.0/24\"");
        int slash = text.indexOf('/');
        String length = slash < 0 ? "" : text.substring(slash + 1);
        int prefixLength = length.matches("\\d{1,2}") ? Integer.parseInt(length) : -1;
        if (slash < 0 || prefixLength < 8 || prefixLength > 29) {
            throw s.error("prefix", "expected a prefix like \"192.168.1.0/24\" with a length from /8 to /29, got \""
                    + text + "\"");
        }
        int address = ConfigLoader.unicastAddress(s, "prefix", text.substring(0, slash), "\"192.168.1.0/24\"");
        if ((address & ~Ipv4Address.mask(prefixLength)) != 0) {
            throw s.error("prefix", "\"" + text + "\" has host bits set; did you mean \""
                    + Ipv4Address.toString(address & Ipv4Address.mask(prefixLength)) + "/" + prefixLength + "\"?");
        }
        networks.put(name, new Topology.Network(name, address, prefixLength, 0));
        taken.put(name, new HashSet<>(Set.of(address + 1)));
    }

    /** A host's or NAT's name, unique among both: it names the node's namespace. */
    private String name(Section s, Set<String> seen, String example) throws ConfigException {
        String name = s.string("name", example);
        checkName(s, name);
        if (!seen.add(name)) {
            throw s.error("name", "\"" + name + "\" is taken by another host or NAT; each needs its own name");
        }
        return name;
    }

    private static void checkName(Section s, String name) throws ConfigException {
        if (!name.matches("[a-z][a-z0-9-]{0,19}")) {
            throw s.error("name", "expected lowercase letters, digits and '-', starting with a letter, at most 20,"
                    + " got \"" + name + "\"");
        }
    }

    private String networkName(Section s, String key) throws ConfigException {
        String name = s.string(key, "\"lan1\"");
        if (!networks.containsKey(name)) {
            String close = Suggestions.closest(name, networks.keySet());
            throw s.error(key, "no [[network]] is named \"" + name + "\"; " + (close != null ? "did you mean \""
                    + close + "\"?" : "the networks are " + String.join(", ", networks.keySet())));
        }
        return name;
    }

    /** A NAT whose outside leads, through other NATs, back to its own inside would route in a circle. */
    private void checkNoLoop(List<Section> nats, Map<String, Section> insideOf) throws ConfigException {
        for (Section start : nats) {
            Set<String> seen = new LinkedHashSet<>();
            for (Section s = start; s != null; s = insideOf.get(s.table.getString("outside"))) {
                if (!seen.add(s.table.getString("name"))) {
                    throw start.error("outside", "the NATs " + String.join(" -> ", seen) + " lead back to \""
                            + s.table.getString("name") + "\"; NATs nest as a tree, each outside closer to the top");
                }
            }
        }
    }

    /** The address the file gives at {@code key} on {@code network}, taken; 0 when it gives none. */
    private int given(Section s, String key, String network) throws ConfigException {
        String text = s.optionalString(key, "\"192.168.1.10\"");
        if (text == null) {
            return 0;
        }
        Topology.Network n = networks.get(network);
        int address = ConfigLoader.unicastAddress(s, key, text, "\"192.168.1.10\"");
        int host = address & ~Ipv4Address.mask(n.prefixLength());
        if (!Ipv4Address.inPrefix(address, n.address(), n.prefixLength()) || host == 0
                || host == ~Ipv4Address.mask(n.prefixLength())) {
            throw s.error(key, text + " is not a host address of network \"" + network + "\" (" + n.prefix() + ")");
        }
        if (!taken.get(network).add(address)) {
            throw s.error(key, text + " is taken on \"" + network + "\" (" + (address == n.address() + 1
                    ? "the first address is the router's" : "another node has it") + "); give another");
        }
        return address;
    }

    /** The next free address of {@code network}, taken. */
    private int next(Section s, String key, String network) throws ConfigException {
        Topology.Network n = networks.get(network);
        int last = n.address() | ~Ipv4Address.mask(n.prefixLength());
        for (int a = n.address() + 2; a < last; a++) {
            if (taken.get(network).add(a)) {
                return a;
            }
        }
        throw s.error(key, "network \"" + network + "\" (" + n.prefix() + ") has no address left; give it a"
                + " shorter prefix");
    }

    private Topology.Nat nat(Section s, int address) throws ConfigException {
        // The router's loader checks the name and lays the profile's keys beneath those passed through.
        String profile = s.optionalString("profile", "\"port-restricted-cone\"");
        String outside = s.table.getString("outside");
        String inside = s.table.getString("inside");
        if (address == 0) {
            address = next(s, "address", outside);
        }
        // A pool of public addresses ([outside] addresses): its own, then the next free ones.
        int count = (int) s.integer("addresses", 1, MAX_POOL, 1);
        List<Integer> pool = new ArrayList<>(List.of(address));
        while (pool.size() < count) {
            pool.add(next(s, "addresses", outside));
        }
        String pooling = s.optionalString("pooling", "\"paired\" or \"arbitrary\"");
        boolean pcp = s.bool("pcp", false);
        StringBuilder scalars = new StringBuilder();
        StringBuilder tables = new StringBuilder();
        Set<String> passed = new HashSet<>();
        for (String key : s.table.keySet()) {
            if (KEYS.get("nat").contains(key)) {
                continue;
            }
            passed.add(key);
            Object value = s.table.get(List.of(key));
            if (value instanceof TomlTable t) {
                tables.append("[nat.").append(key).append("]\n").append(t.toToml());
            } else {
                scalars.append(key).append(" = ").append(tomlValue(value)).append('\n');
            }
        }
        String toml = (profile == null ? "" : "profile = " + quoted(profile) + "\n")
                + (passed.contains("max-sessions") ? "" : "max-sessions = " + LAB_MAX_SESSIONS + "\n")
                + scalars + tables;
        Topology.Network out = networks.get(outside);
        int gateway = out.gateway() != 0 ? out.gateway() : out.address() + 1;
        Topology.Nat nat = new Topology.Nat(s.table.getString("name"), profile, outside, inside, address, gateway,
                networks.get(inside).gateway(), List.copyOf(pool), pooling, pcp, toml);
        checkRouterConfig(s, nat);
        return nat;
    }

    /**
     * Loads the router's config as {@code jnat run} will, so that a bad key passed through (or a
     * profile's value the router refuses) stops the lab before anything is built, with this file's
     * line: "topo.toml:12: nat.mappin: unknown key; did you mean ...". Its warnings are kept, at this
     * file's lines too.
     */
    private void checkRouterConfig(Section s, Topology.Nat nat) throws ConfigException {
        String generated = "<nat " + nat.name() + ">";
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.parse(LabRouterConfig.text(nat, networks.get(nat.inside()),
                    networks.get(nat.outside())), generated);
        } catch (ConfigException e) {
            throw new ConfigException(inThisFile(s, nat, generated, e.getMessage()), e);
        }
        for (String warning : loaded.warnings()) {
            warnings.add(inThisFile(s, nat, generated, warning));
        }
    }

    /** A line of the router loader's about the config made for {@code nat}, placed in this file. */
    private static String inThisFile(Section s, Topology.Nat nat, String generated, String line) {
        String message = line.replaceFirst("^" + Pattern.quote(generated) + "(:\\d+)?: ", "")
                .replaceFirst("^outside\\.(pooling|addresses):", "nat.$1:") // (keys of [[nat]] in this file)
                .replaceFirst("^pcp\\.enabled:", "nat.pcp:");
        Matcher key = Pattern.compile("^nat\\.([a-z0-9-]+)").matcher(message);
        int at = key.find() ? s.line(key.group(1)) : s.line;
        return s.where(at) + message + (message.startsWith("nat.") ? "" : " (in the config of NAT \"" + nat.name()
                + "\")");
    }

    private static String tomlValue(Object value) {
        return switch (value) {
            case String text -> quoted(text);
            case TomlArray array -> array.toToml().strip();
            default -> value.toString();
        };
    }

    static String quoted(String text) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                q.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                q.append(String.format("\\u%04x", (int) c));
            } else {
                q.append(c);
            }
        }
        return q.append('"').toString();
    }
}
