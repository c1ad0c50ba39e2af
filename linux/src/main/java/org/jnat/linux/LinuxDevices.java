package org.jnat.linux;

import org.jnat.runtime.Counters;

/**
 * Opens a device from its config string: {@code tap:NAME} ({@link TapDevice}, created if absent)
 * or {@code afpacket:IFNAME} ({@link AfPacketDevice}, on an existing interface).
 */
public final class LinuxDevices {
    private LinuxDevices() {
    }

    /**
     * Opens the device {@code spec} names, in the calling thread's network namespace. Throws
     * {@link IllegalArgumentException} for a malformed spec and {@link SystemCallException} when
     * the kernel refuses, each with a one-line message that says what to do.
     */
    public static PollableDevice open(String spec, Counters counters) {
        return open(spec, true, counters);
    }

    /**
     * As {@link #open(String, Counters)}; with {@code offloads} false a TAP asks the kernel for no
     * receive offloads ({@code TUNSETOFFLOAD 0}), so every frame it hands over is wire-sized and
     * fully checksummed, for a router that does not segment GSO super-packets itself.
     */
    public static PollableDevice open(String spec, boolean offloads, Counters counters) {
        int colon = spec == null ? -1 : spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("device \"" + spec + "\" is not valid: use tap:NAME or afpacket:IFNAME");
        }
        String kind = spec.substring(0, colon);
        String name = spec.substring(colon + 1);
        return switch (kind) {
            case "tap" -> TapDevice.open(name, 0, offloads ? TapDevice.ALL_OFFLOADS : 0, counters);
            case "afpacket" -> AfPacketDevice.open(name, counters);
            default -> throw new IllegalArgumentException("device \"" + spec + "\" has unknown kind \"" + kind
                    + "\": use tap:NAME or afpacket:IFNAME");
        };
    }
}
