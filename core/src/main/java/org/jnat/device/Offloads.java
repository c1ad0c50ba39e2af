package org.jnat.device;

/**
 * What a device can take and give besides plain, fully checksummed, wire-sized frames.
 *
 * @param vnetHeader   frames carry virtio_net_hdr metadata ({@link PacketBuffer}'s offload fields)
 * @param partialChecksum the device accepts frames whose transport checksum is left partial
 *                     ({@link PacketBuffer#F_NEEDS_CSUM}) and completes it
 * @param tcpSegmentation the device accepts TCP GSO super-packets and segments them itself
 * @param udpSegmentation the device accepts UDP GSO (UDP_L4) super-packets
 */
public record Offloads(boolean vnetHeader, boolean partialChecksum, boolean tcpSegmentation,
                       boolean udpSegmentation) {
    public static final Offloads NONE = new Offloads(false, false, false, false);
    public static final Offloads ALL = new Offloads(true, true, true, true);
}
