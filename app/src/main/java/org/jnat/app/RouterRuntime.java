package org.jnat.app;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jnat.app.log.SessionLogLines;
import org.jnat.app.log.SessionLogWriter;
import org.jnat.config.DataPlaneConfig;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.RouterConfig;
import org.jnat.device.CaptureRing;
import org.jnat.device.EpochClock;
import org.jnat.device.LiveCaptureDevice;
import org.jnat.device.NetDevice;
import org.jnat.device.Offloads;
import org.jnat.linux.IdleStrategy;
import org.jnat.linux.LinuxDevices;
import org.jnat.linux.PollLoop;
import org.jnat.linux.PollableDevice;
import org.jnat.linux.RealtimeGovernor;
import org.jnat.linux.SystemCallException;
import org.jnat.linux.TapDevice;
import org.jnat.linux.ThreadScheduling;
import org.jnat.nat.NatEngine;
import org.jnat.pcp.PcpServer;
import org.jnat.nat.NatTable;
import org.jnat.nat.SessionLog;
import org.jnat.router.Router;
import org.jnat.router.Translator;
import org.jnat.router.WarmUp;
import org.jnat.runtime.Clock;
import org.jnat.runtime.ControlQueue;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.stack.Interface;
import org.jnat.stack.Side;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.MacAddress;

/**
 * A running router on Linux devices: both devices open (or neither), the router and its NAT
 * built, and one data-plane thread in the poll loop. Used by {@code jnat run} and {@code jnat demo}.
 *
 * <p>Set-up errors are {@link StartupException}s with a one-line message that says what to do;
 * whatever was opened before the error is closed again, so nothing is ever half-started.
 */
final class RouterRuntime implements AutoCloseable {

    /** The router could not start; the message is the one line for the user. */
    static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;

