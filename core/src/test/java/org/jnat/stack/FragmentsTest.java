package org.jnat.stack;

import static java.util.Arrays.copyOfRange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.wire.Ipv4Address.parse;
import static org.jnat.wire.NetworkOrder.U16;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.testing.Frames;
import org.jnat.testing.Requirement;
import org.jnat.wire.Checksum;
import org.jnat.wire.NetworkOrder;
import org.junit.jupiter.api.Test;

class FragmentsTest {
    static final int SRC = parse("198.51.100.10");
    static final int DST = parse("203.0.113.1");
    static final int MF = 0x2000;

    final Counters counters = new Counters();
    final Fragments fragments = new Fragments(4, 16_384, Fragments.DEFAULT_TIMEOUT_NANOS, counters);
    final PacketBuffer buf = PacketBuffer.allocate();

    int add(int id, int offset, boolean more, byte[] payload, long now) {
        Frames.ipv4(buf, SRC, DST, 17, id, (more ? MF : 0) | offset / 8, new byte[0], payload);
        return fragments.add(buf, 14, Side.OUTSIDE, now);
    }

    /** Fragments {@code data} into pieces of {@code size} bytes, as (offset, more, bytes). */
    static List<Object[]> pieces(byte[] data, int size) {
        List<Object[]> out = new ArrayList<>();
        for (int off = 0; off < data.length; off += size) {
            int end = Math.min(data.length, off + size);
            out.add(new Object[] {off, end < data.length, copyOfRange(data, off, end)});
        }
        return out;
    }

    void assertDatagram(int slot, byte[] data) {
        PacketBuffer d = fragments.datagram(slot);
        var s = d.segment();
        assertThat(d.length()).isEqualTo(14 + 20 + data.length);
        assertThat(s.get(U16, 16) & 0xffff).isEqualTo(20 + data.length);
        assertThat(s.get(U16, 20) & 0xffff).as("MF and offset cleared").isZero();
        assertThat(Checksum.finish(Checksum.sum(s, 14, 20))).as("checksum verifies").isZero();
        assertThat(copyOfRange(Frames.bytes(d), 34, d.length())).isEqualTo(data);
        assertThat(s.get(NetworkOrder.U32, 26)).isEqualTo(SRC);
    }

    @Test
    void inOrder() {
        byte[] data = Frames.ramp(3000, 7, 3);
        List<Object[]> p = pieces(data, 1480);
        assertThat(add(1, (int) p.get(0)[0], true, (byte[]) p.get(0)[2], 0)).isEqualTo(Fragments.INCOMPLETE);
        assertThat(add(1, (int) p.get(1)[0], true, (byte[]) p.get(1)[2], 0)).isEqualTo(Fragments.INCOMPLETE);
        int slot = add(1, (int) p.get(2)[0], false, (byte[]) p.get(2)[2], 0);
        assertThat(slot).isNotNegative();
        assertDatagram(slot, data);
        fragments.release(slot);
        assertThat(fragments.datagramsHeld()).isZero();
        assertThat(fragments.bytesHeld()).isZero();
    }

    @Requirement("RFC 4787 REQ-14")
    @Test
    void reverseOrder() {
        byte[] data = Frames.ramp(4000, 7, 3);
        List<Object[]> p = pieces(data, 1000);
        Collections.reverse(p);
        int slot = Fragments.INCOMPLETE;
        for (Object[] f : p) {
            assertThat(slot).isEqualTo(Fragments.INCOMPLETE);
            slot = add(9, (int) f[0], (boolean) f[1], (byte[]) f[2], 0);
        }
        assertThat(slot).isNotNegative();
        assertDatagram(slot, data);
        assertThat(counters.get("ipv4.fragments.reassembled")).isEqualTo(1);
    }

    @Test
    void anOverlapDropsTheWholeDatagram() {
        byte[] data = Frames.ramp(2400, 7, 3);
        add(2, 0, true, copyOfRange(data, 0, 1600), 0);
        add(2, 1200, false, copyOfRange(data, 1200, 2400), 0);
        assertThat(counters.get("ipv4.fragments.dropped.overlap")).isEqualTo(1);
        assertThat(fragments.datagramsHeld()).isZero();
        assertThat(add(2, 1600, false, copyOfRange(data, 1600, 2400), 0)).isEqualTo(Fragments.INCOMPLETE);
    }

