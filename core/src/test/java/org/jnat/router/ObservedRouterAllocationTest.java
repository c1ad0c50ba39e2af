package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.config.Timeouts;
import org.jnat.device.CaptureRing;
import org.jnat.device.EpochClock;
import org.jnat.device.FrameBatch;
import org.jnat.device.LiveCaptureDevice;
import org.jnat.device.MemoryDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.nat.NatEngine;
import org.jnat.nat.SessionLog;
import org.jnat.runtime.Counters;
import org.jnat.runtime.ManualClock;
import org.jnat.testing.Allocations;
import org.jnat.testing.Frames;
import org.junit.jupiter.api.Test;

/**
 * {@link RouterAllocationTest} with what the control plane may switch on: the session log (a session
 * made and one ended every step) and a live capture of both sides, read or not. The data plane still
 * allocates nothing per packet.
 */
class ObservedRouterAllocationTest {
    static final int PORTS = 64;

    @Test
    void forwardingWithTheSessionLogOnAndACaptureRunningAllocatesNothing() {
        MemoryDevice.Pair inside = MemoryDevice.pair("inside", 1500, 256, Offloads.NONE);
        MemoryDevice.Pair outside = MemoryDevice.pair("outside", 1500, 256, Offloads.NONE);
        ManualClock clock = new ManualClock(1_000_000_000L);
        Counters counters = new Counters();
        RouterConfig plain = MemoryTopology.config(true, 1500, 1500);
        NatConfig d = plain.nat();
        // UDP sessions live 10 ms; the test sends from 64 ports in turn, 1 ms apart: a new session
        // each step, and one ending.
        NatConfig nat = d.withTimeouts(new Timeouts(TimeUnit.MILLISECONDS.toNanos(10),
                d.timeouts().tcpEstablishedNanos(), d.timeouts().tcpTransitoryNanos(), d.timeouts().icmpNanos()));
        RouterConfig config = new RouterConfig(plain.inside(), plain.outside(), nat, List.of(), plain.neighbors(),
                null, null, null, null, null);
        NatEngine engine = NatEngine.of(config, counters, 1);
        SessionLog log = new SessionLog(1 << 12, counters);
        engine.table().log(log);
        CaptureRing ring = new CaptureRing(1 << 20, counters);
        EpochClock wall = new EpochClock();
        Router router = new Router(config, new LiveCaptureDevice(inside.a(), ring, CaptureRing.INSIDE, wall),
                new LiveCaptureDevice(outside.a(), ring, CaptureRing.OUTSIDE, wall), clock, counters, engine);
        router.pollOnce(clock.nanos());
        inside.b().drain();
        outside.b().drain();

        PacketBuffer[] up = new PacketBuffer[PORTS];
        for (int i = 0; i < PORTS; i++) {
            up[i] = Frames.buffer(Frames.ipv4(MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL,
                    MemoryTopology.SV, 17, 64, 1, 0x4000, Frames.udp(MemoryTopology.CL, MemoryTopology.SV, 20000 + i, 53,
                            new byte[200])));
        }
        FrameBatch sink = new FrameBatch(Arena.ofAuto(), 8, 2048);
        SessionLog.Record record = new SessionLog.Record();
        CaptureRing.Frame frame = new CaptureRing.Frame();
        boolean[] reading = {true};
        long[] step = {0};
        long[] forwarded = {0};
        Runnable run = () -> {
            inside.b().transmit(up[(int) (step[0]++ % PORTS)]);
            clock.advance(1_000_000);
            router.pollOnce(clock.nanos());
            forwarded[0] += outside.b().receive(sink);
            while (log.poll(record)) {
                // the writer thread's side, here only to keep the ring from filling
            }
            if (reading[0]) {
                while (ring.poll(frame)) {
                    // the capture reader's side
                }
            }
        };
        ring.start(3);
        Allocations.assertSteadyStateAllocatesNothing("NAT forwarding, session log on, capture read", run, 10_000);
        reading[0] = false;
        Allocations.assertSteadyStateAllocatesNothing("NAT forwarding, session log on, capture ring full", run, 10_000);
        ring.stop();
        Allocations.assertSteadyStateAllocatesNothing("NAT forwarding, session log on, no capture", run, 10_000);
        System.out.printf("sessions expired %d, capture frames %d, capture dropped %d, log dropped %d%n",
                counters.get("nat.sessions.expired"), counters.get("capture.frames"), ring.dropped(), log.dropped());
        assertThat(forwarded[0]).as("every datagram was forwarded").isEqualTo(step[0]);
        assertThat(counters.get("nat.sessions.expired")).as("sessions ended all along").isGreaterThan(step[0] / 2);
        assertThat(counters.get("capture.frames")).isPositive();
        assertThat(ring.dropped()).as("the unread ring filled").isPositive();
        assertThat(log.dropped()).isZero();
    }
}
