package org.jnat.app.e2e;

import org.jnat.app.lab.Lab;

/** {@link PcpEndToEndSuite} with jnat on TAP devices. */
class PcpEndToEndIT extends PcpEndToEndSuite {
    PcpEndToEndIT() {
        super(Lab.Mode.TAP, "127.0.0.1:9481");
    }
}
