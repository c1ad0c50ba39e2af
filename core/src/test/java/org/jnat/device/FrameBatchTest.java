package org.jnat.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class FrameBatchTest {

    @Test
    void aLentSlotIsWhatGetReturnsUntilTheBatchTakesItsOwnBack() {
        FrameBatch batch = new FrameBatch(Arena.ofAuto(), 4, 256);
        PacketBuffer own = batch.get(1);
        PacketBuffer lent = PacketBuffer.allocate(Arena.ofAuto(), 2048);

        batch.lend(1, lent);
        assertThat(batch.get(1)).isSameAs(lent);
        assertThat(batch.get(0)).isNotSameAs(lent);
        // The receiver is prepared for frames as long as the batch's own slots, whatever was lent.
        assertThat(batch.slotCapacity()).isEqualTo(256);

        assertThat(batch.own(1)).isSameAs(own);
        assertThat(batch.get(1)).isSameAs(own);
    }

    /** A copying device after a lending one fills the batch's memory, never the lender's. */
    @Test
    void aCopyingDeviceFillsTheBatchsOwnSlots() {
        FrameBatch batch = new FrameBatch(Arena.ofAuto(), 2, 256);
        PacketBuffer lent = PacketBuffer.allocate(Arena.ofAuto(), 256);
        batch.lend(0, lent);

        MemoryDevice device = MemoryDevice.pair("m", 1500, 8, Offloads.NONE).a();
        byte[] frame = new byte[60];
        frame[0] = 0x5a;
        device.inject(frame);
        assertThat(device.receive(batch)).isEqualTo(1);

        assertThat(batch.get(0)).isNotSameAs(lent);
        assertThat(batch.get(0).segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x5a);
        assertThat(lent.length()).isZero();
    }
}
