package org.jnat.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.device.FrameBatch;
import org.jnat.device.MemoryDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.nat.NatEngine;
import org.jnat.router.Router;
import org.jnat.runtime.Counters;
import org.jnat.runtime.ManualClock;
import org.jnat.stack.GsoSegmenter;
import org.jnat.stack.PartialChecksum;
import org.jnat.wire.Checksum;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Software GSO: one 64 KiB TCPv4 super-packet (Total Length 65535, MSS 1448 with the timestamp
 * option: 46 segments), as a TAP with TSO hands it over, cut into wire-sized segments with full
 * checksums ({@link #segmentFullChecksums}), or with partial checksums for a device that completes
 * them ({@link #segmentPartialChecksums}). The sink only reads each segment's length, where a
 * device would copy it out. For scale: one copy and one checksum pass over the whole super-packet
 * ({@link #copyAndCompleteChecksumOf64KiB}), the floor of any segmentation. {@link #routeOne} is
 * the whole router: the super-packet in from a TAP-like inside, through the NAT, segmented and
 * sent to a plain outside, the 46 frames read back from the memory link (one copy each way).
 */
public class GsoSegmentationBenchmark extends AverageTimeBenchmark {
    private static final int MSS = 1448;
    private static final int TCP_HEADER = 32;
    private static final int SOURCE = Ipv4Address.parse("192.168.1.10");
    private static final int DESTINATION = Ipv4Address.parse("198.51.100.10");

    private final GsoSegmenter segmenter = new GsoSegmenter(1518);
    private final PacketBuffer frame = PacketBuffer.allocate();
    private final PacketBuffer partial = PacketBuffer.allocate();
    private Blackhole blackhole;
    private final GsoSegmenter.Sink sink = (s, nextHop, now) -> blackhole.consume(s.length());

    // The whole router: a TAP-like inside (all offloads), a plain outside (AF_PACKET on a NIC), the NAT.
    private MemoryDevice.Pair inside;
    private MemoryDevice.Pair outside;
    private Router router;
    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final FrameBatch received = new FrameBatch(java.lang.foreign.Arena.ofAuto(), 64, 1600);

    @Setup(Level.Trial)
    public void setUp(Blackhole blackhole) {
        setUpFrame(blackhole);
        int rtIn = Ipv4Address.parse("192.168.1.1"), rtOut = Ipv4Address.parse("203.0.113.1");
        int isp = Ipv4Address.parse("203.0.113.254");
        RouterConfig config = new RouterConfig(
                new InterfaceConfig("memory:inside", rtIn, 24, 0x0a00_0000_0001L, 0, 1500),
                new InterfaceConfig("memory:outside", rtOut, 24, 0x0a00_0000_0003L, isp, 1500),
                NatConfig.defaults(), List.of(),
                List.of(new StaticNeighbor(SOURCE, 0x0a00_0000_0002L), new StaticNeighbor(isp, 0x0a00_0000_0004L)),
                null, null, null, null, null);
        inside = MemoryDevice.pair("inside", 1500, 256, Offloads.ALL);
        outside = MemoryDevice.pair("outside", 1500, 256, Offloads.NONE);
        Counters counters = new Counters();
        router = new Router(config, inside.a(), outside.a(), clock, counters, NatEngine.of(config, counters, 1));
        router.pollOnce(clock.nanos());
        inside.b().drain();
        outside.b().drain();
        // A SYN first, so that the NAT has the session the data belongs to.
        PacketBuffer syn = PacketBuffer.allocate();
        syn.copyFrom(frame);
        syn.clearOffload();
        Ipv4Packet ip = new Ipv4Packet().wrap(syn.segment(), 14);
        ip.totalLength(20 + TCP_HEADER).fillHeaderChecksum();
        new TcpSegment().wrap(syn.segment(), 34).flags(TcpSegment.SYN).sequenceNumber(0)
                .fillChecksum(SOURCE, DESTINATION, TCP_HEADER);
        syn.length(34 + TCP_HEADER);
        inside.b().transmit(syn);
        router.pollOnce(clock.nanos());
        if (outside.b().drain().size() != 1 || routeOne() != 46) {
            throw new IllegalStateException("the router did not segment the super-packet into 46 frames");
        }
    }

    /** One super-packet in from the inside, through the NAT, segmented, 46 frames out (read back). */
    @Benchmark
    public int routeOne() {
        inside.b().transmit(frame);
        clock.advance(1_000);
        router.pollOnce(clock.nanos());
        int n = 0;
        int got;
        while ((got = outside.b().receive(received)) > 0) {
            n += got;
        }
        return n;
    }

    private void setUpFrame(Blackhole blackhole) {
        this.blackhole = blackhole;
        MemorySegment s = frame.segment();
        int tcpLength = 65535 - 20;
        EthernetFrame.writeHeader(s, 0, 0x0a00_0000_0001L, 0x0a00_0000_0002L, EtherType.IPV4);  // to the router
        Ipv4Packet.writeHeader(s, 14, 65535, 1, true, 64, IpProtocol.TCP, SOURCE, DESTINATION);
        TcpSegment tcp = new TcpSegment().wrap(s, 34);
        tcp.sourcePort(40000).destinationPort(443).sequenceNumber(1).acknowledgmentNumber(1).headerLength(TCP_HEADER)
                .flags(TcpSegment.ACK | TcpSegment.PSH).window(502).checksum(0).urgentPointer(0);
        byte[] options = {1, 1, 8, 10, 0, 1, 2, 3, 4, 5, 6, 7};
        MemorySegment.copy(options, 0, s, ValueLayout.JAVA_BYTE, 54, options.length);
        for (int i = 34 + TCP_HEADER; i < 14 + 65535; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
        }
        frame.length(14 + 65535);
        // The partial checksum Linux leaves: the folded pseudo-header sum, not inverted.
        tcp.checksum(Checksum.fold(Checksum.pseudoHeaderSum(SOURCE, DESTINATION, IpProtocol.TCP, tcpLength)));
        frame.flags = PacketBuffer.F_NEEDS_CSUM;
        frame.checksumStart = 34;
        frame.checksumOffset = TcpSegment.CHECKSUM;
        frame.gsoType = PacketBuffer.GSO_TCPV4;
        frame.gsoSize = MSS;
        frame.headerLength = 34 + TCP_HEADER;
        int[] segments = {0};
        int n = segmenter.segment(frame, 14, false, 0, 0, (seg, nextHop, now) -> {
            Ipv4Packet ip = new Ipv4Packet().wrap(seg.segment(), 14);
            if (!ip.headerChecksumValid() || !new TcpSegment().wrap(seg.segment(), 34)
                    .checksumValid(SOURCE, DESTINATION, ip.payloadLength())) {
                throw new IllegalStateException("the benchmarked segmentation is wrong");
            }
            segments[0]++;
        });
        if (n != 46 || segments[0] != 46) {
            throw new IllegalStateException("expected 46 segments, got " + n);
        }
    }

    /** One 64 KiB super-packet into 46 segments with full TCP checksums. */
    @Benchmark
    public int segmentFullChecksums() {
        return segmenter.segment(frame, 14, false, 0, 0, sink);
    }

    /** The same, leaving the checksums partial for a device that completes them. */
    @Benchmark
    public int segmentPartialChecksums() {
        return segmenter.segment(frame, 14, true, 0, 0, sink);
    }

    /** Copies the 64 KiB super-packet and completes its checksum once: one copy and one sum, the floor of any segmentation. */
    @Benchmark
    public boolean copyAndCompleteChecksumOf64KiB() {
        partial.copyFrom(frame);
        return PartialChecksum.complete(partial, 34, partial.length());
    }
}
