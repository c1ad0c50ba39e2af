package org.jnat.router;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jnat.config.RouterConfig;
import org.jnat.device.PacketBuffer;
import org.jnat.nat.NatEngine;
import org.jnat.runtime.Counters;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.Ipv4Packet;

/**
 * Plugs the NAT engine into the router's {@link Translator} seam: the engine's verdicts are the
 * seam's, packets for the router's inside address bypass it, its held SYNs are rejected through the
 * router's {@link Responder} when their 6 s are over (RFC 5382 REQ-4), and the router's timer step
 * expires its sessions.
 */
public final class NatTranslator implements Translator {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final NatEngine engine;
    private final int insideAddress;
    private Responder responder;

    public NatTranslator(NatEngine engine, int insideAddress) {
        this.engine = engine;
        this.insideAddress = insideAddress;
    }

    /**
     * The NAT of a router configuration. The seed drives the port allocator's randomized search
     * (RFC 6056): give a fixed one for reproducible replays, a random one in production.
     */
    public static NatTranslator of(RouterConfig config, Counters counters, long seed) {
        return new NatTranslator(NatEngine.of(config, counters, seed), config.inside().address());
    }

    public NatEngine engine() {
        return engine;
    }

    @Override
    public int outbound(PacketBuffer frame, int ipOffset, long nowNanos) {
        // The router's own inside address is never translated: the router answers it.
        if (frame.segment().get(U32, ipOffset + Ipv4Packet.DESTINATION) == insideAddress) {
            return FORWARD;
        }
        return engine.outbound(frame, ipOffset, nowNanos);
    }

    @Override
    public int inbound(PacketBuffer frame, int ipOffset, long nowNanos) {
        return engine.inbound(frame, ipOffset, nowNanos);
    }

    @Override
    public void poll(long nowNanos) {
        engine.expire(nowNanos);
        PacketBuffer held;
        while ((held = engine.nextHeldReject(nowNanos)) != null) {
            if (responder != null) {
                responder.reject(held, EthernetFrame.HEADER_LENGTH, nowNanos);
            }
        }
    }

    @Override
    public void attach(Responder responder) {
        this.responder = responder;
    }
}
