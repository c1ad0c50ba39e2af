package org.jnat.app.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jnat.device.CaptureRing;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.testing.Tshark;
import org.jnat.wire.Ipv4Address;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/v1/capture} over real HTTP, with a thread standing in for the data plane that
 * copies a frame into the ring every millisecond while a capture wants it.
 */
class CaptureEndpointTest {
    static final byte[] PING = Frames.ipv4(0x020000000001L, 0x020000000002L, Ipv4Address.parse("192.168.1.10"),
            Ipv4Address.parse("198.51.100.10"), 1, 64, 1, 0, Frames.echoRequest(7, 1, 56));

    @TempDir
    Path dir;

    private final Counters counters = new Counters();
    private final CaptureRing ring = new CaptureRing(1 << 20, counters);
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicBoolean stop = new AtomicBoolean();
    private AdminServer server;
    private Thread dataPlane;
    private String base;

    @BeforeEach
    void start() throws Exception {
        Routes routes = new Routes(new Access(null)).get("/api/v1/capture",
                new CaptureEndpoint(ring, "jnat test", "tap:jnat0", "tap:jnat1"));
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), routes);
        base = "http://127.0.0.1:" + server.address().getPort();
        MemorySegment frame = MemorySegment.ofArray(PING);
        dataPlane = Thread.ofPlatform().daemon(true).start(() -> {
            long stamp = 1_700_000_000_000_000_000L;
            while (!stop.get()) {
                // Inside received, outside sent: as a ping going through the router.
                if (ring.wants(CaptureRing.INSIDE)) {
                    ring.offer(CaptureRing.INSIDE, CaptureRing.RECEIVED, frame, 0, PING.length, stamp++);
                }
                if (ring.wants(CaptureRing.OUTSIDE)) {
                    ring.offer(CaptureRing.OUTSIDE, CaptureRing.SENT, frame, 0, PING.length, stamp++);
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void stop() throws InterruptedException {
        stop.set(true);
        dataPlane.join();
        server.close();
    }

    private HttpResponse<String> get(String query) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/capture" + query)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> r, int status, String field) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(body.get("field").getAsString()).isEqualTo(field);
        assertThat(body.get("error").getAsString()).isNotBlank();
    }

    @Test
    void badParametersGetA400NamingTheField() throws Exception {
        assertError(get("?side=sideways"), 400, "side");
        assertError(get("?seconds=0"), 400, "seconds");
        assertError(get("?seconds=3601"), 400, "seconds");
        assertError(get("?side=both&seconds=ten"), 400, "seconds");
        assertError(get("?side=both&format=pcap"), 400, "format");
        assertThat(ring.wants(CaptureRing.INSIDE)).as("no capture started").isFalse();
    }

    @Test
    void theStreamArrivesWhileTheCaptureRunsAndTsharkReadsBothSides() throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(
                URI.create(base + "/api/v1/capture?side=both&seconds=2")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-pcapng");
        try (InputStream in = response.body()) {
            // The section header, both interfaces and a first frame come while the capture still runs.
            byte[] head = in.readNBytes(4096);
            assertThat(ring.wants(CaptureRing.INSIDE)).as("still capturing after the first 4 KiB").isTrue();
            ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(b.getInt(0)).as("a pcapng section header").isEqualTo(0x0A0D0D0A);
            assertThat(b.getInt(8)).isEqualTo(0x1A2B3C4D);
            byte[] rest = in.readAllBytes();
            Path file = dir.resolve("both.pcapng");
            Files.write(file, head);
            Files.write(file, rest, java.nio.file.StandardOpenOption.APPEND);
            assertThat(ring.wants(CaptureRing.INSIDE)).as("the capture ended with the stream").isFalse();
            if (!Tshark.available()) {
                System.out.println("SKIPPED (tshark part): tshark is not installed");
                return;
            }
            Tshark.Result r = Tshark.run("-r", file.toString(), "-T", "fields", "-e", "frame.interface_name",
                    "-e", "frame.p2p_dir", "-e", "icmp.type");
            assertThat(r.exitCode()).as(r.errors()).isZero();
            List<String> lines = r.lines();
            System.out.printf("a 2 s capture of both sides: %d frames, %d dropped%n", lines.size(), ring.dropped());
            assertThat(lines).contains("inside\t1\t8", "outside\t0\t8").allMatch(l -> l.equals("inside\t1\t8")
                    || l.equals("outside\t0\t8"));
        }
    }

    @Test
    void oneSideOnlyAndOneCaptureAtATime() throws Exception {
        HttpResponse<InputStream> first = http.send(HttpRequest.newBuilder(
                URI.create(base + "/api/v1/capture?side=outside&seconds=1")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(first.statusCode()).isEqualTo(200);
        assertError(get("?side=inside&seconds=1"), 409, "side");
        byte[] all;
        try (InputStream in = first.body()) {
            all = in.readAllBytes();
        }
        Path file = dir.resolve("outside.pcapng");
        Files.write(file, all);
        if (Tshark.available()) {
            Tshark.Result r = Tshark.run("-r", file.toString(), "-T", "fields", "-e", "frame.interface_name");
            assertThat(r.exitCode()).as(r.errors()).isZero();
            assertThat(r.lines()).isNotEmpty().containsOnly("outside");
        } else {
            System.out.println("SKIPPED (tshark part): tshark is not installed");
        }
        // Once it has ended, the next one may start.
        assertThat(get("?side=inside&seconds=1").statusCode()).isEqualTo(200);
    }

    @Test
    void aClientThatLeavesEndsItsCapture() throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(
                URI.create(base + "/api/v1/capture?seconds=3600")).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            in.readNBytes(1000);
        }
        // The endpoint notices at its next write (a frame a millisecond): the capture ends, the next may run.
        int status = 409;
        for (int i = 0; i < 200 && status == 409; i++) {
            Thread.sleep(50);
            HttpResponse<InputStream> next = http.send(HttpRequest.newBuilder(
                    URI.create(base + "/api/v1/capture?seconds=1")).build(), HttpResponse.BodyHandlers.ofInputStream());
            status = next.statusCode();
            next.body().close();
        }
        assertThat(status).as("a capture may run again after its client left").isEqualTo(200);
    }
}
