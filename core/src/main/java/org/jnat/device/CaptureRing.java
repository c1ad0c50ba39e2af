package org.jnat.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jnat.runtime.Counters;
import org.jnat.runtime.RingCursors;

/**
 * A live capture's hand-over from the data plane: a preallocated single-producer, single-consumer
 * ring of bytes into which {@link LiveCaptureDevice}s copy the frames of the sides being captured,
 * and from which a control thread (the admin API's capture stream) takes them. The data plane never
 * waits and never allocates here: a frame that does not fit is dropped from the capture and counted
 * ({@code capture.dropped}). While no capture runs, a device asks {@link #wants} (one volatile read)
 * and copies nothing.
 *
 * <p>A record is a 24-byte header (record length, captured and original length, interface and
 * direction, timestamp) and the captured bytes, 8-byte aligned; a record never wraps: the rest of
 * the ring is skipped with a padding record instead. One capture at a time: the consumer
 * {@link #start}s and {@link #stop}s it; its thread is the consumer meanwhile.
 */
public final class CaptureRing {
    /** The interface ids of the two sides (the pcapng interfaces of the stream). */
    public static final int INSIDE = 0, OUTSIDE = 1;
    /** Directions, as pcapng's {@code epb_flags} bits 0-1 say them: received, sent. */
    public static final int RECEIVED = 1, SENT = 2;
    /** The most bytes of a frame kept, as the pcap files' snap length. */
    public static final int SNAP_LENGTH = PcapWriter.SNAP_LENGTH;

    private static final int HEADER = 24;
    private static final int PADDING = -1;
    private final MemorySegment ring;
    private final long mask;
    private final RingCursors cursors;
    private final Counters counters;
    private final int captured, dropped;
    /** The interfaces being captured, one bit each; 0 while no capture runs. */
    private volatile int sides;

    /** A ring of {@code bytes} (a power of two, room for at least two frames of {@link #SNAP_LENGTH}). */
    public CaptureRing(long bytes, Counters counters) {
        if (Long.bitCount(bytes) != 1 || bytes < 2L * (HEADER + SNAP_LENGTH)) {
            throw new IllegalArgumentException("a capture ring takes a power of two of at least "
                    + 2 * (HEADER + SNAP_LENGTH) + " bytes, got " + bytes);
        }
        this.ring = Arena.ofAuto().allocate(bytes, 64);
        this.mask = bytes - 1;
        this.cursors = new RingCursors(bytes);
        this.counters = counters;
        this.captured = counters.register("capture.frames", "frames copied into a live capture (GET /api/v1/capture)");
        this.dropped = counters.register("capture.dropped",
                "frames left out of a live capture because its reader fell behind (forwarding never waits for it)");
    }

    /** True if a capture wants the frames of interface {@code iface}. Data plane, per batch or frame. */
    public boolean wants(int iface) {
        return (sides & (1 << iface)) != 0;
    }

    /** Copies a frame of {@code iface} into the ring, or drops and counts it when the ring is full. Producer only. */
    public void offer(int iface, int direction, MemorySegment frame, long offset, int length, long timestampNanos) {
        int keep = Math.min(length, SNAP_LENGTH);
        long need = (HEADER + keep + 7) & ~7L;
        long t = cursors.claim(need);
        long at = t & mask;
        long toEnd = mask + 1 - at;
        long skip = toEnd < need ? toEnd : 0;
        if (t < 0 || skip > 0 && cursors.claim(skip + need) < 0) {
            counters.increment(dropped);
            return;
        }
        if (skip > 0) {
            ring.set(ValueLayout.JAVA_INT, at, (int) skip);
            ring.set(ValueLayout.JAVA_INT, at + 4, PADDING);
            t += skip;
            at = 0;
        }
        ring.set(ValueLayout.JAVA_INT, at, (int) need);
        ring.set(ValueLayout.JAVA_INT, at + 4, keep);
        ring.set(ValueLayout.JAVA_INT, at + 8, length);
        ring.set(ValueLayout.JAVA_INT, at + 12, iface | direction << 8);
        ring.set(ValueLayout.JAVA_LONG, at + 16, timestampNanos);
        MemorySegment.copy(frame, offset, ring, at + HEADER, keep);
        cursors.publish(t + need);
        counters.increment(captured);
    }

    /** One frame as the consumer reads it; its bytes are {@code bytes[0..capturedLength)}. Reused. */
    public static final class Frame {
        public final byte[] bytes = new byte[SNAP_LENGTH];
        public int capturedLength;
        public int originalLength;
        public int iface;
        public int direction;
        public long timestampNanos;
    }

    /** Starts capturing the interfaces in {@code sideMask} (bit {@code 1 << iface} each), dropping what waits. Consumer. */
    public void start(int sideMask) {
        cursors.free(cursors.tail());
        sides = sideMask;
    }

    /** Stops copying frames; what is in the ring can still be polled. Consumer. */
    public void stop() {
        sides = 0;
    }

    /** Frames dropped from captures so far. */
    public long dropped() {
        return counters.get(dropped);
    }

    /** Copies the oldest frame into {@code into} and frees it; false when none waits. Consumer only. */
    public boolean poll(Frame into) {
        long h = cursors.head();
        long t = cursors.tail();
        while (h != t) {
            long at = h & mask;
            int length = ring.get(ValueLayout.JAVA_INT, at);
            int keep = ring.get(ValueLayout.JAVA_INT, at + 4);
            if (keep == PADDING) {
                h += length;
                continue;
            }
            into.capturedLength = keep;
            into.originalLength = ring.get(ValueLayout.JAVA_INT, at + 8);
            int meta = ring.get(ValueLayout.JAVA_INT, at + 12);
            into.iface = meta & 0xff;
            into.direction = meta >>> 8;
            into.timestampNanos = ring.get(ValueLayout.JAVA_LONG, at + 16);
            MemorySegment.copy(ring, ValueLayout.JAVA_BYTE, at + HEADER, into.bytes, 0, keep);
            cursors.free(h + length);
            return true;
        }
        cursors.free(h);
        return false;
    }
}
