package org.jnat.app.lab;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The named NAT profiles of issue 14 as the {@code [nat]} keys of a lab router's config file: the one
 * place that knows them in the lab, until the config file takes {@code profile = NAME} itself (branch
 * behav), when each entry becomes that one line. A key the topology file sets for a NAT wins over
 * its profile's.
 */
public final class NatProfiles {
    private static final String EI = "endpoint-independent";
    private static final String AD = "address-dependent";
    private static final String APD = "address-and-port-dependent";

    /** Profile name to {mapping, filtering} (RFC 4787 section 4.1 and 5). */
    private static final Map<String, List<String>> PROFILES = new LinkedHashMap<>();

    static {
        PROFILES.put("full-cone", List.of(EI, EI));
        PROFILES.put("restricted-cone", List.of(EI, AD));
        PROFILES.put("port-restricted-cone", List.of(EI, APD));
        PROFILES.put("symmetric", List.of(APD, APD));
        // Linux's conntrack NAT keeps one mapping per inside endpoint and admits only the remote it
        // was made for (the kernel captures in vectors/linux-nat).
        PROFILES.put("linux-masquerade", List.of(EI, APD));
        // RFC 6888 REQ-1 makes RFC 4787's REQ-1 (endpoint-independent mapping) binding on a CGN;
        // endpoint-independent filtering keeps it transparent to the home NATs behind it (REQ-8).
        PROFILES.put("cgn", List.of(EI, EI));
    }

    private NatProfiles() {
    }

    public static Set<String> names() {
        return PROFILES.keySet();
    }

    /** The TOML lines of {@code profile} for {@code [nat]}, leaving out the keys in {@code setByFile}. */
    public static String natKeys(String profile, Set<String> setByFile) {
        List<String> behaviour = PROFILES.get(profile);
        StringBuilder toml = new StringBuilder();
        if (!setByFile.contains("mapping")) {
            toml.append("mapping = \"").append(behaviour.get(0)).append("\"\n");
        }
        if (!setByFile.contains("filtering")) {
            toml.append("filtering = \"").append(behaviour.get(1)).append("\"\n");
        }
        return toml.toString();
    }
}
