package org.jnat.app.admin;

import java.io.IOException;
import java.io.OutputStream;
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
    /** The public addresses, by their index in the pool (one without a pool). */
    private final String[] publicAddresses;

    SessionsEndpoint(SessionQueries queries, int publicAddress) {
        this(queries, new int[] {publicAddress});
    }

    SessionsEndpoint(SessionQueries queries, int[] publicAddresses) {
        this.queries = queries;
        this.publicAddresses = java.util.Arrays.stream(publicAddresses).mapToObj(Ipv4Address::toString)
                .toArray(String[]::new);
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
            Text json = new Text();
            json.text.append("{\"sessions\":[");
            try {
                for (boolean go = more; go; go = walk.next()) {
                    write(walk.chunk, json);
                    json.writeTo(out);
                }
            } catch (ApiException e) {
                // Too late for an error status: the body ends short, which no JSON parser takes as whole.
                throw new IOException(e.getMessage(), e);
            }
            json.text.append("],\"total\":").append(walk.total()).append("}\n");
            json.writeTo(out);
        });
    }

    /**
     * The listing's text, a chunk at a time, in buffers reused from chunk to chunk: a million
     * sessions make no garbage per session, so the listing does not bring on the collections that
     * would stop the data plane too. The text is ASCII (addresses, numbers, fixed names).
     */
    private static final class Text {
        final StringBuilder text = new StringBuilder(1 << 20);
        private byte[] bytes = new byte[1 << 20];
        boolean first = true;

        void writeTo(OutputStream out) throws IOException {
            int n = text.length();
            if (bytes.length < n) {
                bytes = new byte[Math.max(n, 2 * bytes.length)];
            }
            for (int i = 0; i < n; i++) {
                bytes[i] = (byte) text.charAt(i);
            }
            out.write(bytes, 0, n);
            text.setLength(0);
        }
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

    /** Appends the chunk's sessions as JSON objects. */
    private void write(Chunk chunk, Text json) {
        StringBuilder b = json.text;
        long[] r = chunk.rows;
        for (int k = 0; k < chunk.copied; k++) {
            int at = k * SessionReader.FIELDS;
            int protocol = (int) r[at + SessionReader.PROTOCOL];
            b.append(json.first ? "{\"protocol\":\"" : ",{\"protocol\":\"").append(IpProtocol.name(protocol))
                    .append("\",\"inside\":\"");
            endpoint(b, r[at + SessionReader.INSIDE_ADDRESS], r[at + SessionReader.INSIDE_PORT]);
            b.append("\",\"outside\":\"").append(publicAddresses[(int) r[at + SessionReader.EXTERNAL_ADDRESS_INDEX]])
                    .append(':').append(r[at + SessionReader.EXTERNAL_PORT])
                    .append("\",\"remote\":\"");
            endpoint(b, r[at + SessionReader.REMOTE_ADDRESS], r[at + SessionReader.REMOTE_PORT]);
            b.append("\",\"state\":");
            if (protocol == IpProtocol.TCP) {
                b.append('"').append(TcpTracker.PHASES.get(TcpTracker.phase((int) r[at + SessionReader.FLAGS]
                        & TcpTracker.STATE_MASK))).append('"');
            } else {
                b.append("null");
            }
            b.append(",\"idle_seconds\":").append(r[at + SessionReader.IDLE_NANOS] / 1_000_000_000L)
                    .append(",\"expires_in_seconds\":").append(r[at + SessionReader.EXPIRES_IN_NANOS] / 1_000_000_000L)
                    .append('}');
            json.first = false;
        }
    }

    /** {@code a.b.c.d:port}, appended without making a string. */
    private static void endpoint(StringBuilder b, long address, long port) {
        b.append(address >>> 24 & 0xff).append('.').append(address >>> 16 & 0xff).append('.')
                .append(address >>> 8 & 0xff).append('.').append(address & 0xff).append(':').append(port);
    }
}
