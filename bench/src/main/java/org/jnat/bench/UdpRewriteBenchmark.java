package org.jnat.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.Checksum;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.UdpDatagram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;

/**
 * The core of an outbound NAT translation on the wire views: parse an Ethernet/IPv4/UDP frame
 * (every check), rewrite its source address and port, and update the IPv4 and UDP checksums
 * incrementally (RFC 1624). The frame is udp-echo-inside.pcap frame 1 in a native frame slot, as
 * a device would deliver it. Successive operations alternate between two source endpoints so that
 * every rewrite really changes the bytes.
 *
 * <p>{@link #parseAndRewrite} is the plain average. On a shared, loaded machine that average also
 * counts the time the thread spends preempted; {@link #parseAndRewriteBatch} times {@value #BATCH}
 * operations per sample, so most samples run undisturbed and its median is the cost of the code.
 */
public class UdpRewriteBenchmark extends AverageTimeBenchmark {
    private static final int BATCH = 1000;

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
        // A frame slot as the devices make them (PacketBuffer: native, 64-byte aligned).
        frame = PacketBuffer.allocate().segment();
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, frame, 0, bytes.length);
        length = bytes.length;
        // Never time a path that fails: one translation must leave both checksums right.
        if (parseAndRewrite() != addresses[0] || !ip.headerChecksumValid()
                || udp.checksum() != Checksum.udp(frame, ip.payloadOffset(), udp.length(), ip.sourceAddress(),
                        ip.destinationAddress())) {
            throw new IllegalStateException("the benchmarked translation is wrong");
        }
        round = 0;
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, frame, 0, bytes.length);
    }

    /** Parse, translate the source endpoint, update both checksums: one packet. */
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
        int newAddress = addresses[i];
        int oldAddress = ip.translateSource(newAddress);
        udp.translateSource(oldAddress, newAddress, ports[i]);
        return newAddress;
    }

    /** {@link #parseAndRewrite}, {@value #BATCH} per sample, reported per operation as percentiles. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OperationsPerInvocation(BATCH)
    public int parseAndRewriteBatch() {
        int result = 0;
        for (int n = 0; n < BATCH; n++) {
            result += parseAndRewrite();
        }
        return result;
    }

    /**
     * The parsing share of {@link #parseAndRewriteBatch}: the three checks and the dispatch, no
     * rewrite. A byte of the payload changes each time so that the JIT cannot hoist the checks.
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OperationsPerInvocation(BATCH)
    public int parseOnlyBatch() {
        int result = 0;
        for (int n = 0; n < BATCH; n++) {
            frame.set(ValueLayout.JAVA_BYTE, 40, (byte) n);
            if (ethernet.wrap(frame, 0).check(length) && ethernet.etherType() == EtherType.IPV4
                    && ip.wrap(frame, ethernet.payloadOffset()).check(length - ethernet.headerLength())
                    && ip.protocol() == IpProtocol.UDP && !ip.isFragment()
                    && udp.wrap(frame, ip.payloadOffset()).check(ip.payloadLength())) {
                result += udp.length();
            }
        }
        return result;
    }

    /**
     * Experimental control: one store and one load on the frame, the floor of any operation here
     * (about a nanosecond on a quiet machine). When it reads much more, the machine is busy and
     * the averages above are inflated likewise.
     */
    @Benchmark
    public int baseline() {
        int i = round++ & 1;
        frame.set(ValueLayout.JAVA_INT_UNALIGNED, 26, addresses[i]);
        return frame.get(ValueLayout.JAVA_SHORT_UNALIGNED, 24);
    }
}
