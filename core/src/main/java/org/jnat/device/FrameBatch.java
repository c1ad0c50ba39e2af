package org.jnat.device;

import java.lang.foreign.Arena;

/**
 * A fixed set of {@link PacketBuffer} slots that a device fills in one call to
 * {@link NetDevice#receive(FrameBatch)}. Made once; reused for every batch.
 *
 * <p>A device either copies frames into the batch's own slots ({@link #own(int)}), or, receiving
 * without a copy, {@link #lend(int, PacketBuffer) lends} slots over its own memory (an
 * AF_PACKET RX ring), which stay valid until that device's next {@code receive}. Either way
 * {@link #get(int)} is the frame at an index, and the receiver may rewrite it in place.
 */
public final class FrameBatch {
    private final PacketBuffer[] owned;
    private final PacketBuffer[] slots;
    private int count;

    public FrameBatch(Arena arena, int size, int slotCapacity) {
        owned = new PacketBuffer[size];
        slots = new PacketBuffer[size];
        for (int i = 0; i < size; i++) {
            owned[i] = PacketBuffer.allocate(arena, slotCapacity);
            slots[i] = owned[i];
        }
    }

    public FrameBatch(int size) {
        this(Arena.ofAuto(), size, PacketBuffer.DEFAULT_CAPACITY);
    }

    /** How many slots there are: the most frames one receive can return. */
    public int capacity() {
        return slots.length;
    }

    /** How many slots hold a received frame, from index 0. */
    public int count() {
        return count;
    }

    public void count(int count) {
        this.count = count;
    }

    /** The frame at {@code index}: the batch's own slot, or one a device lent. */
    public PacketBuffer get(int index) {
        return slots[index];
    }

    /**
     * The batch's own slot at {@code index}, put back in place if a device had lent one there:
     * what a device that copies frames in should fill.
     */
    public PacketBuffer own(int index) {
        PacketBuffer slot = owned[index];
        slots[index] = slot;
        return slot;
    }

    /** The capacity of the batch's own slots: the longest frame the receiver is prepared for. */
    public int slotCapacity() {
        return owned[0].capacity();
    }

    /**
     * Puts {@code slot}, over the device's own memory, at {@code index} in place of the batch's own
     * slot (receive without a copy). It must stay valid until the device's next receive into this
     * batch, and hold no frame longer than {@link #slotCapacity()}.
     */
    public void lend(int index, PacketBuffer slot) {
        slots[index] = slot;
    }
}
