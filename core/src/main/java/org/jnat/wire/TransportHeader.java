package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * What the TCP and UDP headers share, and so what a NAT rewrites in both: the ports, the first
 * two 16-bit fields (RFC 768, RFC 9293 section 3.1), and a checksum over a pseudo-header that
 * holds the addresses, so that an address change in the IP header changes it too (RFC 1624).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   ... the rest of the header, the checksum at its own offset  |
 * </pre>
 *
 * <p>The two differ in where the checksum sits and in what 0 means there: for UDP "no checksum",
 * which an update leaves alone, and a computed 0 is sent as 0xFFFF (RFC 768); for TCP just a value.
 * {@code T} is the view itself, so that the rewrites chain on it.
 */
public abstract sealed class TransportHeader<T extends TransportHeader<T>> permits TcpSegment, UdpDatagram {
    public static final int SOURCE_PORT = 0;
    public static final int DESTINATION_PORT = 2;

    private final int checksumField;
    private final boolean zeroMeansNone;
    MemorySegment segment;
    long offset;

    TransportHeader(int checksumField, boolean zeroMeansNone) {
        this.checksumField = checksumField;
        this.zeroMeansNone = zeroMeansNone;
    }

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    public final T wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        return self();
    }

    public final MemorySegment segment() {
        return segment;
    }

    public final long offset() {
        return offset;
    }

    public final int sourcePort() {
        return NetworkOrder.u16(segment, offset + SOURCE_PORT);
    }

    public final T sourcePort(int port) {
        NetworkOrder.u16(segment, offset + SOURCE_PORT, port);
        return self();
    }

    public final int destinationPort() {
        return NetworkOrder.u16(segment, offset + DESTINATION_PORT);
    }

    public final T destinationPort(int port) {
        NetworkOrder.u16(segment, offset + DESTINATION_PORT, port);
        return self();
    }

    public final int checksum() {
        return NetworkOrder.u16(segment, offset + checksumField);
    }

    public final T checksum(int value) {
        NetworkOrder.u16(segment, offset + checksumField, value);
        return self();
    }

    /** Rewrites the source port, keeping the checksum right (and an absent UDP one absent). */
    public final T sourcePortUpdatingChecksum(int port) {
        return rewritePort(SOURCE_PORT, port, 0);
    }

    /** Rewrites the destination port, keeping the checksum right (and an absent UDP one absent). */
    public final T destinationPortUpdatingChecksum(int port) {
        return rewritePort(DESTINATION_PORT, port, 0);
    }

    /** Folds an address change in the pseudo-header into the checksum (RFC 1624). */
    public final T addressChanged(int oldAddress, int newAddress) {
        return updateChecksum(Checksum.delta32(oldAddress, newAddress));
    }

    /**
     * NAT translation of the source endpoint: the IPv4 source address (in the IP header, which the
     * caller rewrites) went from {@code oldAddress} to {@code newAddress}, and the source port
     * becomes {@code newPort}. Writes the port and folds both changes into the checksum with one
     * read and one write of it (RFC 1624).
     */
    public final T translateSource(int oldAddress, int newAddress, int newPort) {
        return rewritePort(SOURCE_PORT, newPort, Checksum.delta32(oldAddress, newAddress));
    }

    /** {@link #translateSource} for the destination endpoint (inbound translation). */
    public final T translateDestination(int oldAddress, int newAddress, int newPort) {
        return rewritePort(DESTINATION_PORT, newPort, Checksum.delta32(oldAddress, newAddress));
    }

    /** Writes the port at {@code field} and applies its change plus {@code delta} to the checksum. */
    private T rewritePort(int field, int newPort, int delta) {
        int oldPort = NetworkOrder.u16(segment, offset + field);
        NetworkOrder.u16(segment, offset + field, newPort);
        return updateChecksum(delta + Checksum.delta16(oldPort, newPort));
    }

    /** Applies a sum of RFC 1624 deltas to the checksum, by the protocol's rule for 0. */
    private T updateChecksum(int delta) {
        int checksum = checksum();
        if (!zeroMeansNone) {
            return checksum(Checksum.apply(checksum, delta));
        }
        return checksum == 0 ? self() : checksum(Checksum.udpNonZero(Checksum.apply(checksum, delta)));
    }
}
