package org.jnat.router;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import org.jnat.config.RouterConfig;
import org.jnat.device.FrameBatch;
import org.jnat.device.MemoryDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.device.PcapReader;
import org.jnat.device.PcapWriter;
import org.jnat.runtime.Counters;
import org.jnat.runtime.ManualClock;
import org.jnat.stack.Side;

/**
 * The offline run behind {@code jnat replay} (DESIGN section 4): the frames of two captures are
 * fed to a router over memory links in timestamp order, the router's clock follows the capture
 * timestamps, and what the router sends on each side is written to a capture of its own.
 *
 * <p>Between two frames the clock moves in steps of at most {@link #STEP_NANOS}, so that timers
 * (ARP retries, fragment timeouts) fire at their time; after the last frame it runs on for
 * {@link #TAIL_NANOS} (or as long as asked), so that what those timers send is written too (ARP
 * gives up after 3 s; the NAT rejects an unsolicited SYN after 6 s).
 */
public final class Replay {
    public static final long STEP_NANOS = 100_000_000L;
    public static final long TAIL_NANOS = 5_000_000_000L;
    private static final int LINK_MTU = 9000;
    private static final int RING = 64;

    /** What a replay did. */
    public record Result(long insideFramesIn, long outsideFramesIn, long insideFramesOut, long outsideFramesOut,
                         long framesTooBig) {
    }

    private final Router router;
    private final ManualClock clock;
    private final MemoryDevice.Pair[] links = new MemoryDevice.Pair[2];
    private final PcapWriter[] writers = new PcapWriter[2];
    private final FrameBatch drain;
    private final long[] out = new long[2];
    private long tooBig;

    private Replay(RouterConfig config, Counters counters, Translator translator, PcapWriter inside,
                   PcapWriter outside, long startNanos) {
        clock = new ManualClock(startNanos);
        // The links carry jumbo frames, so that a capture taken on a larger MTU than the config's
        // still reaches the router (which then applies its own MTU).
        links[Side.INSIDE] = MemoryDevice.pair("replay-inside", Math.max(config.inside().mtu(), LINK_MTU), RING,
                Offloads.NONE);
        links[Side.OUTSIDE] = MemoryDevice.pair("replay-outside", Math.max(config.outside().mtu(), LINK_MTU), RING,
                Offloads.NONE);
        writers[Side.INSIDE] = inside;
        writers[Side.OUTSIDE] = outside;
        router = new Router(config, links[Side.INSIDE].a(), links[Side.OUTSIDE].a(), clock, counters, translator);
        drain = new FrameBatch(Arena.ofAuto(), 64, links[Side.INSIDE].a().maxFrameLength());
    }

    /**
     * Replays {@code insidePcap} (and {@code outsidePcap}, may be null) through a router made from
     * {@code config}, writing {@code inside.pcap} and {@code outside.pcap} into {@code directory}.
     * Device lines in the config are ignored: the router's devices are memory links.
     */
    public static Result run(RouterConfig config, Path insidePcap, Path outsidePcap, Path directory, Counters counters,
                             Translator translator) throws IOException {
        return run(config, insidePcap, outsidePcap, directory, counters, translator, TAIL_NANOS);
    }

    /** As {@link #run(RouterConfig, Path, Path, Path, Counters, Translator)}, running on {@code tailNanos} after the last frame. */
    public static Result run(RouterConfig config, Path insidePcap, Path outsidePcap, Path directory, Counters counters,
                             Translator translator, long tailNanos) throws IOException {
        try (PcapReader inside = PcapReader.open(insidePcap);
             PcapReader outside = outsidePcap == null ? null : PcapReader.open(outsidePcap);
             PcapWriter insideOut = PcapWriter.create(directory.resolve("inside.pcap"), PcapWriter.Resolution.NANOSECONDS);
             PcapWriter outsideOut = PcapWriter.create(directory.resolve("outside.pcap"), PcapWriter.Resolution.NANOSECONDS)) {
            PacketBuffer nextInside = PacketBuffer.allocate();
            PacketBuffer nextOutside = PacketBuffer.allocate();
            boolean haveInside = inside.next(nextInside);
            boolean haveOutside = outside != null && outside.next(nextOutside);
            long start = Math.min(haveInside ? nextInside.timestampNanos : Long.MAX_VALUE,
                    haveOutside ? nextOutside.timestampNanos : Long.MAX_VALUE);
            Replay replay = new Replay(config, counters, translator, insideOut, outsideOut,
                    start == Long.MAX_VALUE ? 0 : start);
            long[] in = new long[2];
            replay.router.start(replay.clock.nanos());
            replay.collect();
            while (haveInside || haveOutside) {
                // Timestamp order; on a tie the inside goes first (a request before its answer).
                boolean takeInside = haveInside && (!haveOutside || nextInside.timestampNanos <= nextOutside.timestampNanos);
                PacketBuffer frame = takeInside ? nextInside : nextOutside;
                int side = takeInside ? Side.INSIDE : Side.OUTSIDE;
                replay.advanceTo(frame.timestampNanos);
                replay.feed(frame, side);
                in[side]++;
                if (takeInside) {
                    haveInside = inside.next(nextInside);
                } else {
                    haveOutside = outside.next(nextOutside);
                }
            }
            replay.advanceTo(replay.clock.nanos() + tailNanos);
            return new Result(in[Side.INSIDE], in[Side.OUTSIDE], replay.out[Side.INSIDE], replay.out[Side.OUTSIDE],
                    replay.tooBig);
        }
    }

    public static Result run(RouterConfig config, Path insidePcap, Path outsidePcap, Path directory, Counters counters)
            throws IOException {
        return run(config, insidePcap, outsidePcap, directory, counters, Translator.ROUTING);
    }

    private void feed(PacketBuffer frame, int side) {
        if (!links[side].b().transmit(frame)) {
            tooBig++;
        }
        while (router.pollOnce(clock.nanos()) > 0) {
            collect();
        }
        collect();
    }

    /** Moves the clock to {@code time} (never back), polling at each step on the way. */
    private void advanceTo(long time) {
        while (clock.nanos() < time) {
            clock.set(Math.min(time, clock.nanos() + STEP_NANOS));
            router.pollOnce(clock.nanos());
            collect();
        }
    }

    /** Writes what the router sent on each side, stamped with the router's time. */
    private void collect() {
        for (int side = 0; side < 2; side++) {
            int n;
            while ((n = links[side].b().receive(drain)) > 0) {
                for (int i = 0; i < n; i++) {
                    writers[side].write(drain.get(i), clock.nanos());
                    out[side]++;
                }
            }
        }
    }
}
