package org.jnat.app.e2e;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A sender for the end-to-end tests, run in a namespace of the lab: one UDP datagram from each of
 * COUNT source ports, FIRST_PORT, FIRST_PORT + STEP, ..., bound to BIND_ADDRESS, to
 * DESTINATION:PORT, one after the other (each a new flow through the NAT). The payload is the
 * source port in decimal.
 *
 * <p>Usage: {@code java -cp ... UdpFlows BIND_ADDRESS FIRST_PORT STEP COUNT DESTINATION PORT}
 */
public final class UdpFlows {
    private UdpFlows() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        InetAddress bind = InetAddress.getByName(args[0]);
        int first = Integer.parseInt(args[1]);
        int step = Integer.parseInt(args[2]);
        int count = Integer.parseInt(args[3]);
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(args[4]), Integer.parseInt(args[5]));
        for (int i = 0; i < count; i++) {
            int port = first + i * step;
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(bind, port))) {
                byte[] payload = Integer.toString(port).getBytes(StandardCharsets.US_ASCII);
                socket.send(new DatagramPacket(payload, payload.length, to));
            }
            Thread.sleep(2); // in order: the recorder's lines then follow the flows
        }
    }
}
