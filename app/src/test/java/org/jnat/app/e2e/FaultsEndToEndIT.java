package org.jnat.app.e2e;

import org.jnat.app.lab.Lab;

/** {@link FaultsEndToEndSuite} with jnat on TAP devices. */
class FaultsEndToEndIT extends FaultsEndToEndSuite {
    FaultsEndToEndIT() {
        super(Lab.Mode.TAP);
    }
}
