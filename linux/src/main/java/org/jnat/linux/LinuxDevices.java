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
     * Opens the device {@code spec} names, in the calling thread's network namespace, without
     * receive offloads: every frame is wire-sized and fully checksummed, which is what a router
     * with MTU-sized slots can forward (with offloads a TAP hands over 64 KiB GSO frames, which
     * such slots cannot hold: they are counted in {@code rx_truncated} and TCP crawls). Throws
     * {@link IllegalArgumentException} for a malformed spec and {@link SystemCallException} when
     * the kernel refuses, each with a one-line message that says what to do.
     */
    public static PollableDevice open(String spec, Counters counters) {
        return open(spec, false, counters);
    }

    /**
     * As {@link #open(String, Counters)}; with {@code offloads} true a TAP asks the kernel for
     * {@link TapDevice#ALL_OFFLOADS} (partial checksums, GSO super-packets: the receiving batch
     * needs 64 KiB slots and the router must finish checksums and segment), with false for none
     * ({@code TUNSETOFFLOAD 0}); an AF_PACKET device likewise opens with PACKET_VNET_HDR, rings
     * with 64 KiB slots and GRO on for its interface, or without a vnet header.
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
            case "afpacket" -> AfPacketDevice.open(name, offloads, counters);
            default -> throw new IllegalArgumentException("device \"" + spec + "\" has unknown kind \"" + kind
                    + "\": use tap:NAME or afpacket:IFNAME");
        };
    }
}
