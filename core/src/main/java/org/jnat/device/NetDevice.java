package org.jnat.device;

/**
 * A network interface as the router sees it: frames in, frames out.
 *
 * <p>All methods except {@link #close()} are called only from the data-plane thread, and must not
 * allocate, log, lock or throw on the packet path: a frame that cannot be sent is counted by the
 * device and {@code transmit} returns false.
 */
public interface NetDevice extends AutoCloseable {

    /** A short name for logs and errors, e.g. {@code tap:jnat0}. */
    String name();

    /**
     * Receives the frames that are ready, without blocking: fills slots 0..n-1 of {@code batch},
     * sets {@code batch.count(n)} and returns n (0 when nothing is waiting).
     */
    int receive(FrameBatch batch);

    /**
     * Sends one frame: bytes 0..length of the slot, with its offload metadata when
     * {@link #offloads()} says the device takes it. Returns false if the frame was dropped
     * (queue full, device gone); the caller keeps ownership of the slot either way.
     */
    boolean transmit(PacketBuffer frame);

    /** The largest IP packet, in bytes, that one frame may carry on this link (1500 on Ethernet). */
    int mtu();

    /** The device's hardware address as 48 bits, or -1 if it has none of its own. */
    default long macAddress() {
        return -1;
    }

    Offloads offloads();

    /** Releases the device. Idempotent. */
    @Override
    void close();
}
