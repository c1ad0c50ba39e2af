package org.jnat.app.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.jnat.linux.NetNamespace;

/**
 * The demo's web servers when socat is missing: listens in a lab namespace and answers every
 * connection as the demo's socat line does, reading one request line and sending an HTTP/1.0 reply
 * whose text tells the client the address and port it came from (what the NAT made of it).
 */
public final class HelloServer implements AutoCloseable {
    private final ServerSocket server;
    private final String greeting;

    private HelloServer(ServerSocket server, String greeting) {
        this.server = server;
        this.greeting = greeting;
        Thread.ofPlatform().daemon().name("jnat-demo-hello-" + server.getLocalPort()).start(this::serve);
    }

    /**
     * Listens on {@code address:port} in namespace {@code ns}; {@code greeting} is a format with two
     * {@code %s}, the client's address and port.
     */
    public static HelloServer start(String ns, String address, int port, String greeting) {
        ServerSocket server = NetNamespace.call(ns, () -> {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            return s;
        });
        return new HelloServer(server, greeting);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket client = server.accept()) {
                client.setSoTimeout(5000);
                new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                OutputStream out = client.getOutputStream();
                out.write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + greeting.formatted(
                        client.getInetAddress().getHostAddress(), client.getPort())).getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                // closed, or the client went away: the next accept says which
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing a listening socket does not fail in a way that matters here
        }
    }
}
