package org.jnat.app.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jnat.runtime.Counters;

/**
 * {@code GET /api/v1/counters[?prefix=nat.]}: every counter with its value and description, in
 * registration order, as {@code {"counters": [{"name", "value", "description"}...]}}.
 */
final class CountersEndpoint implements Endpoint {
    /** One counter as the API gives it. */
    record Counter(String name, long value, String description) {
    }

    record Listing(List<Counter> counters) {
    }

    private final Counters counters;

    CountersEndpoint(Counters counters) {
        this.counters = counters;
    }

    @Override
    public Response handle(Request request) throws ApiException {
        request.acceptOnly("prefix");
        String prefix = request.query("prefix");
        List<Counter> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : counters.snapshot().entrySet()) {
            if (prefix == null || e.getKey().startsWith(prefix)) {
                out.add(new Counter(e.getKey(), e.getValue(), counters.description(e.getKey())));
            }
        }
        return Response.json(new Listing(out));
    }
}
