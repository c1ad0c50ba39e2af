package org.jnat.app.e2e;

import org.jnat.app.lab.Lab;

/** {@link PcpEndToEndSuite} with jnat on TAP devices. */
class PcpEndToEndIT extends PcpEndToEndSuite {
    @Override
    Lab.Mode mode() {
        return Lab.Mode.TAP;
    }

    @Override
    String admin() {
        return "127.0.0.1:9481";
    }
}
