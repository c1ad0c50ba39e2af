package org.jnat.app.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One side of UDP hole punching (RFC 5128 section 3.3), run in a lab host through
 * {@code jnat lab exec}: learns its mapping from a STUN server (an RFC 5389 binding request; the
 * answer's XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from an RFC 3489 server), prints
 * {@code MAPPED ip:port}, reads the peer's mapping as one line {@code ip:port} on stdin, then sends
 * to it from the same socket every 100 ms for SECONDS seconds. Prints {@code GOT <datagram> FROM
 * ip:port} for the first datagram of the peer and exits 0 (after punching on for another second, so
 * that the peer gets ours too), or prints {@code NOTHING} and exits 1.
 *
 * <p>Usage: {@code HolePunchPeer BIND_ADDRESS STUN_ADDRESS STUN_PORT NAME SECONDS}
 */
public final class HolePunchPeer {
    private static final int MAGIC_COOKIE = 0x2112A442;

    private HolePunchPeer() {
    }

    public static void main(String[] args) throws IOException {
        String name = args[3];
        long seconds = Long.parseLong(args[4]);
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(args[0]), 0))) {
            InetSocketAddress mapped = stunBinding(socket, new InetSocketAddress(args[1], Integer.parseInt(args[2])));
            System.out.println("MAPPED " + mapped.getAddress().getHostAddress() + ":" + mapped.getPort());
            System.out.flush();
            String peerLine = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            String[] peerParts = peerLine.strip().split(":");
            InetSocketAddress peer = new InetSocketAddress(peerParts[0], Integer.parseInt(peerParts[1]));
            byte[] hello = ("punch from " + name).getBytes(StandardCharsets.UTF_8);
            byte[] buffer = new byte[1500];
            socket.setSoTimeout(100);
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            String got = null;
            while (System.nanoTime() - end < 0) {
                socket.send(new DatagramPacket(hello, hello.length, peer));
                try {
                    DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                    socket.receive(in);
                    String text = new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
                    if (got == null && text.startsWith("punch from ")) {
                        got = text + " FROM " + in.getAddress().getHostAddress() + ":" + in.getPort();
                        System.out.println("GOT " + got);
                        System.out.flush();
                        end = Math.min(end, System.nanoTime() + 1_000_000_000L);
                    }
                } catch (SocketTimeoutException e) {
                    // nothing this round: punch again
                }
            }
            if (got == null) {
                System.out.println("NOTHING");
                System.exit(1);
            }
        }
    }

    /** The server-reflexive address of {@code socket}: up to 5 binding requests, 1 s apart. */
    static InetSocketAddress stunBinding(DatagramSocket socket, InetSocketAddress server) throws IOException {
        byte[] request = new byte[20];
        ByteBuffer b = ByteBuffer.wrap(request);
        b.putShort((short) 0x0001).putShort((short) 0).putInt(MAGIC_COOKIE);
        byte[] transaction = new byte[12];
        ThreadLocalRandom.current().nextBytes(transaction);
        b.put(transaction);
        socket.setSoTimeout(1000);
        byte[] buffer = new byte[1500];
        for (int attempt = 0; attempt < 5; attempt++) {
            socket.send(new DatagramPacket(request, request.length, server));
            DatagramPacket in = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(in);
            } catch (SocketTimeoutException e) {
                continue;
            }
            InetSocketAddress mapped = mappedAddress(ByteBuffer.wrap(in.getData(), 0, in.getLength()));
            if (mapped != null) {
                return mapped;
            }
        }
        throw new IOException("no STUN binding response from " + server);
    }

    /** XOR-MAPPED-ADDRESS (0x0020, or 0x8020 of pre-RFC servers) first, else MAPPED-ADDRESS; null if neither. */
    private static InetSocketAddress mappedAddress(ByteBuffer r) throws IOException {
        if (r.remaining() < 20 || r.getShort(0) != 0x0101) {
            return null;
        }
        InetSocketAddress plain = null;
        int at = 20;
        int end = Math.min(r.limit(), 20 + (r.getShort(2) & 0xffff));
        while (at + 4 <= end) {
            int type = r.getShort(at) & 0xffff;
            int length = r.getShort(at + 2) & 0xffff;
            if ((type == 0x0020 || type == 0x8020 || type == 0x0001) && length >= 8 && r.get(at + 5) == 1) {
                int port = r.getShort(at + 6) & 0xffff;
                int address = r.getInt(at + 8);
                if (type != 0x0001) {
                    port ^= MAGIC_COOKIE >>> 16;
                    address ^= MAGIC_COOKIE;
                }
                byte[] a = ByteBuffer.allocate(4).putInt(address).array();
                InetSocketAddress found = new InetSocketAddress(InetAddress.getByAddress(a), port);
                if (type != 0x0001) {
                    return found;
                }
                plain = found;
            }
            at += 4 + ((length + 3) & ~3);
        }
        return plain;
    }
}
