package org.jnat.pcp;

import java.lang.foreign.MemorySegment;
import org.jnat.config.NatConfig;
import org.jnat.config.PcpConfig;
import org.jnat.nat.NatTable;
import org.jnat.runtime.Counters;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.NatPmpMessage;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.PcpMessage;

/**
 * What must hold of the PCP server for any datagram: nothing throws, and every answer is a well-formed
 * PCP or NAT-PMP response to what was asked (the fuzz target, {@link PcpFuzzTest}).
 */
final class PcpProperties {
    static final int CLIENT = Ipv4Address.parse("192.168.1.10");
    static final int PUBLIC = Ipv4Address.parse("203.0.113.1");
    static final long SECOND = 1_000_000_000L;

    private PcpProperties() {
    }

    /** Answers {@code input}, then the same with the nonce changed, then lets every lifetime run out. */
    static void answersAreWellFormed(byte[] input) {
        NatTable table = new NatTable(NatConfig.defaults().withPorts(1024, 1100).withLimits(256, 16), 1);
        PcpServer server = new PcpServer(new PcpConfig(true, 600, 4, true), table, PUBLIC,
                Ipv4Address.parse("192.168.1.1"), 24, new Counters());
        long now = SECOND;
        server.start(now);
        MemorySegment in = MemorySegment.ofArray(input);
        MemorySegment out = MemorySegment.ofArray(new byte[2048]);
        check(input, server.answer(in, 0, input.length, CLIENT, 5350, out, 0, now), out);
        if (input.length > 30) {
            input[27] ^= 1; // another nonce: a renewal refused, or another mapping
            check(input, server.answer(in, 0, input.length, CLIENT, 5350, out, 100, now + SECOND), out.asSlice(100));
        }
        server.poll(now + 700 * SECOND);
        if (table.pins().size() != 0) {
            throw new AssertionError(table.pins().size() + " mappings outlived max-lifetime");
        }
    }

    private static void check(byte[] request, int n, MemorySegment out) {
        if (n == 0) {
            if (request.length >= 2 && (request[1] & 0x80) == 0 && request[0] != 0) {
                throw new AssertionError("a PCP request went unanswered");
            }
            return;
        }
        int version = NetworkOrder.u8(out, 0);
        int op = NetworkOrder.u8(out, 1);
        if (request[0] == 0) {
            if (version != 0 || op != (request[1] & 0xff) + NatPmpMessage.RESPONSE
                    || NetworkOrder.u16(out, 2) > NatPmpMessage.UNSUPPORTED_OPCODE
                    || n != NatPmpMessage.ERROR_RESPONSE_LENGTH && n != NatPmpMessage.ADDRESS_RESPONSE_LENGTH
                    && n != NatPmpMessage.MAP_RESPONSE_LENGTH) {
                throw new AssertionError("a malformed NAT-PMP answer of " + n + " bytes");
            }
            return;
        }
        PcpMessage m = new PcpMessage().wrap(out, 0);
        if (n < PcpMessage.HEADER_LENGTH || n > PcpMessage.MAX_LENGTH || (n & 3) != 0 || !m.check(n)
                || version != PcpMessage.VERSION || !m.isResponse() || m.opcode() != (request[1] & 0x7f)
                || m.resultCode() > PcpMessage.LAST_RESULT || NetworkOrder.u8(out, 2) != 0) {
            throw new AssertionError("a malformed PCP answer of " + n + " bytes");
        }
        if (m.resultCode() == PcpMessage.SUCCESS && m.opcode() != PcpMessage.ANNOUNCE) {
            // (a deletion, lifetime 0, may answer for a mapping that never was: port 0 then)
            if (!m.checkBody() || m.externalAddress() != PUBLIC || m.externalPort() == 0 && m.lifetime() != 0) {
                throw new AssertionError("a SUCCESS without its mapping");
            }
            for (int at = m.nextOption(m.optionsStart(), true); at != n; at = m.nextOption(at, false)) {
                if (at < 0 || m.optionCode(at) >= PcpMessage.FIRST_OPTIONAL_OPTION) {
                    throw new AssertionError("an answer's options are malformed");
                }
            }
        }
    }
}
