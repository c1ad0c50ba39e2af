package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import org.jnat.device.PacketBuffer;
import org.jnat.testing.Frames;
import org.jnat.testing.OffloadFrames;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.UdpDatagram;

/**
 * The coalescer's property, for the fuzz test and a seeded run: for any sequence of datagrams
 * (a few flows, equal, shorter, longer and empty payloads, consecutive or jumping Identifications,
 * partial, verified, known-valid, bad and absent checksums, fragments, other TTLs, TCP segments in
 * between, frames the caller cannot vouch for, batch ends anywhere), what the coalescer sends,
 * segmented again as the kernel does, is exactly what it was offered, partial checksums completed;
 * and every super-packet is one a TAP and {@code __udp_gso_segment} accept ({@link CoalescingRig}).
 */
final class UdpCoalescerProperties {
    private static final int[] SIZES = {1, 18, 100, 1472, 3000};
    private final CoalescingRig rig = new CoalescingRig();

    private static int u8(ByteBuffer b) {
        return b.hasRemaining() ? b.get() & 0xff : 0;
    }

    void check(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        int n = u8(in) % 80;
        int size = SIZES[u8(in) % SIZES.length];
        int[] nextId = {u8(in) << 8 | u8(in), 0xfffe, 7};
        int flow = 0;
        for (int i = 0; i < n; i++) {
            int flowByte = u8(in), payloadByte = u8(in), checksumByte = u8(in), idByte = u8(in), misc = u8(in);
            if ((flowByte & 3) != 3) {
                flow = flowByte & 3;
            }
            int payload = payloadByte < 192 ? size : payloadByte < 240 ? payloadByte % (size + 1) : size + 1;
            int id = idByte < 224 ? nextId[flow] : (idByte * 257) & 0xffff;
            nextId[flow] = (id + 1) & 0xffff;
            int mode = checksumByte % 8;
            PacketBuffer frame;
            if (misc % 16 == 1) {
                frame = OffloadFrames.tcp(rig.slot(), CoalescingRig.DST_MAC, CoalescingRig.SRC_MAC,
                        CoalescingRig.PUBLIC, CoalescingRig.SV, 40000 + flow, 443, i, 0x10, id, Frames.DF,
                        Frames.pattern(Math.min(payload, 1400), i), mode < 4, 0);
            } else {
                frame = rig.udp(40000 + flow, id, payload, i, mode < 4);
                UdpDatagram udp = new UdpDatagram().wrap(frame.segment(), 34);
                switch (mode) {
                    case 5 -> frame.flags = PacketBuffer.F_DATA_VALID;
                    case 6 -> udp.checksum(udp.checksum() ^ (1 << (misc % 16)));
                    case 7 -> udp.checksum(0);
                    default -> { }
                }
                Ipv4Packet ip = new Ipv4Packet().wrap(frame.segment(), 14);
                if (misc % 16 == 2) {
                    ip.moreFragments(true).fillHeaderChecksum();
                } else if (misc % 16 == 3) {
                    ip.ttl(63).fillHeaderChecksum();
                }
            }
            rig.offer(frame, misc % 16 != 4);
            if (misc % 16 == 5) {
                rig.flush();                               // a batch ends here
            }
        }
        rig.flush();

        List<byte[]> wire = rig.wire();
        List<byte[]> expected = rig.expected();
        assertThat(wire).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(wire.get(i)).as("datagram %d of %d", i, expected.size()).isEqualTo(expected.get(i));
        }
        rig.reset();
    }

    /** Super-packets made so far: a run that never merged would prove nothing. */
    long superPackets() {
        return rig.counters.get("outside.udp_coalesce.super_packets");
    }
}
