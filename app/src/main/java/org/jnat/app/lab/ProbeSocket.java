package org.jnat.app.lab;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.jnat.linux.NetNamespace;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.NetworkOrder;

/**
 * A socket for the demo's stand-in ping and traceroute, which Java's own sockets cannot be: a raw
 * ICMP socket (to send echo requests and to read every ICMP message that arrives) or a UDP socket
 * with a unicast TTL. Opened inside a lab namespace, it sends and receives there whichever thread
 * uses it. Set-up tooling: it allocates freely and is never on the packet path.
 */
final class ProbeSocket implements AutoCloseable {
    private static final int AF_INET = 2, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;
    private static final int IPPROTO_IP = 0, IPPROTO_ICMP = 1, IP_TTL = 2;
    private static final short POLLIN = 1;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT,
            JAVA_INT), ERRNO);
    private static final MethodHandle SETSOCKOPT = bind("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = bind("sendto", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
            JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = bind("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
            JAVA_LONG, JAVA_INT));
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG,
            JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final Arena arena = Arena.ofShared();
    private final int fd;
    private final MemorySegment pollfd = arena.allocate(8); // struct pollfd { int fd; short events; short revents; }
    private final MemorySegment to = arena.allocate(16); // struct sockaddr_in
    private final MemorySegment option = arena.allocate(JAVA_INT);

    private ProbeSocket(int fd) {
        this.fd = fd;
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, POLLIN);
    }

    @SuppressWarnings("restricted")
    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, options);
    }

    /** A raw ICMP socket in namespace {@code ns}: it sends ICMP and receives every ICMP datagram, IP header first. */
    static ProbeSocket icmp(String ns) {
        return open(ns, SOCK_RAW, IPPROTO_ICMP);
    }

    /** A UDP socket in namespace {@code ns}. */
    static ProbeSocket udp(String ns) {
        return open(ns, SOCK_DGRAM, 0);
    }

    private static ProbeSocket open(String ns, int type, int protocol) {
        return NetNamespace.call(ns, () -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment state = a.allocate(Linker.Option.captureStateLayout());
                int fd;
                try {
                    fd = (int) SOCKET.invokeExact(state, AF_INET, type | SOCK_CLOEXEC, protocol);
                } catch (Throwable t) {
                    throw rethrow(t);
                }
                if (fd < 0) {
                    int errno = state.get(JAVA_INT, Linker.Option.captureStateLayout().byteOffset(
                            MemoryLayout.PathElement.groupElement("errno")));
                    throw new LabException("cannot open a " + (type == SOCK_RAW ? "raw ICMP" : "UDP")
                            + " socket in " + ns + " (errno " + errno + "); this needs root (CAP_NET_RAW)");
                }
                return new ProbeSocket(fd);
            }
        });
    }

    /** Sets the TTL of the datagrams this socket sends. */
    void ttl(int ttl) {
        option.set(JAVA_INT, 0, ttl);
        try {
            if ((int) SETSOCKOPT.invokeExact(fd, IPPROTO_IP, IP_TTL, option, 4) != 0) {
                throw new LabException("cannot set the TTL of a probe socket");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sends {@code length} bytes of {@code data} to {@code address:port} (an int in network order). */
    void send(MemorySegment data, int length, int address, int port) {
        to.set(JAVA_SHORT, 0, (short) AF_INET); // sin_family is in the host's byte order
        NetworkOrder.u16(to, 2, port);
        NetworkOrder.i32(to, 4, address);
        try {
            long sent = (long) SENDTO.invokeExact(fd, data, (long) length, 0, to, 16);
            if (sent != length) {
                throw new LabException("a probe could not be sent to " + Ipv4Address.toString(address));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Waits up to {@code timeoutMillis} for a datagram and reads it into {@code buffer}: its length, or -1 if none came. */
    int receive(MemorySegment buffer, int timeoutMillis) {
        try {
            if ((int) POLL.invokeExact(pollfd, 1L, Math.max(0, timeoutMillis)) <= 0) {
                return -1;
            }
            return (int) (long) RECV.invokeExact(fd, buffer, buffer.byteSize(), 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void close() {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        arena.close();
    }

    private static RuntimeException rethrow(Throwable t) {
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }
}
