package org.jnat.linux;

import org.jnat.device.NetDevice;

/**
 * A Linux device that {@link PollLoop} can wait on: it has a file descriptor that becomes readable
 * when {@link #receive} has frames to return.
 */
public interface PollableDevice extends NetDevice {

    /** The descriptor to poll for readability. Valid until {@link #close()}. */
    int fd();

    /**
     * Pushes out frames that {@link #transmit} only queued (an AF_PACKET TX ring). {@link PollLoop}
     * calls it after every round; anyone else driving the device must call it after each burst
     * of transmits. Packet path: no allocation, never throws.
     */
    default void flush() {
    }

    /**
     * Called when poll reports POLLERR on {@link #fd()}: fetch and count the pending socket error,
     * so the loop does not spin on it. Returns false if the error cannot be cleared (the device
     * is gone), which makes the loop stop with a message naming the device. Packet path: no
     * allocation, never throws.
     */
    default boolean clearError() {
        return false;
    }

    /**
     * True if frames queued by {@link #transmit} are still waiting after {@link #flush()} (the
     * kernel took only some of them): {@link PollLoop} then sleeps at most a millisecond before
     * it flushes again. Packet path.
     */
    default boolean transmitPending() {
        return false;
    }

    /**
     * One line the user should see about how the device was set up (an offload jnat changed on
     * the interface, or one the user should change), or null. Set-up only.
     */
    default String setupNote() {
        return null;
    }
}
