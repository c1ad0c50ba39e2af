package org.jnat.app;

import com.google.gson.JsonElement;
import java.util.concurrent.Callable;
import org.jnat.app.admin.AdminClient;
import org.jnat.app.admin.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jnat counters}: the live counters of a running router, as a table or JSON. */
@Command(name = "counters", mixinStandardHelpOptions = true,
        description = "Show the live counters of a running router (through its admin API).")
final class CountersCommand implements Callable<Integer> {
    @Mixin
    AdminTarget target;

    @Option(names = "--json", description = "print a JSON array of {name, value, description}")
    boolean json;

    @Override
    public Integer call() {
        try (AdminClient client = target.client("counters")) {
            if (client == null) {
                return 1;
            }
            JsonElement body = client.get("/api/v1/counters");
            JsonElement counters = body.isJsonObject() ? body.getAsJsonObject().get("counters") : null;
            if (counters == null || !counters.isJsonArray()) {
                System.err.println("jnat counters: the answer from " + client.target() + " lists no counters;"
                        + " is it jnat's admin API?");
                return 1;
            }
            if (json) {
                System.out.println(Json.pretty(counters));
            } else {
                int width = "COUNTER".length();
                for (JsonElement c : counters.getAsJsonArray()) {
                    width = Math.max(width, c.getAsJsonObject().get("name").getAsString().length());
                }
                System.out.printf("%-" + width + "s  %s%n", "COUNTER", "VALUE");
                for (JsonElement c : counters.getAsJsonArray()) {
                    System.out.printf("%-" + width + "s  %d%n", c.getAsJsonObject().get("name").getAsString(),
                            c.getAsJsonObject().get("value").getAsLong());
                }
            }
            System.out.flush();
            return 0;
        } catch (AdminClient.Failure e) {
            System.err.println("jnat counters: " + e.getMessage());
            return 1;
        }
    }
}
