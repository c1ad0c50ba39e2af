package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;

/**
 * Jazzer fuzz test of the look-ahead ({@link NatEngine#prefetch}) over frames made of the input:
 * byte 0 picks the side and the number of frames; then each frame is a length byte and that many
 * bytes (an IPv4 EtherType is written in when the length allows, so the parse goes deep). It must
 * never throw and never change the table. A plain {@code ./mvnw verify} replays the seeds in
 * {@code src/test/resources/org/jnat/nat/NatPrefetchFuzzTestInputs/}; run with {@code JAZZER_FUZZ=1} to fuzz.
 */
class NatPrefetchFuzzTest {
    private static NatEngine nat;
    private static final FrameBatch BATCH = new FrameBatch(32);

    @FuzzTest(maxDuration = "60s")
    void lookAheadNeverThrowsNorChangesTheTable(byte[] input) {
        if (nat == null) {
            nat = NatPrefetchTest.filled(new Counters(), Behavior.ADDRESS_DEPENDENT);
        }
        if (input.length == 0) {
            return;
        }
        boolean inside = (input[0] & 0x80) != 0;
        int count = Math.min(input[0] & 0x3f, BATCH.capacity());
        int at = 1;
        int n = 0;
        while (n < count && at < input.length) {
            int length = Math.min(input[at++] & 0xff, input.length - at);
            PacketBuffer p = BATCH.get(n++);
            MemorySegment.copy(MemorySegment.ofArray(input), at, p.segment(), 0, length);
            if (length >= 14) {
                p.segment().set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 12, (short) 0x0008);
            }
            p.length(length);
            at += length;
        }
        int size = nat.table().size();
        nat.prefetch(BATCH, n, inside);
        assertThat(nat.table().size()).isEqualTo(size);
    }
}