    @Test
    void anExactDuplicateIsDroppedAlone() {
        byte[] data = Frames.ramp(1600, 7, 3);
        add(3, 0, true, copyOfRange(data, 0, 800), 0);
        add(3, 0, true, copyOfRange(data, 0, 800), 0);
        assertThat(counters.get("ipv4.fragments.dropped.duplicate")).isEqualTo(1);
        assertDatagram(add(3, 800, false, copyOfRange(data, 800, 1600), 0), data);
    }

    @Test
    void incompleteDatagramsTimeOut() {
        add(4, 0, true, new byte[8], 0);
        fragments.expire(Fragments.DEFAULT_TIMEOUT_NANOS - 1);
        assertThat(fragments.datagramsHeld()).isEqualTo(1);
        fragments.expire(Fragments.DEFAULT_TIMEOUT_NANOS);
        assertThat(fragments.datagramsHeld()).isZero();
        assertThat(fragments.bytesHeld()).isZero();
        assertThat(counters.get("ipv4.fragments.dropped.timeout")).isEqualTo(1);
    }

    @Requirement("RFC 4787 REQ-14a")
    @Test
    void slotsAreBoundedAndTheOldestGivesWay() {
        for (int id = 0; id < 10; id++) {
            add(100 + id, 0, true, new byte[8], id);
        }
        assertThat(fragments.datagramsHeld()).isEqualTo(4);
        assertThat(counters.get("ipv4.fragments.dropped.no_room")).isEqualTo(6);
        // The newest (109) survived and completes.
        assertThat(add(109, 8, false, new byte[8], 20)).isNotNegative();
    }

    @Requirement("RFC 4787 REQ-14a")
    @Test
    void bytesAreBounded() {
        byte[] chunk = new byte[4096];
        for (int id = 0; id < 4; id++) {
            add(200 + id, 0, true, chunk, id);
            assertThat(fragments.bytesHeld()).isLessThanOrEqualTo(16_384);
        }
        add(200, 4096, true, chunk, 5);
        assertThat(fragments.bytesHeld()).isLessThanOrEqualTo(16_384);
        assertThat(counters.get("ipv4.fragments.dropped.no_room")).isPositive();
    }

    @Test
    void malformedFragmentsAreDropped() {
        add(5, 0, true, new byte[13], 0);                 // not a multiple of 8
        assertThat(counters.get("ipv4.fragments.dropped.bad_length")).isEqualTo(1);
        add(5, 65528, false, new byte[16], 0);            // past 65535
        assertThat(counters.get("ipv4.fragments.dropped.too_big")).isEqualTo(1);
        add(6, 0, true, new byte[16], 0);
        add(6, 32, false, new byte[8], 0);                // sets the end at 40
        add(6, 40, true, new byte[8], 0);                 // past the end
        assertThat(counters.get("ipv4.fragments.dropped.bad_length")).isEqualTo(2);
        assertThat(fragments.datagramsHeld()).isZero();
    }

    @Test
    void sidesDoNotMix() {
        Frames.ipv4(buf, SRC, DST, 17, 7, MF, new byte[0], new byte[8]);
        fragments.add(buf, 14, Side.INSIDE, 0);
        Frames.ipv4(buf, SRC, DST, 17, 7, 1, new byte[0], new byte[8]);
        assertThat(fragments.add(buf, 14, Side.OUTSIDE, 0)).isEqualTo(Fragments.INCOMPLETE);
        assertThat(fragments.datagramsHeld()).isEqualTo(2);
    }

    @Test
    void theNextDeadlineIsTheOldestDatagramsTimeout() {
        long timeout = Fragments.DEFAULT_TIMEOUT_NANOS;
        assertThat(fragments.nextDeadline()).isEqualTo(Deadlines.NONE);
        add(1, 0, true, new byte[8], 100);
        add(2, 0, true, new byte[8], 200);
        assertThat(fragments.nextDeadline()).isEqualTo(100 + timeout);
        fragments.expire(100 + timeout);
        assertThat(fragments.datagramsHeld()).isEqualTo(1);
        assertThat(fragments.nextDeadline()).isEqualTo(200 + timeout);
        fragments.expire(200 + timeout);
        assertThat(fragments.datagramsHeld()).isZero();
        assertThat(fragments.nextDeadline()).isEqualTo(Deadlines.NONE);
    }

    @Test
    void aCompletedDatagramLeavesNothingPending() {
        add(1, 0, true, new byte[8], 100);
        int slot = add(1, 8, false, new byte[8], 150);
        assertThat(slot).isNotNegative();
        fragments.release(slot);
        assertThat(fragments.nextDeadline()).isEqualTo(Deadlines.NONE);
    }
}
