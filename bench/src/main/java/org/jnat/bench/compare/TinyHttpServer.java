package org.jnat.bench.compare;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The smallest HTTP/1.0 server that answers every request with "ok" and closes: the far end for
 * the new-connections-per-second measurement, so that the server costs little next to the NAT.
 * Usage: {@code TinyHttpServer ADDRESS PORT}.
 */
public final class TinyHttpServer {
    private static final byte[] RESPONSE = ("HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            .getBytes(StandardCharsets.US_ASCII);

    private TinyHttpServer() {
    }

    public static void main(String[] args) throws IOException {
        try (ServerSocket server = new ServerSocket(Integer.parseInt(args[1]), 4096, InetAddress.getByName(args[0]))) {
            server.setReuseAddress(true);
            System.out.println("listening");
            while (true) {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> serve(s));
            }
        }
    }

    private static void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[2048];
            int seen = 0;
            // Read until the blank line that ends the request head.
            int state = 0;
            while (state < 4) {
                int n = in.read(buf);
                if (n < 0) {
                    return;
                }
                for (int i = 0; i < n && state < 4; i++) {
                    byte b = buf[i];
                    state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                            ? state + 1 : (b == '\r' ? 1 : 0);
                }
                seen += n;
                if (seen > 65536) {
                    return;
                }
            }
            out.write(RESPONSE);
        } catch (IOException ignored) {
            // the client went away; nothing to do
        }
    }
}
