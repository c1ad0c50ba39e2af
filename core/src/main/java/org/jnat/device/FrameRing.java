package org.jnat.device;

import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer, single-consumer queue of frames in preallocated native slots, in the
 * style of Agrona's one-to-one ring buffers: {@link #offer} and {@link #poll} copy bytes and
 * offload metadata in and out and never allocate. One thread may offer while another polls.
 */
final class FrameRing {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(FrameRing.class, "head", long.class);
            TAIL = lookup.findVarHandle(FrameRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PacketBuffer[] slots;
    private final int mask;
    private final int slotCapacity;
    /** Next position to poll; written by the consumer only. */
    @SuppressWarnings("unused")
    private volatile long head;
    /** Next position to offer; written by the producer only. */
    @SuppressWarnings("unused")
    private volatile long tail;

    FrameRing(Arena arena, int size, int slotCapacity) {
        if (size < 1 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two, got " + size);
        }
        slots = new PacketBuffer[size];
        for (int i = 0; i < size; i++) {
            slots[i] = PacketBuffer.allocate(arena, slotCapacity);
        }
        mask = size - 1;
        this.slotCapacity = slotCapacity;
    }

    int slotCapacity() {
        return slotCapacity;
    }

    int size() {
        return slots.length;
    }

    /** Empties the ring, back to position 0 as when made; no thread may offer or poll meanwhile. */
    void reset() {
        HEAD.setRelease(this, 0L);
        TAIL.setRelease(this, 0L);
    }

    /** Frames waiting to be polled. */
    int pending() {
        return (int) ((long) TAIL.getAcquire(this) - (long) HEAD.getAcquire(this));
    }

    /** Copies {@code frame} in; false when the ring is full (the caller counts the drop). */
    boolean offer(PacketBuffer frame) {
        long t = (long) TAIL.getOpaque(this);
        if (t - (long) HEAD.getAcquire(this) >= slots.length) {
            return false;
        }
        slots[(int) t & mask].copyFrom(frame);
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /** The oldest frame, still in the ring, or null when empty; {@link #release()} it after use. */
    PacketBuffer peek() {
        long h = (long) HEAD.getOpaque(this);
        if (h == (long) TAIL.getAcquire(this)) {
            return null;
        }
        return slots[(int) h & mask];
    }

    /** Frees the slot returned by {@link #peek()}. */
    void release() {
        HEAD.setRelease(this, (long) HEAD.getOpaque(this) + 1);
    }
}
