package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.wire.NetworkOrder.U16;
import static org.jnat.wire.Ipv4Address.parse;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.wire.Checksum;
import org.junit.jupiter.api.Test;

class FragmenterTest {
    final Fragmenter fragmenter = new Fragmenter(1600);
    final List<byte[]> out = new ArrayList<>();

    @Test
    void splitsAtEightByteBoundariesWithinTheMtu() {
        byte[] data = Frames.ramp(3000, 7, 3);
        PacketBuffer frame = Frames.ipv4(PacketBuffer.allocate(), parse("192.168.1.10"), parse("198.51.100.10"),
                17, 0x1234, 0, new byte[0], data);
        int n = fragmenter.fragment(frame, 14, 1400, 0, 0, (f, nextHop, now) -> out.add(Frames.bytes(f)));
        assertThat(n).isEqualTo(3).isEqualTo(out.size());
        int expectedOffset = 0;
        for (int i = 0; i < n; i++) {
            var s = java.lang.foreign.MemorySegment.ofArray(out.get(i));
            int total = s.get(U16, 16) & 0xffff;
            int flags = s.get(U16, 20) & 0xffff;
            assertThat(total).isLessThanOrEqualTo(1400);
            assertThat((flags & 0x1fff) * 8).isEqualTo(expectedOffset);
            assertThat((flags & 0x2000) != 0).isEqualTo(i < n - 1);
            assertThat(s.get(U16, 18) & 0xffff).isEqualTo(0x1234);
            assertThat(Checksum.finish(Checksum.sum(s, 14, 20))).isZero();
            if (i < n - 1) {
                assertThat((total - 20) % 8).isZero();
            }
            expectedOffset += total - 20;
        }
        assertThat(expectedOffset).isEqualTo(3000);
    }

    @Test
    void fragmentsReassembleToTheOriginal() {
        byte[] data = Frames.ramp(5000, 7, 3);
        PacketBuffer frame = Frames.ipv4(PacketBuffer.allocate(), 1, 2, 6, 77, 0, new byte[0], data);
        byte[] original = Frames.bytes(frame);
        Fragments fragments = new Fragments(2, 1 << 16, Fragments.DEFAULT_TIMEOUT_NANOS, new Counters());
        int[] slot = {Fragments.INCOMPLETE};
        fragmenter.fragment(frame, 14, 576, 0, 0, (f, nextHop, now) -> slot[0] = fragments.add(f, 14, Side.INSIDE, 0));
        assertThat(slot[0]).isNotNegative();
        assertThat(Frames.bytes(fragments.datagram(slot[0]))).isEqualTo(original);
    }

    @Test
    void onlyCopiedOptionsGoToLaterFragments() {
        // Record route (7, not copied), then a security-like option 130 (copied), then EOL padding.
        byte[] options = {7, 7, 4, 0, 0, 0, 0, (byte) 130, 4, 1, 2, 0};
        byte[] data = Frames.ramp(200, 7, 3);
        PacketBuffer frame = Frames.ipv4(PacketBuffer.allocate(), 1, 2, 17, 5, 0, options, data);
        fragmenter.fragment(frame, 14, 100, 0, 0, (f, nextHop, now) -> out.add(Frames.bytes(f)));
        assertThat(out.size()).isGreaterThan(2);
        var first = java.lang.foreign.MemorySegment.ofArray(out.get(0));
        assertThat(first.get(ValueLayout.JAVA_BYTE, 14) & 0x0f).isEqualTo(8);
        assertThat(Arrays.copyOfRange(out.get(0), 34, 46)).isEqualTo(options);
        for (int i = 1; i < out.size(); i++) {
            var s = java.lang.foreign.MemorySegment.ofArray(out.get(i));
            assertThat(s.get(ValueLayout.JAVA_BYTE, 14) & 0x0f).isEqualTo(6);
            assertThat(Arrays.copyOfRange(out.get(i), 34, 38)).containsExactly((byte) 130, 4, 1, 2);
            assertThat(Checksum.finish(Checksum.sum(s, 14, 24))).isZero();
        }
        // Payload is intact across fragments.
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        joined.writeBytes(Arrays.copyOfRange(out.get(0), 46, out.get(0).length));
        for (int i = 1; i < out.size(); i++) {
            joined.writeBytes(Arrays.copyOfRange(out.get(i), 38, out.get(i).length));
        }
        assertThat(joined.toByteArray()).isEqualTo(data);
    }

    @Test
    void aFragmentOfAFragmentKeepsItsOffsetAndMoreFlag() {
        PacketBuffer frame = Frames.ipv4(PacketBuffer.allocate(), 1, 2, 17, 5, 0x2000 | 100, new byte[0],
                Frames.ramp(160, 7, 3));
        fragmenter.fragment(frame, 14, 100, 0, 0, (f, nextHop, now) -> out.add(Frames.bytes(f)));
        assertThat(out).hasSize(2);
        var last = java.lang.foreign.MemorySegment.ofArray(out.get(1));
        assertThat(last.get(U16, 20) & 0xffff).isEqualTo(0x2000 | (100 + 10));
    }

    @Test
    void anMtuTooSmallForEightBytesGivesNothing() {
        PacketBuffer frame = Frames.ipv4(PacketBuffer.allocate(), 1, 2, 17, 5, 0, new byte[0], new byte[100]);
        assertThat(fragmenter.fragment(frame, 14, 27, 0, 0, (f, nextHop, now) -> out.add(Frames.bytes(f)))).isZero();
        assertThat(out).isEmpty();
    }
}
