package org.jnat.app.log;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.jnat.nat.Endpoint;
import org.jnat.nat.SessionLog;
import org.jnat.runtime.Clock;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;

/**
 * The session log's lines: one JSON object per session made or ended, with what a carrier-grade
 * NAT operator must keep to answer "who had this public address and port at that time" (RFC 6908
 * section 6, RFC 6888 REQ-12): the event, the time, the protocol, and the inside, outside (public
 * address and port) and remote endpoints; an ended session also its start and why it ended.
 *
 * <pre>
 * {"event":"created","time":"2026-12-04T09:40:01.123Z","protocol":"udp","inside":"192.168.1.10:5000",
 *  "outside":"203.0.113.1:5000","remote":"198.51.100.10:53"}
 * {"event":"ended","time":"2026-12-04T09:45:01.130Z","protocol":"udp","inside":"192.168.1.10:5000",
 *  "outside":"203.0.113.1:5000","remote":"198.51.100.10:53","start":"2026-12-04T09:40:01.123Z","reason":"expired"}
 * </pre>
 *
 * Times are wall-clock UTC, RFC 3339 with milliseconds: the router's monotonic clock is mapped to
 * the wall clock once, when this is made, so that a clock step later does not reorder the log.
 * An ICMP query's port is its identifier (RFC 5508 section 3); its remote port is 0. A start the
 * writer does not know (its "created" record was dropped) is {@code null}.
 */
public final class SessionLogLines {
    private static final DateTimeFormatter RFC_3339 = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** The public addresses by their index in the pool (one without a pool). */
    private final String[] publicAddresses;
    private final long epochMillisAtStart;
    private final long clockAtStart;

    /** Lines for a router whose public address is {@code publicAddress} and whose time is {@code clock}'s. */
    public SessionLogLines(int publicAddress, Clock clock, Instant wallNow) {
        this(new int[] {publicAddress}, clock, wallNow);
    }

    /** Lines for a router whose public addresses are {@code publicAddresses} (the pool, in order). */
    public SessionLogLines(int[] publicAddresses, Clock clock, Instant wallNow) {
        this.publicAddresses = java.util.Arrays.stream(publicAddresses).mapToObj(Ipv4Address::toString)
                .toArray(String[]::new);
        this.clockAtStart = clock.nanos();
        this.epochMillisAtStart = wallNow.toEpochMilli();
    }

    /** The wall-clock time of the router's clock reading {@code nanos}, RFC 3339 in UTC with milliseconds. */
    public String time(long nanos) {
        return RFC_3339.format(Instant.ofEpochMilli(epochMillisAtStart + Math.floorDiv(nanos - clockAtStart, 1_000_000L)));
    }

    /** The line of {@code r}, without the newline; {@code startNanos} is the ended session's start, or null. */
    public String line(SessionLog.Record r, Long startNanos) {
        StringBuilder out = new StringBuilder(256);
        int protocol = Endpoint.protocol(r.inside);
        out.append("{\"event\":\"").append(r.event == SessionLog.CREATED ? "created" : "ended").append('"');
        out.append(",\"time\":\"").append(time(r.nanos)).append('"');
        out.append(",\"protocol\":\"").append(IpProtocol.name(protocol)).append('"');
        out.append(",\"inside\":\"").append(Ipv4Address.toString(Endpoint.address(r.inside))).append(':')
                .append(Endpoint.port(r.inside)).append('"');
        out.append(",\"outside\":\"").append(publicAddresses[r.externalAddressIndex]).append(':')
                .append(r.externalPort).append('"');
        out.append(",\"remote\":\"").append(Ipv4Address.toString(Endpoint.address(r.remote))).append(':')
                .append(Endpoint.port(r.remote)).append('"');
        if (r.event == SessionLog.ENDED) {
            out.append(",\"start\":");
            if (startNanos == null) {
                out.append("null");
            } else {
                out.append('"').append(time(startNanos)).append('"');
            }
            out.append(",\"reason\":\"").append(r.reason.logName()).append('"');
        }
        return out.append('}').toString();
    }
}
