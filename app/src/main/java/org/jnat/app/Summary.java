package org.jnat.app;

import java.util.Map;
import org.jnat.runtime.Counters;

/** A one-line summary of the counters, for the end of a run. */
final class Summary {
    private Summary() {
    }

    static String of(Counters counters) {
        Map<String, Long> all = counters.snapshot();
        long received = sum(all, "received");
        long forwarded = all.getOrDefault("ip.forwarded", 0L);
        return "received " + received + " frames, forwarded " + forwarded + " packets";
    }

    private static long sum(Map<String, Long> all, String part) {
        long n = 0;
        for (var e : all.entrySet()) {
            if (e.getKey().endsWith(part) || e.getKey().contains("." + part + ".") || e.getKey().startsWith(part + ".")) {
                n += e.getValue();
            }
        }
        return n;
    }
}
