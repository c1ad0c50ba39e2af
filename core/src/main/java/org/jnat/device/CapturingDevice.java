package org.jnat.device;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.jnat.runtime.Clock;

/**
 * A device that tees every frame it receives and every frame it transmits into pcap files, in
 * the style of smoltcp's {@code phy::PcapWriter}: wrap any device to see what the router saw.
 *
 * <p>Received and transmitted frames go to two writers, because a classic pcap record has no
 * direction; pass the same writer twice to get one file with both directions interleaved, or
 * null to skip a direction. A transmitted frame is written only when the inner device accepted
 * it. Timestamps are {@code clock.nanos()}, read as nanoseconds since the epoch (use an
 * {@link EpochClock} for wall time, or the replay clock). Frames are written as they are,
 * offload metadata aside: a frame with a partial checksum shows a bad checksum in tshark.
 *
 * <p>Allocates nothing per frame ({@link PcapWriter} buffers); an I/O error is counted by the
 * writer and reported at {@link #close()}.
 */
public final class CapturingDevice extends DeviceDecorator {
    private final PcapWriter received;
    private final PcapWriter transmitted;
    private final Clock clock;
    private boolean closed;

    public CapturingDevice(NetDevice inner, PcapWriter received, PcapWriter transmitted, Clock clock) {
        super(inner);
        this.received = received;
        this.transmitted = transmitted;
        this.clock = clock;
    }

    /** Captures {@code inner} into {@code receivedFile} and {@code transmittedFile} (created or truncated). */
    public static CapturingDevice open(NetDevice inner, Path receivedFile, Path transmittedFile, Clock clock)
            throws IOException {
        PcapWriter rx = PcapWriter.create(receivedFile);
        try {
            return new CapturingDevice(inner, rx, PcapWriter.create(transmittedFile), clock);
        } catch (IOException e) {
            rx.close();
            throw e;
        }
    }

    /** Captures both directions of {@code inner}, interleaved, into one file. */
    public static CapturingDevice open(NetDevice inner, Path file, Clock clock) throws IOException {
        PcapWriter writer = PcapWriter.create(file);
        return new CapturingDevice(inner, writer, writer, clock);
    }

    @Override
    public int receive(FrameBatch batch) {
        int n = inner().receive(batch);
        if (received != null && n > 0) {
            long now = clock.nanos();
            for (int i = 0; i < n; i++) {
                received.write(batch.get(i), now);
            }
        }
        return n;
    }

    @Override
    public boolean transmit(PacketBuffer frame) {
        boolean sent = inner().transmit(frame);
        if (sent && transmitted != null) {
            transmitted.write(frame, clock.nanos());
        }
        return sent;
    }

    /** Pushes buffered records to the files, so that readers see them. */
    public void flush() {
        if (received != null) {
            received.flush();
        }
        if (transmitted != null && transmitted != received) {
            transmitted.flush();
        }
    }

    /** Closes the inner device and the files; throws if a capture write failed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        UncheckedIOException failure = null;
        try {
            super.close();
        } finally {
            for (PcapWriter writer : new PcapWriter[] {received, transmitted}) {
                if (writer == null) {
                    continue;
                }
                try {
                    writer.close();
                } catch (UncheckedIOException e) {
                    if (failure == null) {
                        failure = e;
                    }
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
