package org.jnat.app.e2e;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A peer for the end-to-end tests, run in a namespace of the lab: receives UDP datagrams on
 * ADDRESS:PORT and appends one line "SOURCE-ADDRESS SOURCE-PORT" per datagram to FILE. One socket,
 * one loop: unlike socat's recvfrom-and-fork, two datagrams that arrive together are both recorded
 * (with socat, one fork's child sometimes took both and wrote one line).
 *
 * <p>Usage: {@code java -cp ... UdpPeerRecorder ADDRESS PORT FILE}; runs until killed.
 */
public final class UdpPeerRecorder {
    private UdpPeerRecorder() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[2]);
        try (DatagramSocket socket = new DatagramSocket(
                new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1])))) {
            byte[] buffer = new byte[2048];
            while (true) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                String line = packet.getAddress().getHostAddress() + " " + packet.getPort() + "\n";
                Files.writeString(file, line, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            }
        }
    }
}
