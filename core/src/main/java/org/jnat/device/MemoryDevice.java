package org.jnat.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One end of an in-memory link, for tests and pipelines: what one end transmits, the other end
 * receives, in order, with the offload metadata of {@link PacketBuffer} carried across.
 *
 * <p>Each direction is a bounded ring of native slots allocated when the pair is made, so steady
 * state {@link #transmit} and {@link #receive} copy bytes and allocate nothing. When the peer's
 * ring is full, {@code transmit} returns false and counts the drop, as a real queue would.
 *
 * <p>The link enforces its MTU: a frame longer than MTU + 18 bytes (Ethernet header and one
 * 802.1Q tag) is dropped and counted as oversize, unless the pair was made with segmentation
 * offloads, in which case slots take a whole GSO super-packet ({@link PacketBuffer#DEFAULT_CAPACITY}).
 *
 * <p>Threads: one thread may transmit on an end while another receives on the other end. Counters
 * are plain fields written by the end's own thread.
 *
 * <pre>{@code
 *   MemoryDevice.Pair link = MemoryDevice.pair("inside", 1500);
 *   router uses link.a(); the test plays the host on link.b():
 *   link.b().send(frameBytes);      // the router receives it on a()
 *   byte[] out = link.b().poll();   // what the router transmitted on a(), or null
 * }</pre>
 */
public final class MemoryDevice implements NetDevice {
    /** Room for the Ethernet header (14) and one 802.1Q tag (4) beyond the MTU. */
    public static final int LINK_HEADROOM = 18;
    public static final int DEFAULT_RING_SIZE = 256;

    /** The two ends of one link. */
    public record Pair(MemoryDevice a, MemoryDevice b) {
    }

    private final String name;
    private int mtu;
    private final Offloads offloads;
    private int maxFrame;
    private final FrameRing in;
    private MemoryDevice peer;
    private long mac = -1;
    private volatile boolean closed;

    private long transmitted;
    private long received;
    private long droppedFull;
    private long droppedOversize;
    private long droppedClosed;
    private long droppedBatchSlotTooSmall;

    private MemoryDevice(String name, int mtu, Offloads offloads, FrameRing in) {
        this.name = name;
        this.mtu = mtu;
        this.offloads = offloads;
        this.in = in;
        this.maxFrame = in.slotCapacity();
    }

    /** The slot size of a link of {@code mtu} with these offloads: a GSO super-packet's where segmentation is on. */
    private static int slotCapacity(int mtu, Offloads offloads) {
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("MTU must be 68..65535 (RFC 791), got " + mtu);
        }
        return offloads.tcpSegmentation() || offloads.udpSegmentation()
                ? Math.max(PacketBuffer.DEFAULT_CAPACITY, mtu + LINK_HEADROOM)
                : mtu + LINK_HEADROOM;
    }

    /** A link with {@link #DEFAULT_RING_SIZE} slots each way and no offloads. */
    public static Pair pair(String name, int mtu) {
        return pair(name, mtu, DEFAULT_RING_SIZE, Offloads.NONE);
    }

    /**
     * A link whose ends are named {@code memory:NAME.a} and {@code memory:NAME.b}.
     *
     * @param ringSize slots in each direction, a power of two: how many frames may wait unread
     * @param offloads what both ends report; with TCP or UDP segmentation the slots hold GSO packets
     */
    public static Pair pair(String name, int mtu, int ringSize, Offloads offloads) {
        int slotCapacity = slotCapacity(mtu, offloads);
        Arena arena = Arena.ofAuto();
        MemoryDevice a = new MemoryDevice("memory:" + name + ".a", mtu, offloads,
                new FrameRing(arena, ringSize, slotCapacity));
        MemoryDevice b = new MemoryDevice("memory:" + name + ".b", mtu, offloads,
                new FrameRing(arena, ringSize, slotCapacity));
        a.peer = b;
        b.peer = a;
        return new Pair(a, b);
    }

    /** The other end of the link. */
    public MemoryDevice peer() {
        return peer;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public long macAddress() {
        return mac;
    }

    /** Gives this end a hardware address (set-up only). */
    public MemoryDevice macAddress(long mac) {
        this.mac = mac;
        return this;
    }

    @Override
    public Offloads offloads() {
        return offloads;
    }

    /** The largest frame, in bytes, this link carries. */
    public int maxFrameLength() {
        return maxFrame;
    }

    @Override
    public int receive(FrameBatch batch) {
        int n = 0;
        if (!closed) {
            PacketBuffer slot;
            while (n < batch.capacity() && (slot = in.peek()) != null) {
                PacketBuffer into = batch.own(n);
                if (slot.length() > into.capacity()) {
                    droppedBatchSlotTooSmall++;
                } else {
                    into.copyFrom(slot);
                    n++;
                }
                in.release();
            }
        }
        received += n;
        batch.count(n);
        return n;
    }

    @Override
    public boolean transmit(PacketBuffer frame) {
        if (closed || peer.closed) {
            droppedClosed++;
            return false;
        }
        if (frame.length() > maxFrame
                || (frame.gsoType == PacketBuffer.GSO_NONE && frame.length() > mtu + LINK_HEADROOM)) {
            droppedOversize++;
            return false;
        }
        if (!peer.in.offer(frame)) {
            droppedFull++;
            return false;
        }
        transmitted++;
        return true;
    }

    /** Frames waiting for this end to receive them. */
    public int pending() {
        return in.pending();
    }

    /** Frames this end transmitted successfully. */
    public long transmitted() {
        return transmitted;
    }

    /** Frames this end received. */
    public long received() {
        return received;
    }

    /** Frames this end could not transmit because the peer's ring was full. */
    public long droppedFull() {
        return droppedFull;
    }

    /** Frames this end refused to transmit because they exceed the link's MTU. */
    public long droppedOversize() {
        return droppedOversize;
    }

    /** Frames this end could not transmit because an end was closed. */
    public long droppedClosed() {
        return droppedClosed;
    }

    /** Frames this end discarded on receive because the batch slot was too small for them. */
    public long droppedBatchSlotTooSmall() {
        return droppedBatchSlotTooSmall;
    }

    /** Every frame this end dropped, whatever the reason. */
    public long dropped() {
        return droppedFull + droppedOversize + droppedClosed + droppedBatchSlotTooSmall;
    }

    /**
     * Back to the state of a new end of a link of {@code mtu} (its slots must hold such frames: no
     * larger than made with): nothing waiting to be received, counters at zero, open. For a test
     * that reuses one link for many runs (the fuzz targets); no thread may use the end meanwhile.
     */
    public void reset(int mtu) {
        int frame = slotCapacity(mtu, offloads);
        if (frame > in.slotCapacity()) {
            throw new IllegalArgumentException("MTU " + mtu + " needs slots of " + frame + " bytes, these hold "
                    + in.slotCapacity());
        }
        this.mtu = mtu;
        maxFrame = frame;
        in.reset();
        closed = false;
        transmitted = 0;
        received = 0;
        droppedFull = 0;
        droppedOversize = 0;
        droppedClosed = 0;
        droppedBatchSlotTooSmall = 0;
    }

    @Override
    public void close() {
        closed = true;
    }

    // ---- Test conveniences: these allocate; never call them on a measured packet path. ----

    /** Test convenience: transmits a copy of {@code frame} from this end; the peer receives it. */
    public boolean send(byte[] frame) {
        PacketBuffer buffer = PacketBuffer.allocate(Arena.ofAuto(), Math.max(frame.length, 1));
        MemorySegment.copy(frame, 0, buffer.segment(), ValueLayout.JAVA_BYTE, 0, frame.length);
        buffer.length(frame.length);
        return transmit(buffer);
    }

    /** Test convenience: puts {@code frame} in this end's receive queue, as if the peer sent it. */
    public boolean inject(byte[] frame) {
        return peer.send(frame);
    }

    /** Test convenience: receives one frame at this end as a fresh array, or null if none waits. */
    public byte[] poll() {
        PacketBuffer slot = closed ? null : in.peek();
        if (slot == null) {
            return null;
        }
        byte[] copy = slot.segment().asSlice(0, slot.length()).toArray(ValueLayout.JAVA_BYTE);
        in.release();
        received++;
        return copy;
    }

    /** Test convenience: receives one frame with its metadata into {@code into}; false if none waits. */
    public boolean poll(PacketBuffer into) {
        PacketBuffer slot = closed ? null : in.peek();
        if (slot == null) {
            return false;
        }
        into.copyFrom(slot);
        in.release();
        received++;
        return true;
    }

    /** Test convenience: receives every waiting frame as arrays, oldest first. */
    public List<byte[]> drain() {
        List<byte[]> frames = new ArrayList<>();
        byte[] frame;
        while ((frame = poll()) != null) {
            frames.add(frame);
        }
        return frames;
    }
}
