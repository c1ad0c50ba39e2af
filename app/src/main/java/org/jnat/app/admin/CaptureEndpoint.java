package org.jnat.app.admin;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jnat.device.CaptureRing;
import org.jnat.device.PcapngWriter;

/**
 * {@code GET /api/v1/capture?side=inside|outside|both&seconds=N}: a live capture of what jnat
 * receives and sends on that side ({@code both} by default), for {@code N} seconds (1 to 3600, 10 by
 * default), streamed chunked as pcapng as the frames come: the section header and the two interfaces
 * ("inside", "outside", with their devices) at once, then one block per frame with its interface
 * and direction. {@code curl -N URL | tshark -r -} shows it live, Wireshark likewise.
 *
 * <p>The data plane copies frames into the {@link CaptureRing} only while a capture runs; this
 * endpoint's thread drains it and writes. One capture at a time: another gets a 409 until the first
 * ends. A reader too slow for the traffic loses frames, counted as {@code capture.dropped}; the
 * data plane never waits for it.
 */
public final class CaptureEndpoint implements Endpoint {
    /** The longest capture, in seconds: an hour. */
    public static final int MAX_SECONDS = 3600;
    static final int DEFAULT_SECONDS = 10;
    /**
     * The body is pcapng (two interfaces and a direction per frame, which classic pcap cannot
     * carry), so the type says so, as Wireshark's own downloads do.
     */
    public static final String CONTENT_TYPE = "application/x-pcapng";
    /** How long the thread sleeps when the ring is empty: frames reach the reader at most this late. */
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** A capture claimed but never streamed (its client left before the answer) is given up after this. */
    private static final long UNSTARTED_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final CaptureRing ring;
    private final String application;
    private final String[] descriptions;
    private final AtomicReference<Claim> running = new AtomicReference<>();

    /** The capture of one request: claimed when it is accepted, streaming once its body is written. */
    private static final class Claim {
        final long claimedAt = System.nanoTime();
        volatile boolean streaming;
    }

    /**
     * @param application   what the pcapng says wrote it, e.g. "jnat 0.6"
     * @param insideDevice  the inside device, e.g. "tap:jnat0" (the interface's description)
     * @param outsideDevice the outside device
     */
    public CaptureEndpoint(CaptureRing ring, String application, String insideDevice, String outsideDevice) {
        this.ring = ring;
        this.application = application;
        this.descriptions = new String[] {insideDevice, outsideDevice};
    }

    @Override
    public Response handle(Request request) throws ApiException {
        request.acceptOnly("side", "seconds");
        String side = request.query("side") == null ? "both" : request.query("side");
        int sides = switch (side) {
            case "inside" -> 1 << CaptureRing.INSIDE;
            case "outside" -> 1 << CaptureRing.OUTSIDE;
            case "both" -> (1 << CaptureRing.INSIDE) | (1 << CaptureRing.OUTSIDE);
            default -> throw ApiException.badRequest("side", "expected inside, outside or both, got \"" + side + "\"");
        };
        long seconds = request.intQuery("seconds", 1, MAX_SECONDS, DEFAULT_SECONDS);
        Claim claim = claim();
        return Response.stream(CONTENT_TYPE, out -> {
            claim.streaming = true;
            try {
                stream(out, sides, TimeUnit.SECONDS.toNanos(seconds));
            } finally {
                ring.stop();
                running.compareAndSet(claim, null);
            }
        }).withHeader("Content-Disposition", "inline; filename=\"jnat-" + side + ".pcapng\"");
    }

    private Claim claim() throws ApiException {
        Claim mine = new Claim();
        Claim current = running.get();
        if (current != null && !current.streaming && System.nanoTime() - current.claimedAt > UNSTARTED_NANOS) {
            running.compareAndSet(current, null); // its client left before the answer began
        }
        if (!running.compareAndSet(null, mine)) {
            throw ApiException.conflict("side", "a capture is already running (one at a time); wait until it ends,"
                    + " or stop its client");
        }
        return mine;
    }

    private void stream(OutputStream out, int sides, long nanos) throws IOException {
        PcapngWriter writer = new PcapngWriter(out);
        writer.header(application, new String[] {"inside", "outside"}, descriptions);
        writer.flush(); // the reader can start decoding before the first frame
        ring.start(sides);
        CaptureRing.Frame frame = new CaptureRing.Frame();
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0 && !Thread.currentThread().isInterrupted()) {
            if (drain(writer, frame, sides) == 0) {
                LockSupport.parkNanos(IDLE_NANOS);
            }
        }
        ring.stop();
        drain(writer, frame, sides); // what was copied before the stop
    }

    /** Writes the frames waiting (of the sides asked for) and flushes them to the client; returns how many. */
    private int drain(PcapngWriter writer, CaptureRing.Frame frame, int sides) throws IOException {
        int n = 0;
        while (n < 4096 && ring.poll(frame)) {
            n++;
            // (A frame copied for an earlier capture, in flight when this one started, may be of another side.)
            if ((sides & (1 << frame.iface)) != 0) {
                writer.frame(frame);
            }
        }
        if (n > 0) {
            writer.flush();
        }
        return n;
    }
}
