package org.jnat.router;

import static org.jnat.wire.Ipv4Address.parse;

import java.util.ArrayList;
import java.util.List;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.device.MemoryDevice;
import org.jnat.device.Offloads;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.runtime.ManualClock;
import org.jnat.testing.Frames;
import org.jnat.wire.MacAddress;

/**
 * The reference topology (DESIGN section 7) around one router over memory links, with a manual
 * clock: the test plays cl on the inside link and isp on the outside link.
 */
final class MemoryTopology {
    static final long RT_IN_MAC = MacAddress.parse("5a:75:f7:80:43:b1");
    static final long RT_OUT_MAC = MacAddress.parse("42:9f:da:77:32:42");
    static final long CL_MAC = MacAddress.parse("16:6e:36:a4:8d:ef");
    static final long ISP_MAC = MacAddress.parse("c6:de:e7:74:70:29");
    static final int RT_IN = parse("192.168.1.1");
    static final int RT_OUT = parse("203.0.113.1");
    static final int CL = parse("192.168.1.10");
    static final int ISP = parse("203.0.113.254");
    static final int SV = parse("198.51.100.10");
    static final long MS = 1_000_000L;

    final MemoryDevice.Pair inside;
    final MemoryDevice.Pair outside;
    final ManualClock clock = new ManualClock(1_000_000_000L);
    final Counters counters = new Counters();
    final Router router;

    MemoryTopology() {
        this(true, 1500, 1500, Translator.ROUTING);
    }

    MemoryTopology(boolean staticNeighbors, int insideMtu, int outsideMtu, Translator translator) {
        this(staticNeighbors, insideMtu, outsideMtu, (config, counters) -> translator);
    }

    /** A lab whose translator is made from its config and counters (the NAT engine). */
    MemoryTopology(boolean staticNeighbors, int insideMtu, int outsideMtu,
        java.util.function.BiFunction<RouterConfig, Counters, Translator> translator) {
        this(staticNeighbors, insideMtu, outsideMtu, translator, Offloads.NONE, Offloads.NONE);
    }

    /** A lab whose links carry the given offloads (virtio_net_hdr metadata, as TAP devices do). */
    MemoryTopology(boolean staticNeighbors, int insideMtu, int outsideMtu,
        java.util.function.BiFunction<RouterConfig, Counters, Translator> translator, Offloads insideOffloads,
        Offloads outsideOffloads) {
        this(staticNeighbors, insideMtu, outsideMtu, translator, insideOffloads, outsideOffloads, NatConfig.defaults(),
                256);
    }

    /**
     * A lab with the NAT configured by {@code nat} and links of {@code ringSlots} slots (16 where
     * the link has segmentation offloads: 64 KiB slots): the fuzzer sizes both small, so that a
     * lab per input is cheap.
     */
    MemoryTopology(boolean staticNeighbors, int insideMtu, int outsideMtu,
        java.util.function.BiFunction<RouterConfig, Counters, Translator> translator, Offloads insideOffloads,
        Offloads outsideOffloads, NatConfig nat, int ringSlots) {
        // Links with segmentation offloads have 64 KiB slots: fewer of them.
        inside = MemoryDevice.pair("inside", insideMtu, insideOffloads == Offloads.NONE ? ringSlots : 16, insideOffloads);
        outside = MemoryDevice.pair("outside", outsideMtu, outsideOffloads == Offloads.NONE ? ringSlots : 16,
                outsideOffloads);
        RouterConfig config = config(staticNeighbors, insideMtu, outsideMtu, nat);
        router = new Router(config, inside.a(), outside.a(), clock, counters, translator.apply(config, counters));
        router.pollOnce(clock.nanos());
        inside.b().drain();   // the gratuitous ARPs
        outside.b().drain();
    }

    static RouterConfig config(boolean staticNeighbors, int insideMtu, int outsideMtu) {
        return config(staticNeighbors, insideMtu, outsideMtu, NatConfig.defaults());
    }

    static RouterConfig config(boolean staticNeighbors, int insideMtu, int outsideMtu, NatConfig nat) {
        List<StaticNeighbor> neighbors = new ArrayList<>();
        if (staticNeighbors) {
            neighbors.add(new StaticNeighbor(CL, CL_MAC));
            neighbors.add(new StaticNeighbor(ISP, ISP_MAC));
        }
        return new RouterConfig(
                new InterfaceConfig("memory:inside", RT_IN, 24, RT_IN_MAC, 0, insideMtu),
                new InterfaceConfig("memory:outside", RT_OUT, 24, RT_OUT_MAC, ISP, outsideMtu),
                nat, List.of(), neighbors, null);
    }

    /** cl sends a frame to the router. */
    void fromInside(byte[] frame) {
        inside.b().send(frame);
    }

    /** isp sends a frame to the router. */
    void fromOutside(byte[] frame) {
        outside.b().send(frame);
    }

    /** Runs the router until it has nothing left to read (at the current time). */
    void run() {
        while (router.pollOnce(clock.nanos()) > 0) {
            // keep going
        }
    }

    /**
     * Advances the clock as the data-plane loop does when no frame comes: from one of the
     * router's deadlines to the next, polling at each, then to the end. What is due is done on
     * time only if the router said when.
     */
    void advance(long nanos) {
        long end = clock.nanos() + nanos;
        while (clock.nanos() < end) {
            long next = router.nextDeadline();
            clock.set(next == Deadlines.NONE || next - end > 0 ? end : Math.max(next, clock.nanos() + 1));
            run();
        }
    }

    List<byte[]> insideOut() {
        return inside.b().drain();
    }

    List<byte[]> outsideOut() {
        return outside.b().drain();
    }

    long count(String name) {
        return counters.get(name);
    }

    /** A UDP datagram from cl to sv as cl puts it on the wire. */
    static byte[] clToSv(int ttl, int id, int flags, byte[] payload) {
        return Frames.ipv4(RT_IN_MAC, CL_MAC, CL, SV, 17, ttl, id, flags, Frames.udp(CL, SV, 41001, 5353, payload));
    }

    /** A UDP datagram from sv to cl (no NAT), as isp forwards it. */
    static byte[] svToCl(int ttl, int id, int flags, byte[] payload) {
        return Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, CL, 17, ttl, id, flags, Frames.udp(SV, CL, 5353, 41001, payload));
    }
}
