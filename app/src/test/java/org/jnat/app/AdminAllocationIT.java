package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jnat.app.admin.AdminApi;
import org.jnat.app.admin.AdminServer;
import org.jnat.app.admin.DataPlane;
import org.jnat.app.admin.RouterStatus;
import org.jnat.config.RouterConfig;
import org.jnat.linux.NetNamespace;
import org.jnat.testing.Allocations;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data plane allocates nothing while the admin server is scraped: a real {@link RouterRuntime}
 * on two TAP devices in a namespace of its own forwards a stream of UDP datagrams (the kernel is the
 * host on both sides), while two clients fetch {@code /metrics} and {@code /api/v1/sessions} in a
 * loop, so that the data-plane thread serves hundreds of control commands (gauges, port counts,
 * host and session walks) between its packets. Every buffer a command fills is the control
 * thread's; the data-plane thread's own allocation counter (ThreadMXBean) is read over a window of
 * many packets and commands. Needs root; skips, saying why, otherwise.
 */
class AdminAllocationIT {
    private TestNamespace namespace;
    private RouterRuntime runtime;
    private final List<Thread> threads = new ArrayList<>();
    /** What to close after the test, last made first closed. */
    private final List<AutoCloseable> closing = new ArrayList<>();
    private volatile boolean stop;

    @BeforeEach
    void createNamespace() throws Exception {
        namespace = TestNamespace.create(getClass(), "wsal");
        closing.add(namespace);
        Allocations.assumeMeasurable();
    }

    @AfterEach
    void stopEverything() throws Exception {
        stop = true;
        for (Thread t : threads) {
            t.join(5000);
        }
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    @Test
    void theDataPlaneAllocatesNothingWhileTheAdminServerIsScraped() throws Exception {
        RouterConfig config = namespace.config("");
        runtime = namespace.start(config);
        closing.add(runtime);
        namespace.ip("addr", "add", "192.168.1.10/24", "dev", namespace.insideTap());
        namespace.ip("addr", "add", "203.0.113.254/24", "dev", namespace.outsideTap());
        namespace.ip("route", "add", "198.51.100.0/24", "via", "192.168.1.1", "dev", namespace.insideTap());
        AdminServer admin = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), AdminApi.routes(config, runtime.counters(),
                new RouterStatus("test", "203.0.113.1", List.of()), new DataPlane(runtime.control(), runtime.nat())));
        closing.add(admin);
        String base = "http://127.0.0.1:" + admin.address().getPort();

        // 64 flows from 192.168.1.10 to 198.51.100.10:9, round and round, a few thousand a second.
        threads.add(Thread.ofPlatform().name("udp-sender").daemon().start(() -> NetNamespace.call(namespace.name(), () -> {
            List<DatagramSocket> sockets = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                sockets.add(new DatagramSocket(new InetSocketAddress("192.168.1.10", 20000 + i)));
            }
            byte[] payload = new byte[64];
            DatagramPacket p = new DatagramPacket(payload, payload.length, InetAddress.getByName("198.51.100.10"), 9);
            while (!stop) {
                for (DatagramSocket s : sockets) {
                    s.send(p);
                }
                Thread.sleep(2);
            }
            sockets.forEach(DatagramSocket::close);
            return null;
        })));
        AtomicLong scrapes = new AtomicLong();
        for (String path : List.of("/metrics", "/api/v1/sessions?limit=100000")) {
            threads.add(Thread.ofPlatform().name("scraper " + path).daemon().start(() -> {
                try (HttpClient http = HttpClient.newHttpClient()) {
                    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).build();
                    while (!stop) {
                        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
                        }
                        scrapes.incrementAndGet();
                    }
                } catch (IOException | InterruptedException e) {
                    if (!stop) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }

        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = dataPlaneThread().threadId();
        // Warm-up: class loading and JIT compilation of the packet path and the commands.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && (runtime.counters().get("nat.translated.outbound") < 20_000
                || scrapes.get() < 40)) {
            Thread.sleep(100);
        }
        Thread.sleep(2000);
        long packets0 = runtime.counters().get("nat.translated.outbound");
        long commands0 = runtime.control().commandsRun();
        long scrapes0 = scrapes.get();
        long bytes0 = mx.getThreadAllocatedBytes(tid);
        Thread.sleep(5000);
        long bytes = mx.getThreadAllocatedBytes(tid) - bytes0;
        long packets = runtime.counters().get("nat.translated.outbound") - packets0;
        long commands = runtime.control().commandsRun() - commands0;
        long window = scrapes.get() - scrapes0;
        System.out.printf("AdminAllocationIT: the data-plane thread allocated %d bytes over %d packets translated,"
                + " %d control commands and %d scrapes%n", bytes, packets, commands, window);
        assertThat(packets).as("packets in the window").isGreaterThan(5_000);
        assertThat(commands).as("control commands in the window").isGreaterThan(100);
        assertThat(window).as("scrapes in the window").isGreaterThan(4);
        // Nothing per packet and nothing per command: what a JIT deoptimisation may allocate once.
        assertThat(bytes).as("bytes allocated by the data-plane thread in the window")
                .isLessThanOrEqualTo(Allocations.CONSTANT_BOUND);
    }

    private static Thread dataPlaneThread() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("jnat-data-plane"))
                .findFirst().orElseThrow();
    }
}
