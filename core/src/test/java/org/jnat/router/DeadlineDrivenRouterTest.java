package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.router.MemoryTopology.CL;
import static org.jnat.router.MemoryTopology.CL_MAC;
import static org.jnat.router.MemoryTopology.ISP;
import static org.jnat.router.MemoryTopology.ISP_MAC;
import static org.jnat.router.MemoryTopology.MS;
import static org.jnat.router.MemoryTopology.RT_IN;
import static org.jnat.router.MemoryTopology.RT_IN_MAC;
import static org.jnat.router.MemoryTopology.RT_OUT;
import static org.jnat.router.MemoryTopology.RT_OUT_MAC;
import static org.jnat.router.MemoryTopology.SV;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.config.Timeouts;
import org.jnat.nat.NatEngine;
import org.jnat.runtime.Deadlines;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.wire.MacAddress;
import org.junit.jupiter.api.Test;

/**
 * The router with the NAT, driven only by its own {@link Router#nextDeadline()} (as the data-plane
 * loop drives it when no frame comes), against the same router stepped every 10 ms, as the loop
 * drove it before there were deadlines. Random traffic comes on the 10 ms grid, so everything
 * falls due on a step of the stepped router too: both must send the same frames at the same
 * times. A deadline later than an ARP retry, a neighbor's ageing, a session's expiry, a held
 * SYN's RST or a reassembly timeout shows as a frame sent later (or not at all).
 */
class DeadlineDrivenRouterTest {
    private static final long STEP = 10 * MS;
    private static final long SECOND = 1_000 * MS;

    /** Short timeouts, so that sessions come and go within the run (the loader would refuse them). */
    private static RouterConfig withNat(RouterConfig c) {
        NatConfig nat = NatConfig.defaults().withLimits(4096, 256).withUnmatched(NatConfig.Unmatched.REJECT)
                .withTimeouts(new Timeouts(3 * SECOND, 20 * SECOND, 5 * SECOND, 2 * SECOND));
        return new RouterConfig(c.inside(), c.outside(), nat, c.forwards(), c.neighbors(), c.admin(), c.dataPlane(),
                null, null, null);
    }

    private static MemoryTopology lab() {
        return new MemoryTopology(false, 1500, 1500, (config, counters) -> NatEngine.of(withNat(config), counters, 1));
    }

    @Test
    void drivenByItsDeadlinesItSendsWhatASteppedRouterSendsWhenItSendsIt() {
        MemoryTopology stepped = lab();
        MemoryTopology sleeping = lab();
        List<String> steppedLog = new ArrayList<>();
        List<String> sleepingLog = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(2024);
        long steps = 0;
        long wakeUps = 0;
        lastSilent.put(stepped, silent(stepped));
        lastSilent.put(sleeping, silent(sleeping));
        for (int event = 0; event < 600; event++) {
            long target = stepped.clock.nanos() + STEP * r.nextInt(0, 300);
            for (long t = stepped.clock.nanos() + STEP; t <= target; t += STEP) {
                stepped.clock.set(t);
                stepped.run();
                stepped.router.timers(t);
                record(stepped, steppedLog);
                steps++;
            }
            for (int guard = 0; ; guard++) {
                assertThat(guard).as("the deadlines move on").isLessThan(1_000);
                long d = sleeping.router.nextDeadline();
                if (d == Deadlines.NONE || d - target > 0) {
                    break;
                }
                sleeping.clock.set(Math.max(d, sleeping.clock.nanos()));
                sleeping.run();
                record(sleeping, sleepingLog);
                wakeUps++;
            }
            stepped.clock.set(target);
            sleeping.clock.set(target);
            byte[] frame = randomFrame(r, event);
            if (frame != null) {
                boolean inside = FrameFields.etherType(frame) == 0x0806
                        ? FrameFields.arpSender(frame) == CL : FrameFields.ipSrc(frame) == CL;
                for (MemoryTopology lab : List.of(stepped, sleeping)) {
                    if (inside) {
                        lab.fromInside(frame);
                    } else {
                        lab.fromOutside(frame);
                    }
                }
            }
            stepped.run();
            sleeping.run();
            record(stepped, steppedLog);
            record(sleeping, sleepingLog);
        }
        assertThat(sleepingLog).isEqualTo(steppedLog);
        // What the run went through: retries and ageing, expiries, RSTs for held SYNs, timeouts.
        for (String counter : List.of("arp.outside.requests_sent", "arp.inside.expired", "arp.outside.expired",
                "nat.sessions.expired", "tcp.sent.reset", "ipv4.fragments.dropped.timeout",
                "arp.outside.frames_unresolved")) {
            assertThat(sleeping.count(counter)).as(counter).isPositive().isEqualTo(stepped.count(counter));
        }
        assertThat(wakeUps).as("wake-ups by deadline, against %d steps of 10 ms", steps).isLessThan(steps / 5);
    }