        StartupException(String message) {
            super(message);
        }
    }

    private final RouterConfig config;
    private final Counters counters;
    private final PollableDevice inside;
    private final PollableDevice outside;
    /** With {@code --capture}: what the router sees instead of the bare devices; else null. */
    private final Captures captures;
    /** With {@code [admin]}: where the admin API's live captures take frames from; else null. */
    private final CaptureRing liveCapture;
    /** With {@code [log] sessions}: the session log's writer thread; else null. */
    private final SessionLogWriter sessionLog;
    private final Router router;
    /** The PCP and NAT-PMP server on the inside address, or null when {@code [pcp]} is off. */
    private final PcpServer pcp;
    private final Translator translator;
    private final PollLoop loop;
    /** The control plane's commands, drained by the data-plane thread when the loop is woken for them. */
    private final ControlQueue control = new ControlQueue(Clock.system(), new ThreadCpuClock());
    private final Clock clock;
    /**
     * With {@code realtime = "light-load"}: made on the data-plane thread once it runs under
     * SCHED_FIFO, before its first poll; read and fed by that thread only.
     */
    private RealtimeGovernor governor;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private Thread dataPlane;
    private boolean closed;
    /** What the start-up warm-up did, or null without one. */
    private WarmUp.Result warmUp;

    /** The live capture's ring: 4 MiB, some 2 800 full-size frames between two reads of the admin thread. */
    static final long LIVE_CAPTURE_BYTES = 4L << 20;
    /** Session log records between two reads of the writer thread (20 ms apart when idle). */
    static final int SESSION_LOG_RECORDS = 1 << 16;

    private RouterRuntime(RouterConfig config, Counters counters, PollableDevice inside, PollableDevice outside,
                          Translator translator, Captures captures, Clock clock, SessionLogWriter sessionLog) {
        this.config = config;
        this.counters = counters;
        this.inside = inside;
        this.outside = outside;
        this.captures = captures;
        this.translator = translator;
        this.clock = clock;
        this.sessionLog = sessionLog;
        NetDevice routerInside = captures == null ? inside : captures.inside;
        NetDevice routerOutside = captures == null ? outside : captures.outside;
        // Only with an admin API is there anyone to ask for a live capture: otherwise no tap at all.
        this.liveCapture = config.admin() == null ? null : new CaptureRing(LIVE_CAPTURE_BYTES, counters);
        if (liveCapture != null) {
            EpochClock wall = new EpochClock();
            routerInside = new LiveCaptureDevice(routerInside, liveCapture, CaptureRing.INSIDE, wall);
            routerOutside = new LiveCaptureDevice(routerOutside, liveCapture, CaptureRing.OUTSIDE, wall);
        }
        this.pcp = translator instanceof NatEngine nat ? PcpServer.of(config, nat.table(), counters) : null;
        this.router = new Router(config, routerInside, routerOutside, clock, counters, translator, pcp);
        int rounds = counters.register("dataplane.rounds",
                "rounds of the data-plane loop: wake-ups from poll(2) and busy-poll spins (an idle router makes none)");
        this.loop = new PollLoop(List.of(inside, outside), clock, new PollLoop.Handler() {
            @Override
            public void onReadable(int deviceIndex, long nowNanos) {
                int frames = router.pollOnce(nowNanos);
                if (governor != null) {
                    governor.received(frames);
                }
            }

            @Override
            public long onTimers(long nowNanos) {
                counters.increment(rounds);
                // The loop sleeps until the earliest deadline or a frame: with nothing pending
                // (no retry, no expiry, nothing for the governor to decide) that is for good.
                long deadline = router.nextDeadline();
                if (Deadlines.isDue(deadline, nowNanos)) {
                    deadline = router.timers(nowNanos);
                }
                if (governor != null) {
                    // Called once per round: the governor's clock, which asks for a round only
                    // while it has something to decide.
                    governor.observe(nowNanos);
                    deadline = Deadlines.earliest(deadline, governor.nextDeadline());
                }
                return deadline;
            }

            @Override
            public void onWakeup(long nowNanos) {
                // The commands queued so far, for at most the round's budget: each is short, and
                // several clients listing at once must not add up to a long hold. What is left
                // wakes the loop again, so it runs after the frames of one more round.
                control.drain(nowNanos, ControlQueue.CAPACITY, ControlQueue.ROUND_BUDGET_NANOS);
                if (control.pending()) {
                    loop.wakeup();
                }
            }
        }, IdleStrategy.forBusyPoll(config.dataPlane().busyPollNanos()));
        control.wakeUp(loop::wakeup);
    }

    /** Opens the devices of {@code config} in this process's network namespace and builds the router. */
    static RouterRuntime open(RouterConfig config) throws StartupException {
        return open(config, null);
    }

    /** As {@link #open(RouterConfig)}; with a {@code captureDir}, both sides are captured there ({@link Captures}). */
    static RouterRuntime open(RouterConfig config, Path captureDir) throws StartupException {
        Counters counters = new Counters();
        PollableDevice in = openDevice("inside", config.inside(), counters);
        PollableDevice out;
        try {
            out = openDevice("outside", config.outside(), counters);
        } catch (StartupException e) {
            in.close();
            throw e;
        }
        Captures captures = null;
        SessionLogWriter sessionLog = null;
        String opening = "jnat: cannot write the capture into " + captureDir;
        try {
            captures = captureDir == null ? null : Captures.open(captureDir, in, out);
            opening = "jnat: cannot open the session log " + config.log().sessionsPath() + " ([log] sessions)";
            WarmUp.Result warmUp = warmUp(config, in, out, counters);
            Translator translator = Translators.forConfig(config, counters);
            Clock clock = Clock.system();
            sessionLog = openSessionLog(config, translator, clock, counters);
            RouterRuntime runtime = new RouterRuntime(config, counters, in, out, translator, captures, clock, sessionLog);
            runtime.warmUp = warmUp;
            return runtime;
        } catch (IOException e) {
            in.close();
            out.close();
            if (captures != null) {
                captures.close();
            }
            throw new StartupException(opening + ": " + e.getMessage());
        } catch (RuntimeException e) {
            in.close();
            out.close();
            if (captures != null) {
                captures.close();
            }
            if (sessionLog != null) {
                sessionLog.close();
            }
            throw new StartupException("jnat: cannot build the router: " + e.getMessage());
        }
    }

    /**
     * With {@code [dataplane] warm-up} (the default): the JIT warm-up through a private router and
     * NAT ({@link WarmUp}), before the real router exists, so that nothing of it can reach the
     * real tables or devices. Its frames are counted under {@code dataplane.warm_up_frames}.
     */
    private static WarmUp.Result warmUp(RouterConfig config, PollableDevice in, PollableDevice out,
                                        Counters counters) {
        int frames = counters.register("dataplane.warm_up_frames",
                "synthetic frames the start-up JIT warm-up ran through a private router ([dataplane] warm-up)");
        if (!config.dataPlane().warmUp()) {
            return null;
        }
        if (!(in instanceof TapDevice inTap) || !(out instanceof TapDevice outTap)) {
            // Over memory links the router's device call sites would meet MemoryDevice first and be
            // compiled for it, then deoptimised (and left bimorphic) by the first real frame: no
            // warm-up rather than a slower path. AF_PACKET has no stand-in yet.
            return null;
        }
        Counters scratch = new Counters();
        TapDevice[] inside = TapDevice.socketPair("warm-up-inside", inTap.mtu(), inTap.receiveOffloadFlags(), scratch);
        TapDevice[] outside = TapDevice.socketPair("warm-up-outside", outTap.mtu(), outTap.receiveOffloadFlags(), scratch);
        try {
            WarmUp.Result result = WarmUp.run(config, Translators.forConfig(config, scratch), inside[0], inside[1],
                    outside[0], outside[1], WarmUp.ROUNDS);
            counters.add(frames, result.framesIn());
            return result;
        } finally {
            for (TapDevice d : new TapDevice[] {inside[0], inside[1], outside[0], outside[1]}) {
                d.close();
            }
        }
    }

    /** With {@code [log] sessions}: the NAT reports sessions to a ring that the writer drains; else null. */
    private static SessionLogWriter openSessionLog(RouterConfig config, Translator translator, Clock clock,
                                                   Counters counters) throws IOException {
        if (!config.log().logsSessions() || !(translator instanceof NatEngine nat)) {
            return null;
        }
        SessionLog ring = new SessionLog(SESSION_LOG_RECORDS, counters);
        SessionLogWriter writer = SessionLogWriter.open(Path.of(config.log().sessionsPath()), ring,
                new SessionLogLines(nat.pool().addresses(), clock, Instant.now()), nat.table().sessions().capacity(),
                counters);
        nat.table().log(ring);
        return writer;
    }

    private static PollableDevice openDevice(String side, InterfaceConfig ic, Counters counters)
            throws StartupException {
        try {
            // Offloads on: the router takes GSO super-packets and partial checksums, passes them
            // through to a TAP and segments them for a device that cannot take them (issue 5).
            return LinuxDevices.open(ic.device(), true, counters);
        } catch (SystemCallException | IllegalArgumentException | IllegalStateException e) {
            throw new StartupException("jnat: cannot open the " + side + " device " + ic.device() + ": "
                    + e.getMessage());
        }
    }

    /** One line per interface: device, MAC, address, MTU and offloads; and what the warm-up took. */
    void describe(PrintStream out) {
        if (warmUp != null) {
            out.printf(Locale.ROOT, "jnat: warm-up  %d synthetic frames in %d ms ([dataplane] warm-up = false to skip)%n",
                    warmUp.framesIn(), warmUp.nanos() / 1_000_000);
        }
        describe(out, "inside ", router.iface(Side.INSIDE), config.inside(), inside);
        describe(out, "outside", router.iface(Side.OUTSIDE), config.outside(), outside);
    }

    private static void describe(PrintStream out, String label, Interface iface, InterfaceConfig ic, PollableDevice dev) {
        StringBuilder line = new StringBuilder();
        line.append(String.format(Locale.ROOT, "jnat: %s %-18s mac %s  address %s/%d  mtu %d", label, ic.device(),
                MacAddress.toString(iface.mac()), Ipv4Address.toString(ic.address()), ic.prefixLength(),
                iface.mtu()));
        if (ic.gateway() != 0) {
            line.append("  gateway ").append(Ipv4Address.toString(ic.gateway()));
        }
        Offloads o = dev.offloads();
        line.append("  offloads ").append(o.vnetHeader()
                ? (o.partialChecksum() ? "csum" : "") + (o.tcpSegmentation() ? ",tso" : "")
                  + (o.udpSegmentation() ? ",uso" : "")
                : "none");
        out.println(line);
        // E.g. GRO turned on for an AF_PACKET interface, or how to turn it on.
        String note = dev.setupNote();
        if (note != null) {
            out.println("jnat: " + note);
        }
    }

    /**
     * Starts the data-plane thread and applies the {@code [dataplane]} scheduling settings to it
     * before its first poll. If they cannot be applied, the thread ends without having polled and
     * this throws with the one line for the user.
     */
    void start() throws StartupException {
        DataPlaneConfig settings = config.dataPlane();
        if (sessionLog != null) {
            sessionLog.start();
        }
        CountDownLatch scheduled = new CountDownLatch(1);
        AtomicReference<String> schedulingError = new AtomicReference<>();
        dataPlane = Thread.ofPlatform().name("jnat-data-plane").start(() -> {
            try {
                try {
                    if (settings.cpu() >= 0) {
                        ThreadScheduling.pinCurrentThread(settings.cpu());
                    }
                    if (settings.realtimePriority() > 0) {
                        // Also for "light-load": a thread that cannot be real-time fails here, in one line.
                        ThreadScheduling.realtimeCurrentThread(settings.realtimePriority());
                        if (settings.realtime() == DataPlaneConfig.Realtime.LIGHT_LOAD) {
                            governor = new RealtimeGovernor(ThreadScheduling.policySwitch(settings.realtimePriority()),
                                    counters, clock.nanos());
                        }
                    }
                } catch (SystemCallException | IllegalArgumentException e) {
                    schedulingError.set(e.getMessage());
                    return;
                } finally {
                    scheduled.countDown();
                }
                // Announce both addresses now (RFC 5227 section 3), not at the first frame: the
                // loop may sleep until one comes, and the neighbors should learn jnat's MACs first.
                router.start(clock.nanos());
                loop.run();
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                stopped.countDown();
            }
        });
        try {
            scheduled.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (schedulingError.get() != null) {
            throw new StartupException("jnat: cannot apply [dataplane]: " + schedulingError.get());
        }
    }

    /** Asks the data plane to stop; any thread, e.g. a signal handler. */
    void stop() {
        loop.stop();
    }

    /** Waits until the data plane has stopped; returns its failure, or null after a clean stop. */
    Throwable awaitStop() throws InterruptedException {
        stopped.await();
        return failure.get();
    }

    Router router() {
        return router;
    }

    Translator translator() {
        return translator;
    }

    /** The PCP server, or null when {@code [pcp] enabled} is false. */
    PcpServer pcp() {
        return pcp;
    }

    /** The NAT: the translator, which {@link Translators} always makes a {@link NatEngine}. */
    NatEngine nat() {
        return (NatEngine) translator;
    }

    Counters counters() {
        return counters;
    }

    /** Where the admin API's live captures take frames from; null without {@code [admin]}. */
    CaptureRing liveCapture() {
        return liveCapture;
    }

    /** The way into the data plane for the control plane (admin API, reload): see {@link ControlQueue}. */
    ControlQueue control() {
        return control;
    }

    /** Stops the data plane if it runs, then releases both devices. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.stop();
        if (dataPlane != null) {
            try {
                dataPlane.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        loop.close();
        inside.close();
        outside.close();
        if (captures != null) {
            captures.close();
        }
        if (sessionLog != null) {
            if (dataPlane == null || !dataPlane.isAlive()) {
                logStoppedSessions();
            }
            sessionLog.close(); // after the data plane: every record it made gets its line
        }
    }

    /**
     * The sessions live at the stop get an "ended" line too (reason "stopped"), so that the log
     * says when each public port stopped being theirs. The data plane has stopped, so this thread
     * is the ring's producer now; it waits for the writer when the ring is full, 10 s at most.
     */
    private void logStoppedSessions() {
        NatTable table = ((NatEngine) translator).table();
        long now = clock.nanos();
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int id = 0;
        while ((id = table.logStopped(id, now)) < table.sessions().capacity() && System.nanoTime() - giveUp < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
