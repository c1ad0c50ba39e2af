package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.testing.OffloadFrames;
import org.jnat.wire.Checksum;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.UdpDatagram;

/**
 * A {@link UdpCoalescer} with a recording sink, used as the router uses it (a frame it does not
 * take is sent right after), plus what the kernel behind a TAP does with what comes out: a
 * super-packet is cut by {@link GsoSegmenter} (full checksums) and its partial checksum field is
 * also put through {@code __udp_gso_segment}'s arithmetic, a lone partial datagram gets its
 * checksum completed. {@link #wire()} is then what a receiver would see, to compare with
 * {@link #expected()}: the offered datagrams, their partial checksums completed.
 */
final class CoalescingRig {
    static final long DST_MAC = 0x0a00_0000_00feL, SRC_MAC = 0x026a_6e00_0002L;
    static final int PUBLIC = Ipv4Address.parse("203.0.113.1"), SV = Ipv4Address.parse("198.51.100.10");
    /** Segments of up to 16 KiB, for datagrams larger than an Ethernet MTU. */
    static final int MAX_FRAME = 16384;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** A frame as it left the coalescer: the slot it came in and a copy of bytes and metadata. */
    record Sent(PacketBuffer slot, byte[] bytes, int flags, int gsoType, int gsoSize, int checksumStart,
            int checksumOffset) {
    }

    final Counters counters = new Counters();
    final List<Sent> sent = new ArrayList<>();
    final UdpCoalescer coalescer = new UdpCoalescer(Arena.ofAuto(), "outside.", counters, this::record);
    private final List<byte[]> expected = new ArrayList<>();
    private final List<PacketBuffer> pool = new ArrayList<>();
    private final GsoSegmenter segmenter = new GsoSegmenter(MAX_FRAME);
    private int used;

    private void record(PacketBuffer f) {
        sent.add(new Sent(f, Frames.bytes(f), f.flags, f.gsoType, f.gsoSize, f.checksumStart,
                f.checksumOffset));
    }

    /** A fresh input slot (the rig keeps them: the coalescer may hold one until the flush). */
    PacketBuffer slot() {
        if (used == pool.size()) {
            pool.add(PacketBuffer.allocate(Arena.ofAuto(), MAX_FRAME));
        }
        return pool.get(used++);
    }

    /** Forgets what was offered and sent and reuses the slots: only after a {@link #flush}. */
    void reset() {
        assertThat(coalescer.pending()).isFalse();
        used = 0;
        sent.clear();
        expected.clear();
    }

    /**
     * A translated datagram from the public address to sv as a TAP's kernel hands it over: UDP
     * checksum partial ({@code partial}), else complete.
     */
    PacketBuffer udp(int sport, int id, int payloadLength, int salt, boolean partial) {
        return OffloadFrames.udp(slot(), DST_MAC, SRC_MAC, PUBLIC, SV, sport, 5201, id, Frames.DF,
                Frames.pattern(payloadLength, salt), partial, PacketBuffer.GSO_NONE, 0);
    }

    /** Offers as the router does; records what the receiver should get from it. */
    boolean offer(PacketBuffer frame, boolean stable) {
        expected.add(completed(Frames.bytes(frame), frame.flags, frame.checksumStart, frame.checksumOffset));
        boolean taken = coalescer.offer(frame, stable);
        if (!taken) {
            assertThat(coalescer.pending()).as("a frame not taken comes after what was pending").isFalse();
            record(frame);
        }
        return taken;
    }

    boolean offer(PacketBuffer frame) {
        return offer(frame, true);
    }

    void flush() {
        coalescer.flush();
        assertThat(coalescer.pending()).isFalse();
    }

    List<byte[]> expected() {
        return expected;
    }

    /** The super-packets sent. */
    List<Sent> superPackets() {
        return sent.stream().filter(s -> s.gsoType() != PacketBuffer.GSO_NONE).toList();
    }

