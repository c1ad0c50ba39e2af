package org.jnat.device;

import java.lang.foreign.Arena;

/**
 * A fixed set of {@link PacketBuffer} slots that a device fills in one call to
 * {@link NetDevice#receive(FrameBatch)}. Made once; reused for every batch.
 */
public final class FrameBatch {
    private final PacketBuffer[] slots;
    private int count;

    public FrameBatch(Arena arena, int size, int slotCapacity) {
        slots = new PacketBuffer[size];
        for (int i = 0; i < size; i++) {
            slots[i] = PacketBuffer.allocate(arena, slotCapacity);
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

    public PacketBuffer get(int index) {
        return slots[index];
    }
}
