package org.jnat.pcp;

import static org.jnat.wire.Ipv4Address.parse;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.PcpConfig;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.device.MemoryDevice;
import org.jnat.nat.NatEngine;
import org.jnat.router.Router;
import org.jnat.runtime.Counters;
import org.jnat.runtime.ManualClock;
import org.jnat.testing.Frames;
import org.jnat.testing.ReferenceAddresses;
import org.jnat.testing.RouterLoop;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.PcpMessage;
import org.jnat.wire.UdpDatagram;
import org.jnat.wire.UdpFrames;

/**
 * A router with its NAT and PCP server over memory links and a manual clock (the reference
 * topology, DESIGN section 7): the test plays cl and other inside hosts, and isp for sv.
 */
final class PcpRig implements ReferenceAddresses {
    static final int CL2 = parse("192.168.1.11");
    static final long SECOND = 1_000_000_000L;

    final MemoryDevice.Pair inside = MemoryDevice.pair("inside", 1500);
    final MemoryDevice.Pair outside = MemoryDevice.pair("outside", 1500);
    final ManualClock clock = new ManualClock(SECOND);
    final Counters counters = new Counters();
    final NatEngine nat;
    final PcpServer server;
    final Router router;
    /** What the router sent on the inside besides answers: the announcements, and the translated frames. */
    final List<byte[]> announcements = new ArrayList<>();
    final List<byte[]> delivered = new ArrayList<>();

    PcpRig(PcpConfig pcp) {
        this(pcp, NatConfig.defaults(), List.of());
    }

    PcpRig(PcpConfig pcp, NatConfig natConfig, List<ForwardRule> forwards) {
        this(pcp, natConfig, forwards, false);
    }

    /** With {@code routingOnly}, the router routes without translating (the NAT is made, but not plugged in). */
    PcpRig(PcpConfig pcp, NatConfig natConfig, List<ForwardRule> forwards, boolean routingOnly) {
        RouterConfig config = new RouterConfig(
                new InterfaceConfig("memory:inside", RT_IN, 24, RT_IN_MAC, 0, 1500),
                new InterfaceConfig("memory:outside", RT_OUT, 24, RT_OUT_MAC, ISP, 1500),
                natConfig, forwards, List.of(new StaticNeighbor(CL, CL_MAC), new StaticNeighbor(CL2, CL_MAC),
                new StaticNeighbor(parse("192.168.1.12"), CL_MAC), new StaticNeighbor(parse("192.168.1.20"), CL_MAC),
                new StaticNeighbor(ISP, ISP_MAC)), null, null, null, pcp, null);
        nat = NatEngine.of(config, counters, 1);
        server = PcpServer.of(config, nat.table(), counters);
        router = new Router(config, inside.a(), outside.a(), clock, counters,
                routingOnly ? org.jnat.router.Translator.ROUTING : nat, server);
        run();
        sort(inside.b().drain());
        outside.b().drain();
    }

    static PcpConfig config(long maxLifetime, int maxPerHost, boolean thirdParty) {
        return new PcpConfig(true, maxLifetime, maxPerHost, thirdParty);
    }

    void run() {
        RouterLoop.run(router, clock);
    }

    /** Advances the clock from deadline to deadline, as the data-plane loop does; keeps what came out inside. */
    void advance(long nanos) {
        RouterLoop.advance(router, clock, nanos);
        sort(inside.b().drain());
    }

    /** The answer to {@code payload} sent from {@code host}:{@code port} to the server; null if none came. */
    byte[] ask(int host, int port, byte[] payload) {
        inside.b().send(Frames.udpFrame(CL_MAC, RT_IN_MAC, host, port, RT_IN, PcpMessage.SERVER_PORT, payload));
        run();
        byte[] answer = null;
        for (byte[] frame : inside.b().drain()) {
            MemorySegment s = MemorySegment.ofArray(frame);
            Ipv4Packet ip = new Ipv4Packet().wrap(s, 14);
            UdpDatagram udp = new UdpDatagram().wrap(s, 34);
            if (ip.check(frame.length - 14) && ip.protocol() == IpProtocol.UDP && udp.check(ip.payloadLength())
                    && ip.sourceAddress() == RT_IN && udp.sourcePort() == PcpMessage.SERVER_PORT
                    && ip.destinationAddress() == host && udp.destinationPort() == port) {
                if (!udp.checksumValid(RT_IN, host) || udp.checksum() == 0 || !ip.headerChecksumValid()) {
                    throw new AssertionError("an answer with a bad checksum");
                }
                answer = java.util.Arrays.copyOfRange(frame, 42, 34 + udp.length());
            } else {
                sort(List.of(frame));
            }
        }
        return answer;
    }

    byte[] ask(byte[] payload) {
        return ask(CL, 41000, payload);
    }

    private void sort(List<byte[]> frames) {
        for (byte[] frame : frames) {
            MemorySegment s = MemorySegment.ofArray(frame);
            Ipv4Packet ip = new Ipv4Packet().wrap(s, 14);
            if (frame.length > 34 && ip.check(frame.length - 14) && ip.destinationAddress() == UdpFrames.ALL_HOSTS) {
                announcements.add(frame);
            } else {
                delivered.add(frame);
            }
        }
    }

    /** isp brings a UDP datagram from {@code remote}:{@code remotePort} to the public address's {@code port}; returns what reached the inside. */
    List<byte[]> inboundUdp(int remote, int remotePort, int port) {
        delivered.clear();
        outside.b().send(Frames.udpFrame(ISP_MAC, RT_OUT_MAC, remote, remotePort, RT_OUT, port, new byte[] {1, 2, 3}));
        run();
        sort(inside.b().drain());
        return List.copyOf(delivered);
    }

    /** isp brings a TCP SYN from {@code remote}:{@code remotePort} to the public address's {@code port}; returns what reached the inside. */
    List<byte[]> inboundSyn(int remote, int remotePort, int port) {
        delivered.clear();
        outside.b().send(Frames.ipv4(RT_OUT_MAC, ISP_MAC, remote, RT_OUT, IpProtocol.TCP, 64, 1, 0,
                Frames.tcpSyn(remote, RT_OUT, remotePort, port, 1000)));
        run();
        sort(inside.b().drain());
        return List.copyOf(delivered);
    }

    /** cl sends a UDP datagram from {@code port} to sv:{@code remotePort}; returns the source port it left with. */
    int outboundUdp(int host, int port, int remotePort) {
        inside.b().send(Frames.udpFrame(CL_MAC, RT_IN_MAC, host, port, SV, remotePort, new byte[] {9}));
        run();
        List<byte[]> out = outside.b().drain();
        if (out.size() != 1) {
            throw new AssertionError(out.size() + " frames left by the outside");
        }
        return new UdpDatagram().wrap(MemorySegment.ofArray(out.get(0)), 34).sourcePort();
    }

    long count(String name) {
        return counters.get(name);
    }
}
