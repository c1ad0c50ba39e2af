package org.jnat.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.UdpDatagram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The core of an outbound NAT translation on the wire views: parse an Ethernet/IPv4/UDP frame
 * (every check), rewrite its source address and port, and update the IPv4 and UDP checksums
 * incrementally (RFC 1624). The frame is udp-echo-inside.pcap frame 1 in a native segment, as a
 * device would deliver it. Successive operations alternate between two public endpoints so that
 * every rewrite really changes the bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class UdpRewriteBenchmark {
    /** udp-echo-inside.pcap frame 1: 192.168.1.10:41001 to 198.51.100.10:5353, "hello\n". */
    private static final String FRAME = "5a75f78043b1166e36a48def08004500" + "00223fe640004011" + "0ef5c0a8010ac633"
            + "640aa02914e9000e1af368656c6c6f0a";

    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final UdpDatagram udp = new UdpDatagram();
    private final int[] addresses = {Ipv4Address.parse("203.0.113.1"), Ipv4Address.parse("192.168.1.10")};
    private final int[] ports = {61001, 41001};

    private MemorySegment frame;
    private int length;
    private int round;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] bytes = HexFormat.of().parseHex(FRAME);
        // A frame slot as the devices make them (PacketBuffer: native, 64-byte aligned, auto arena).
        frame = PacketBuffer.allocate().segment();
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, frame, 0, bytes.length);
        length = bytes.length;
    }

    /**
     * Experimental control: one load and one store on the same frame, the floor of any operation
     * here. On a quiet machine it is about a nanosecond; when it is much more, the machine is
     * busy and parseAndRewrite is inflated likewise.
     */
    @Benchmark
    public int baseline() {
        int i = round++ & 1;
        frame.set(ValueLayout.JAVA_INT_UNALIGNED, 26, addresses[i]);
        return frame.get(ValueLayout.JAVA_SHORT_UNALIGNED, 24);
    }

    @Benchmark
    public int parseAndRewrite() {
        int i = round++ & 1;
        if (!ethernet.wrap(frame, 0).check(length) || ethernet.etherType() != EtherType.IPV4) {
            return -1;
        }
        int rest = length - ethernet.headerLength();
        if (!ip.wrap(frame, ethernet.payloadOffset()).check(rest) || ip.protocol() != IpProtocol.UDP
                || ip.isFragment()) {
            return -2;
        }
        if (!udp.wrap(frame, ip.payloadOffset()).check(ip.payloadLength())) {
            return -3;
        }
        int oldAddress = ip.sourceAddress();
        int newAddress = addresses[i];
        ip.sourceAddressUpdatingChecksum(newAddress);
        udp.translateSource(oldAddress, newAddress, ports[i]);
        return newAddress;
    }
}
