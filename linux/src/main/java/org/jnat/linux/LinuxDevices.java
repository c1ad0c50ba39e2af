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
        int colon = spec == null ? -1 : spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("device \"" + spec + "\" is not valid: use tap:NAME or afpacket:IFNAME");
        }
        String kind = spec.substring(0, colon);
        String name = spec.substring(colon + 1);
        return switch (kind) {
            case "tap" -> TapDevice.open(name, counters);
            case "afpacket" -> AfPacketDevice.open(name, counters);
            default -> throw new IllegalArgumentException("device \"" + spec + "\" has unknown kind \"" + kind
                    + "\": use tap:NAME or afpacket:IFNAME");
        };
    }
}
