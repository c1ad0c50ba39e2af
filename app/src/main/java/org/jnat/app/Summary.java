package org.jnat.app;

import org.jnat.runtime.Counters;

/** A one-line summary of the router's counters, for the end of a run. */
final class Summary {
    private Summary() {
    }

    static String of(Counters counters) {
        long received = counters.get("inside.received") + counters.get("outside.received");
        return "received " + received + " frames, forwarded " + counters.get("ipv4.forwarded") + " packets";
    }
}
