package org.jnat.nat;

/**
 * One end of a flow packed into a {@code long}, the form in which the tables keep and compare their
 * keys, so that a key travels as one or two longs and nothing is made per packet:
 *
 * <pre>
 *   address (32) | port (16) | protocol (8) | 0 (8)
 * </pre>
 *
 * For an ICMP query the identifier is the port of the end that chose it, the inside host (and,
 * translated, the public address), and the remote end's port is 0 (RFC 5508 section 3).
 *
 * <p>A session has two keys, the original and reply tuples of Linux conntrack (gVisor's
 * {@code tupleID} and its {@code reply()}):
 * <ul>
 *   <li>its inside key, (inside endpoint, remote endpoint): the source and destination of an
 *       outbound packet before translation;</li>
 *   <li>its outside key, (external port, remote endpoint): the destination port of an inbound packet
 *       before translation and its source (the destination address is the one public address, so it
 *       is not part of the key).</li>
 * </ul>
 * The reply of a packet swaps its source and destination. An ICMP error quotes a datagram of the
 * session that went the other way, so the session is the one whose key is that of the quote's
 * reply ({@link NatEngine}).
 */
public final class Endpoint {
    private Endpoint() {
    }

    /** The endpoint {@code address:port} of {@code protocol}. */
    public static long of(int protocol, int address, int port) {
        return ((long) address << 32) | ((long) port << 16) | ((long) protocol << 8);
    }

    public static int protocol(long endpoint) {
        return (int) (endpoint >>> 8) & 0xff;
    }

    public static int address(long endpoint) {
        return (int) (endpoint >>> 32);
    }

    public static int port(long endpoint) {
        return (int) (endpoint >>> 16) & 0xffff;
    }
}
