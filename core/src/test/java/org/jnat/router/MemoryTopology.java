package org.jnat.router;

import java.util.ArrayList;
import java.util.List;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.device.MemoryDevice;
import org.jnat.device.Offloads;
import org.jnat.nat.NatEngine;
import org.jnat.nat.NatEngines;
import org.jnat.runtime.Counters;
import org.jnat.runtime.ManualClock;
import org.jnat.testing.Frames;
import org.jnat.testing.ReferenceAddresses;
import org.jnat.testing.RouterLoop;

/**
 * The reference topology (DESIGN section 7) around one router over memory links, with a manual
 * clock: the test plays cl on the inside link and isp on the outside link.
 */
final class MemoryTopology implements ReferenceAddresses {
    static final long MS = 1_000_000L;
    /** Where the clock starts. */
    static final long START_NANOS = 1_000_000_000L;

    final MemoryDevice.Pair inside;
    final MemoryDevice.Pair outside;
    final ManualClock clock = new ManualClock(START_NANOS);
    final Counters counters = new Counters();
    RouterConfig config;
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
        config = config(staticNeighbors, insideMtu, outsideMtu, nat);
        router = new Router(config, inside.a(), outside.a(), clock, counters, translator.apply(config, counters));
        start();
    }

    private void start() {
        router.pollOnce(clock.nanos());
        inside.b().drain();   // the gratuitous ARPs
        outside.b().drain();
    }

    /**
     * Back to the state of a new lab made with the same translator, offloads, NAT and ring size
     * but with these neighbors and MTUs (no larger than made with), without allocating its native
     * slots again: the clock, the counters, both links, the router and the NAT engine, if it is one
     * (reset with {@code natSeed}, the seed it was made with). RouterResetTest shows that a reset
     * lab sends what a new one sends.
     */
    void reset(long natSeed, boolean staticNeighbors, int insideMtu, int outsideMtu) {
        clock.set(START_NANOS);
        counters.zero();
        inside.a().reset(insideMtu);
        inside.b().reset(insideMtu);
        outside.a().reset(outsideMtu);
        outside.b().reset(outsideMtu);
        config = config(staticNeighbors, insideMtu, outsideMtu, config.nat());
        router.reset(config);
        if (router.translator() instanceof NatEngine nat) {
            NatEngines.reset(nat, config, natSeed);
        }
        start();
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
                nat, List.of(), neighbors, null, null, null, null, null);
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
        RouterLoop.run(router, clock);
    }

    /** Advances the clock from deadline to deadline, polling at each ({@link RouterLoop#advance}). */
    void advance(long nanos) {
        RouterLoop.advance(router, clock, nanos);
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
