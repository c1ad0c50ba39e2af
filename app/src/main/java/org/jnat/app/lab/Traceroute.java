package org.jnat.app.lab;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;
import org.jnat.linux.ProbeSocket;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.UdpDatagram;

/**
 * jnat's own {@code traceroute -n -q 1 -w WAIT -m MAX TARGET}, for a lab host that has no
 * traceroute: what the classic tool does by default, UDP probes to ports 33434 and up with TTL 1, 2,
 * ..., each answered by an ICMP time-exceeded from the hop where it died, or by a port-unreachable
 * from the target itself. The answers are read from a raw ICMP socket in the same namespace.
 */
public final class Traceroute {
    /** The first destination port, as traceroute's default UDP method uses it. */
    static final int BASE_PORT = 33434;
    /** 60-byte probes, as traceroute's default: 20 of IP, 8 of UDP, 32 of data. */
    private static final int DATA = 32;

    private Traceroute() {
    }

    /** Traces the path from namespace {@code ns} to {@code target}; exit code 0 (as traceroute, even with silent hops). */
    public static Shell.Result run(String ns, String target, int maxHops, int waitMillis) {
        int address = Ipv4Address.parse(target);
        StringBuilder out = new StringBuilder("traceroute to %s (%s), %d hops max, %d byte packets%n".formatted(
                target, target, maxHops, Ipv4Packet.MIN_HEADER_LENGTH + UdpDatagram.HEADER_LENGTH + DATA));
        try (ProbeSocket icmp = ProbeSocket.icmp(ns); ProbeSocket udp = ProbeSocket.udp(ns);
             Arena arena = Arena.ofConfined()) {
            MemorySegment probe = arena.allocate(DATA);
            MemorySegment answer = arena.allocate(65536);
            for (int ttl = 1; ttl <= maxHops; ttl++) {
                int port = BASE_PORT + ttl - 1;
                udp.ttl(ttl);
                long sent = System.nanoTime();
                udp.send(probe, DATA, address, port);
                int[] hop = awaitAnswer(icmp, answer, address, port, sent + waitMillis * 1_000_000L);
                if (hop == null) {
                    out.append("%2d  *%n".formatted(ttl));
                    continue;
                }
                out.append(String.format(Locale.ROOT, "%2d  %s  %.3f ms%n", ttl, Ipv4Address.toString(hop[0]),
                        (System.nanoTime() - sent) / 1e6));
                if (hop[1] == IcmpPacket.DESTINATION_UNREACHABLE) {
                    break; // the target (or a router that refuses it) answered: the end of the path
                }
            }
        }
        return new Shell.Result(List.of("traceroute", target), 0, out.toString(), "");
    }

    /**
     * {address of the hop, ICMP type} of the error quoting our probe to {@code target:port}, or null
     * if none came by {@code deadline}.
     */
    private static int[] awaitAnswer(ProbeSocket socket, MemorySegment buffer, int target, int port, long deadline) {
        Ipv4Packet ip = new Ipv4Packet();
        IcmpPacket icmp = new IcmpPacket();
        Ipv4Packet quoted = new Ipv4Packet();
        UdpDatagram udp = new UdpDatagram();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            int n = socket.receive(buffer, (int) Math.max(1, left / 1_000_000));
            if (n <= 0 || !ip.wrap(buffer, 0).check(n) || ip.protocol() != IpProtocol.ICMP
                    || !icmp.wrap(buffer, ip.payloadOffset()).check(ip.payloadLength())) {
                continue;
            }
            int type = icmp.type();
            if ((type == IcmpPacket.TIME_EXCEEDED || type == IcmpPacket.DESTINATION_UNREACHABLE)
                    && icmp.wrapQuoted(quoted) && quoted.protocol() == IpProtocol.UDP
                    && quoted.destinationAddress() == target
                    && udp.wrap(buffer, quoted.payloadOffset()).checkQuoted(icmp.quoteLength() - quoted.headerLength())
                    && udp.destinationPort() == port) {
                return new int[] {ip.sourceAddress(), type};
            }
        }
        return null;
    }
}
