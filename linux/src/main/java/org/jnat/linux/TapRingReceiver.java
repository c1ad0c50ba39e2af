package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;

/**
 * A {@link TapDevice}'s receive through an {@link IoUring}: experimental and off by default.
 * Measured on one 2-vCPU VM (kernel 6.18) neither mode paid: io_uring's per-request work costs
 * about what the system calls it saves (docs/PERFORMANCE.md, "io_uring reads from a TAP").
 *
 * <h2>READV mode ({@code -Djnat.tapIoUring=true})</h2>
 * Each receive submits K readv requests (RWF_NOWAIT, so they complete or fail with EAGAIN inline)
 * with one io_uring_enter, instead of one readv per frame plus one that ends the batch; K adapts
 * to the queue. See {@link #receiveWithReadvs}.
 *
 * <h2>Multishot mode ({@code -Djnat.tapIoUringMultishot=true}, 6.7+)</h2>
 * One multishot read stays armed and the kernel reads frames into {@value #BUFFERS} provided
 * buffers, which are lent to the batch until the next receive. {@link #fd()} is then the ring's,
 * so a deleted TAP shows as read errors, not as POLLHUP. See {@link #receiveMultishot}.
 *
 * <p>Frames, {@code rx_truncated} and {@code rx_errors} are counted in the device's counters;
 * {@code rx_uring_enters} counts the io_uring_enter calls. Threads: as {@link TapDevice}.
 */
final class TapRingReceiver implements AutoCloseable {
    /** The most reads one io_uring_enter carries (and the ring's size). */
    static final int RING_SLOTS = 64;
    /** Provided buffers for the multishot read: each holds a header and the largest frame. */
    static final int BUFFERS = 64, BUFFER_SIZE = 65600;
    private static final long NOP_TAG = -1L, READ_TAG = 1L;
    private static final short BUFFER_GROUP = 0;
    /** Where the buffer ring's tail lives: the {@code resv} field of its entry 0. */
    private static final long TAIL_OFFSET = 14L;
    private static final VarHandle SHORT = JAVA_SHORT.varHandle();

    private final IoUring ring;
    private final int tapFd;
    private final boolean multishot;

    // READV mode: RING_SLOTS sets of 3 iovecs (48 bytes each), RING_SLOTS virtio_net_hdr scratches
    // (16 bytes each) and the results of one submission in slot order; null in multishot mode.
    private final MemorySegment iovecs;
    private final MemorySegment headers;
    private final int[] results;
    private int reads = 2;                    // K: reads per io_uring_enter, adapted per batch

    // Multishot mode: the kernel reads into provided buffers (a buffer ring) on its own, and the
    // frames are lent to the batch until the next receive; null in READV mode.
    private final MemorySegment bufferRing;   // BUFFERS struct io_uring_buf, the tail in entry 0
    private final MemorySegment buffers;      // BUFFERS × BUFFER_SIZE: virtio_net_hdr then the frame
    private final PacketBuffer[] lentBuffers;
    private final int[] lentIds;
    private int lentCount;
    private short bufferTail;
    private boolean armed;

    private final Counters counters;
    private final int rxFrames, rxTruncated, rxErrors, rxUringEnters;

    /**
     * Set-up: the receiver for TAP descriptor {@code tapFd}, or null with a one-line note when the
     * kernel refuses io_uring (ENOSYS, EPERM, sysctl {@code kernel.io_uring_disabled}) or, for
     * {@code multishot}, provided-buffer rings; the device then reads with readv.
     * {@code rxFrames}, {@code rxTruncated} and {@code rxErrors} are the device's counter slots;
     * {@code rx_uring_enters} is registered under {@code counterPrefix}.
     */
    static TapRingReceiver open(String name, String counterPrefix, int tapFd, boolean multishot, Counters counters,
                                int rxFrames, int rxTruncated, int rxErrors) {
        IoUring ring;
        try {
            ring = IoUring.open(RING_SLOTS);
        } catch (SystemCallException e) {
            System.err.println("jnat: " + name + " reads with readv, io_uring is unavailable: " + e.getMessage());
            return null;
        }
        System.err.println("jnat: " + name + " receives through io_uring ("
                + (multishot ? TapDevice.IO_URING_MULTISHOT_PROPERTY : TapDevice.IO_URING_PROPERTY) + "=true)");
        try {
            return new TapRingReceiver(ring, tapFd, multishot, counters, counterPrefix, name, rxFrames, rxTruncated, rxErrors);
        } catch (SystemCallException e) {
            System.err.println("jnat: " + name + " reads with readv, io_uring has no provided-buffer rings here: " + e.getMessage());
            ring.close();
            return null;
        }
    }

