package org.jnat.nat;

import org.jnat.config.RouterConfig;

/** Test access to {@link NatEngine}'s package-private reset from other packages' labs (the router's). */
public final class NatEngines {
    /** Back to a new engine's state for a router config, as {@link NatEngine#of} made it with {@code seed}. */
    public static void reset(NatEngine engine, RouterConfig config, long seed) {
        engine.reset(config.nat(), config.forwards(), seed);
    }

    private NatEngines() {
    }
}
