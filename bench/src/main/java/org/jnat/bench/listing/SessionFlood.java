package org.jnat.bench.listing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * Makes many UDP sessions through a NAT: from {@code sources} local ports of {@code from} to
 * {@code destinations} ports of {@code to}, one datagram each (sources x destinations sessions, an
 * endpoint-independent NAT giving each source port one external port), at about {@code rate}
 * datagrams a second so that the TAP queue in front of jnat does not overflow. Run in the client's
 * namespace: {@code SessionFlood FROM TO FIRST_SOURCE_PORT SOURCES FIRST_DESTINATION_PORT DESTINATIONS RATE}.
 */
public final class SessionFlood {
    private SessionFlood() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress from = InetAddress.getByName(args[0]);
        InetAddress to = InetAddress.getByName(args[1]);
        int firstSource = Integer.parseInt(args[2]);
        int sources = Integer.parseInt(args[3]);
        int firstDestination = Integer.parseInt(args[4]);
        int destinations = Integer.parseInt(args[5]);
        long rate = Long.parseLong(args[6]);
        DatagramChannel[] channels = new DatagramChannel[sources];
        for (int s = 0; s < sources; s++) {
            channels[s] = DatagramChannel.open().bind(new InetSocketAddress(from, firstSource + s));
        }
        ByteBuffer payload = ByteBuffer.allocateDirect(16);
        long gap = 1_000_000_000L * 64 / rate; // nanoseconds per 64 datagrams
        long next = System.nanoTime();
        long sent = 0;
        // Destination-major: consecutive datagrams come from different sockets, so no socket's
        // buffer fills, and each source port's mapping is made in the first round.
        for (int d = 0; d < destinations; d++) {
            InetSocketAddress target = new InetSocketAddress(to, firstDestination + d);
            for (int s = 0; s < sources; s++) {
                payload.clear();
                channels[s].send(payload, target);
                if (++sent % 64 == 0) {
                    next += gap;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
            }
        }
        for (DatagramChannel c : channels) {
            c.close();
        }
        System.out.println("sent " + sent);
    }
}
