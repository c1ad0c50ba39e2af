package org.jnat.app;

import java.security.SecureRandom;
import org.jnat.config.RouterConfig;
import org.jnat.nat.NatEngine;
import org.jnat.router.Translator;
import org.jnat.runtime.Counters;

/** Picks the translator a configuration asks for: the NAT engine. */
final class Translators {
    private Translators() {
    }

    static Translator forConfig(RouterConfig config, Counters counters) {
        // A secret seed: external ports must not be predictable from outside (RFC 6056 section 1).
        return NatEngine.of(config, counters, new SecureRandom().nextLong());
    }
}