    private TapRingReceiver(IoUring ring, int tapFd, boolean multishot, Counters counters, String counterPrefix,
                            String name, int rxFrames, int rxTruncated, int rxErrors) {
        this.ring = ring;
        this.tapFd = tapFd;
        this.multishot = multishot;
        Arena arena = Arena.ofAuto();
        if (multishot) {
            iovecs = null;
            headers = null;
            results = null;
            bufferRing = arena.allocate(16L * BUFFERS, 4096);
            buffers = arena.allocate((long) BUFFERS * BUFFER_SIZE, 4096);
            lentBuffers = new PacketBuffer[BUFFERS];
            lentIds = new int[BUFFERS];
            for (int i = 0; i < BUFFERS; i++) {
                lentBuffers[i] = new PacketBuffer(buffers.asSlice((long) i * BUFFER_SIZE + VirtioNetHeader.SIZE,
                        BUFFER_SIZE - VirtioNetHeader.SIZE));
            }
            ring.registerBufferRing(bufferRing, BUFFERS, BUFFER_GROUP);
            // A NOP makes the ring's descriptor readable at once, so that the first receive (on
            // the data-plane thread, which must own the multishot read) arms it.
            ring.prepare(0, IoUring.IORING_OP_NOP, (byte) 0, -1, 0L, 0, 0, NOP_TAG);
            ring.submit(1, 0);
            for (int i = 0; i < BUFFERS; i++) {
                addBuffer(i);
            }
            publishBuffers();
        } else {
            bufferRing = null;
            buffers = null;
            lentBuffers = null;
            lentIds = null;
            iovecs = arena.allocate(48L * RING_SLOTS, 8);
            headers = arena.allocate(16L * RING_SLOTS, 8);
            results = new int[RING_SLOTS];
            // Every request's frame tail past its slot goes to one overflow buffer, so that a
            // frame longer than the slot shows as such; none of them is ever looked at.
            MemorySegment overflow = arena.allocate(TapDevice.MAX_FRAME, 8);
            for (int i = 0; i < RING_SLOTS; i++) {
                TapDevice.layIovecs(iovecs, 48L * i, headers.address() + 16L * i, overflow.address());
            }
        }
        this.counters = counters;
        this.rxFrames = rxFrames;
        this.rxTruncated = rxTruncated;
        this.rxErrors = rxErrors;
        this.rxUringEnters = counters.register(counterPrefix + "rx_uring_enters", "io_uring_enter calls that read from " + name);
    }

    /** The descriptor to poll: in multishot mode the ring's, readable when frames were read; else the TAP's. */
    int fd() {
        return multishot ? ring.fd() : tapFd;
    }

    /** As {@link TapDevice#receive}: fills the batch and sets its count; never throws. */
    int receive(FrameBatch batch) {
        int n = multishot ? receiveMultishot(batch) : receiveWithReadvs(batch);
        batch.count(n);
        if (n > 0) {
            counters.add(rxFrames, n);
        }
        return n;
    }

    /**
     * READV mode: one io_uring_enter submits K readv requests (RWF_NOWAIT on the non-blocking fd,
     * so each completes or fails with EAGAIN inline, never waits) and waits for all K completions,
     * so no read is left in the kernel once this returns (the slots are the batch's). Requests are
     * issued in slot order, so frames keep their arrival order; a slot whose read failed is closed
     * up by lending the next filled slot in its place. K doubles while every read returns a frame
     * and shrinks to one more than the frames that came when the queue ran dry, so a quiet link
     * does not pay for many failed reads.
     */
    private int receiveWithReadvs(FrameBatch batch) {
        int capacity = Math.min(batch.capacity(), RING_SLOTS);
        int k = Math.min(reads, capacity);
        for (int i = 0; i < k; i++) {
            long iov = 48L * i;
            int iovecCount = TapDevice.aimIovecs(iovecs, iov, batch.own(i));
            ring.prepare(i, IoUring.IORING_OP_READV, (byte) 0, tapFd, iovecs.address() + iov, iovecCount,
                    IoUring.RWF_NOWAIT, i);
            results[i] = -Errno.EAGAIN;
        }
        int submitted = submit(k, true);
        if (submitted < 0) {
            if (submitted != -Errno.EINTR && submitted != -Errno.EAGAIN) {
                counters.increment(rxErrors);
            }
            submitted = 0;
        }
        // Reap every completion of this submission before returning (see above).
        int reaped = 0;
        while (reaped < submitted) {
            int ready = ring.ready();
            if (ready == 0) {
                ring.await(submitted - reaped);
                continue;
            }
            for (int j = 0; j < ready; j++) {
                results[(int) ring.userData(j)] = ring.result(j);
            }
            ring.consume(ready);
            reaped += ready;
        }
        int n = 0;
        boolean dry = false;
        for (int i = 0; i < submitted; i++) {
            int res = results[i];
            if (res < 0) {
                if (res == -Errno.EAGAIN) {
                    dry = true;
                } else if (res != -Errno.EINTR) {
                    counters.increment(rxErrors);
                }
                continue;
            }
            PacketBuffer slot = batch.own(i);
            if (!TapDevice.completeRead(res, TapDevice.room(slot), headers, 16L * i, slot)) {
                counters.increment(rxTruncated);
                continue;
            }
            if (n != i) {
                batch.lend(n, slot);
            }
            n++;
        }
        reads = dry || submitted < k ? Math.max(1, n + 1) : Math.min(2 * k, capacity);
        return n;
    }

