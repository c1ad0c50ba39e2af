package org.jnat.stack;

import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;

/**
 * What a frame's offload work needs before it leaves by a given device: whether the device takes
 * the frame with its virtio_net_hdr metadata as it is, or the router must finish the work in
 * software first (Linux decides the same in {@code validate_xmit_skb}: {@code skb_gso_segment}
 * when the device lacks the GSO feature, {@code skb_checksum_help} when it lacks checksum offload).
 */
public final class EgressOffload {
    /** The device takes the frame as it is: send it with its metadata (or it has none). */
    public static final int PASS_THROUGH = 0;
    /** A single frame with a partial checksum, for a device that wants it complete. */
    public static final int COMPLETE_CHECKSUM = 1;
    /** A GSO super-packet for a device that does not segment it: segment it in software. */
    public static final int SEGMENT = 2;
    /** A GSO type an IPv4 router cannot handle (TCPv6, unknown): drop and count. */
    public static final int UNSUPPORTED = 3;

    /** The ECN bit that may be OR-ed into {@code gsoType} (VIRTIO_NET_HDR_GSO_ECN). */
    public static final int GSO_ECN = 0x80;

    private EgressOffload() {
    }

    /** The GSO type without the ECN bit. */
    public static int gsoType(PacketBuffer frame) {
        return frame.gsoType & ~GSO_ECN;
    }

    /** One of {@link #PASS_THROUGH}, {@link #COMPLETE_CHECKSUM}, {@link #SEGMENT}, {@link #UNSUPPORTED}. */
    public static int decide(PacketBuffer frame, Offloads egress) {
        int type = gsoType(frame);
        boolean partial = (frame.flags & PacketBuffer.F_NEEDS_CSUM) != 0;
        // Without a vnet header the device cannot be told about any of it.
        boolean takesPartial = egress.vnetHeader() && egress.partialChecksum();
        return switch (type) {
            case PacketBuffer.GSO_NONE -> !partial || takesPartial ? PASS_THROUGH : COMPLETE_CHECKSUM;
            // A GSO device also completes the checksums of the segments it makes: both are needed.
            case PacketBuffer.GSO_TCPV4 -> takesPartial && egress.tcpSegmentation() ? PASS_THROUGH : SEGMENT;
            case PacketBuffer.GSO_UDP_L4 -> takesPartial && egress.udpSegmentation() ? PASS_THROUGH : SEGMENT;
            // UFO: no device jnat opens asks for it (TUN_F_UFO is not set); it becomes IP fragments.
            case PacketBuffer.GSO_UDP -> SEGMENT;
            default -> UNSUPPORTED;
        };
    }
}
