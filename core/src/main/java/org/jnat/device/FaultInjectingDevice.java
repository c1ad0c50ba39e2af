package org.jnat.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.jnat.wire.EthernetFrame;

/**
 * A device that damages traffic on purpose, for tests, in the style of smoltcp's
 * {@code phy::FaultInjector}: it drops, duplicates, reorders and corrupts frames at configured
 * rates, separately for the transmit and the receive direction, from a seeded random source so a
 * failing run can be repeated exactly.
 *
 * <p>For each frame, four numbers are drawn in a fixed order (drop, corrupt, reorder, duplicate),
 * whatever the rates, so the same seed gives the same faults. A dropped frame counts as sent
 * ({@code transmit} returns true: it was lost on the wire). A corrupted frame has one bit flipped
 * after the 14-byte Ethernet header (so it still reaches the IP layer and its checksums must
 * catch it), in a copy: the caller's slot is not touched on transmit. A reordered frame is held
 * back and delivered right after the next frame of the same direction; {@link #flush()} lets it go
 * when no next frame comes. A duplicated frame is delivered twice in a row (on receive, only if
 * the batch has room).
 *
 * <p>Frame slots are allocated when the device is made (the receive staging batch on the first
 * receive), so steady state allocates nothing.
 */
public final class FaultInjectingDevice extends DeviceDecorator {

    /** Probabilities, each 0..1, that a frame is dropped, duplicated, reordered or corrupted. */
    public record Faults(double drop, double duplicate, double reorder, double corrupt) {
        public static final Faults NONE = new Faults(0, 0, 0, 0);

        public Faults {
            check("drop", drop);
            check("duplicate", duplicate);
            check("reorder", reorder);
            check("corrupt", corrupt);
        }

        private static void check(String what, double p) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException(what + " rate must be within 0..1, got " + p);
            }
        }

        public Faults drop(double p) {
            return new Faults(p, duplicate, reorder, corrupt);
        }

        public Faults duplicate(double p) {
            return new Faults(drop, p, reorder, corrupt);
        }

        public Faults reorder(double p) {
            return new Faults(drop, duplicate, p, corrupt);
        }

        public Faults corrupt(double p) {
            return new Faults(drop, duplicate, reorder, p);
        }
    }

    private static final int ETHERNET_HEADER = EthernetFrame.HEADER_LENGTH;

    private final Faults onTransmit;
    private final Faults onReceive;
    private final SplittableRandom random;
    private final Arena arena = Arena.ofAuto();
    private final PacketBuffer corruptedTx;
    private final PacketBuffer heldTx;
    private boolean holdingTx;
    private FrameBatch staging;
    private PacketBuffer heldRx;
    private boolean holdingRx;
    private boolean releaseRx;

    private long dropped;
    private long duplicated;
    private long reordered;
    private long corrupted;

    /**
     * @param seed       seeds the random source: the same seed and traffic give the same faults
     * @param onTransmit faults applied to frames this device transmits
     * @param onReceive  faults applied to frames this device receives
     */
    public FaultInjectingDevice(NetDevice inner, long seed, Faults onTransmit, Faults onReceive) {
        super(inner);
        this.onTransmit = onTransmit;
        this.onReceive = onReceive;
        this.random = new SplittableRandom(seed);
        int capacity = Math.max(inner.mtu() + MemoryDevice.LINK_HEADROOM,
                inner.offloads().tcpSegmentation() || inner.offloads().udpSegmentation()
                        ? PacketBuffer.DEFAULT_CAPACITY : 0);
        corruptedTx = PacketBuffer.allocate(arena, capacity);
        heldTx = PacketBuffer.allocate(arena, capacity);
    }

    @Override
    public boolean transmit(PacketBuffer frame) {
        double drop = random.nextDouble();
        double corrupt = random.nextDouble();
        double reorder = random.nextDouble();
        double duplicate = random.nextDouble();
        if (drop < onTransmit.drop()) {
            dropped++;
            return true;
        }
        PacketBuffer out = frame;
        if (corrupt < onTransmit.corrupt() && frame.length() <= corruptedTx.capacity()) {
            corruptedTx.copyFrom(frame);
            flipBit(corruptedTx);
            out = corruptedTx;
        }
        if (reorder < onTransmit.reorder() && !holdingTx && out.length() <= heldTx.capacity()) {
            heldTx.copyFrom(out);
            holdingTx = true;
            reordered++;
            return true;
        }
        boolean sent = inner().transmit(out);
        if (duplicate < onTransmit.duplicate() && inner().transmit(out)) {
            duplicated++;
        }
        if (holdingTx) {
            holdingTx = false;
            inner().transmit(heldTx);
        }
        return sent;
    }

    @Override
    public int receive(FrameBatch batch) {
        if (staging == null || staging.capacity() != batch.capacity()) {
            // Once, at the first receive: the slots must be as large as the caller's.
            staging = new FrameBatch(arena, batch.capacity(), batch.slotCapacity());
            heldRx = PacketBuffer.allocate(arena, batch.slotCapacity());
        }
        int n = inner().receive(staging);
        int out = 0;
        for (int i = 0; i < n; i++) {
            PacketBuffer frame = staging.get(i);
            double drop = random.nextDouble();
            double corrupt = random.nextDouble();
            double reorder = random.nextDouble();
            double duplicate = random.nextDouble();
            if (drop < onReceive.drop()) {
                dropped++;
                continue;
            }
            if (corrupt < onReceive.corrupt()) {
                flipBit(frame);
            }
            if (reorder < onReceive.reorder() && !holdingRx && frame.length() <= heldRx.capacity()) {
                heldRx.copyFrom(frame);
                holdingRx = true;
                reordered++;
                continue;
            }
            out = deliver(batch, out, frame);
            // Extra frames (a duplicate, the held one) only take room the frames still to come don't need.
            int stillToCome = n - 1 - i;
            if (duplicate < onReceive.duplicate() && out + stillToCome < batch.capacity()) {
                out = deliver(batch, out, frame);
                duplicated++;
            }
            if (holdingRx && out + stillToCome < batch.capacity()) {
                out = deliver(batch, out, heldRx);
                holdingRx = false;
            }
        }
        if (releaseRx && holdingRx && out < batch.capacity()) {
            out = deliver(batch, out, heldRx);
            holdingRx = false;
        }
        releaseRx = false;
        batch.count(out);
        return out;
    }

    private static int deliver(FrameBatch batch, int index, PacketBuffer frame) {
        PacketBuffer slot = batch.own(index);
        if (frame.length() > slot.capacity()) {
            return index;
        }
        slot.copyFrom(frame);
        return index + 1;
    }

    private void flipBit(PacketBuffer frame) {
        int length = frame.length();
        if (length == 0) {
            return;
        }
        int from = length > ETHERNET_HEADER ? ETHERNET_HEADER : 0;
        int index = from + random.nextInt(length - from);
        MemorySegment s = frame.segment();
        s.set(ValueLayout.JAVA_BYTE, index, (byte) (s.get(ValueLayout.JAVA_BYTE, index) ^ (1 << random.nextInt(8))));
        corrupted++;
    }

    /**
     * Lets held-back frames go: a transmit-side frame is transmitted now; a receive-side frame is
     * returned by the next {@link #receive}.
     */
    public void flush() {
        if (holdingTx) {
            holdingTx = false;
            inner().transmit(heldTx);
        }
        releaseRx = holdingRx;
    }

    public long dropped() {
        return dropped;
    }

    public long duplicated() {
        return duplicated;
    }

    public long reordered() {
        return reordered;
    }

    public long corrupted() {
        return corrupted;
    }
}
