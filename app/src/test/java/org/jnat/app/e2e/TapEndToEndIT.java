package org.jnat.app.e2e;

import org.jnat.app.lab.Lab;

/** The end-to-end suite with jnat on TAP devices (IFF_VNET_HDR, offloads on). */
class TapEndToEndIT extends EndToEndSuite {
    @Override
    Lab.Mode mode() {
        return Lab.Mode.TAP;
    }
}
