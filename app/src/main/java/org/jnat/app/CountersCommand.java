package org.jnat.app;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import java.util.concurrent.Callable;
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
        JsonArray counters = target.fetchList("counters", "/api/v1/counters", "counters");
        if (counters == null) {
            return 1;
        }
        if (json) {
            System.out.println(Json.pretty(counters));
        } else {
            int width = "COUNTER".length();
            for (JsonElement c : counters) {
                width = Math.max(width, c.getAsJsonObject().get("name").getAsString().length());
            }
            System.out.printf("%-" + width + "s  %s%n", "COUNTER", "VALUE");
            for (JsonElement c : counters) {
                System.out.printf("%-" + width + "s  %d%n", c.getAsJsonObject().get("name").getAsString(),
                        c.getAsJsonObject().get("value").getAsLong());
            }
        }
        System.out.flush();
        return 0;
    }
}
