package org.jnat.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The running kernel's release ({@code /proc/sys/kernel/osrelease}, as {@code uname -r} prints
 * it), for features the kernel accepts silently but does not honour before some version: e.g.
 * {@code PACKET_VNET_HDR} on an RX ring, which {@code tpacket_rcv} ignores before Linux 5.8.
 * Set-up only.
 */
final class KernelRelease {
    private final int major;
    private final int minor;

    private KernelRelease(int major, int minor) {
        this.major = major;
        this.minor = minor;
    }

    /** The running kernel's release; 0.0 if it cannot be read (every check then says no). */
    static KernelRelease running() {
        try {
            return parse(Files.readString(Path.of("/proc/sys/kernel/osrelease"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return new KernelRelease(0, 0);
        }
    }

    /** "6.18.44-fc-v669" → 6.18; anything unreadable → 0.0. */
    static KernelRelease parse(String release) {
        String[] parts = release.trim().split("[^0-9]+", 3);
        try {
            return new KernelRelease(Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
        } catch (NumberFormatException e) {
            return new KernelRelease(0, 0);
        }
    }

    boolean atLeast(int wantMajor, int wantMinor) {
        return major > wantMajor || (major == wantMajor && minor >= wantMinor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
