package org.jnat.nat;

/**
 * Packets and bytes of each session, each way: four longs per session id in an array beside the
 * table (out packets, out bytes, in packets, in bytes), so that a session's counts share one
 * 32-byte half cache line. The engine adds a packet where it already holds the session's id; a new
 * session starts from zero ({@link #clear}). Data-plane thread only; the control plane gets copies.
 */
final class SessionTraffic {
    private final long[] counts;

    SessionTraffic(int ids) {
        this.counts = new long[4 * ids];
    }

    void clear(int id) {
        int i = 4 * id;
        counts[i] = 0;
        counts[i + 1] = 0;
        counts[i + 2] = 0;
        counts[i + 3] = 0;
    }

    /** A packet of {@code bytes} (its IP total length) from the inside. */
    void outbound(int id, int bytes) {
        int i = 4 * id;
        counts[i]++;
        counts[i + 1] += bytes;
    }

    /** A packet of {@code bytes} to the inside. */
    void inbound(int id, int bytes) {
        int i = 4 * id + 2;
        counts[i]++;
        counts[i + 1] += bytes;
    }

    /** Copies session {@code id}'s four counts into {@code into[at..at + 3]}. */
    void copy(int id, long[] into, int at) {
        System.arraycopy(counts, 4 * id, into, at, 4);
    }

    long bytes() {
        return 8L * counts.length;
    }
}
