package org.jnat.app.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.app.admin.HostPort;
import org.jnat.config.AdminConfig;
import org.jnat.config.DataPlaneConfig;
import org.jnat.config.PcpConfig;
import org.jnat.config.ForwardRule;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.LogConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.PortAllocation;
import org.jnat.config.PublicPool;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.config.Timeouts;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.MacAddress;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * Loads the TOML file of DESIGN section 4 into a validated {@link RouterConfig}. A file that is
 * wrong in any way gives a {@link ConfigException} whose message is one line naming the file, the
 * line, the key and what is expected; the first problem (in file order for misspelt keys) is the
 * one reported. Settings that are allowed but below an RFC's minimum come back as warnings.
 *
 * <pre>{@code
 *   RouterConfig config = ConfigLoader.load(Path.of("router.toml"));   // throws ConfigException
 * }</pre>
 */
public final class ConfigLoader {
    /** The most sessions a table may be asked to hold (its arrays are sized for it at start). */
    public static final int MAX_SESSIONS = 1 << 24;
    /** Linux's IFNAMSIZ (16) less the terminating NUL. */
    public static final int MAX_INTERFACE_NAME = 15;

    /** The keys each table takes, in the order DESIGN section 4 lists them. */
    static final Map<String, List<String>> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("inside", List.of("device", "address", "mac", "mtu"));
        KEYS.put("outside", List.of("device", "address", "gateway", "mac", "mtu", "addresses", "pooling"));
        KEYS.put("nat", List.of("profile", "mapping", "filtering", "ports", "max-sessions", "max-sessions-per-host",
                "hairpinning", "unmatched", "dmz", "inbound-refresh", "timeouts", "udp", "tcp", "icmp",
                "port-allocation", "port-stride", "port-block-size", "deterministic", "dmz-address"));
        KEYS.put("nat.timeouts", List.of("udp", "tcp-established", "tcp-transitory", "icmp"));
        KEYS.put("nat.udp", List.of("mapping", "filtering", "inbound-refresh", "timeout"));
        KEYS.put("nat.tcp", List.of("mapping", "filtering", "inbound-refresh", "timeout-established",
                "timeout-transitory"));
        // No filtering: an ICMP query reply only ever reaches the session of the query that went out.
        KEYS.put("nat.icmp", List.of("mapping", "inbound-refresh", "timeout"));
        KEYS.put("forward", List.of("protocol", "port", "to", "address"));
        KEYS.put("neighbor", List.of("address", "mac"));
        KEYS.put("admin", List.of("listen", "token", "token-file"));
        KEYS.put("dataplane", List.of("busy-poll", "realtime-priority", "realtime", "cpu", "udp-coalesce", "warm-up"));
        KEYS.put("log", List.of("sessions"));
        KEYS.put("pcp", List.of("enabled", "max-lifetime", "max-mappings-per-host", "allow-third-party"));
    }

    private static final Set<String> BOOLEAN_KEYS = Set.of("hairpinning", "inbound-refresh", "udp-coalesce", "warm-up",
            "enabled", "allow-third-party", "deterministic");
    private static final Set<String> INTEGER_KEYS = Set.of("mtu", "max-sessions", "max-sessions-per-host",
            "realtime-priority", "cpu", "max-mappings-per-host", "port-stride", "port-block-size");
    private static final Set<String> TABLES = Set.of("inside", "outside", "nat", "admin", "dataplane", "log", "pcp");
    private static final Set<String> ARRAYS_OF_TABLES = Set.of("forward", "neighbor");
    private static final String TABLE_LIST = "[inside], [outside], [nat], [nat.timeouts], [nat.udp], [nat.tcp],"
            + " [nat.icmp], [[forward]], [[neighbor]], [admin], [dataplane], [log] and [pcp]";
    /** The tables within [nat]. */
    private static final List<String> NAT_TABLES = List.of("timeouts", "udp", "tcp", "icmp");

    private final String file;
    private final String text;
    private final List<String> warnings = new ArrayList<>();
    /** Where each key's value came from, noted as the keys are read. */
    private final Origins origins = new Origins();
    /** The keys of the file's {@code [nat] profile}, or null; and the line that names it. */
    private TomlTable profile;
    private int profileLine;

    private ConfigLoader(String file, String text) {
        this.file = file;
        this.text = text;
    }

    /** Loads and validates {@code file}. */
    public static RouterConfig load(Path file) throws ConfigException {
        return loadWithWarnings(file).config();
    }

    /** Loads and validates {@code file}, keeping the warnings (for {@code jnat check} and the run log). */
    public static LoadedConfig loadWithWarnings(Path file) throws ConfigException {
        String name = file.toString();
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(name + ": is a directory, not a config file; give the path of the TOML file");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name + ": no such file; check the path given to --config", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(name + ": cannot be read (permission denied); check the file's permissions", e);
        } catch (IOException e) {
            throw new ConfigException(name + ": cannot be read (" + e.getMessage() + ")", e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(name + ": is not UTF-8 text; save it as UTF-8 (TOML requires it)", e);
        }
        return parse(text, name);
    }

    /** Loads and validates TOML {@code text}; errors name {@code fileName}. */
    public static LoadedConfig parse(String text, String fileName) throws ConfigException {
        ConfigLoader loader = new ConfigLoader(fileName, text);
        RouterConfig config = loader.load();
        return new LoadedConfig(config, loader.warnings, loader.origins);
    }

    private RouterConfig load() throws ConfigException {
        TomlParseResult toml;
        try {
            toml = Toml.parse(text);
        } catch (TomlParseError e) {
            // tomlj reports most errors in the result but throws some (a bad escape in a table
            // header, found by the fuzzer): the same one line either way.
            throw syntaxError(e);
        }
        if (toml.hasErrors()) {
            throw syntaxError(toml.errors().getFirst());
        }
        checkShapeAndKeys(toml);
        profile(table(toml, "nat"));

        InterfaceConfig inside = interfaceConfig(table(toml, "inside"), false);
        InterfaceConfig outside = interfaceConfig(table(toml, "outside"), true);
        Section outsideSection = table(toml, "outside");
        if (outside.device().equals(inside.device())) {
            throw outsideSection.error("device", "\"" + outside.device()
                    + "\" is also the inside device; the two sides need two devices");
        }
        int shorter = Math.min(inside.prefixLength(), outside.prefixLength());
        if (Ipv4Address.inPrefix(inside.address(), outside.address(), shorter)) {
            throw outsideSection.error("address", prefix(outside) + " overlaps the inside prefix " + prefix(inside)
                    + "; the two sides need separate prefixes");
        }
        NatConfig nat = natConfig(toml, table(toml, "nat"), inside);
        sharedAddressSpace(inside);
        PublicPool pool = PoolKeys.read(outsideSection, table(toml, "nat"), inside, outside);
        if (pool.pooling() == PublicPool.Pooling.ARBITRARY && pool.addresses().size() > 1
                && nat.allocation().mode() == PortAllocation.Mode.BLOCK) {
            warnings.add(outsideSection.warning("pooling", "\"arbitrary\" changes nothing while nat.port-allocation"
                    + " is \"block\": a host's port block lies on one address, so the host keeps that address"));
        }
        List<ForwardRule> forwards = forwards(entries(toml, "forward"), inside, pool.addresses());
        List<StaticNeighbor> neighbors = neighbors(entries(toml, "neighbor"), inside, outside);
        AdminConfig admin = admin(table(toml, "admin"));
        DataPlaneConfig dataPlane = dataPlane(table(toml, "dataplane"));
        LogConfig log = log(table(toml, "log"));
        PcpConfig pcp = pcp(table(toml, "pcp"));
        if (pcp.enabled() && pool.addresses().size() > 1) {
            // A PCP answer names one external address; pins across a pool are not built yet.
            throw table(toml, "pcp").error("enabled", "expected false while [outside] addresses holds more than one"
                    + " public address (PCP and NAT-PMP answer for one address only), got true");
        }
        return new RouterConfig(inside, outside, nat, forwards, neighbors, admin, dataPlane, log, pcp, pool);
    }

    // ---- syntax and shape ----

    private static final Pattern ASSIGNMENT = Pattern.compile("^\\s*([A-Za-z0-9_.-]+)\\s*=\\s*(.*?)\\s*(#.*)?$");
    private static final Pattern HEADER = Pattern.compile("^\\s*\\[\\[?\\s*([^\\]]+?)\\s*\\]\\]?\\s*(#.*)?$");
    private static final Pattern REDEFINED = Pattern.compile("^(\\S+) previously defined at line (\\d+), column \\d+$");

    private ConfigException syntaxError(TomlParseError error) {
        TomlPosition position = error.position();
        int line = position == null ? 0 : position.line();
        String where = file + (line > 0 ? ":" + line : "") + ": ";
        String[] lines = text.split("\r?\n", -1);
        String source = line > 0 && line <= lines.length ? lines[line - 1] : "";
        String table = tableAt(lines, line);
        Matcher redefined = REDEFINED.matcher(error.getMessage());
        if (redefined.matches()) {
            return new ConfigException(where + qualified(table, redefined.group(1)) + ": set twice (first at line "
                    + redefined.group(2) + "); keep one");
        }
        Matcher assignment = ASSIGNMENT.matcher(source);
        if (assignment.matches()) {
            String value = assignment.group(2);
            String key = assignment.group(1);
            String last = key.substring(key.lastIndexOf('.') + 1);
            if (!value.isEmpty() && "\"'[{".indexOf(value.charAt(0)) < 0) {
                if (BOOLEAN_KEYS.contains(last)) {
                    return new ConfigException(where + qualified(table, key) + ": expected true or false, got " + value);
                }
                if (INTEGER_KEYS.contains(last)) {
                    return new ConfigException(where + qualified(table, key) + ": expected a whole number, got "
                            + value);
                }
                // The usual slip: an address, duration or port range written without quotes.
                return new ConfigException(where + qualified(table, key) + ": expected a quoted string,"
                        + " got " + value + "; write " + key + " = \"" + value + "\"");
            }
        }
        String message = error.getMessage();
        message = message.isEmpty() ? message : Character.toLowerCase(message.charAt(0)) + message.substring(1);
        return new ConfigException(where + "syntax error" + (position == null ? "" : " at column " + position.column())
                + ": " + message);
    }

    private static String qualified(String table, String key) {
        return table.isEmpty() ? key : table + "." + key;
    }

    /** The table whose header is the last one before {@code line}, or "" at the top level. */
    private static String tableAt(String[] lines, int line) {
        String table = "";
        for (int i = 0; i < line - 1 && i < lines.length; i++) {
            Matcher m = HEADER.matcher(lines[i]);
            if (m.matches()) {
                table = m.group(1).replaceAll("\\s+", "");
            }
        }
        return table;
    }

    /** Rejects values of the wrong shape and unknown keys, the first in file order, with a suggestion. */
    private void checkShapeAndKeys(TomlTable root) throws ConfigException {
        record Problem(int line, String message) {
        }
        List<Problem> problems = new ArrayList<>();
        for (String key : root.keySet()) {
            Object value = root.get(List.of(key));
            int line = root.inputPositionOf(List.of(key)).line();
            String where = file + ":" + line + ": ";
            if (TABLES.contains(key)) {
                if (!(value instanceof TomlTable table)) {
                    throw new ConfigException(where + key + ": expected a table [" + key + "], got "
                            + Section.typeName(value));
                }
                unknownKeys(key, table, problems, Problem::new);
                for (String inner : key.equals("nat") ? NAT_TABLES : List.<String>of()) {
                    Object sub = table.get(List.of(inner));
                    if (sub == null) {
                        continue;
                    }
                    int tline = table.inputPositionOf(List.of(inner)).line();
                    if (!(sub instanceof TomlTable t)) {
                        throw new ConfigException(file + ":" + tline + ": nat." + inner + ": expected a table"
                                + " [nat." + inner + "], got " + Section.typeName(sub));
                    }
                    unknownKeys("nat." + inner, t, problems, Problem::new);
                }
            } else if (ARRAYS_OF_TABLES.contains(key)) {
                if (value instanceof TomlTable) {
                    throw new ConfigException(where + key + ": expected [[" + key + "]] entries, got a single [" + key
                            + "] table; write [[" + key + "]] (double brackets), one per entry");
                }
                TomlArray array = (value instanceof TomlArray a) ? a : null;
                if (array == null) {
                    throw new ConfigException(where + key + ": expected [[" + key + "]] entries, got "
                            + Section.typeName(value));
                }
                for (int i = 0; i < array.size(); i++) {
                    if (!(array.get(i) instanceof TomlTable)) {
                        throw new ConfigException(file + ":" + array.inputPositionOf(i).line() + ": " + key
                                + ": expected [[" + key + "]] entries (tables), got " + Section.typeName(array.get(i)));
                    }
                }
                for (int i = 0; i < array.size(); i++) {
                    unknownKeys(key, array.getTable(i), problems, Problem::new);
                }
            } else {
                boolean isTable = value instanceof TomlTable
                        || (value instanceof TomlArray a && !a.isEmpty() && a.get(0) instanceof TomlTable);
                String kind = isTable ? "unknown table" : "unknown key";
                String home = homeOf(key);
                String suggestion = Suggestions.closest(key, List.of("inside", "outside", "nat", "forward",
                        "neighbor", "admin", "dataplane", "log", "pcp"));
                String message;
                if (home != null && !isTable) {
                    message = key + ": " + kind + " at the top level; it belongs in [" + home + "]";
                } else if (suggestion != null) {
                    message = key + ": " + kind + "; did you mean " + (ARRAYS_OF_TABLES.contains(suggestion)
                            ? "[[" + suggestion + "]]" : "[" + suggestion + "]") + "?";
                } else {
                    message = key + ": " + kind + "; the tables are " + TABLE_LIST;
                }
                problems.add(new Problem(line, file + ":" + line + ": " + message));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream().min(Comparator.comparingInt(Problem::line))
                    .orElseThrow().message());
        }
    }

    private <P> void unknownKeys(String path, TomlTable table, List<P> problems,
                                 java.util.function.BiFunction<Integer, String, P> problem) {
        List<String> known = KEYS.get(path);
        for (String key : table.keySet()) {
            if (known.contains(key)) {
                continue;
            }
            int line = table.inputPositionOf(List.of(key)).line();
            String suggestion = Suggestions.closest(key, known);
            String home = homeOf(key);
            String message;
            if (TABLES.contains(key) || ARRAYS_OF_TABLES.contains(key)) {
                // After a [table] header every key belongs to that table, so a table of its own lands here.
                String header = ARRAYS_OF_TABLES.contains(key) ? "[[" + key + "]]" : "[" + key + "]";
                message = "unknown key; " + key + " is a table of its own: write it as " + header
                        + " (or put it before the first table header)";
            } else if (path.equals("nat.icmp") && key.equals("filtering")) {
                message = "ICMP has no filtering to set: a query's reply only ever reaches the session of the"
                        + " query that went out (RFC 5508); [nat.icmp] takes " + String.join(", ", known);
            } else if (path.equals("nat.tcp") && key.equals("timeout")) {
                message = "unknown key; TCP has two timeouts: timeout-established and timeout-transitory";
            } else if (suggestion != null) {
                message = "unknown key; did you mean \"" + suggestion + "\"?";
            } else if (home != null) {
                message = "unknown key here; it belongs in [" + home + "]";
            } else {
                message = "unknown key; [" + path + "] takes " + String.join(", ", known);
            }
            problems.add(problem.apply(line, file + ":" + line + ": " + path + "." + key + ": " + message));
        }
    }

    /** The table that takes {@code key}, for a key written in the wrong table; null if none does. */
    private static String homeOf(String key) {
        for (Map.Entry<String, List<String>> e : KEYS.entrySet()) {
            if (e.getValue().contains(key)) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Table {@code name} ("nat", "nat.udp") of the file, with the profile's keys for it beneath. */
    private Section table(TomlTable root, String name) {
        TomlTable table = root.getTable(name);
        int line = table == null ? 0 : root.inputPositionOf(name).line();
        TomlTable defaults = profile == null ? null : profile.getTable(name);
        return new Section(file, name, table, line, new Section.Layer(profileName(), profileLine, defaults, origins,
                name));
    }

    private List<Section> entries(TomlTable root, String name) {
        TomlArray array = root.getArray(name);
        List<Section> sections = new ArrayList<>();
        for (int i = 0; array != null && i < array.size(); i++) {
            sections.add(new Section(file, name, array.getTable(i), array.inputPositionOf(i).line(),
                    new Section.Layer(null, 0, null, origins, name + "." + (i + 1))));
        }
        return sections;
    }

    // ---- [nat] profile ----

    /** Reads {@code [nat] profile} first: its keys lie beneath every table read after it. */
    private void profile(Section nat) throws ConfigException {
        String name = nat.optionalString("profile", "\"port-restricted-cone\"");
        if (name == null) {
            return;
        }
        profile = Profiles.of(name);
        if (profile == null) {
            throw nat.error("profile", "expected one of " + quotedList(Profiles.names()) + ", got \"" + name + "\"");
        }
        profileLine = nat.line("profile");
        origins.profile(name);
    }

    private String profileName() {
        return origins.profile();
    }

    /** "a", "b" or "c", each quoted. */
    private static String quotedList(List<String> names) {
        List<String> quoted = names.stream().map(n -> "\"" + n + "\"").toList();
        return String.join(", ", quoted.subList(0, quoted.size() - 1)) + " or " + quoted.getLast();
    }

    /** The shared address space of RFC 6598, where a CGN's subscribers are. */
    private static final int SHARED_ADDRESS_SPACE = 0x64400000, SHARED_PREFIX = 10;

    /** The cgn profile with an inside prefix outside 100.64.0.0/10: allowed, but said. */
    private void sharedAddressSpace(InterfaceConfig inside) {
        if ("cgn".equals(profileName()) && !(inside.prefixLength() >= SHARED_PREFIX
                && Ipv4Address.inPrefix(inside.address(), SHARED_ADDRESS_SPACE, SHARED_PREFIX))) {
            warnings.add(file + ": inside.address: warning: " + prefix(inside) + " is not within 100.64.0.0/10, the"
                    + " shared address space RFC 6598 sets aside for the subscribers behind a CGN (profile \"cgn\")");
        }
    }

    // ---- [inside] and [outside] ----

    private InterfaceConfig interfaceConfig(Section s, boolean outside) throws ConfigException {
        if (!s.present()) {
            throw new ConfigException(file + ": " + s.path + ": missing table; add [" + s.path + "] with device"
                    + (outside ? ", address and gateway" : " and address"));
        }
        String device = device(s);
        String address = s.string("address", outside ? "\"203.0.113.1/24\"" : "\"192.168.1.1/24\"");
        int[] cidr = cidr(s, "address", address);
        long mac = mac(s, "mac", -1);
        int gateway = 0;
        if (outside) {
            String text = s.string("gateway", "\"203.0.113.254\"");
            gateway = unicastAddress(s, "gateway", text, "\"203.0.113.254\"");
            String prefix = prefix(cidr[0], cidr[1]);
            if (!Ipv4Address.inPrefix(gateway, cidr[0], cidr[1])) {
                throw s.error("gateway", text + " is not inside the outside prefix " + prefix
                        + "; the gateway must be on the outside link");
            }
            checkHostOf(s, "gateway", gateway, cidr[0], cidr[1], prefix);
            if (gateway == cidr[0]) {
                throw s.error("gateway", text + " is the router's own outside address; give the next hop's address");
            }
        }
        int mtu = (int) s.integer("mtu", 68, 65535, InterfaceConfig.DEFAULT_MTU);
        return new InterfaceConfig(device, cidr[0], cidr[1], mac, gateway, mtu);
    }

    private static String device(Section s) throws ConfigException {
        String example = s.path.equals("inside") ? "\"tap:jnat0\"" : "\"tap:jnat1\"";
        String device = s.string("device", example);
        int colon = device.indexOf(':');
        String kind = colon < 0 ? "" : device.substring(0, colon);
        String name = colon < 0 ? "" : device.substring(colon + 1);
        if (!(kind.equals("tap") || kind.equals("afpacket")) || name.isEmpty()) {
            throw s.error("device", "expected \"tap:NAME\" or \"afpacket:IFNAME\", got \"" + device + "\"");
        }
        if (name.length() > MAX_INTERFACE_NAME) {
            throw s.error("device", "interface name \"" + name + "\" has " + name.length()
                    + " characters; Linux allows at most 15 (IFNAMSIZ)");
        }
        if (name.equals(".") || name.equals("..") || name.chars().anyMatch(c -> c == '/' || c == ':'
                || Character.isWhitespace(c) || c < 0x21 || c > 0x7e)) {
            throw s.error("device", "interface name \"" + name + "\" is not one Linux accepts; use letters, digits,"
                    + " '-', '_' or '.'");
        }
        return device;
    }

    /** {address, prefixLength} of the router's own address in CIDR notation. */
    private static int[] cidr(Section s, String key, String text) throws ConfigException {
        String example = s.path.equals("outside") ? "\"203.0.113.1/24\"" : "\"192.168.1.1/24\"";
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw s.error(key, "expected an address with its prefix length, like " + example + ", got \"" + text + "\"");
        }
        int address = unicastAddress(s, key, text.substring(0, slash), example);
        String length = text.substring(slash + 1);
        int prefix = length.matches("\\d{1,2}") ? Integer.parseInt(length) : -1;
        if (prefix < 1 || prefix > 31) {
            throw s.error(key, "the prefix length must be 1 to 31, got \"/" + length + "\" in \"" + text + "\"");
        }
        checkHostOf(s, key, address, address, prefix, prefix(address, prefix));
        return new int[] {address, prefix};
    }

    /** Rejects the network and broadcast addresses of a prefix as a host (RFC 3021 exempts a /31). */
    private static <E extends Exception> void checkHostOf(Problem<E> s, String key, int address, int network,
            int prefix, String shown) throws E {
        if (prefix > 30) {
            return;
        }
        int mask = Ipv4Address.mask(prefix);
        if ((address & ~mask) == 0) {
            throw s.error(key, Ipv4Address.toString(address) + " is the network address of " + shown
                    + "; give a host address");
        }
        if ((address & ~mask) == ~mask) {
            throw s.error(key, Ipv4Address.toString(address) + " is the broadcast address of " + shown
                    + "; give a host address");
        }
    }

    /** A dotted-quad unicast address: not 0/8, loopback, multicast or broadcast. */
    static <E extends Exception> int unicastAddress(Problem<E> s, String key, String text, String example)
            throws E {
        int address;
        try {
            address = Ipv4Address.parse(text);
        } catch (IllegalArgumentException e) {
            throw s.error(key, "expected an IPv4 address like " + example + ", got \"" + text + "\"");
        }
        int first = address >>> 24;
        if (first == 0 || first == 127 || first >= 224) {
            String what = first == 127 ? "a loopback" : first >= 240 ? "a reserved or broadcast"
                    : first >= 224 ? "a multicast" : "a 'this network' (0/8)";
            throw s.error(key, text + " is " + what + " address; give a unicast address");
        }
        return address;
    }

    private static long mac(Section s, String key, long absent) throws ConfigException {
        String text = s.optionalString(key, "\"02:6a:6e:00:00:01\"");
        if (text == null) {
            return absent;
        }
        long mac;
        try {
            mac = MacAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw s.error(key, "expected a MAC address like \"02:6a:6e:00:00:01\", got \"" + text + "\"");
        }
        if (MacAddress.isMulticast(mac) || mac == 0) {
            throw s.error(key, "\"" + text + "\" is a " + (mac == 0 ? "zero" : "multicast") + " MAC address;"
                    + " give a unicast one, e.g. \"02:6a:6e:00:00:01\"");
        }
        return mac;
    }

    private static String prefix(InterfaceConfig c) {
        return prefix(c.address(), c.prefixLength());
    }

    private static String prefix(int address, int prefixLength) {
        return Ipv4Address.toString(address & Ipv4Address.mask(prefixLength)) + "/" + prefixLength;
    }

    // ---- [nat] and [nat.timeouts] ----

    private NatConfig natConfig(TomlTable root, Section s, InterfaceConfig inside) throws ConfigException {
        NatConfig d = NatConfig.defaults();
        NatConfig.Behavior mapping = behavior(s, "mapping", d.mapping());
        NatConfig.Behavior filtering = behavior(s, "filtering", d.filtering());
        int[] ports = {d.portLow(), d.portHigh()};
        String portText = s.optionalString("ports", "\"1-65535\"");
        if (portText != null) {
            ports = portRange(portText);
            if (ports == null) {
                throw s.error("ports", "expected a port range like \"1-65535\" or \"1024-65535\" (1 to 65535, low"
                        + " first), got \"" + portText + "\"");
            }
        }
        int maxSessions = (int) s.integer("max-sessions", 1, MAX_SESSIONS, d.maxSessions());
        // Unset, the per-host quota follows a smaller table down rather than exceed it.
        int perHost = (int) s.integer("max-sessions-per-host", 1, MAX_SESSIONS,
                Math.min(d.maxSessionsPerHost(), maxSessions));
        if (perHost > maxSessions && s.fromProfile("max-sessions-per-host")) {
            perHost = maxSessions; // a profile's quota follows a smaller table down, as the default does
        }
        if (perHost > maxSessions) {
            throw s.error("max-sessions-per-host", "expected at most max-sessions (" + maxSessions + "), got "
                    + perHost);
        }
        boolean hairpinning = s.bool("hairpinning", d.hairpinning());
        NatConfig.Unmatched unmatched = d.unmatched();
        String unmatchedText = s.optionalString("unmatched", "\"drop\"");
        if (unmatchedText != null) {
            unmatched = null;
            for (NatConfig.Unmatched u : NatConfig.Unmatched.values()) {
                if (u.configName().equals(unmatchedText)) {
                    unmatched = u;
                }
            }
            if (unmatched == null) {
                throw s.error("unmatched", "expected \"drop\" or \"reject\", got \"" + unmatchedText + "\"");
            }
        }
        int dmz = d.dmz();
        String dmzText = s.optionalString("dmz", "\"192.168.1.50\"");
        if (dmzText != null) {
            dmz = insideHost(s, "dmz", dmzText, inside, "the DMZ host");
        }
        boolean inboundRefresh = s.bool("inbound-refresh", d.inboundRefresh());
        Section t = table(root, "nat.timeouts");
        Section udp = table(root, "nat.udp");
        Section tcp = table(root, "nat.tcp");
        Section icmp = table(root, "nat.icmp");
        Timeouts td = Timeouts.defaults();
        Timeouts timeouts = new Timeouts(
                timeout(t, "udp", udp, "timeout", td.udpNanos(), Timeouts.UDP_MINIMUM, "RFC 4787 REQ-5",
                        "UDP mappings may expire between keep-alives"),
                timeout(t, "tcp-established", tcp, "timeout-established", td.tcpEstablishedNanos(),
                        Timeouts.TCP_ESTABLISHED_MINIMUM, "RFC 5382 REQ-5", "idle TCP connections may be cut"),
                timeout(t, "tcp-transitory", tcp, "timeout-transitory", td.tcpTransitoryNanos(),
                        Timeouts.TCP_TRANSITORY_MINIMUM, "RFC 5382 REQ-5",
                        "connections being opened or closed may be cut"),
                timeout(t, "icmp", icmp, "timeout", td.icmpNanos(), Timeouts.ICMP_MINIMUM, "RFC 5508 REQ-2",
                        "slow ICMP queries may lose their replies"));
        NatConfig.ProtocolBehavior all = new NatConfig.ProtocolBehavior(mapping, filtering, inboundRefresh);
        NatConfig.ProtocolBehavior udpBehavior = protocol(udp, all, true);
        NatConfig.ProtocolBehavior tcpBehavior = protocol(tcp, all, true);
        NatConfig.ProtocolBehavior icmpBehavior = protocol(icmp, all, false);
        PortAllocation allocation = PortAllocationKeys.read(s, ports[0], ports[1], inside, warnings);
        return new NatConfig(mapping, filtering, ports[0], ports[1], maxSessions, perHost, hairpinning, unmatched,
                dmz, timeouts, inboundRefresh, allocation, udpBehavior, tcpBehavior, icmpBehavior);
    }

    /**
     * The behaviour of one protocol: {@code [nat.udp]}, {@code [nat.tcp]} or {@code [nat.icmp]}, each
     * key that table (or the profile's) leaves out taken from {@code [nat]} ({@code all}), and noted
     * as coming from there. ICMP's filtering is always [nat]'s: no key sets it (see KEYS).
     */
    private NatConfig.ProtocolBehavior protocol(Section p, NatConfig.ProtocolBehavior all, boolean filters)
            throws ConfigException {
        NatConfig.Behavior mapping = inherit(p, "mapping") ? all.mapping() : behavior(p, "mapping", all.mapping());
        NatConfig.Behavior filtering = !filters || inherit(p, "filtering") ? all.filtering()
                : behavior(p, "filtering", all.filtering());
        boolean refresh = inherit(p, "inbound-refresh") ? all.inboundRefresh()
                : p.bool("inbound-refresh", all.inboundRefresh());
        return new NatConfig.ProtocolBehavior(mapping, filtering, refresh);
    }

    /**
     * True if neither the file nor the profile sets {@code key} in protocol table {@code p}: it is
     * then [nat]'s, and its origin is noted as that of the [nat] key ("router.toml:7 (nat.mapping)").
     */
    private boolean inherit(Section p, String key) {
        if (p.inFile(key) || p.fromProfile(key)) {
            return false;
        }
        String from = "nat." + key;
        origins.note(p.path + "." + key, origins.of(from) + " (" + from + ")");
        return true;
    }
    private static NatConfig.Behavior behavior(Section s, String key, NatConfig.Behavior absent)
            throws ConfigException {
        String text = s.optionalString(key, "\"endpoint-independent\"");
        if (text == null) {
            return absent;
        }
        for (NatConfig.Behavior b : NatConfig.Behavior.values()) {
            if (b.configName().equals(text)) {
                return b;
            }
        }
        throw s.error(key, "expected \"endpoint-independent\", \"address-dependent\" or \"address-and-port-dependent\","
                + " got \"" + text + "\"");
    }

    /**
     * A timeout that {@code [nat.timeouts]} ({@code t}, key {@code key}) or the protocol's own table
     * ({@code p}, key {@code pKey}) may set: the file before the profile, never both in the file.
     * Noted under its [nat.timeouts] name, where {@code jnat check} prints it.
     */
    private long timeout(Section t, String key, Section p, String pKey, long absent, long minimum, String rfc,
            String risk) throws ConfigException {
        if (t.inFile(key) && p.inFile(pKey)) {
            throw p.error(pKey, "also set as " + t.path + "." + key + " at line " + t.line(key) + "; set it in one"
                    + " place");
        }
        boolean own = p.inFile(pKey) || (!t.inFile(key) && p.fromProfile(pKey));
        long nanos = own ? timeout(p, pKey, absent, minimum, rfc, risk) : timeout(t, key, absent, minimum, rfc, risk);
        origins.note(t.path + "." + key, own ? p.origin(pKey) : t.origin(key));
        return nanos;
    }

    private long timeout(Section s, String key, long absent, long minimum, String rfc, String risk)
            throws ConfigException {
        String text = s.optionalString(key, "\"5m\"");
        if (text == null) {
            return absent;
        }
        long nanos = Durations.parse(text);
        if (nanos <= 0) {
            throw s.error(key, "expected a duration like \"5m\", \"2h4m\", \"60s\" or \"500ms\" (more than zero),"
                    + " got \"" + text + "\"");
        }
        if (nanos < minimum) {
            warnings.add(s.warning(key, "\"" + text + "\" is below the " + Durations.format(minimum) + " minimum of "
                    + rfc + "; " + risk));
        }
        return nanos;
    }

    /** {low, high} of "N" or "LOW-HIGH" within 1..65535, or null. */
    private static int[] portRange(String text) {
        Matcher m = Pattern.compile("(\\d{1,5})(?:-(\\d{1,5}))?").matcher(text);
        if (!m.matches()) {
            return null;
        }
        int low = Integer.parseInt(m.group(1));
        int high = m.group(2) == null ? low : Integer.parseInt(m.group(2));
        if (low < 1 || high > 65535 || low > high) {
            return null;
        }
        return new int[] {low, high};
    }

    /** A host on the inside prefix other than the router itself: a DMZ host or a forward target. */
    private static <E extends Exception> int insideHost(Problem<E> s, String key, String text, InterfaceConfig inside,
            String what) throws E {
        int address = unicastAddress(s, key, text, "\"192.168.1.50\"");
        if (!Ipv4Address.inPrefix(address, inside.address(), inside.prefixLength())) {
            throw s.error(key, text + " is not inside the inside prefix " + prefix(inside) + "; " + what
                    + " must be on the LAN");
        }
        checkHostOf(s, key, address, inside.address(), inside.prefixLength(), prefix(inside));
        if (address == inside.address()) {
            throw s.error(key, text + " is the router's own inside address; give the address of " + what);
        }
        return address;
    }

    // ---- [[forward]] ----

    private List<ForwardRule> forwards(List<Section> sections, InterfaceConfig inside, List<Integer> pool)
            throws ConfigException {
        List<ForwardRule> rules = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        for (Section s : sections) {
            String protocolText = s.string("protocol", "\"tcp\"");
            Object portValue = s.value("port");
            if (portValue == null) {
                throw s.missing("port", "\"8080\"");
            }
            ForwardRule rule = forwardRule(s, protocolText, portValue, s.string("to", "\"192.168.1.20:80\""),
                    s.optionalString("address", "\"203.0.113.2\""), inside, pool);
            int protocol = rule.protocol();
            int[] ports = {rule.portLow(), rule.portHigh()};
            for (int i = 0; i < rules.size(); i++) {
                ForwardRule other = rules.get(i);
                boolean sameAddress = other.address() == 0 || rule.address() == 0 || other.address() == rule.address();
                if (other.protocol() == protocol && sameAddress && other.portLow() <= ports[1]
                        && ports[0] <= other.portHigh()) {
                    int port = Math.max(ports[0], other.portLow());
                    throw s.error("port", protocolText + " port " + port + " is already forwarded at line "
                            + lines.get(i) + "; forward each public port once");
                }
            }
            rules.add(rule);
            lines.add(s.line("port"));
        }
        return rules;
    }

    /**
     * One port forward from the values of its three keys, checked as in a {@code [[forward]]} table
     * (whose errors name the file and line; the admin API's name the body's key): {@code protocol}
     * "tcp" or "udp", {@code port} a port (a string or an integer) or a range "LOW-HIGH", {@code to}
     * "HOST" or "HOST:PORT" with HOST on the inside prefix. Overlaps with other forwards are the
     * caller's to check.
     */
    public static <E extends Exception> ForwardRule forwardRule(Problem<E> s, String protocolText, Object portValue,
            String to, InterfaceConfig inside) throws E {
        return forwardRule(s, protocolText, portValue, to, null, inside, List.of());
    }

    /**
     * As above, with {@code address} (null: every public address) one of the pool's
     * ({@link PoolKeys#publicAddress}).
     */
    public static <E extends Exception> ForwardRule forwardRule(Problem<E> s, String protocolText, Object portValue,
            String to, String address, InterfaceConfig inside, List<Integer> pool) throws E {
        int protocol = switch (protocolText) {
            case "tcp" -> IpProtocol.TCP;
            case "udp" -> IpProtocol.UDP;
            default -> throw s.error("protocol", "expected \"tcp\" or \"udp\", got \"" + protocolText + "\"");
        };
        int[] ports = portValue instanceof Long n ? (n >= 1 && n <= 65535 ? new int[] {n.intValue(), n.intValue()}
                : null) : portValue instanceof String p ? portRange(p) : null;
        if (ports == null) {
            throw s.error("port", "expected a port like \"8080\" or a range like \"8000-8010\" (1 to 65535, low"
                    + " first), got " + Section.describe(portValue));
        }
        int colon = to.indexOf(':');
        int toAddress = insideHost(s, "to", colon < 0 ? to : to.substring(0, colon), inside, "the forward's target");
        int toPort = 0;
        if (colon >= 0) {
            String p = to.substring(colon + 1);
            toPort = p.matches("\\d{1,5}") ? Integer.parseInt(p) : 0;
            if (toPort < 1 || toPort > 65535) {
                throw s.error("to", "expected \"HOST\" or \"HOST:PORT\" with a port from 1 to 65535, got \""
                        + to + "\"");
            }
            int last = toPort + (ports[1] - ports[0]);
            if (last > 65535) {
                throw s.error("to", "the range " + ports[0] + "-" + ports[1] + " mapped from port " + toPort
                        + " would end at " + last + ", past 65535; start the target range lower");
            }
        }
        int publicAddress = address == null ? 0 : PoolKeys.publicAddress(s, "address", address, pool);
        return new ForwardRule(protocol, ports[0], ports[1], toAddress, toPort, publicAddress);
    }

    // ---- [[neighbor]] and [admin] ----

    private List<StaticNeighbor> neighbors(List<Section> sections, InterfaceConfig inside, InterfaceConfig outside)
            throws ConfigException {
        List<StaticNeighbor> neighbors = new ArrayList<>();
        Map<Integer, Integer> seen = new LinkedHashMap<>();
        for (Section s : sections) {
            String text = s.string("address", "\"203.0.113.254\"");
            int address = unicastAddress(s, "address", text, "\"203.0.113.254\"");
            InterfaceConfig side = Ipv4Address.inPrefix(address, inside.address(), inside.prefixLength()) ? inside
                    : Ipv4Address.inPrefix(address, outside.address(), outside.prefixLength()) ? outside : null;
            if (side == null) {
                throw s.error("address", text + " is on neither connected prefix (" + prefix(inside) + " inside, "
                        + prefix(outside) + " outside); a static neighbor must be on one of the links");
            }
            if (address == side.address()) {
                throw s.error("address", text + " is the router's own address; give a neighbor's address");
            }
            if (seen.containsKey(address)) {
                throw s.error("address", text + " already has a static entry at line " + seen.get(address)
                        + "; give each neighbor once");
            }
            if (!s.has("mac")) {
                throw s.missing("mac", "\"0a:00:00:00:00:fe\"");
            }
            long mac = mac(s, "mac", -1);
            seen.put(address, s.line("address"));
            neighbors.add(new StaticNeighbor(address, mac));
        }
        return neighbors;
    }

    /** The shortest token accepted: a guessable token on a reachable port is no protection. */
    static final int MIN_TOKEN_LENGTH = 16;
    /** The largest token file read. */
    static final int MAX_TOKEN_FILE = 4096;

    private AdminConfig admin(Section s) throws ConfigException {
        if (!s.present()) {
            return null;
        }
        String listen = s.string("listen", "\"127.0.0.1:8080\"");
        HostPort address;
        try {
            address = HostPort.parse(listen);
        } catch (IllegalArgumentException e) {
            throw s.error("listen", e.getMessage());
        }
        String token = s.optionalString("token", "\"a-long-random-secret\"");
        String tokenFile = s.optionalString("token-file", "\"/etc/jnat/admin.token\"");
        if (token != null && tokenFile != null) {
            throw s.error("token-file", "token is also set; set one of token and token-file, not both");
        }
        if (tokenFile != null) {
            token = tokenFrom(s, tokenFile);
        }
        if (token != null) {
            String key = tokenFile != null ? "token-file" : "token";
            String what = tokenFile != null ? "the token in " + tokenFile : "the token";
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw s.error(key, what + " has " + token.length() + " characters; use at least " + MIN_TOKEN_LENGTH
                        + ", e.g. the output of `openssl rand -hex 16`");
            }
            if (!token.matches("[\\x21-\\x7e]+")) {
                throw s.error(key, what + " has spaces or characters other than printable ASCII; it must fit in an"
                        + " Authorization header");
            }
        }
        if (token == null && !address.isLoopback()) {
            throw s.error("listen", "\"" + listen + "\" is not a loopback address, so the admin API needs a token;"
                    + " add token-file = \"/etc/jnat/admin.token\" (or token = \"...\") to [admin], or listen on"
                    + " \"127.0.0.1:" + address.port() + "\"");
        }
        return new AdminConfig(listen, token, tokenFile);
    }

    /** The first line of {@code path} (relative to the config file's directory), trimmed. */
    private String tokenFrom(Section s, String path) throws ConfigException {
        Path parent = Path.of(file).toAbsolutePath().getParent();
        Path tokenPath = parent == null ? Path.of(path) : parent.resolve(path);
        try {
            // Never a device, a FIFO or a huge file: checking a config must not hang or fill memory.
            if (Files.exists(tokenPath) && !Files.isRegularFile(tokenPath)) {
                throw s.error("token-file", path + " is not a regular file; write the token on the first line of one");
            }
            if (Files.exists(tokenPath) && Files.size(tokenPath) > MAX_TOKEN_FILE) {
                throw s.error("token-file", path + " is larger than " + MAX_TOKEN_FILE + " bytes; a token file holds"
                        + " the token on its first line");
            }
            String first = Files.readString(tokenPath, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
            if (first.isEmpty()) {
                throw s.error("token-file", path + " is empty; write the token on its first line");
            }
            return first;
        } catch (NoSuchFileException e) {
            throw s.error("token-file", path + ": no such file; create it with the token on its first line");
        } catch (AccessDeniedException e) {
            throw s.error("token-file", path + " cannot be read (permission denied); check its permissions");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw s.error("token-file", path + " cannot be read (" + e.getMessage() + ")");
        }
    }

    // ---- [log] ----

    /**
     * {@code sessions}: a file jnat can append to, relative to the config file's folder as
     * {@code token-file} is. Checked now, so that a router never starts with a log it cannot write.
     */
    private LogConfig log(Section s) throws ConfigException {
        String sessions = s.optionalString("sessions", "\"/var/log/jnat/sessions.jsonl\"");
        if (sessions == null) {
            return LogConfig.NONE;
        }
        if (sessions.isBlank()) {
            throw s.error("sessions", "is empty; give the file the session log goes to, e.g. \"/var/log/jnat/"
                    + "sessions.jsonl\", or remove the key");
        }
        Path parent = Path.of(file).toAbsolutePath().getParent();
        Path path;
        try {
            path = parent == null ? Path.of(sessions) : parent.resolve(sessions);
        } catch (java.nio.file.InvalidPathException e) {
            throw s.error("sessions", "\"" + sessions + "\" is not a valid path (" + e.getReason() + ")");
        }
        Path folder = path.toAbsolutePath().getParent();
        if (Files.isDirectory(path)) {
            throw s.error("sessions", sessions + " is a directory; give a file in it, e.g. \"" + sessions.replaceAll("/+$",
                    "") + "/sessions.jsonl\"");
        }
        if (folder == null || !Files.isDirectory(folder)) {
            throw s.error("sessions", "the folder " + folder + " does not exist; create it, or log elsewhere");
        }
        if (Files.exists(path) ? !Files.isRegularFile(path) || !Files.isWritable(path) : !Files.isWritable(folder)) {
            throw s.error("sessions", (Files.exists(path) ? sessions + " is not a regular file jnat may write"
                    : "jnat may not create files in " + folder) + "; check the permissions, or log elsewhere");
        }
        return new LogConfig(sessions, path.toAbsolutePath().normalize().toString());
    }

    // ---- [dataplane] ----

    /** The longest busy-poll window: beyond it the thread might as well never sleep. */
    static final long MAX_BUSY_POLL_NANOS = 1_000_000_000L;

    private static DataPlaneConfig dataPlane(Section s) throws ConfigException {
        if (!s.present()) {
            return DataPlaneConfig.DEFAULT;
        }
        long busyPoll = 0;
        String text = s.optionalString("busy-poll", "\"200us\"");
        if (text != null) {
            busyPoll = Durations.parse(text);
            if (busyPoll < 0 || busyPoll > MAX_BUSY_POLL_NANOS) {
                throw s.error("busy-poll", "expected a duration from \"0s\" (off) to \"1s\" like \"200us\" or"
                        + " \"2ms\", got \"" + text + "\"");
            }
        }
        int priority = (int) s.integer("realtime-priority", 0, 99, 0);
        DataPlaneConfig.Realtime realtime = DataPlaneConfig.DEFAULT_REALTIME;
        String realtimeText = s.optionalString("realtime", "\"light-load\"");
        if (realtimeText != null) {
            realtime = null;
            for (DataPlaneConfig.Realtime r : DataPlaneConfig.Realtime.values()) {
                if (r.configName().equals(realtimeText)) {
                    realtime = r;
                }
            }
            if (realtime == null) {
                throw s.error("realtime", "expected \"always\" or \"light-load\", got \"" + realtimeText + "\"");
            }
            if (priority == 0) {
                // Without a priority there is no real-time policy to choose when to use.
                throw s.error("realtime", "needs a realtime-priority from 1 to 99 in [dataplane], e.g."
                        + " realtime-priority = 10; or remove realtime");
            }
        }
        int cpu = (int) s.integer("cpu", 0, 1023, -1);
        boolean udpCoalesce = s.bool("udp-coalesce", DataPlaneConfig.DEFAULT.udpCoalesce());
        boolean warmUp = s.bool("warm-up", DataPlaneConfig.DEFAULT.warmUp());
        return new DataPlaneConfig(busyPoll, priority, cpu, realtime, udpCoalesce, warmUp);
    }

    // ---- [pcp] ----

    /** The longest max-lifetime: what the 32-bit lifetime fields of PCP and NAT-PMP can carry. */
    static final long MAX_PCP_LIFETIME_SECONDS = 0xffffffffL;

    private static PcpConfig pcp(Section s) throws ConfigException {
        if (!s.present()) {
            return PcpConfig.DEFAULT;
        }
        boolean enabled = s.bool("enabled", PcpConfig.DEFAULT.enabled());
        long maxLifetime = PcpConfig.DEFAULT_MAX_LIFETIME_SECONDS;
        String text = s.optionalString("max-lifetime", "\"2h\"");
        if (text != null) {
            long nanos = Durations.parse(text);
            if (nanos < 1_000_000_000L || nanos / 1_000_000_000L > MAX_PCP_LIFETIME_SECONDS) {
                throw s.error("max-lifetime", "expected a duration of at least \"1s\" like \"2h\" or \"30m\","
                        + " got \"" + text + "\"");
            }
            maxLifetime = nanos / 1_000_000_000L;
        }
        int perHost = (int) s.integer("max-mappings-per-host", 1, org.jnat.nat.NatTable.MAX_PINS,
                PcpConfig.DEFAULT_MAX_MAPPINGS_PER_HOST);
        boolean thirdParty = s.bool("allow-third-party", PcpConfig.DEFAULT.allowThirdParty());
        return new PcpConfig(enabled, maxLifetime, perHost, thirdParty);
    }
}
