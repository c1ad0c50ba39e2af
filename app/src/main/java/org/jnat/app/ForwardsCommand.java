package org.jnat.app;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jnat.app.admin.AdminClient;
import org.jnat.app.admin.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jnat forwards list|add|remove}: a running router's port forwards, through its admin API
 * ({@code /api/v1/forwards}). Changes need the token, which {@code --config} brings.
 */
@Command(name = "forwards", mixinStandardHelpOptions = true,
        description = "List, add and remove the port forwards of a running router (through its admin API).")
final class ForwardsCommand implements Callable<Integer> {
    static final String VERB = "forwards";
    /** One row of {@code list}: id, protocol, port, to, source. */
    private static final String ROW = "%-4s  %-8s  %-11s  %-21s  %s";

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    /** One request through {@code target}'s client; its failure printed as one line, exit 1. */
    private static int run(AdminTarget target, Request request) {
        try (AdminClient client = target.client(VERB)) {
            if (client == null) {
                return 1;
            }
            int code = request.send(client);
            System.out.flush();
            return code;
        } catch (AdminClient.Failure e) {
            System.err.println("jnat " + VERB + ": " + e.getMessage());
            return 1;
        }
    }

    @FunctionalInterface
    private interface Request {
        int send(AdminClient client) throws AdminClient.Failure;
    }

    /** A forward as the API gives it, as one line: "3  tcp  8081  192.168.1.10:8000  api". */
    private static String line(JsonObject f) {
        // A PCP mapping has no id; its source says how long it has left: "pcp 57s".
        String source = f.has("source") ? f.get("source").getAsString() : "";
        if (f.has("lifetime_seconds")) {
            source += " " + f.get("lifetime_seconds").getAsString() + "s";
        }
        return String.format(ROW, f.has("id") ? f.get("id").getAsString() : "-", f.get("protocol").getAsString(),
                f.get("port").getAsString(), f.get("to").getAsString(), source);
    }

    /** "tcp 8081 to 192.168.1.10:8000". */
    private static String describe(JsonObject f) {
        return f.get("protocol").getAsString() + " " + f.get("port").getAsString() + " to " + f.get("to").getAsString();
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the forwards in force.")
    int list(@Mixin AdminTarget target,
             @Option(names = "--json", description = "print a JSON array of {id, protocol, port, to, source}")
             boolean json) {
        return run(target, client -> {
            JsonElement body = client.get("/api/v1/forwards");
            JsonElement forwards = body.isJsonObject() ? body.getAsJsonObject().get("forwards") : null;
            if (forwards == null || !forwards.isJsonArray()) {
                System.err.println("jnat " + VERB + ": the answer from " + client.target() + " lists no forwards;"
                        + " is it jnat's admin API?");
                return 1;
            }
            if (json) {
                System.out.println(Json.pretty(forwards));
                return 0;
            }
            System.out.println(String.format(ROW, "ID", "PROTOCOL", "PORT", "TO", "SOURCE").strip());
            for (JsonElement f : (JsonArray) forwards) {
                System.out.println(line(f.getAsJsonObject()).strip());
            }
            return 0;
        });
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a forward: inbound PROTOCOL traffic to the public address on PORT goes to TO.")
    int add(@Mixin AdminTarget target,
            @Option(names = "--protocol", required = true, paramLabel = "tcp|udp", description = "tcp or udp")
            String protocol,
            @Option(names = "--port", required = true, paramLabel = "PORT",
                    description = "a public port, e.g. 8081, or a range, e.g. 8000-8010") String port,
            @Option(names = "--to", required = true, paramLabel = "HOST[:PORT]",
                    description = "the inside host, and port (default: the same port), e.g. 192.168.1.10:8000")
            String to) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("protocol", protocol);
        body.put("port", port);
        body.put("to", to);
        return run(target, client -> {
            JsonObject added = client.post("/api/v1/forwards", body).getAsJsonObject();
            System.out.println("forward " + added.get("id").getAsString() + " added: " + describe(added));
            if (added.has("note")) {
                System.out.println("note: " + added.get("note").getAsString());
            }
            return 0;
        });
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove forward ID (see list); the connections through it are cut.")
    int remove(@Mixin AdminTarget target,
               @Parameters(paramLabel = "ID", description = "the forward's id, as list shows it") long id) {
        return run(target, client -> {
            JsonObject removed = client.delete("/api/v1/forwards?id=" + id).getAsJsonObject();
            System.out.println("forward " + id + " removed: " + describe(removed));
            return 0;
        });
    }
}
