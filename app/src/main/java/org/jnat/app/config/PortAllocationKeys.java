package org.jnat.app.config;

import java.util.List;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.PortAllocation;

/**
 * Reads {@code [nat]}'s port-allocation keys: {@code port-allocation}, {@code port-stride},
 * {@code port-block-size} and {@code deterministic}, checked against the port range.
 */
final class PortAllocationKeys {
    static final List<String> KEYS = List.of("port-allocation", "port-stride", "port-block-size", "deterministic");

    private PortAllocationKeys() {
    }

    /**
     * The allocation {@code s} ({@code [nat]}) sets; {@code low..high} is its port range and
     * {@code inside} the inside side, whose prefix RFC 7422's formula counts hosts from.
     */
    static PortAllocation read(Section s, int low, int high, InterfaceConfig inside, List<String> warnings)
            throws ConfigException {
        PortAllocation d = PortAllocation.defaults();
        PortAllocation.Mode mode = Choices.read(s, "port-allocation", PortAllocation.Mode.values(), d.mode());
        int stride = (int) s.integer("port-stride", 1, high - low + 1, d.stride());
        int blockSize = (int) s.integer("port-block-size", 1, 65535, d.blockSize());
        if (mode == PortAllocation.Mode.BLOCK && blockSize > high - low + 1) {
            throw s.error("port-block-size", "expected at most the " + (high - low + 1) + " ports of the range "
                    + low + "-" + high + ", got " + blockSize);
        }
        boolean deterministic = s.bool("deterministic", d.deterministic());
        // Only keys the file sets: a profile's block size under a file's other allocation is no mistake.
        if (mode != PortAllocation.Mode.SEQUENTIAL && s.inFile("port-stride")) {
            warnings.add(s.warning("port-stride", "has no effect unless port-allocation = \"sequential\""));
        }
        if (mode != PortAllocation.Mode.BLOCK && (s.inFile("port-block-size") || s.inFile("deterministic"))) {
            String key = s.inFile("port-block-size") ? "port-block-size" : "deterministic";
            warnings.add(s.warning(key, "has no effect unless port-allocation = \"block\""));
        }
        // Index 0 of RFC 7422's formula is the inside prefix's network address (only block mode reads it).
        int base = mode == PortAllocation.Mode.BLOCK && deterministic ? inside.network() : 0;
        return new PortAllocation(mode, stride, blockSize, deterministic, base);
    }
}