    /** What the receiver sees, datagram by datagram, after the kernel segmented the super-packets. */
    List<byte[]> wire() {
        List<byte[]> out = new ArrayList<>();
        PacketBuffer buffer = PacketBuffer.allocate();
        for (Sent s : sent) {
            if (s.gsoType() == PacketBuffer.GSO_NONE) {
                out.add(completed(s.bytes(), s.flags(), s.checksumStart(), s.checksumOffset()));
                continue;
            }
            assertKernelTakes(s);
            MemorySegment.copy(s.bytes(), 0, buffer.segment(), ValueLayout.JAVA_BYTE, 0, s.bytes().length);
            buffer.length(s.bytes().length);
            buffer.clearOffload();
            buffer.flags = s.flags();
            buffer.gsoType = s.gsoType();
            buffer.gsoSize = s.gsoSize();
            buffer.checksumStart = s.checksumStart();
            buffer.checksumOffset = s.checksumOffset();
            int superField = buffer.segment().get(U16, 34 + UdpDatagram.CHECKSUM) & 0xffff;
            int superLength = s.bytes().length - 34;
            int n = segmenter.segment(buffer, 14, false, 0, 0, (segment, nextHop, now) -> {
                byte[] b = Frames.bytes(segment);
                assertThat(segment.hasOffload()).isFalse();
                assertThat(kernelChecksum(b, superField, superLength)).as("__udp_gso_segment's checksum")
                        .isEqualTo(new UdpDatagram().wrap(MemorySegment.ofArray(b), 34).checksum());
                out.add(b);
            });
            assertThat(n).isGreaterThan(1);
        }
        return out;
    }

    /** What a TAP (virtio_net_hdr_to_skb) and __udp_gso_segment require of a UDP_L4 packet. */
    private static void assertKernelTakes(Sent s) {
        byte[] b = s.bytes();
        Ipv4Packet ip = new Ipv4Packet().wrap(MemorySegment.ofArray(b), 14);
        UdpDatagram udp = new UdpDatagram().wrap(MemorySegment.ofArray(b), 34);
        assertThat(s.gsoType()).isEqualTo(PacketBuffer.GSO_UDP_L4);
        assertThat(s.flags()).isEqualTo(PacketBuffer.F_NEEDS_CSUM);
        assertThat(s.checksumStart()).isEqualTo(34);
        assertThat(s.checksumOffset()).isEqualTo(UdpDatagram.CHECKSUM);
        assertThat(s.gsoSize()).isPositive();
        assertThat(ip.check(b.length - 14)).isTrue();
        assertThat(ip.totalLength()).isEqualTo(b.length - 14).isLessThanOrEqualTo(65535);
        assertThat(ip.headerChecksumValid()).isTrue();
        assertThat(udp.length()).isEqualTo(b.length - 34);
        int payload = udp.length() - UdpDatagram.HEADER_LENGTH;
        assertThat(payload).as("longer than one segment").isGreaterThan(s.gsoSize());
        assertThat(payload).as("at most UDP_MAX_SEGMENTS segments")
                .isLessThanOrEqualTo(s.gsoSize() * UdpCoalescer.MAX_SEGMENTS);
        assertThat(udp.checksum()).as("the pseudo-header sum over the whole UDP Length")
                .isEqualTo(Checksum.fold(Checksum.pseudoHeaderSum(ip.sourceAddress(), ip.destinationAddress(),
                        IpProtocol.UDP, udp.length())));
    }

    /**
     * The checksum Linux gives a segment: {@code check = csum16_add(csum16_sub(uh->check, uh->len),
     * newlen)}, then the sum over the segment from the UDP header with that in the field, inverted,
     * 0 sent as 0xFFFF.
     */
    static int kernelChecksum(byte[] segment, int superField, int superLength) {
        int segmentLength = segment.length - 34;
        int check = add16(add16(superField, ~superLength & 0xffff), segmentLength);
        long sum = check + Checksum.sum(MemorySegment.ofArray(segment), 34, UdpDatagram.CHECKSUM)
                + Checksum.sum(MemorySegment.ofArray(segment), 34 + 8, segmentLength - 8);
        return Checksum.udpNonZero(Checksum.finish(sum));
    }

    private static int add16(int a, int b) {
        int s = a + b;
        return (s & 0xffff) + (s >>> 16);
    }

    /** The bytes with a partial checksum completed, as the device would send them. */
    static byte[] completed(byte[] bytes, int flags, int checksumStart, int checksumOffset) {
        if ((flags & PacketBuffer.F_NEEDS_CSUM) == 0) {
            return bytes;
        }
        PacketBuffer b = PacketBuffer.allocate(Arena.ofAuto(), Math.max(bytes.length, 64));
        MemorySegment.copy(bytes, 0, b.segment(), ValueLayout.JAVA_BYTE, 0, bytes.length);
        b.length(bytes.length);
        b.flags = flags;
        b.checksumStart = checksumStart;
        b.checksumOffset = checksumOffset;
        assertThat(PartialChecksum.complete(b, 34, bytes.length)).isTrue();
        return Frames.bytes(b);
    }
}
