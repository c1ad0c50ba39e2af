package org.jnat.app.e2e;

import org.jnat.app.lab.Lab;

/** The end-to-end suite with jnat on AF_PACKET sockets bound to veth ends in rt. */
class AfPacketEndToEndIT extends EndToEndSuite {
    @Override
    Lab.Mode mode() {
        return Lab.Mode.AFPACKET;
    }
}
