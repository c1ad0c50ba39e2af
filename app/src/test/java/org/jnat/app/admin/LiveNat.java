package org.jnat.app.admin;

import static org.jnat.testing.Frames.IP;

import java.net.InetSocketAddress;
import java.util.List;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.nat.NatEngine;
import org.jnat.nat.NatVerdict;
import org.jnat.runtime.ControlQueue;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.TcpSegment;

/**
 * A real NAT engine behind a real admin server, with a thread of its own standing in for the data
 * plane: it alone touches the engine (making sessions from frames, draining the control queue), as
 * in a running router. For the sessions endpoints' and the CLI's tests.
 */
public final class LiveNat implements AutoCloseable {
    public static final int PUBLIC = Ipv4Address.parse("203.0.113.1");
    /** The [admin] token of {@link #config()}. */
    public static final String TOKEN = AdminServerTest.TOKEN;
    public final Counters counters = new Counters();
    public final ControlQueue control = new ControlQueue();
    public final NatEngine nat;
    public final AdminServer server;
    public final String address;
    private final Thread dataPlane;
    private volatile boolean stop;
    private volatile long now = 1_000_000_000_000L;

    /** {@code config} as a router's (its [nat] and [admin] apply); the data plane starts at once. */
    public LiveNat(RouterConfig config) throws Exception {
        NatConfig nc = config.nat();
        this.nat = new NatEngine(nc, PUBLIC, Ipv4Address.parse("192.168.1.1"), List.of(), counters, 1);
        this.dataPlane = Thread.ofPlatform().name("test-data-plane").daemon().start(() -> {
            while (!stop) {
                if (control.drain(now, ControlQueue.CAPACITY, ControlQueue.ROUND_BUDGET_NANOS) == 0) {
                    Thread.onSpinWait();
                }
            }
        });
        this.server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), AdminApi.routes(config, counters,
                AdminServerTest.status(), new DataPlane(control, nat)));
        this.address = "127.0.0.1:" + server.address().getPort();
    }

    /** The minimal router config with [admin] and {@link #TOKEN}. */
    public static RouterConfig config() throws Exception {
        return AdminServerTest.config();
    }

    /** Runs {@code step} on the data-plane thread and waits for it. */
    public void onDataPlane(Runnable step) throws Exception {
        control.call(t -> {
            step.run();
            return null;
        }).get();
    }

    /** A UDP session of {@code host:port} to {@code remote:remotePort}, with one packet. */
    public void udp(String host, int port, String remote, int remotePort) throws Exception {
        onDataPlane(() -> check(nat.outbound(Frames.udpPacket(Ipv4Address.parse(host), port,
                Ipv4Address.parse(remote), remotePort, 10), IP, now)));
    }

    /** A TCP session of {@code host:port} to {@code remote:remotePort} after the outbound SYN. */
    public void tcpSyn(String host, int port, String remote, int remotePort) throws Exception {
        onDataPlane(() -> check(nat.outbound(Frames.tcpPacket(Ipv4Address.parse(host), port,
                Ipv4Address.parse(remote), remotePort, TcpSegment.SYN, 0), IP, now)));
    }

    private static void check(int verdict) {
        if (verdict != NatVerdict.FORWARD) {
            throw new IllegalStateException("not translated: verdict " + verdict);
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
        stop = true;
        dataPlane.join();
    }
}