    /**
     * Multishot mode: one IORING_OP_READ_MULTISHOT stays armed on the TAP; the kernel reads each
     * frame as it arrives (task work of this thread, no system call per frame) into a provided
     * buffer and posts a completion naming it. Here the completions are reaped in order and their
     * buffers lent to the batch; the buffers lent last time go back to the buffer ring first. The
     * read ends (no IORING_CQE_F_MORE) when buffers run out or on an error, and is armed again at
     * the end of the call.
     */
    private int receiveMultishot(FrameBatch batch) {
        if (lentCount > 0) {
            for (int i = 0; i < lentCount; i++) {
                addBuffer(lentIds[i]);
            }
            lentCount = 0;
            publishBuffers();
        }
        int capacity = batch.capacity();
        int maxLength = batch.slotCapacity();
        int n = 0;
        int ready = ring.ready();
        int j = 0;
        for (; j < ready && n < capacity; j++) {
            if (ring.userData(j) != READ_TAG) {
                continue;
            }
            int res = ring.result(j);
            int flags = ring.flags(j);
            if ((flags & IoUring.IORING_CQE_F_MORE) == 0) {
                armed = false;
            }
            if ((flags & IoUring.IORING_CQE_F_BUFFER) != 0) {
                int id = flags >>> IoUring.IORING_CQE_BUFFER_SHIFT;
                lentIds[lentCount++] = id;
                PacketBuffer frame = lentBuffers[id];
                if (!TapDevice.completeRead(res, maxLength, buffers, (long) id * BUFFER_SIZE, frame)) {
                    counters.increment(rxTruncated);
                    continue;
                }
                batch.lend(n++, frame);
            } else if (res < 0 && res != -IoUring.ENOBUFS && res != -Errno.EAGAIN && res != -IoUring.ECANCELED) {
                counters.increment(rxErrors);
            }
        }
        ring.consume(j);
        if (!armed) {
            ring.prepare(0, IoUring.IORING_OP_READ_MULTISHOT, IoUring.IOSQE_BUFFER_SELECT, tapFd, 0L, 0, 0, READ_TAG);
            ring.bufferGroup(0, BUFFER_GROUP);
            armed = submit(1, false) == 1;
            if (!armed) {
                counters.increment(rxErrors);
            }
        }
        return n;
    }

    /**
     * Submits the {@code count} prepared requests, waiting for all their completions if
     * {@code wait}; counts the io_uring_enter and takes back what the kernel did not consume.
     * Returns how many it took, or a negative value (−errno when waiting) if it refused them.
     */
    private int submit(int count, boolean wait) {
        // Without waiting, no errno: the call is rare here, and a capturing downcall allocates
        // until the JIT's top tier has compiled it (IoUring.submitNoWait).
        int submitted = wait ? ring.submit(count, count) : ring.submitNoWait(count);
        counters.increment(rxUringEnters);
        if (submitted < count) {
            ring.unpublish(count - Math.max(submitted, 0));
        }
        return submitted;
    }

    /** Puts provided buffer {@code id} back at the buffer ring's tail (published by {@link #publishBuffers}). */
    private void addBuffer(int id) {
        long entry = 16L * (bufferTail & (BUFFERS - 1));
        bufferRing.set(JAVA_LONG, entry, buffers.address() + (long) id * BUFFER_SIZE);
        bufferRing.set(JAVA_INT, entry + 8, BUFFER_SIZE);
        bufferRing.set(JAVA_SHORT, entry + 12, (short) id);
        bufferTail++;
    }

    /** Lets the kernel see the buffers added since: a release store of the tail, after the entries. */
    private void publishBuffers() {
        SHORT.setRelease(bufferRing, TAIL_OFFSET, bufferTail);
    }

    @Override
    public void close() {
        ring.close();
    }
}