    /** What changes silently, with no frame to show it: entries aged out, sessions expired, datagrams given up. */
    private static final List<String> SILENT = List.of("arp.inside.expired", "arp.outside.expired",
            "nat.sessions.expired", "ipv4.fragments.dropped.timeout");

    /**
     * Every frame the router sent since last asked, with the time and the side; and the silent
     * counters, with the time, when they moved.
     */
    private void record(MemoryTopology lab, List<String> log) {
        for (byte[] f : lab.insideOut()) {
            log.add(lab.clock.nanos() + " inside " + HexFormat.of().formatHex(f));
        }
        for (byte[] f : lab.outsideOut()) {
            log.add(lab.clock.nanos() + " outside " + HexFormat.of().formatHex(f));
        }
        String silent = silent(lab);
        if (!silent.equals(lastSilent.put(lab, silent))) {
            log.add(lab.clock.nanos() + " silent" + silent);
        }
    }

    private static String silent(MemoryTopology lab) {
        StringBuilder silent = new StringBuilder();
        for (String counter : SILENT) {
            silent.append(' ').append(lab.count(counter));
        }
        return silent.toString();
    }

    private final java.util.Map<MemoryTopology, String> lastSilent = new java.util.IdentityHashMap<>();

    private static byte[] randomFrame(SplittableRandom r, int id) {
        int port = 1000 + r.nextInt(20);
        byte[] payload = new byte[8];
        return switch (r.nextInt(8)) {
            // cl opens or refreshes a UDP session (held while the gateway is unresolved).
            case 0, 1 -> Frames.ipv4(RT_IN_MAC, CL_MAC, CL, SV, 17, 64, id, 0, Frames.udp(CL, SV, port, 53, payload));
            // A reply, or a datagram no session takes.
            case 2 -> Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 17, 64, id, 0,
                    Frames.udp(SV, RT_OUT, 53, port, payload));
            // An unsolicited SYN: held 6 s, then refused with a RST (RFC 5382 REQ-4).
            case 3 -> Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 6, 64, id, 0,
                    Frames.tcpSyn(SV, RT_OUT, 40000 + port, port, id));
            // The gateway answers (now and then): held frames go, the entry ages later.
            case 4 -> r.nextInt(6) == 0 ? Frames.arp(RT_OUT_MAC, ISP_MAC, 2, ISP_MAC, ISP, RT_OUT_MAC, RT_OUT) : null;
            // cl asks for the router (rarely): learned, so errors can reach it, and aged.
            case 5 -> r.nextInt(10) == 0 ? Frames.arp(MacAddress.BROADCAST, CL_MAC, 1, CL_MAC, CL, 0, RT_IN) : null;
            // The first fragment of a datagram whose rest never comes: times out after 30 s.
            case 6 -> Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 17, 64, id, Frames.MF,
                    Frames.udp(SV, RT_OUT, 53, port, payload));
            default -> null;
        };
    }
}
