package org.jnat.app.e2e;

import org.jnat.app.lab.Lab;

/** {@link PcpEndToEndSuite} with jnat on AF_PACKET sockets. */
class PcpAfPacketEndToEndIT extends PcpEndToEndSuite {
    PcpAfPacketEndToEndIT() {
        super(Lab.Mode.AFPACKET, "127.0.0.1:9482");
    }
}
