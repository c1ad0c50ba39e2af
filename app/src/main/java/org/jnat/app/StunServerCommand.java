package org.jnat.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Callable;
import org.jnat.app.stun.StunServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code jnat stun-server}: a STUN server (RFC 5389, RFC 5780 behaviour discovery, RFC 3489
 * clients) on two addresses and two ports, in the foreground until SIGINT or SIGTERM. UDP only.
 */
@Command(name = "stun-server", mixinStandardHelpOptions = true,
        description = "Answer STUN Binding requests (RFC 5389, RFC 5780 on two addresses and two ports, RFC 3489 clients) over UDP until SIGINT/SIGTERM.")
final class StunServerCommand implements Callable<Integer> {
    @Option(names = "--address", required = true, paramLabel = "A", description = "the primary address (a literal IP on this host)")
    String address;

    @Option(names = "--other", required = true, paramLabel = "B", description = "the other address, for CHANGE-REQUEST and OTHER-ADDRESS")
    String other;

    @Option(names = "--port", paramLabel = "PORT", description = "the primary port (default ${DEFAULT-VALUE})")
    int port = 3478;

    @Option(names = "--other-port", paramLabel = "PORT", description = "the other port (default ${DEFAULT-VALUE})")
    int otherPort = 3479;

    @Override
    public Integer call() throws IOException {
        InetAddress a = literal("--address", address);
        InetAddress b = literal("--other", other);
        if (a == null || b == null) {
            return 1;
        }
        for (int p : new int[] {port, otherPort}) {
            if (p < 1 || p > 65535) {
                System.err.println("stun-server: ports must be 1 to 65535, got " + p);
                return 1;
            }
        }
        StunServer server;
        try {
            server = StunServer.open(a, b, port, otherPort);
        } catch (StunServer.StartupException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        try (server) {
            Signal.handle(new Signal("INT"), s -> server.stop());
            Signal.handle(new Signal("TERM"), s -> server.stop());
            System.out.println("jnat stun-server: listening on udp " + hostPort(a, port) + ", " + hostPort(a, otherPort)
                    + ", " + hostPort(b, port) + ", " + hostPort(b, otherPort)
                    + " (UDP only); SIGINT or SIGTERM stops");
            System.out.flush();
            server.serve();
            System.out.println("jnat stun-server: stopped");
            server.counters().snapshot().forEach((name, value) -> {
                if (value != 0) {
                    System.out.println("jnat stun-server:   " + name + " " + value);
                }
            });
            System.out.flush();
            return 0;
        }
    }

    private static String hostPort(InetAddress ip, int port) {
        return (ip.getAddress().length == 16 ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress()) + ":" + port;
    }

    /** A literal IP address (no name look-up), or null after one line saying what is wrong. */
    private static InetAddress literal(String option, String text) {
        boolean looksLiteral = text.matches("[0-9.]+") && text.chars().filter(c -> c == '.').count() == 3
                || text.contains(":");
        if (looksLiteral) {
            try {
                return InetAddress.getByName(text);
            } catch (UnknownHostException e) {
                // falls through to the message
            }
        }
        System.err.println("stun-server: " + option + ": expected an IPv4 or IPv6 address, got \"" + text + "\"");
        return null;
    }
}
