package org.jnat.pcp;

import java.lang.foreign.MemorySegment;
import org.jnat.config.PcpConfig;
import org.jnat.nat.Endpoint;
import org.jnat.nat.NatTable;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.NatPmpMessage;

/**
 * NAT-PMP requests (RFC 6886, version 0) and their answers: the external address, and UDP and TCP
 * mappings, made, renewed and deleted as PCP's MAP makes them ({@link NatTable#pin}; no nonce: the
 * host and its internal port name the mapping), every answer with the epoch. Reads the request from a
 * copy, writes the answer into the caller's buffer; nothing allocates or throws.
 */
final class NatPmpRequests extends MappingRequests {
    private final NatPmpMessage request = new NatPmpMessage();
    private final NatPmpMessage response = new NatPmpMessage();

    NatPmpRequests(NatTable table, PcpMappings mappings, PcpCounters count, PcpConfig settings, int publicAddress) {
        super(table, mappings, count, settings, publicAddress);
    }

    /**
     * Answers the request of {@code length} (at least 2) bytes at offset 0 of {@code in} from inside
     * host {@code source}: writes the response at {@code out}/{@code at} and returns its length, or 0
     * when a mapping request is too short to answer (counted).
     */
    int answer(MemorySegment in, int length, int source, MemorySegment out, long at, long epoch, long now) {
        count.increment(count.natPmpRequests);
        request.wrap(in, 0);
        response.wrap(out, at);
        int op = request.op();
        if (!request.check(length)) {
            count.increment(count.malformed); // section 3.3 gives no answer for a short mapping request
            return 0;
        }
        if (op == NatPmpMessage.EXTERNAL_ADDRESS) {
            return address(epoch);
        }
        if (op != NatPmpMessage.MAP_UDP && op != NatPmpMessage.MAP_TCP) {
            return header(op, NatPmpMessage.UNSUPPORTED_OPCODE, epoch); // section 3.5
        }
        int protocol = op == NatPmpMessage.MAP_UDP ? IpProtocol.UDP : IpProtocol.TCP;
        int internalPort = request.requestInternalPort();
        int suggested = request.requestExternalPort();
        long lifetime = granted(request.requestLifetime());
        if (lifetime == 0) {
            return delete(protocol, source, internalPort, epoch, now);
        }
        if (internalPort == 0) {
            return mapping(op, NatPmpMessage.NOT_AUTHORIZED, epoch, 0, 0, 0); // port 0 only deletes (section 3.4)
        }
        long inside = Endpoint.of(protocol, source, internalPort);
        int slot = pins.find(inside);
        if (slot < 0) {
            if (pins.of(source) >= settings.maxMappingsPerHost()) {
                return mapping(op, NatPmpMessage.OUT_OF_RESOURCES, epoch, internalPort, 0, 0);
            }
            slot = table.pin(inside, suggested, false, now);
            if (slot < 0) {
                return mapping(op, NatPmpMessage.OUT_OF_RESOURCES, epoch, internalPort, 0, 0);
            }
            pins.clearFilters(slot);
        } else if (!mappings.byNatPmp(slot)) {
            // A PCP client's mapping: NAT-PMP has no nonce to prove it may renew it.
            return mapping(op, NatPmpMessage.NOT_AUTHORIZED, epoch, internalPort, 0, 0);
        }
        mappings.keep(slot, now + lifetime * 1_000_000_000L, 0, 0, 0, true, source);
        return mapping(op, NatPmpMessage.SUCCESS, epoch, internalPort, pins.externalPort(slot), lifetime);
    }

    /** Lifetime 0: one mapping deleted, or with internal port 0 all of the host's of that protocol (section 3.4). */
    private int delete(int protocol, int source, int internalPort, long epoch, long now) {
        int op = protocol == IpProtocol.UDP ? NatPmpMessage.MAP_UDP : NatPmpMessage.MAP_TCP;
        if (internalPort == 0) {
            mappings.deleteAll(source, protocol, now);
            return mapping(op, NatPmpMessage.SUCCESS, epoch, 0, 0, 0);
        }
        int slot = pins.find(Endpoint.of(protocol, source, internalPort));
        if (slot >= 0 && !mappings.byNatPmp(slot)) {
            return mapping(op, NatPmpMessage.NOT_AUTHORIZED, epoch, internalPort, 0, 0);
        }
        if (slot >= 0) {
            mappings.delete(slot, now);
        }
        return mapping(op, NatPmpMessage.SUCCESS, epoch, internalPort, 0, 0);
    }

    private int address(long epoch) {
        response.op(NatPmpMessage.RESPONSE + NatPmpMessage.EXTERNAL_ADDRESS).resultCode(NatPmpMessage.SUCCESS)
                .epoch(epoch).externalAddress(publicAddress);
        count.natPmpAnswered(NatPmpMessage.SUCCESS);
        return NatPmpMessage.ADDRESS_RESPONSE_LENGTH;
    }

    /** The unsolicited address announcement (section 3.2.1): the address response, written at {@code out}/{@code at}. */
    int announcement(MemorySegment out, long at, long epoch) {
        response.wrap(out, at).op(NatPmpMessage.RESPONSE + NatPmpMessage.EXTERNAL_ADDRESS)
                .resultCode(NatPmpMessage.SUCCESS).epoch(epoch).externalAddress(publicAddress);
        return NatPmpMessage.ADDRESS_RESPONSE_LENGTH;
    }

    /** The 8-byte answer to an opcode it does not know (or a version it does not speak). */
    int header(int op, int result, long epoch) {
        response.op((op + NatPmpMessage.RESPONSE) & 0xff).resultCode(result).epoch(epoch);
        count.natPmpAnswered(result);
        return NatPmpMessage.ERROR_RESPONSE_LENGTH;
    }

    private int mapping(int op, int result, long epoch, int internalPort, int externalPort, long lifetime) {
        response.op(op + NatPmpMessage.RESPONSE).resultCode(result).epoch(epoch)
                .mapping(internalPort, externalPort, lifetime);
        count.natPmpAnswered(result);
        return NatPmpMessage.MAP_RESPONSE_LENGTH;
    }
}
