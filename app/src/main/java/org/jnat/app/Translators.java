package org.jnat.app;

import org.jnat.config.RouterConfig;
import org.jnat.router.Translator;
import org.jnat.runtime.Counters;

/** Picks the translator a configuration asks for. */
final class Translators {
    private Translators() {
    }

    static Translator forConfig(RouterConfig config, Counters counters) {
        // Until the NAT engine implements the router's seam, jnat routes without translating.
        return Translator.ROUTING;
    }
}
