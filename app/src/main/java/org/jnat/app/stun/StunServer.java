package org.jnat.app.stun;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import org.jnat.runtime.Counters;

/**
 * The STUN server's sockets and loop: four UDP sockets (two addresses times two ports), one thread
 * and one {@link Selector}; each datagram goes through {@link StunResponder} and its answer leaves
 * from the socket the responder names. An ordinary process, not jnat's data plane. UDP only.
 */
public final class StunServer implements AutoCloseable {
    private final DatagramChannel[] channels = new DatagramChannel[4];
    private final InetSocketAddress[] sockets = new InetSocketAddress[4];
    private final Selector selector;
    private final Counters counters = new Counters();
    private final StunResponder responder;
    private volatile boolean stopping;

    /** Why the server could not start: one line for the user. */
    public static final class StartupException extends Exception {
        StartupException(String message) {
            super(message);
        }
    }

    private StunServer(InetAddress primary, InetAddress other, int port, int otherPort) throws StartupException {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new StartupException("stun-server: cannot open a selector: " + e.getMessage());
        }
        InetAddress[] ips = {primary, other};
        int[] ports = {port, otherPort};
        for (int i = 0; i < 4; i++) {
            InetSocketAddress at = new InetSocketAddress(ips[i >> 1], ports[i & 1]);
            try {
                DatagramChannel ch = DatagramChannel.open(ips[i >> 1].getAddress().length == 4
                        ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
                channels[i] = ch;
                ch.bind(at);
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, i);
                sockets[i] = (InetSocketAddress) ch.getLocalAddress();
            } catch (IOException e) {
                close();
                throw new StartupException("stun-server: cannot bind udp " + at.getAddress().getHostAddress() + ":"
                        + at.getPort() + ": " + e.getMessage()
                        + " (is the address on one of this host's interfaces, and the port free?)");
            }
        }
        responder = new StunResponder(sockets, counters);
    }

    /**
     * Binds the four sockets: {@code primary} and {@code other} (one family), each on {@code port}
     * and {@code otherPort}. Port 0 picks a free one (tests).
     */
    public static StunServer open(InetAddress primary, InetAddress other, int port, int otherPort)
            throws StartupException {
        if (primary.equals(other)) {
            throw new StartupException("stun-server: --address and --other must differ (RFC 5780 needs two addresses)");
        }
        if (primary.getAddress().length != other.getAddress().length) {
            throw new StartupException("stun-server: --address and --other must both be IPv4 or both IPv6");
        }
        if (port == otherPort && port != 0) {
            throw new StartupException("stun-server: --port and --other-port must differ (RFC 5780 needs two ports)");
        }
        return new StunServer(primary, other, port, otherPort);
    }

    /** The bound sockets, numbered as {@link StunResponder} numbers them. */
    public InetSocketAddress socket(int index) {
        return sockets[index];
    }

    public Counters counters() {
        return counters;
    }

    /** Answers requests until {@link #stop()}. */
    public void serve() throws IOException {
        ByteBuffer in = ByteBuffer.allocate(65536); // a request with PADDING may be up to 64 KiB (RFC 5780 section 7.6)
        while (!stopping) {
            selector.select(1000);
            for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey key = it.next();
                it.remove();
                int index = (Integer) key.attachment();
                // Drain the socket: several requests may be waiting.
                for (InetSocketAddress from; (from = receive(channels[index], in)) != null; ) {
                    int length = responder.respond(index, in.array(), in.position(), from);
                    if (length > 0) {
                        InetSocketAddress to = responder.answerPort() == from.getPort() ? from
                                : new InetSocketAddress(from.getAddress(), responder.answerPort()); // RESPONSE-PORT
                        send(channels[responder.answerFrom()], ByteBuffer.wrap(responder.answer(), 0, length), to);
                    }
                }
            }
        }
    }

    private static InetSocketAddress receive(DatagramChannel ch, ByteBuffer in) {
        in.clear();
        try {
            return (InetSocketAddress) ch.receive(in);
        } catch (IOException e) {
            return null; // e.g. an ICMP error reported on the socket: nothing to read now
        }
    }

    private static void send(DatagramChannel ch, ByteBuffer out, InetSocketAddress to) {
        try {
            ch.send(out, to);
        } catch (IOException e) {
            // The client's address is unreachable now; UDP has no one to tell.
        }
    }

    /** Asks {@link #serve()} to return; from any thread (a signal handler). */
    public void stop() {
        stopping = true;
        selector.wakeup();
    }

    @Override
    public void close() {
        for (DatagramChannel ch : channels) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
