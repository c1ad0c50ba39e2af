package org.jnat.app.admin;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.jnat.nat.SessionReader;
import org.jnat.nat.SessionReader.Chunk;
import org.jnat.nat.SessionReader.Filter;
import org.jnat.nat.TcpTracker;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;

/**
 * {@code GET /api/v1/sessions?host=&protocol=&port=&limit=}: the live sessions as
 * {@code {"sessions": [{protocol, inside, outside, remote, state, idle_seconds, expires_in_seconds}],
 * "total": N}}, at most {@code limit} of them
 * (default {@value #DEFAULT_LIMIT}), {@code total} counting every match. The body is streamed as the
 * chunks come from the data plane ({@link SessionQueries}), so that a million sessions never sit in
 * memory at once. {@code DELETE /api/v1/sessions?host=IP}: flushes the host, {@code {"removed": N}}.
 *
 * <p>No packets or bytes per session: counting them beside the table cost the established path about
 * a fifth of its rate in JMH (an extra array touched per packet), so the "only if they cost
 * nothing measurable" leaves them out; {@code state} is null for UDP and ICMP.
 */
final class SessionsEndpoint {
    static final long DEFAULT_LIMIT = 1000;
    static final long MAX_LIMIT = 1L << 28;

    private final SessionQueries queries;
    private final String publicAddress;

    SessionsEndpoint(SessionQueries queries, int publicAddress) {
        this.queries = queries;
        this.publicAddress = Ipv4Address.toString(publicAddress);
    }

    Response list(Request request) throws ApiException {
        request.acceptOnly("host", "protocol", "port", "limit");
        String host = request.query("host");
        Filter filter = new Filter(host == null ? 0 : address(host, "host"), protocol(request.query("protocol")),
                (int) request.intQuery("port", 0, 65535, -1));
        long limit = request.intQuery("limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
        SessionQueries.Walk walk = queries.walk(filter, limit);
        boolean more = walk.next(); // the first chunk before the 200: a data plane that does not answer is a 503
        return Response.stream(Response.JSON, out -> {
            Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
            w.write("{\"sessions\":[");
            boolean first = true;
            try {
                for (boolean go = more; go; go = walk.next()) {
                    first = write(walk.chunk, w, first);
                }
            } catch (ApiException e) {
                // Too late for an error status: the body ends short, which no JSON parser takes as whole.
                throw new IOException(e.getMessage(), e);
            }
            w.write("],\"total\":" + walk.total() + "}\n");
            w.flush();
        });
    }

    Response flush(Request request) throws ApiException {
        request.acceptOnly("host");
        String host = request.query("host");
        if (host == null) {
            throw ApiException.badRequest("host", "give the inside host whose sessions go, e.g. ?host=192.168.1.10");
        }
        return Response.json(Map.of("removed", queries.flush(address(host, "host"))));
    }

    static int address(String text, String field) throws ApiException {
        try {
            int a = Ipv4Address.parse(text);
            if (a != 0) {
                return a;
            }
        } catch (IllegalArgumentException e) {
            // said below
        }
        throw ApiException.badRequest(field, "expected an IPv4 address like 192.168.1.10, got \"" + text + "\"");
    }

    static int protocol(String text) throws ApiException {
        if (text == null) {
            return 0;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "tcp" -> IpProtocol.TCP;
            case "udp" -> IpProtocol.UDP;
            case "icmp" -> IpProtocol.ICMP;
            default -> throw ApiException.badRequest("protocol", "expected tcp, udp or icmp, got \"" + text + "\"");
        };
    }

    /** Writes the chunk's sessions as JSON objects; returns whether the next one is still the first. */
    private boolean write(Chunk chunk, Writer w, boolean first) throws IOException {
        StringBuilder b = new StringBuilder(256);
        long[] r = chunk.rows;
        for (int k = 0; k < chunk.copied; k++) {
            int at = k * SessionReader.FIELDS;
            int protocol = (int) r[at + SessionReader.PROTOCOL];
            b.setLength(0);
            b.append(first ? "" : ",").append("{\"protocol\":\"").append(SessionReader.protocolName(protocol))
                    .append("\",\"inside\":\"").append(endpoint(r[at + SessionReader.INSIDE_ADDRESS],
                            r[at + SessionReader.INSIDE_PORT]))
                    .append("\",\"outside\":\"").append(publicAddress).append(':').append(r[at + SessionReader.EXTERNAL_PORT])
                    .append("\",\"remote\":\"").append(endpoint(r[at + SessionReader.REMOTE_ADDRESS],
                            r[at + SessionReader.REMOTE_PORT]))
                    .append("\",\"state\":");
            if (protocol == IpProtocol.TCP) {
                b.append('"').append(TcpTracker.PHASES.get(TcpTracker.phase((int) r[at + SessionReader.FLAGS]
                        & TcpTracker.STATE_MASK))).append('"');
            } else {
                b.append("null");
            }
            b.append(",\"idle_seconds\":").append(r[at + SessionReader.IDLE_NANOS] / 1_000_000_000L)
                    .append(",\"expires_in_seconds\":").append(r[at + SessionReader.EXPIRES_IN_NANOS] / 1_000_000_000L)
                    .append('}');
            w.append(b);
            first = false;
        }
        return first;
    }

    private static String endpoint(long address, long port) {
        return Ipv4Address.toString((int) address) + ":" + port;
    }
}
