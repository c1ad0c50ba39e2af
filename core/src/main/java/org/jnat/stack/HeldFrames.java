package org.jnat.stack;

import java.lang.foreign.Arena;
import java.util.Arrays;
import org.jnat.device.PacketBuffer;

/**
 * The frames a neighbor table holds while their next hop resolves: slots allocated once, a free
 * list, and a link from each slot to the next frame of the same neighbor (the table keeps each
 * neighbor's first and last). Nothing is allocated after construction but by {@link #reset}.
 */
final class HeldFrames {
    private final PacketBuffer[] slots;
    private final int[] next;
    private final int[] free;
    private int freeCount;
    /** The lowest {@link #freeCount} since construction or the last reset (see {@link #reset}). */
    private int lowWater;
    /**
     * The largest frame held now: the slots' capacity as made, or less after a {@link #reset}
     * to a smaller frame size. The slots keep their memory; only {@link #fits} reads this.
     */
    private int slotCapacity;

    HeldFrames(int count, int slotCapacity) {
        this.slotCapacity = slotCapacity;
        Arena arena = Arena.ofAuto();
        slots = new PacketBuffer[count];
        next = new int[count];
        free = new int[count];
        for (int i = 0; i < count; i++) {
            slots[i] = PacketBuffer.allocate(arena, slotCapacity);
        }
        freeAll();
    }

    /** Whether {@code frame} fits a slot. */
    boolean fits(PacketBuffer frame) {
        return frame.length() <= slotCapacity;
    }

    boolean full() {
        return freeCount == 0;
    }

    /** Copies {@code frame} into a free slot (there is one: not {@link #full}) and returns the slot, linked to none. */
    int hold(PacketBuffer frame) {
        int s = free[--freeCount];
        lowWater = Math.min(lowWater, freeCount);
        slots[s].copyFrom(frame);
        next[s] = -1;
        return s;
    }

    PacketBuffer frame(int s) {
        return slots[s];
    }

    /** The slot held after {@code s} for the same neighbor, or -1. */
    int next(int s) {
        return next[s];
    }

    /** Holds {@code s} after {@code tail}, for the same neighbor. */
    void link(int tail, int s) {
        next[tail] = s;
    }

    void release(int s) {
        free[freeCount++] = s;
    }

    int held() {
        return slots.length - freeCount;
    }

    int capacity() {
        return slots.length;
    }

    /**
     * Every slot free and at most {@code slotCapacity} bytes (no more than made with), as new (a
     * table's reset). The slots stay as made: {@link #fits} bounds what is held by
     * {@code slotCapacity}, and {@link #hold} overwrites a slot's frame and metadata whole, so a
     * slot's old contents are never read (a held frame's capacity is read by no one; resizing 64
     * slots per reset was most of a fuzzer's router reset). The free list is restored only where
     * it was popped: a release pushes a slot back on top, so the positions below the lowest
     * {@link #freeCount} still hold what {@link #freeAll} put there, and the slots taken are the
     * first {@code count - lowWater}.
     */
    void reset(int slotCapacity) {
        if (slotCapacity > slots[0].capacity()) {
            throw new IllegalArgumentException("held frames of " + slotCapacity + " bytes in slots of " + slots[0].capacity());
        }
        this.slotCapacity = slotCapacity;
        Arrays.fill(next, 0, slots.length - lowWater, 0);
        for (int p = lowWater; p < slots.length; p++) {
            free[p] = slots.length - 1 - p;
        }
        freeCount = slots.length;
        lowWater = slots.length;
    }

    private void freeAll() {
        for (int i = 0; i < slots.length; i++) {
            free[i] = slots.length - 1 - i;
        }
        freeCount = slots.length;
        lowWater = slots.length;
    }
}
