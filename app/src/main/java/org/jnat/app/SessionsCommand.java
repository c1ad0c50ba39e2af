package org.jnat.app;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jnat.app.admin.AdminClient;
import org.jnat.app.admin.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jnat sessions}: the live session table of a running router, through its admin API, as a
 * table like {@code conntrack -L} or as JSON; {@code jnat sessions flush --host IP} ends one inside
 * host's sessions.
 */
@Command(name = "sessions", mixinStandardHelpOptions = true, subcommands = SessionsCommand.Flush.class,
        description = "Show the live session table of a running router (through its admin API).")
final class SessionsCommand implements Callable<Integer> {
    /** Every session: the API's largest limit. */
    static final long ALL = 1L << 28;

    @Mixin
    AdminTarget target;
    @Option(names = "--json", description = "print a JSON array of sessions")
    boolean json;
    @Option(names = "--host", paramLabel = "IP", description = "only the sessions of this inside host")
    String host;
    @Option(names = "--protocol", paramLabel = "P", description = "only tcp, udp or icmp sessions")
    String protocol;
    @Option(names = "--port", paramLabel = "PORT", description = "only sessions with this inside, outside or remote port")
    Integer port;

    /** The columns of the table: heading, JSON key, right-aligned. */
    private record Column(String heading, String key, boolean number) {
    }

    private static final List<Column> COLUMNS = List.of(new Column("PROTO", "protocol", false),
            new Column("STATE", "state", false), new Column("INSIDE", "inside", false),
            new Column("OUTSIDE", "outside", false), new Column("REMOTE", "remote", false),
            new Column("IDLE", "idle_seconds", true), new Column("EXPIRES", "expires_in_seconds", true),
            new Column("PKTS_OUT", "packets_out", true), new Column("PKTS_IN", "packets_in", true),
            new Column("BYTES_OUT", "bytes_out", true), new Column("BYTES_IN", "bytes_in", true));

    @Override
    public Integer call() {
        StringBuilder query = new StringBuilder("/api/v1/sessions?limit=" + ALL);
        param(query, "host", host);
        param(query, "protocol", protocol);
        param(query, "port", port == null ? null : port.toString());
        JsonArray sessions = target.fetchList("sessions", query.toString(), "sessions");
        if (sessions == null) {
            return 1;
        }
        if (json) {
            System.out.println(Json.pretty(sessions));
        } else {
            printTable(sessions);
            System.err.println("jnat sessions: " + sessions.size() + " sessions shown");
        }
        System.out.flush();
        return 0;
    }

    static void param(StringBuilder query, String name, String value) {
        if (value != null) {
            query.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }

    /**
     * One line per session, columns aligned; the columns the router does not give are left out (the
     * packets and bytes of a session, which jnat does not count today, would come last).
     */
    private static void printTable(JsonArray sessions) {
        List<Column> columns = new ArrayList<>();
        for (Column c : COLUMNS) {
            if (!sessions.isEmpty() && sessions.get(0).getAsJsonObject().has(c.key())
                    || sessions.isEmpty() && !c.key().startsWith("packets") && !c.key().startsWith("bytes")) {
                columns.add(c);
            }
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(columns.stream().map(Column::heading).toArray(String[]::new));
        for (JsonElement s : sessions) {
            JsonObject o = s.getAsJsonObject();
            rows.add(columns.stream().map(c -> {
                JsonElement v = o.get(c.key());
                return v == null || v.isJsonNull() ? "-" : v.getAsString();
            }).toArray(String[]::new));
        }
        int[] width = new int[columns.size()];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder line = new StringBuilder();
        for (String[] row : rows) {
            line.setLength(0);
            for (int i = 0; i < row.length; i++) {
                String pad = " ".repeat(width[i] - row[i].length());
                boolean right = columns.get(i).number() && row != rows.getFirst();
                line.append(right ? pad + row[i] : row[i] + (i + 1 < row.length ? pad : "")).append(i + 1 < row.length ? "  " : "");
            }
            System.out.println(line);
        }
    }

    /** {@code jnat sessions flush --host IP}: ends every session of one inside host (needs the token). */
    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "End every session of one inside host (needs the [admin] token: give --config).")
    static final class Flush implements Callable<Integer> {
        @Mixin
        AdminTarget target;
        @Option(names = "--host", paramLabel = "IP", required = true, description = "the inside host")
        String host;

        @Override
        public Integer call() {
            try (AdminClient client = target.client("sessions flush")) {
                if (client == null) {
                    return 1;
                }
                StringBuilder query = new StringBuilder("/api/v1/sessions?");
                query.append("host=").append(URLEncoder.encode(host, StandardCharsets.UTF_8));
                JsonElement body = client.delete(query.toString());
                JsonElement removed = body.isJsonObject() ? body.getAsJsonObject().get("removed") : null;
                if (removed == null) {
                    System.err.println("jnat sessions flush: the answer from " + client.target()
                            + " says nothing removed; is it jnat's admin API?");
                    return 1;
                }
                System.out.println("jnat sessions flush: " + removed.getAsLong() + " sessions of " + host + " removed");
                System.out.flush();
                return 0;
            } catch (AdminClient.Failure e) {
                System.err.println("jnat sessions flush: " + e.getMessage());
                return 1;
            }
        }
    }
}
