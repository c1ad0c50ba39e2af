package org.jnat.app.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where each value of a loaded config came from: the file ({@code router.toml:12}), the profile
 * ({@code profile cgn}) or jnat's built-in default ({@code default}), by the key's dotted name
 * ({@code nat.mapping}, {@code nat.udp.filtering}; the entries of {@code [[forward]]} and
 * {@code [[neighbor]]} numbered from 1: {@code forward.2.port}). {@link ConfigLoader} notes them
 * as it reads each key; {@code jnat check} lists them after the effective config.
 */
public final class Origins {
    /** The origin of a key jnat fills in itself. */
    public static final String DEFAULT = "default";

    private final Map<String, String> byKey = new LinkedHashMap<>();
    private String profile;

    /** The profile of {@code [nat] profile}, or null. */
    public String profile() {
        return profile;
    }

    void profile(String name) {
        this.profile = name;
    }

    void note(String key, String origin) {
        byKey.put(key, origin);
    }

    /** The origin of {@code key} ({@link #DEFAULT} for a key never read: jnat fills it in). */
    public String of(String key) {
        return byKey.getOrDefault(key, DEFAULT);
    }

    /** Every key noted, with its origin, in the order they were read. */
    public Map<String, String> all() {
        return java.util.Collections.unmodifiableMap(byKey);
    }

    private static final Pattern HEADER = Pattern.compile("^\\[(\\[?)([a-z.]+)\\]\\]?$");
    private static final Pattern ENTRY = Pattern.compile("^([a-z-]+) = (.*)$");

    /**
     * The lines {@code jnat check} prints after the effective config {@code toml} (which
     * {@link EffectiveConfig} wrote): one TOML comment per key, its value and its origin, so that
     * the output still loads as a config.
     */
    public String report(String toml) {
        StringBuilder out = new StringBuilder("# Where each value comes from (file:line, profile NAME, or default):\n");
        String table = "";
        Map<String, Integer> entries = new LinkedHashMap<>();
        for (String line : toml.split("\n")) {
            Matcher header = HEADER.matcher(line);
            if (header.matches()) {
                table = header.group(2);
                if (!header.group(1).isEmpty()) {
                    table = table + "." + entries.merge(table, 1, Integer::sum);
                }
                continue;
            }
            Matcher entry = ENTRY.matcher(line);
            if (entry.matches()) {
                String key = table + "." + entry.group(1);
                out.append(String.format("#   %-34s %-30s %s%n", key, entry.group(2), of(key)));
            }
        }
        return out.toString().replace(System.lineSeparator(), "\n");
    }
}
