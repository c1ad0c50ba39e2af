package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.testing.Pcaps;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.MacAddress;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Differential test of the engine against the Linux kernel's NAT, on the reference captures
 * ({@code vectors/linux-nat}, README there): the frames the client sent (inside) and the server
 * side sent (outside) go through the engine in timestamp order, and every packet the engine
 * forwards must be, byte for byte from the IP header on, the packet the kernel forwarded. The
 * router's part is played by the harness: the TTL check before and the TTL decrement after the
 * translation. The only freedom taken is the one the issue allows: the public port of the second
 * host in two-hosts-same-port.
 *
 * <p>udp-fragmented is not here: the engine sees only reassembled datagrams, and reassembly is the
 * router's (its replay test covers that scenario).
 */
public class LinuxNatReplayTest {
    /** Every scenario the engine replays (udp-fragmented is the router's: see above). */
    public static final String[] SCENARIOS = {"tcp-http", "udp-echo", "icmp-echo", "traceroute", "udp-closed-port",
            "tcp-closed-port", "pmtu-upload", "two-hosts-same-port", "icmp-frag-needed", "tcp-port-forward",
            "unsolicited-inbound"};

    static final long CLIENT = MacAddress.parse("16:6e:36:a4:8d:ef");
    static final long ROUTER_INSIDE = MacAddress.parse("5a:75:f7:80:43:b1");
    static final long ROUTER_OUTSIDE = MacAddress.parse("42:9f:da:77:32:42");
    static final long ISP = MacAddress.parse("c6:de:e7:74:70:29");
    static final int PUBLIC = Ipv4Address.parse("203.0.113.1");
    static final int INSIDE_ADDRESS = Ipv4Address.parse("192.168.1.1");
    static final int IP = EthernetFrame.HEADER_LENGTH;

    record Input(long time, byte[] frame, boolean fromInside) {
    }

    static List<byte[]> sentBy(List<Pcaps.Record> records, long mac) {
        List<byte[]> out = new ArrayList<>();
        for (Pcaps.Record r : records) {
            EthernetFrame e = new EthernetFrame().wrap(MemorySegment.ofArray(r.frame()), 0);
            if (e.source() == mac && e.etherType() == EtherType.IPV4) {
                out.add(r.frame());
            }
        }
        return out;
    }

    static byte[] datagram(MemorySegment frame) {
        int total = new Ipv4Packet().wrap(frame, IP).totalLength();
        return frame.asSlice(IP, total).toArray(ValueLayout.JAVA_BYTE);
    }

    static void setPort(MemorySegment frame, boolean source, int port) {
        Ipv4Packet ip = new Ipv4Packet().wrap(frame, IP);
        if (ip.protocol() == IpProtocol.UDP) {
            UdpDatagram u = new UdpDatagram().wrap(frame, ip.payloadOffset());
            if (source) {
                u.sourcePortUpdatingChecksum(port);
            } else {
                u.destinationPortUpdatingChecksum(port);
            }
        } else if (ip.protocol() == IpProtocol.TCP) {
            TcpSegment t = new TcpSegment().wrap(frame, ip.payloadOffset());
            if (source) {
                t.sourcePortUpdatingChecksum(port);
            } else {
                t.destinationPortUpdatingChecksum(port);
            }
        }
    }

