package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jnat.wire.NetworkOrder;

/**
 * A socket for the demo's stand-in ping and traceroute, which Java's own sockets cannot be: a raw
 * ICMP socket (to send echo requests and to read every ICMP message that arrives) or a UDP socket
 * with a unicast TTL. Opened inside a network namespace ({@link NetNamespace}), it sends and
 * receives there whichever thread uses it. Set-up tooling: it allocates freely and is never on the
 * packet path; a failed call throws a {@link SystemCallException} that says what to do.
 */
public final class ProbeSocket implements AutoCloseable {
    private static final int IPPROTO_IP = 0, IPPROTO_ICMP = 1, IP_TTL = 2;

    private final Arena arena = Arena.ofShared();
    private final CallState state = new CallState(arena);
    private final int fd;
    private final MemorySegment pollfd = arena.allocate(8); // struct pollfd { int fd; short events; short revents; }
    private final MemorySegment to = arena.allocate(16); // struct sockaddr_in
    private final MemorySegment option = arena.allocate(JAVA_INT);

    private ProbeSocket(String ns, int type, int protocol) {
        String what = "socket(" + (type == LibC.SOCK_RAW ? "raw ICMP" : "UDP") + ") in " + ns;
        try {
            fd = state.check(LibC.socket(state.segment, LibC.AF_INET, type | LibC.SOCK_CLOEXEC, protocol), what,
                    Errno.privileged("CAP_NET_RAW"));
        } catch (SystemCallException e) {
            arena.close();
            throw e;
        }
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, LibC.POLLIN);
    }

    /** A raw ICMP socket in namespace {@code ns}: it sends ICMP and receives every ICMP datagram, IP header first. */
    public static ProbeSocket icmp(String ns) {
        return NetNamespace.call(ns, () -> new ProbeSocket(ns, LibC.SOCK_RAW, IPPROTO_ICMP));
    }

    /** A UDP socket in namespace {@code ns}. */
    public static ProbeSocket udp(String ns) {
        return NetNamespace.call(ns, () -> new ProbeSocket(ns, LibC.SOCK_DGRAM, 0));
    }

    /** Sets the TTL of the datagrams this socket sends. */
    public void ttl(int ttl) {
        option.set(JAVA_INT, 0, ttl);
        state.check(LibC.setsockopt(state.segment, fd, IPPROTO_IP, IP_TTL, option, 4), "setsockopt(IP_TTL)", null);
    }

    /** Sends {@code length} bytes of {@code data} to {@code address:port} (an int in network order). */
    public void send(MemorySegment data, int length, int address, int port) {
        to.set(JAVA_SHORT, 0, (short) LibC.AF_INET); // sin_family is in the host's byte order
        NetworkOrder.u16(to, 2, port);
        NetworkOrder.i32(to, 4, address);
        state.check(LibC.sendto(state.segment, fd, data, length, 0, to, 16), "sendto", null);
    }

    /** Waits up to {@code timeoutMillis} for a datagram and reads it into {@code buffer}: its length, or -1 if none came. */
    public int receive(MemorySegment buffer, int timeoutMillis) {
        if (LibC.poll(state.segment, pollfd, 1, Math.max(0, timeoutMillis)) <= 0) {
            return -1;
        }
        return (int) LibC.read(state.segment, fd, buffer, buffer.byteSize());
    }

    @Override
    public void close() {
        LibC.close(state.segment, fd);
        arena.close();
    }
}
