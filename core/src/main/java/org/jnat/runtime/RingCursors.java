package org.jnat.runtime;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The two positions of a bounded single-producer, single-consumer ring (Agrona's one-to-one ring
 * buffers, Lamport's queue): the producer claims room at the tail and publishes what it wrote with a
 * release store; the consumer reads up to the tail (an acquire load) and frees what it read. Neither
 * side waits, locks or allocates. Positions only grow; the ring maps them onto its storage. Units are
 * the ring's own (records, bytes).
 *
 * <p>The producer keeps its last look at the head, so that it reads the consumer's cache line only
 * when the ring looks full.
 */
public final class RingCursors {
    private final long capacity;
    /** Next unit to read; written by the consumer only. */
    private final AtomicLong head = new AtomicLong();
    /** Next unit to write; written by the producer only. */
    private final AtomicLong tail = new AtomicLong();
    /** The producer's last look at {@link #head}. */
    private long headSeen;

    public RingCursors(long capacity) {
        this.capacity = capacity;
    }

    /** Producer: where to write {@code units} more, or -1 when the ring has not that much room. */
    public long claim(long units) {
        long t = tail.getPlain();
        if (t + units - headSeen > capacity) {
            headSeen = head.getAcquire();
            if (t + units - headSeen > capacity) {
                return -1;
            }
        }
        return t;
    }

    /** Producer: everything before {@code position} is written; the consumer may read it. */
    public void publish(long position) {
        tail.setRelease(position);
    }

    /** Consumer: the next position to read. */
    public long head() {
        return head.getPlain();
    }

    /** Consumer: where what the producer has published ends. */
    public long tail() {
        return tail.getAcquire();
    }

    /** Consumer: everything before {@code position} is read; the producer may write there again. */
    public void free(long position) {
        head.setRelease(position);
    }
}
