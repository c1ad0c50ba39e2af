package org.jnat.app.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One side of TCP hole punching by simultaneous open (RFC 5128 section 4; RFC 5382 REQ-2a), run
 * in a lab host through {@code jnat lab exec}. From one local port it connects to a reflector that
 * writes back the address it sees ({@code ip port}, one line) and keeps that connection open, so
 * that the NATs keep the mapping; prints {@code MAPPED ip:port}; reads the peer's mapping as one
 * line on stdin; then, from the same local port, connects to the peer until a connection is made or
 * SECONDS pass. Both sides' SYNs cross: each NAT lets the other's SYN in once its own went out.
 * Over the connection it writes {@code tcp from NAME} and prints {@code GOT <the peer's line> FROM
 * ip:port} and {@code ATTEMPTS n} (the connects it took), exit 0; or prints {@code NOTHING <last
 * failure>}, exit 1.
 *
 * <p>Usage: {@code TcpHolePunchPeer BIND_ADDRESS LOCAL_PORT REFLECTOR_ADDRESS REFLECTOR_PORT NAME SECONDS}
 */
public final class TcpHolePunchPeer {
    private TcpHolePunchPeer() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        InetSocketAddress local = new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
        InetSocketAddress reflector = new InetSocketAddress(args[2], Integer.parseInt(args[3]));
        String name = args[4];
        long end = System.nanoTime() + Long.parseLong(args[5]) * 1_000_000_000L;
        try (Socket toReflector = bound(local)) {
            toReflector.connect(reflector, 5000);
            toReflector.setSoTimeout(5000);
            String mapped = reader(toReflector).readLine();
            System.out.println("MAPPED " + mapped.strip().replace(' ', ':'));
            System.out.flush();
            String[] peerParts = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                    .readLine().strip().split(":");
            InetSocketAddress peer = new InetSocketAddress(peerParts[0], Integer.parseInt(peerParts[1]));
            IOException last = null;
            for (int attempt = 1; System.nanoTime() - end < 0; attempt++) {
                // A new socket each attempt: a failed connect leaves its socket unusable.
                try (Socket s = bound(local)) {
                    long left = Math.max(1, (end - System.nanoTime()) / 1_000_000);
                    s.connect(peer, (int) Math.min(left, 3000));
                    s.setSoTimeout(5000);
                    OutputStream out = s.getOutputStream();
                    out.write(("tcp from " + name + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    String got = reader(s).readLine();
                    System.out.println("GOT " + got + " FROM " + s.getInetAddress().getHostAddress() + ":" + s.getPort());
                    System.out.println("ATTEMPTS " + attempt);
                    System.out.flush();
                    return;
                } catch (IOException e) {
                    last = e; // refused (the peer's NAT answered with a reset) or timed out: again
                    Thread.sleep(100);
                }
            }
            System.out.println("NOTHING " + last);
            System.out.flush();
            System.exit(1);
        }
    }

    /** A socket bound to {@code local}, which another connected socket of this process may share. */
    private static Socket bound(InetSocketAddress local) throws IOException {
        Socket s = new Socket();
        s.setReuseAddress(true);
        s.bind(local);
        return s;
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }
}
