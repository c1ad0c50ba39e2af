package org.jnat.linux;

import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import org.jnat.device.FrameBatch;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;

/**
 * A device whose transmits run on a thread of their own: {@link #transmit} copies the frame into
 * a ring of slots and returns; a writer thread takes the slots in order and hands them to the
 * wrapped device. Receive, the descriptor and everything else stay with the data-plane thread.
 *
 * <p>Why: a write to a TAP (or an AF_PACKET send) runs the whole downstream path in the writer's
 * system call (the copy into an skb, forwarding in the next namespace, delivery into the
 * receiver's socket): 43 % of the data-plane thread under TCP load (docs/PERFORMANCE.md). On a
 * machine with a spare core, moving it off the data-plane thread lets reading, translating and
 * writing overlap, without sharing the NAT's tables between threads (DESIGN: one writer per
 * table). The price is one copy per frame in user space and, when the writer sleeps, a wake-up.
 *
 * <p>The ring is single-producer (the data-plane thread), single-consumer (the writer). When it
 * is full the frame is dropped and counted ({@code <device>.tx_ring_full}), like a full transmit
 * queue. The writer spins for {@link #SPIN_NANOS} after its last frame before it parks, so a burst
 * does not pay a wake-up per frame; the producer unparks it only when it parked.
 *
 * <p>Packet path: {@link #transmit} allocates nothing, takes no lock, never throws.
 */
public final class TransmitThread implements PollableDevice {

    /** Slots in the ring; each holds one frame of the device's largest size. */
    public static final int DEFAULT_SLOTS = 256;
    /** How long the writer keeps looking for frames before it parks. */
    static final long SPIN_NANOS = Long.getLong("jnat.transmitSpinNanos", 50_000L);

    private static final VarHandle PUBLISHED;
    private static final VarHandle CONSUMED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PUBLISHED = lookup.findVarHandle(TransmitThread.class, "published", long.class);
            CONSUMED = lookup.findVarHandle(TransmitThread.class, "consumed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PollableDevice device;
    private final Arena arena = Arena.ofShared();
    private final PacketBuffer[] slots;
    private final int mask;
    private final Counters counters;
    private final int ringFull;
    private final int writerParks;
    private final Thread writer;

    // Producer side (data-plane thread).
    private long produced;
    private long consumedSeen;
    @SuppressWarnings("unused") // through PUBLISHED
    private volatile long published;

    // Consumer side (writer thread).
    @SuppressWarnings("unused") // through CONSUMED
    private volatile long consumed;
    private volatile boolean parked;
    private volatile boolean stopping;

    public TransmitThread(PollableDevice device, int slots, int slotCapacity, Counters counters) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("the transmit ring's slots must be a power of two, got " + slots);
        }
        this.device = device;
        this.slots = new PacketBuffer[slots];
        for (int i = 0; i < slots; i++) {
            this.slots[i] = PacketBuffer.allocate(arena, slotCapacity);
        }
        this.mask = slots - 1;
        this.counters = counters;
        String prefix = "device." + device.name() + ".";
        this.ringFull = counters.register(prefix + "tx_ring_full", "frames dropped because the transmit thread's ring was full");
        this.writerParks = counters.register(prefix + "tx_thread_parks", "times the transmit thread went to sleep");
        this.writer = Thread.ofPlatform().name("jnat-tx-" + device.name()).daemon(true).unstarted(this::write);
        this.writer.start();
    }

    @Override
    public boolean transmit(PacketBuffer frame) {
        long p = produced;
        if (p - consumedSeen >= slots.length) {
            consumedSeen = (long) CONSUMED.getAcquire(this);
            if (p - consumedSeen >= slots.length) {
                counters.increment(ringFull);
                return false;
            }
        }
        slots[(int) p & mask].copyFrom(frame);
        produced = p + 1;
        // Volatile store, then volatile load of parked: pairs with the writer's store of parked
        // and its re-check of published, so a frame is never left behind a sleeping writer.
        PUBLISHED.setVolatile(this, p + 1);
        if (parked) {
            LockSupport.unpark(writer);
        }
        return true;
    }

    private void write() {
        long c = (long) CONSUMED.getVolatile(this);
        while (true) {
            long available = (long) PUBLISHED.getAcquire(this);
            if (c < available) {
                while (c < available) {
                    device.transmit(slots[(int) c & mask]);
                    c++;
                    CONSUMED.setRelease(this, c);
                }
                device.flush();
                continue;
            }
            if (stopping) {
                return;
            }
            long spinEnd = System.nanoTime() + SPIN_NANOS;
            while ((long) PUBLISHED.getAcquire(this) == c && System.nanoTime() - spinEnd < 0 && !stopping) {
                Thread.onSpinWait();
            }
            if ((long) PUBLISHED.getAcquire(this) != c) {
                continue;
            }
            parked = true;
            if ((long) PUBLISHED.getVolatile(this) == c && !stopping) {
                counters.increment(writerParks);
                LockSupport.park(this);
            }
            parked = false;
        }
    }

    @Override
    public int receive(FrameBatch batch) {
        return device.receive(batch);
    }

    @Override
    public int fd() {
        return device.fd();
    }

    @Override
    public boolean clearError() {
        return device.clearError();
    }

    @Override
    public String setupNote() {
        return device.setupNote();
    }

    @Override
    public String name() {
        return device.name();
    }

    @Override
    public int mtu() {
        return device.mtu();
    }

    @Override
    public long macAddress() {
        return device.macAddress();
    }

    @Override
    public Offloads offloads() {
        return device.offloads();
    }

    /** Stops the writer after the frames already queued, then closes the device. */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(writer);
        try {
            writer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        device.close();
        arena.close();
    }
}