    static int sourcePort(MemorySegment frame) {
        Ipv4Packet ip = new Ipv4Packet().wrap(frame, IP);
        return ip.protocol() == IpProtocol.ICMP ? -1 : Short.toUnsignedInt(
                frame.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), ip.payloadOffset()));
    }

    static int destinationPort(MemorySegment frame) {
        Ipv4Packet ip = new Ipv4Packet().wrap(frame, IP);
        return ip.protocol() == IpProtocol.ICMP ? -1 : Short.toUnsignedInt(frame.get(
                ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), ip.payloadOffset() + 2));
    }

    @ParameterizedTest
    @FieldSource("SCENARIOS")
    void engineForwardsWhatTheKernelForwarded(String scenario) {
        replay(scenario, NatConfig.defaults().withLimits(4096, 1024).withUnmatched(NatConfig.Unmatched.REJECT));
    }

    /**
     * Replays {@code scenario} through an engine made with {@code config} (and the captures' port
     * forward, tcp 8080 to 192.168.1.10:8000) and checks that it forwards what the kernel did.
     */
    public static void replay(String scenario, NatConfig config) {
        List<Pcaps.Record> inside = Pcaps.read(Pcaps.linuxNat(scenario + "-inside"));
        List<Pcaps.Record> outside = Pcaps.read(Pcaps.linuxNat(scenario + "-outside"));
        List<Input> inputs = new ArrayList<>();
        for (Pcaps.Record r : inside) {
            if (sentBy(List.of(r), CLIENT).size() == 1) {
                inputs.add(new Input(r.timestampNanos(), r.frame(), true));
            }
        }
        for (Pcaps.Record r : outside) {
            if (sentBy(List.of(r), ISP).size() == 1) {
                inputs.add(new Input(r.timestampNanos(), r.frame(), false));
            }
        }
        inputs.sort(Comparator.comparingLong(Input::time));
        // What the kernel forwarded: everything rt sent, less what rt said itself (from 192.168.1.1).
        List<byte[]> expectedInside = new ArrayList<>();
        for (byte[] f : sentBy(inside, ROUTER_INSIDE)) {
            if (new Ipv4Packet().wrap(MemorySegment.ofArray(f), IP).sourceAddress() != INSIDE_ADDRESS) {
                expectedInside.add(datagram(MemorySegment.ofArray(f)));
            }
        }
        List<byte[]> expectedOutside = new ArrayList<>();
        boolean unsolicited = scenario.equals("unsolicited-inbound");
        if (!unsolicited) { // there, every frame rt sent outside is its own answer
            for (byte[] f : sentBy(outside, ROUTER_OUTSIDE)) {
                expectedOutside.add(datagram(MemorySegment.ofArray(f)));
            }
        }

        NatEngine nat = new NatEngine(config, PUBLIC, INSIDE_ADDRESS,
                List.of(new ForwardRule(IpProtocol.TCP, 8080, 8080, Ipv4Address.parse("192.168.1.10"), 8000)),
                new Counters(), 1);
        List<byte[]> gotInside = new ArrayList<>();
        List<byte[]> gotOutside = new ArrayList<>();
        List<Integer> verdicts = new ArrayList<>();
        Map<Integer, Integer> kernelToOurs = new HashMap<>(); // public ports that differ (two-hosts only)
        for (Input in : inputs) {
            PacketBuffer b = Frames.buffer();
            MemorySegment.copy(in.frame(), 0, b.segment(), ValueLayout.JAVA_BYTE, 0, in.frame().length);
            b.length(in.frame().length);
            Ipv4Packet ip = new Ipv4Packet().wrap(b.segment(), IP);
            if (ip.ttl() <= 1) {
                continue; // the router answers time exceeded before any translation
            }
            b.length(IP + ip.totalLength());
            if (!in.fromInside() && kernelToOurs.containsKey(destinationPort(b.segment()))) {
                setPort(b.segment(), false, kernelToOurs.get(destinationPort(b.segment())));
            }
            int verdict = in.fromInside() ? nat.outbound(b, IP, in.time()) : nat.inbound(b, IP, in.time());
            verdicts.add(verdict);
            if (verdict != NatVerdict.FORWARD) {
                continue;
            }
            ip.decrementTtl();
            boolean toInside = Ipv4Address.inPrefix(ip.destinationAddress(), INSIDE_ADDRESS, 24);
            if (!toInside) {
                int index = gotOutside.size();
                if (index < expectedOutside.size()) {
                    MemorySegment kernel = MemorySegment.ofArray(new byte[IP + expectedOutside.get(index).length]);
                    MemorySegment.copy(expectedOutside.get(index), 0, kernel, ValueLayout.JAVA_BYTE, IP,
                            expectedOutside.get(index).length);
                    int theirs = sourcePort(kernel);
                    int ours = sourcePort(b.segment());
                    if (theirs != ours && scenario.equals("two-hosts-same-port")) {
                        kernelToOurs.put(theirs, ours);
                        setPort(b.segment(), true, theirs); // compare the rest byte for byte
                        assertThat(FrameFields.checksumsValid(b)).isTrue();
                    }
                }
            }
            (toInside ? gotInside : gotOutside).add(datagram(b.segment()));
        }
        System.out.printf("replay %s: %d inputs, %d forwarded inside, %d outside%n", scenario, inputs.size(),
                gotInside.size(), gotOutside.size());
        if (unsolicited) {
            assertThat(verdicts).as("UDP rejected, SYN held 6 s (REQ-4; the kernel answered at once), ping local")
                    .containsExactly(NatVerdict.REJECT, NatVerdict.CONSUMED, NatVerdict.LOCAL);
        }
        assertThat(gotOutside).hasSameSizeAs(expectedOutside);
        for (int i = 0; i < expectedOutside.size(); i++) {
            assertThat(gotOutside.get(i)).as("%s: outside packet %d", scenario, i).isEqualTo(expectedOutside.get(i));
        }
        assertThat(gotInside).hasSameSizeAs(expectedInside);
        for (int i = 0; i < expectedInside.size(); i++) {
            assertThat(gotInside.get(i)).as("%s: inside packet %d", scenario, i).isEqualTo(expectedInside.get(i));
        }
        if (scenario.equals("two-hosts-same-port")) {
            assertThat(kernelToOurs).as("only the second host's port may differ").hasSizeLessThanOrEqualTo(1);
        }
    }
}
