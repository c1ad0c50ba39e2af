package org.jnat.app.e2e;

import org.jnat.app.lab.Lab;

/** {@link PcpEndToEndSuite} with jnat on AF_PACKET sockets. */
class PcpAfPacketEndToEndIT extends PcpEndToEndSuite {
    @Override
    Lab.Mode mode() {
        return Lab.Mode.AFPACKET;
    }

    @Override
    String admin() {
        return "127.0.0.1:9482";
    }
}
