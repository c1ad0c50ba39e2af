package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.Test;

/**
 * {@link TapDevice#socketPair}: the warm-up's stand-in for a TAP. A frame and its offload metadata
 * written to one end come out of the other, one frame a read; an empty end reads nothing (EAGAIN,
 * not an error). Needs no privilege: no interface is made.
 */
class TapSocketPairTest {
    @Test
    void framesAndTheirOffloadsCrossThePairOneAtATime() {
        Counters counters = new Counters();
        TapDevice[] pair = TapDevice.socketPair("tsp", 1500, TapDevice.TUN_F_CSUM, counters);
        try {
            FrameBatch batch = new FrameBatch(4);
            assertThat(pair[1].receive(batch)).as("an empty end").isZero();
            PacketBuffer frame = PacketBuffer.allocate();
            for (int i = 0; i < 100; i++) {
                frame.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            frame.length(100);
            frame.flags = PacketBuffer.F_NEEDS_CSUM;
            frame.checksumStart = 34;
            frame.checksumOffset = 6;
            assertThat(pair[0].transmit(frame)).isTrue();
            frame.clearOffload();
            frame.length(60);
            assertThat(pair[0].transmit(frame)).isTrue();

            assertThat(pair[1].receive(batch)).as("two frames").isEqualTo(2);
            PacketBuffer first = batch.get(0);
            assertThat(first.length()).isEqualTo(100);
            assertThat(first.segment().asSlice(0, 100).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .isEqualTo(frame.segment().asSlice(0, 100).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            assertThat(first.flags).isEqualTo(PacketBuffer.F_NEEDS_CSUM);
            assertThat(first.checksumStart).isEqualTo(34);
            assertThat(batch.get(1).length()).isEqualTo(60);
            assertThat(batch.get(1).hasOffload()).isFalse();
            assertThat(counters.get("linux.tap.tsp-b.rx_errors")).isZero();
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }
}
