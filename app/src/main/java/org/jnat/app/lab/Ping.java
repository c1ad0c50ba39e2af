package org.jnat.app.lab;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.jnat.linux.ProbeSocket;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;

/**
 * jnat's own {@code ping -c COUNT -i INTERVAL -W WAIT TARGET}, for a lab host that has no ping:
 * ICMP echo requests of 56 data bytes from a raw socket in that host's namespace, printed the way
 * iputils' ping prints them, summary lines included.
 */
public final class Ping {
    private static final int DATA = 56;

    private Ping() {
    }

    /** Pings {@code target} from namespace {@code ns}; exit code 0 if any reply came, 1 otherwise (as ping). */
    public static Shell.Result run(String ns, String target, int count, int intervalMillis, int waitMillis) {
        int address = Ipv4Address.parse(target);
        int id = ThreadLocalRandom.current().nextInt(1, 0x10000);
        StringBuilder out = new StringBuilder("PING %s (%s) %d(%d) bytes of data.%n".formatted(target, target, DATA,
                DATA + 28));
        double[] rtts = new double[count];
        int received = 0;
        long start = System.nanoTime();
        try (ProbeSocket socket = ProbeSocket.icmp(ns); Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(IcmpPacket.HEADER_LENGTH + DATA);
            MemorySegment reply = arena.allocate(65536);
            for (int seq = 1; seq <= count; seq++) {
                if (seq > 1) {
                    sleep(intervalMillis);
                }
                IcmpPacket echo = new IcmpPacket().wrap(request, 0);
                echo.type(IcmpPacket.ECHO_REQUEST).code(0).identifier(id).sequenceNumber(seq).checksum(0);
                echo.check((int) request.byteSize());
                echo.fillChecksum();
                long sent = System.nanoTime();
                socket.send(request, (int) request.byteSize(), address, 0);
                int ttl = awaitReply(socket, reply, address, id, seq, sent + waitMillis * 1_000_000L);
                if (ttl >= 0) {
                    rtts[received++] = (System.nanoTime() - sent) / 1e6;
                    out.append(String.format(Locale.ROOT, "%d bytes from %s: icmp_seq=%d ttl=%d time=%.3f ms%n",
                            IcmpPacket.HEADER_LENGTH + DATA, target, seq, ttl, rtts[received - 1]));
                }
            }
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        out.append("%n--- %s ping statistics ---%n".formatted(target));
        out.append("%d packets transmitted, %d received, %d%% packet loss, time %dms%n".formatted(count, received,
                (count - received) * 100 / count, elapsed));
        if (received > 0) {
            double min = Double.MAX_VALUE, max = 0, sum = 0, squares = 0;
            for (int i = 0; i < received; i++) {
                min = Math.min(min, rtts[i]);
                max = Math.max(max, rtts[i]);
                sum += rtts[i];
                squares += rtts[i] * rtts[i];
            }
            double avg = sum / received;
            double mdev = Math.sqrt(Math.max(0, squares / received - avg * avg));
            out.append(String.format(Locale.ROOT, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms%n", min, avg, max,
                    mdev));
        }
        return new Shell.Result(java.util.List.of("ping", "-c", "" + count, target), received > 0 ? 0 : 1,
                out.toString(), "");
    }

    /** The TTL of the echo reply {@code id}/{@code seq} from {@code from}, or -1 if none came by {@code deadline}. */
    private static int awaitReply(ProbeSocket socket, MemorySegment buffer, int from, int id, int seq, long deadline) {
        Ipv4Packet ip = new Ipv4Packet();
        IcmpPacket icmp = new IcmpPacket();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            int n = socket.receive(buffer, (int) Math.max(1, left / 1_000_000));
            if (n > 0 && ip.wrap(buffer, 0).check(n) && ip.protocol() == IpProtocol.ICMP
                    && ip.sourceAddress() == from && icmp.wrap(buffer, ip.payloadOffset()).check(ip.payloadLength())
                    && icmp.type() == IcmpPacket.ECHO_REPLY && icmp.identifier() == id
                    && icmp.sequenceNumber() == seq) {
                return ip.ttl();
            }
        }
        return -1;
    }

    static void sleep(int millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        }
    }
}
