package org.jnat.device;

import org.jnat.runtime.Clock;

/**
 * A device whose frames a live capture can see: while the {@link CaptureRing} wants this side, every
 * frame received and every frame the inner device accepted for sending is copied into the ring,
 * stamped with {@code clock} (wall time: an {@link EpochClock}). While no capture runs this costs
 * one volatile read per received batch and per sent frame. Unlike {@link CapturingDevice}, which
 * writes a file from the start, this one copies only what a reader asked for, and leaves the
 * encoding (pcapng) to that reader's thread.
 */
public final class LiveCaptureDevice extends DeviceDecorator {
    private final CaptureRing ring;
    private final int iface;
    private final Clock clock;

    /** {@code iface}: {@link CaptureRing#INSIDE} or {@link CaptureRing#OUTSIDE}. */
    public LiveCaptureDevice(NetDevice inner, CaptureRing ring, int iface, Clock clock) {
        super(inner);
        this.ring = ring;
        this.iface = iface;
        this.clock = clock;
    }

    @Override
    public int receive(FrameBatch batch) {
        int n = inner().receive(batch);
        if (n > 0 && ring.wants(iface)) {
            long now = clock.nanos();
            for (int i = 0; i < n; i++) {
                PacketBuffer frame = batch.get(i);
                ring.offer(iface, CaptureRing.RECEIVED, frame.segment(), 0, frame.length(), now);
            }
        }
        return n;
    }

    @Override
    public boolean transmit(PacketBuffer frame) {
        boolean sent = inner().transmit(frame);
        if (sent && ring.wants(iface)) {
            ring.offer(iface, CaptureRing.SENT, frame.segment(), 0, frame.length(), clock.nanos());
        }
        return sent;
    }
}
