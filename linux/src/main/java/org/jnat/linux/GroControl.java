package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * Generic receive offload on the interface of an {@link AfPacketDevice} with offloads, and the
 * kernel releases those offloads need. With GRO on, the kernel coalesces a peer's wire-sized
 * segments into one super-packet before the packet socket sees it ({@code ethtool -K IFNAME gro
 * on}, through SIOCETHTOOL): {@link #turnOn} turns it on if it is off, and {@link #restore} turns
 * it off again when the device closes, so that jnat leaves the interface as it found it; a GRO the
 * user turned on stays on. Set-up only: everything here allocates and may throw.
 *
 * @param interfaceName the interface
 * @param note          one line for the user about GRO, or null: that jnat turned it on while it
 *                      runs, or how to do it when jnat could not; none when it was on already
 * @param turnedOn      GRO was off and {@link #turnOn} turned it on: {@link #restore} turns it off again
 */
record GroControl(String interfaceName, String note, boolean turnedOn) {
    /** Vnet headers on V2 rings: {@code tpacket_rcv} writes them from Linux 5.8. */
    static final int VNET_RX_MAJOR = 5, VNET_RX_MINOR = 8;
    /** UDP_L4 (USO) in {@code virtio_net_hdr_to_skb}: Linux 6.2. */
    static final int USO_MAJOR = 6, USO_MINOR = 2;

    /**
     * The legacy one-feature ethtool commands (include/uapi/linux/ethtool.h), each on a
     * {@code struct ethtool_value}: stable across kernels, unlike the bit positions of
     * ETHTOOL_SFEATURES, which would first have to be looked up by name.
     */
    static final int ETHTOOL_GGRO = 0x2b, ETHTOOL_SGRO = 0x2c;
    /** {@code struct ethtool_value}: the command and its one value. */
    static final StructLayout ETHTOOL_VALUE = MemoryLayout.structLayout(
            JAVA_INT.withName("cmd"),
            JAVA_INT.withName("data"));
    private static final VarHandle CMD = ETHTOOL_VALUE.varHandle(MemoryLayout.PathElement.groupElement("cmd"));
    private static final VarHandle DATA = ETHTOOL_VALUE.varHandle(MemoryLayout.PathElement.groupElement("data"));

    /** GRO left as it was: nothing to say, nothing to undo. */
    static final GroControl UNTOUCHED = new GroControl(null, null, false);

    /** True if the kernel writes vnet headers into RX rings, which offloads on AF_PACKET need. */
    static boolean vnetHeaderOnRings(KernelRelease kernel) {
        return kernel.atLeast(VNET_RX_MAJOR, VNET_RX_MINOR);
    }

    /** What the user should know when {@link #vnetHeaderOnRings} says no. */
    static String tooOldForOffloads(KernelRelease kernel, String interfaceName) {
        return "Linux " + kernel + " writes no vnet header into AF_PACKET rings (5.8 does): " + interfaceName
                + " runs without offloads, so turn GRO and TSO off on it and its peer (ethtool -K)";
    }

    /** True if the kernel takes UDP_L4 super-packets in a vnet header. */
    static boolean udpSegmentation(KernelRelease kernel) {
        return kernel.atLeast(USO_MAJOR, USO_MINOR);
    }

    /** Turns GRO on for the interface unless it is on already; the {@link #note()} says what happened. */
    static GroControl turnOn(InterfaceControl control, String interfaceName) {
        try {
            if (enabled(control)) {
                return new GroControl(interfaceName, null, false);
            }
            set(control, true);
            return enabled(control)
                    ? new GroControl(interfaceName, "turned GRO on for " + interfaceName + " while jnat runs (as ethtool -K "
                      + interfaceName + " gro on) so that the kernel coalesces segments into super-packets; it is turned off"
                      + " again when jnat stops", true)
                    : new GroControl(interfaceName, "GRO stays off on " + interfaceName + ": the driver refused it; frames"
                      + " arrive wire-sized (slower)", false);
        } catch (SystemCallException e) {
            return new GroControl(interfaceName, "GRO is off on " + interfaceName + " and jnat could not turn it on ("
                    + e.getMessage() + "): run ethtool -K " + interfaceName + " gro on, or TCP through jnat stays slow", false);
        }
    }

    /**
     * After an open that failed: turns GRO off again if this turned it on, so that not even this
     * setting outlives it. Best effort; the open's own error is what the user must see.
     */
    void undo() {
        if (!turnedOn) {
            return;
        }
        try (InterfaceControl control = new InterfaceControl(interfaceName)) {
            set(control, false);
        } catch (RuntimeException ignored) {
            // Nothing more can be undone.
        }
    }

    /**
     * At close: turns GRO off again if this turned it on; best effort (the interface may be
     * gone). Through {@code socket}, one of the device's, so that the interface is found in the
     * device's namespace even when another thread, elsewhere, closes it.
     */
    void restore(int socket) {
        if (!turnedOn) {
            return;
        }
        try (InterfaceControl control = new InterfaceControl(interfaceName, socket)) {
            set(control, false);
        } catch (RuntimeException e) {
            // Deleted with its namespace, or the privilege dropped: nothing left to restore.
        }
    }

    /**
     * True if generic receive offload is on ({@code ethtool -k NAME}, "generic-receive-offload").
     * Throws {@link SystemCallException} if the kernel refuses.
     */
    static boolean enabled(InterfaceControl control) {
        return ethtool(control, ETHTOOL_GGRO, 0, "ETHTOOL_GGRO") != 0;
    }

    /**
     * Turns generic receive offload on or off, as {@code ethtool -K NAME gro on|off} does (on a
     * veth since Linux 5.13 this also gives it a NAPI instance of its own). Needs CAP_NET_ADMIN.
     */
    static void set(InterfaceControl control, boolean on) {
        ethtool(control, ETHTOOL_SGRO, on ? 1 : 0, "ETHTOOL_SGRO");
    }

    /** Runs one {@code struct ethtool_value} command; returns the value the kernel left in it. */
    private static int ethtool(InterfaceControl control, int command, int data, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ETHTOOL_VALUE);
            CMD.set(value, 0L, command);
            DATA.set(value, 0L, data);
            control.ethtool(value, what);
            return (int) DATA.get(value, 0L);
        }
    }
}
