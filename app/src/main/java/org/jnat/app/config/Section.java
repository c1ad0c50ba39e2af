package org.jnat.app.config;

import java.time.temporal.Temporal;
import java.util.List;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * One table of the config file ({@code [nat]}, one {@code [[forward]]} entry...) with typed
 * getters whose failures are the one-line errors users see: file, line, key, what is expected.
 */
final class Section implements Problem<ConfigException> {
    private final String file;
    /** The table's name as the user writes it, e.g. {@code nat.timeouts} or {@code forward}. */
    final String path;
    /** The table, or null when the file has none. */
    final TomlTable table;
    /** Line of the table's header, or 0 when there is none. */
    final int line;
    /** The profile's defaults beneath this table, and where to note each key's origin. */
    private final Layer layer;

    /**
     * What lies beneath a table of the file: the keys of profile {@code profile} ({@code [nat]
     * profile}, set at line {@code profileLine}) for this table, or null; and the {@link Origins}
     * to note each key read in, under {@code originPath} ("nat.udp", "forward.2").
     */
    record Layer(String profile, int profileLine, TomlTable defaults, Origins origins, String originPath) {
        static final Layer NONE = new Layer(null, 0, null, null, null);
    }

    /** Set for one entry of an array of tables other than the router's ({@code [[host]]} of a lab topology). */
    private boolean entry;

    Section(String file, String path, TomlTable table, int line) {
        this(file, path, table, line, Layer.NONE);
    }

    Section(String file, String path, TomlTable table, int line, Layer layer) {
        this.file = file;
        this.path = path;
        this.table = table;
        this.line = line;
        this.layer = layer;
    }

    /** One entry of an array of tables ({@code [[path]]}): its errors for a missing key name that header. */
    static Section entry(String file, String path, TomlTable table, int line) {
        Section s = new Section(file, path, table, line);
        s.entry = true;
        return s;
    }

    boolean present() {
        return table != null;
    }

    boolean has(String key) {
        return value(key) != null;
    }

    /** True if the file itself sets {@code key} (not the profile). */
    boolean inFile(String key) {
        return table != null && table.get(List.of(key)) != null;
    }

    /** True if the file leaves {@code key} to the profile, which sets it. */
    boolean fromProfile(String key) {
        return !inFile(key) && layer.defaults() != null && layer.defaults().get(List.of(key)) != null;
    }

    /** The value of {@code key}: the file's, else the profile's, else null; notes which in the {@link Origins}. */
    Object value(String key) {
        Object value = table == null ? null : table.get(List.of(key));
        if (value == null && fromProfile(key)) {
            value = layer.defaults().get(List.of(key));
        }
        if (layer.origins() != null) {
            layer.origins().note(layer.originPath() + "." + key, origin(key));
        }
        return value;
    }

    /** Where the value of {@code key} comes from: "FILE:LINE", "profile NAME" or "default". */
    String origin(String key) {
        return inFile(key) ? file + ":" + line(key) : fromProfile(key) ? "profile " + layer.profile()
                : Origins.DEFAULT;
    }

    /**
     * The line where {@code key} is set; for a key the profile sets, the line of {@code profile};
     * else the table's header line.
     */
    int line(String key) {
        if (table != null) {
            TomlPosition position = table.inputPositionOf(List.of(key));
            if (position != null) {
                return position.line();
            }
        }
        return fromProfile(key) ? layer.profileLine() : line;
    }

    /** An error's or warning's tail naming the profile, when the value of {@code key} is the profile's. */
    private String fromWhom(String key) {
        return fromProfile(key) ? " (the value of profile \"" + layer.profile() + "\"; set " + path + "." + key
                + " in the file to override it)" : "";
    }

    String where(int line) {
        return file + (line > 0 ? ":" + line : "") + ": ";
    }

    @Override
    public ConfigException error(String key, String message) {
        return new ConfigException(where(line(key)) + path + "." + key + ": " + message + fromWhom(key));
    }

    String warning(String key, String message) {
        return where(line(key)) + path + "." + key + ": warning: " + message + fromWhom(key);
    }

    ConfigException missing(String key, String example) {
        String header = entry || path.equals("forward") || path.equals("neighbor") ? "[[" + path + "]]"
                : "[" + path + "]";
        return new ConfigException(where(line) + path + "." + key + ": missing; add it to " + header + ", e.g. "
                + key + " = " + example);
    }

    private ConfigException wrongType(String key, String expected, Object value) {
        return error(key, "expected " + expected + ", got " + describe(value));
    }

    String string(String key, String example) throws ConfigException {
        String value = optionalString(key, example);
        if (value == null) {
            throw missing(key, example);
        }
        return value;
    }

    /** The string at {@code key}, or null when it is not set. */
    String optionalString(String key, String example) throws ConfigException {
        Object value = value(key);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw wrongType(key, "a quoted string like " + example, value);
    }

    /** The integer at {@code key} within {@code min..max}, or {@code absent} when it is not set. */
    long integer(String key, long min, long max, long absent) throws ConfigException {
        Object value = value(key);
        if (value == null) {
            return absent;
        }
        if (!(value instanceof Long n)) {
            throw wrongType(key, "an integer from " + min + " to " + max, value);
        }
        if (n < min || n > max) {
            throw error(key, "expected an integer from " + min + " to " + max + ", got " + n);
        }
        return n;
    }

    boolean bool(String key, boolean absent) throws ConfigException {
        Object value = value(key);
        if (value == null) {
            return absent;
        }
        if (!(value instanceof Boolean b)) {
            throw wrongType(key, "true or false", value);
        }
        return b;
    }

    /** How a value reads in an error: strings quoted, numbers and booleans as written, others by type. */
    static String describe(Object value) {
        return switch (value) {
            case String s -> "\"" + s + "\"";
            case Long n -> "the integer " + n;
            case Double d -> "the number " + d;
            case Boolean b -> b.toString();
            case TomlTable t -> "a table";
            case TomlArray a -> "an array";
            case Temporal t -> "the date/time " + t;
            default -> value.toString();
        };
    }

    /** "a string", "an integer"...: the TOML type of a value, for shape errors. */
    static String typeName(Object value) {
        return switch (value) {
            case String s -> "a string";
            case Long n -> "an integer";
            case Double d -> "a number";
            case Boolean b -> "a boolean";
            case TomlTable t -> "a table";
            case TomlArray a -> "an array";
            default -> "a date/time";
        };
    }
}
