package org.jnat.app.compliance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compliance catalogue ({@code compliance/requirements.txt}): every requirement of the NAT
 * RFCs, with jnat's verdict by default, the settings that break it, and, when no test shows it,
 * why. Each "## " line starts an RFC's part.
 */
record Catalogue(Map<String, List<Entry>> byRfc) {
    static final List<String> VERDICTS = List.of("meets", "partly", "does not meet", "not applicable", "unverified");

    /** One requirement, as its line says. {@code notShown} is empty when a test is to show it. */
    record Entry(String id, String level, String summary, String verdict, String breaks, String notShown, int line) {
    }

    static Catalogue read() throws IOException {
        try (InputStream in = Catalogue.class.getResourceAsStream("/compliance/requirements.txt")) {
            if (in == null) {
                throw new IllegalStateException("compliance/requirements.txt is not on the test classpath");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static Catalogue parse(String text) {
        Map<String, List<Entry>> byRfc = new LinkedHashMap<>();
        List<Entry> current = null;
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.startsWith("## ")) {
                current = new ArrayList<>();
                byRfc.put(line.substring(3), current);
            } else if (!line.isEmpty() && !line.startsWith("#")) {
                String[] f = line.split("\\|", -1);
                if (f.length != 6 || current == null) {
                    throw new IllegalArgumentException("requirements.txt:" + (i + 1) + ": expected six fields after an"
                            + " RFC's \"## \" line, got: " + line);
                }
                current.add(new Entry(f[0].strip(), f[1].strip(), f[2].strip(), f[3].strip(), f[4].strip(),
                        f[5].strip(), i + 1));
            }
        }
        return new Catalogue(byRfc);
    }

    List<Entry> all() {
        return byRfc.values().stream().flatMap(List::stream).toList();
    }

    /** The verdict word ("meets", "partly"...) at the start of an entry's verdict, or null if there is none. */
    static String verdictWord(Entry e) {
        for (String v : VERDICTS) {
            if (e.verdict().equals(v) || e.verdict().startsWith(v + ":")) {
                return v;
            }
        }
        return null;
    }
}
