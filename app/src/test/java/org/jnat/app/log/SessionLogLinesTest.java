package org.jnat.app.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.jnat.nat.Endpoint;
import org.jnat.nat.SessionLog;
import org.jnat.nat.SessionLogTestFeed;
import org.jnat.runtime.Counters;
import org.jnat.runtime.ManualClock;
import org.jnat.testing.Requirement;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session log's JSON lines, field by field, and the writer that drains the ring into the file. */
class SessionLogLinesTest {
    static final int PUBLIC = Ipv4Address.parse("203.0.113.1");
    static final long MS = 1_000_000L;

    @TempDir
    Path dir;

    static SessionLog.Record record(int event, SessionLog.Reason reason, int id, int protocol, String inside, int insidePort,
                                    int externalPort, String remote, int remotePort, long nanos) {
        SessionLog.Record r = new SessionLog.Record();
        r.event = event;
        r.reason = reason;
        r.id = id;
        r.inside = Endpoint.of(protocol, Ipv4Address.parse(inside), insidePort);
        r.remote = Endpoint.of(protocol, Ipv4Address.parse(remote), remotePort);
        r.externalPort = externalPort;
        r.nanos = nanos;
        return r;
    }

    @Requirement("RFC 6888 REQ-12")
    @Test
    void createdAndEndedLinesCarryExactlyTheFieldsAnOperatorKeeps() {
        // The router's clock reads 5 s at wall time 2026-12-04T09:40:00.000Z.
        SessionLogLines lines = new SessionLogLines(PUBLIC, new ManualClock(5_000 * MS),
                Instant.parse("2026-12-04T09:40:00Z"));
        String created = lines.line(record(SessionLog.CREATED, null, 3, IpProtocol.UDP, "192.168.1.10", 5000, 40001,
                "198.51.100.10", 53, 6_123 * MS + 999_999), null);
        assertThat(created).isEqualTo("{\"event\":\"created\",\"time\":\"2026-12-04T09:40:01.123Z\",\"protocol\":\"udp\","
                + "\"inside\":\"192.168.1.10:5000\",\"outside\":\"203.0.113.1:40001\",\"remote\":\"198.51.100.10:53\"}");
        String ended = lines.line(record(SessionLog.ENDED, SessionLog.Reason.CLOSED, 3, IpProtocol.TCP, "192.168.1.10", 6000,
                6000, "198.51.100.10", 80, 3_605_000 * MS), 6_123 * MS);
        assertThat(ended).isEqualTo("{\"event\":\"ended\",\"time\":\"2026-12-04T10:40:00.000Z\",\"protocol\":\"tcp\","
                + "\"inside\":\"192.168.1.10:6000\",\"outside\":\"203.0.113.1:6000\",\"remote\":\"198.51.100.10:80\","
                + "\"start\":\"2026-12-04T09:40:01.123Z\",\"reason\":\"closed\"}");
        String unknownStart = lines.line(record(SessionLog.ENDED, SessionLog.Reason.FORWARD_REMOVED, 4, IpProtocol.ICMP,
                "192.168.1.11", 77, 77, "198.51.100.10", 0, 4_000 * MS), null);
        assertThat(unknownStart).isEqualTo("{\"event\":\"ended\",\"time\":\"2026-12-04T09:39:59.000Z\","
                + "\"protocol\":\"icmp\",\"inside\":\"192.168.1.11:77\",\"outside\":\"203.0.113.1:77\","
                + "\"remote\":\"198.51.100.10:0\",\"start\":null,\"reason\":\"forward-removed\"}");
        for (String line : List.of(created, ended, unknownStart)) {
            JsonObject json = JsonParser.parseString(line).getAsJsonObject(); // valid JSON, every line
            assertThat(json.keySet()).startsWith("event", "time", "protocol", "inside", "outside", "remote");
        }
    }

    @Test
    void theWriterAppendsOneLinePerRecordRemembersStartsAndCounts() throws Exception {
        Counters counters = new Counters();
        SessionLog ring = new SessionLog(16, counters);
        Path file = dir.resolve("sessions.jsonl");
        Files.writeString(file, "an older line\n");
        ManualClock clock = new ManualClock(0);
        SessionLogWriter writer = SessionLogWriter.open(file, ring, new SessionLogLines(PUBLIC, clock,
                Instant.parse("2026-12-04T09:40:00Z")), 8, counters);
        // The ring is fed as the data plane would: records for session 2 made at 1 s, ended at 3 s.
        SessionLogTestFeed.created(ring, 2, 1_000 * MS);
        SessionLogTestFeed.ended(ring, 2, 3_000 * MS);
        SessionLogTestFeed.ended(ring, 5, 4_000 * MS); // its "created" was never seen
        writer.start();
        long deadline = System.nanoTime() + 10_000 * MS;
        while (counters.get("log.sessions.written") < 3 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        List<String> lines = Files.readAllLines(file);
        writer.close();
        // Flushed while the writer still runs: the ring ran empty.
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo("an older line");
        assertThat(lines.get(1)).startsWith("{\"event\":\"created\",\"time\":\"2026-12-04T09:40:01.000Z\"");
        assertThat(lines.get(2)).startsWith("{\"event\":\"ended\",\"time\":\"2026-12-04T09:40:03.000Z\"")
                .endsWith(",\"start\":\"2026-12-04T09:40:01.000Z\",\"reason\":\"expired\"}");
        assertThat(lines.get(3)).endsWith(",\"start\":null,\"reason\":\"expired\"}");
        assertThat(counters.get("log.sessions.written")).isEqualTo(3);
        assertThat(counters.get("log.sessions.lost")).isZero();
        writer.close(); // idempotent
    }
}
