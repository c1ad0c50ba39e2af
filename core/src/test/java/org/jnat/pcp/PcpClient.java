package org.jnat.pcp;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import org.jnat.wire.NatPmpMessage;
import org.jnat.wire.PcpMessage;

/**
 * The project's own PCP and NAT-PMP client, for the tests: builds requests through the wire views
 * (RFC 6887, RFC 6886) and reads the answers through them.
 */
final class PcpClient {
    private final int client;

    /** A client whose PCP Client's IP Address field says {@code client}. */
    PcpClient(int client) {
        this.client = client;
    }

    /** A MAP request; the nonce is {@code nonce} three times. */
    byte[] map(int protocol, int internalPort, int suggestedPort, long lifetime, int nonce, byte[]... options) {
        return request(PcpMessage.MAP, lifetime, nonce, protocol, internalPort, suggestedPort, 0, 0, options);
    }

    /** A PEER request to {@code peer}:{@code peerPort}. */
    byte[] peer(int protocol, int internalPort, int suggestedPort, long lifetime, int nonce, int peer, int peerPort,
                byte[]... options) {
        return request(PcpMessage.PEER, lifetime, nonce, protocol, internalPort, suggestedPort, peer, peerPort, options);
    }

    /** An ANNOUNCE request (lifetime 0). */
    byte[] announce(byte[]... options) {
        return request(PcpMessage.ANNOUNCE, 0, 0, 0, 0, 0, 0, 0, options);
    }

    private byte[] request(int opcode, long lifetime, int nonce, int protocol, int internalPort, int suggestedPort,
                           int peer, int peerPort, byte[]... options) {
        int body = PcpMessage.HEADER_LENGTH + PcpMessage.bodyLength(opcode);
        byte[] bytes = new byte[body];
        PcpMessage m = new PcpMessage().wrap(MemorySegment.ofArray(bytes), 0);
        m.version(PcpMessage.VERSION).opcode(opcode, false).resultCode(0).lifetime(lifetime).clientAddress(client);
        if (opcode != PcpMessage.ANNOUNCE) {
            m.nonce(0, nonce).nonce(1, nonce).nonce(2, nonce).protocol(protocol).internalPort(internalPort)
                    .externalPort(suggestedPort);
            if (opcode == PcpMessage.PEER) {
                m.remotePeerPort(peerPort).remotePeerAddress(peer);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes);
        for (byte[] option : options) {
            out.writeBytes(option);
        }
        return out.toByteArray();
    }

    /** An option with {@code length} bytes of data (zeros), padded. */
    static byte[] option(int code, int length) {
        byte[] bytes = new byte[PcpMessage.OPTION_HEADER_LENGTH + ((length + 3) & ~3)];
        new PcpMessage().wrap(MemorySegment.ofArray(bytes), 0).option(0, code, length);
        return bytes;
    }

    static byte[] preferFailure() {
        return option(PcpMessage.PREFER_FAILURE, 0);
    }

    /** FILTER for IPv4 peers {@code address}/{@code prefixLength} (the IPv4 prefix; 96 is added), port {@code port} (0: any). */
    static byte[] filter(int address, int prefixLength, int port) {
        return rawFilter(96 + prefixLength, port, address);
    }

    /** FILTER with the 128-bit prefix length as given. */
    static byte[] rawFilter(int prefixLength128, int port, int address) {
        byte[] bytes = option(PcpMessage.FILTER, PcpMessage.FILTER_LENGTH);
        new PcpMessage().wrap(MemorySegment.ofArray(bytes), 0).filter(0, prefixLength128, port, address);
        return bytes;
    }

    static byte[] thirdParty(int address) {
        byte[] bytes = option(PcpMessage.THIRD_PARTY, PcpMessage.THIRD_PARTY_LENGTH);
        new PcpMessage().wrap(MemorySegment.ofArray(bytes), 0).thirdPartyAddress(0, address);
        return bytes;
    }

    /** The answer, checked as a PCP response. */
    static PcpMessage read(byte[] answer) {
        PcpMessage m = new PcpMessage().wrap(MemorySegment.ofArray(answer), 0);
        if (!m.check(answer.length) || !m.isResponse() || m.version() != PcpMessage.VERSION) {
            throw new AssertionError("not a PCP response: " + java.util.HexFormat.of().formatHex(answer));
        }
        return m;
    }

    static byte[] natPmpAddress() {
        return new byte[] {0, 0};
    }

    static byte[] natPmpMap(int op, int internalPort, int suggestedPort, long lifetime) {
        byte[] bytes = new byte[NatPmpMessage.MAP_REQUEST_LENGTH];
        new NatPmpMessage().wrap(MemorySegment.ofArray(bytes), 0).request(op, internalPort, suggestedPort, lifetime);
        return bytes;
    }

    static NatPmpMessage readNatPmp(byte[] answer) {
        NatPmpMessage m = new NatPmpMessage().wrap(MemorySegment.ofArray(answer), 0);
        if (answer.length < NatPmpMessage.ERROR_RESPONSE_LENGTH || m.version() != 0 || m.op() < 128) {
            throw new AssertionError("not a NAT-PMP response: " + java.util.HexFormat.of().formatHex(answer));
        }
        return m;
    }
}
