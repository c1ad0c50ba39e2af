package org.jnat.pcp;

import java.lang.foreign.MemorySegment;
import org.jnat.config.PcpConfig;
import org.jnat.nat.Endpoint;
import org.jnat.nat.NatTable;
import org.jnat.nat.PinnedMappings;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.PcpMessage;

/**
 * PCP requests (RFC 6887, version 2) and their answers: ANNOUNCE, MAP (a pinned, endpoint-independent
 * mapping, {@link NatTable#pin}) and PEER (the session to one peer, made as an outbound packet would
 * make it), with the THIRD_PARTY, PREFER_FAILURE and FILTER options, and every result code where the
 * RFC calls for one. The request is read from a copy, the answer written into the caller's buffer;
 * nothing allocates or throws.
 *
 * <p>Choices the RFC leaves open: an option valid for another opcode only is UNSUPP_OPTION; each MAP
 * request sets the mapping's filters to its own FILTERs (none: every peer; a prefix length of 0: every
 * peer); a PEER's lifetime is its session's idle time left, no more than asked (PEER does not keep a
 * session beyond the NAT's timeouts); a lifetime is never more than {@code max-lifetime}.
 */
final class PcpRequests extends MappingRequests {
    /** How long a client should wait after an error before asking again (RFC 6887 section 7.4). */
    static final long SHORT_ERROR_SECONDS = 30, LONG_ERROR_SECONDS = 1800;

    private final int insideNetwork;
    private final int insideMask;
    private final int insideAddress;
    private final PcpMessage request = new PcpMessage();
    private final PcpMessage response = new PcpMessage();

    // The request being answered (one at a time).
    private MemorySegment in;
    private int length;
    private long epoch;

    PcpRequests(NatTable table, PcpMappings mappings, PcpCounters count, PcpConfig settings, int publicAddress,
                int insideAddress, int insidePrefixLength) {
        super(table, mappings, count, settings, publicAddress);
        this.insideAddress = insideAddress;
        this.insideMask = insidePrefixLength == 0 ? 0 : -1 << (32 - insidePrefixLength);
        this.insideNetwork = insideAddress & insideMask;
    }

    /**
     * Answers the request of {@code length} (at least 2) bytes at offset 0 of {@code in} from inside
     * host {@code source}: writes the response at {@code out}/{@code at} and returns its length.
     */
    int answer(MemorySegment in, int length, int source, MemorySegment out, long at, long epoch, long now) {
        count.increment(count.pcpRequests);
        this.in = in;
        this.length = length;
        this.epoch = epoch;
        response.wrap(out, at);
        request.wrap(in, 0);
        if (request.version() != PcpMessage.VERSION) {
            return error(PcpMessage.UNSUPP_VERSION, PcpMessage.HEADER_LENGTH); // section 9: tell the version we speak
        }
        if (!request.check(length) || length > PcpMessage.MAX_LENGTH || (length & 3) != 0) {
            return error(PcpMessage.MALFORMED_REQUEST, length);
        }
        int opcode = request.opcode();
        if (opcode != PcpMessage.ANNOUNCE && opcode != PcpMessage.MAP && opcode != PcpMessage.PEER) {
            return error(PcpMessage.UNSUPP_OPCODE, length);
        }
        if (!request.checkBody()) {
            return error(PcpMessage.MALFORMED_REQUEST, length);
        }
        if (!request.clientAddressIsIpv4() || request.clientAddress() != source) {
            return error(PcpMessage.ADDRESS_MISMATCH, length); // a NAT between client and server (section 8.3)
        }
        int options = checkOptions(opcode);
        if (options != PcpMessage.SUCCESS) {
            return error(options, length);
        }
        return switch (opcode) {
            case PcpMessage.MAP -> map(source, now);
            case PcpMessage.PEER -> peer(source, now);
            default -> announce();
        };
    }

    // The options of the request, found by checkOptions.
    private int thirdParty;
    private boolean preferFailure;
    private int filters;
    private boolean allPeers;

    /** Walks the options once: SUCCESS, or the result code that refuses them (section 7.3). */
    private int checkOptions(int opcode) {
        thirdParty = -1;
        preferFailure = false;
        filters = 0;
        allPeers = false;
        for (int at = request.nextOption(request.optionsStart(), true); at != length; at = request.nextOption(at, false)) {
            if (at < 0) {
                return PcpMessage.MALFORMED_OPTION;
            }
            int code = request.optionCode(at);
            int dataLength = request.optionLength(at);
            switch (code) {
                case PcpMessage.THIRD_PARTY -> {
                    if (opcode == PcpMessage.ANNOUNCE) {
                        return PcpMessage.UNSUPP_OPTION;
                    }
                    if (thirdParty >= 0 || dataLength != PcpMessage.THIRD_PARTY_LENGTH || !request.thirdPartyIsIpv4(at)) {
                        return PcpMessage.MALFORMED_OPTION;
                    }
                    thirdParty = at;
                }
                case PcpMessage.PREFER_FAILURE -> {
                    if (opcode != PcpMessage.MAP) {
                        return PcpMessage.UNSUPP_OPTION;
                    }
                    if (preferFailure || dataLength != 0) {
                        return PcpMessage.MALFORMED_OPTION;
                    }
                    preferFailure = true;
                }
                case PcpMessage.FILTER -> {
                    if (opcode != PcpMessage.MAP) {
                        return PcpMessage.UNSUPP_OPTION;
                    }
                    int prefix = request.filterPrefixLength(at);
                    if (dataLength != PcpMessage.FILTER_LENGTH || prefix > 128
                            || prefix != 0 && (prefix < 96 || !request.filterPeerIsIpv4(at))) {
                        return PcpMessage.MALFORMED_OPTION; // (an IPv4 peer's prefix is 96 + its own, section 13.3)
                    }
                    if (prefix == 0) {
                        allPeers = true;
                    } else {
                        filters++;
                    }
                }
                default -> {
                    if (code < PcpMessage.FIRST_OPTIONAL_OPTION) {
                        return PcpMessage.UNSUPP_OPTION;
                    }
                }
            }
        }
        if (thirdParty >= 0 && !settings.allowThirdParty()) {
            return PcpMessage.NOT_AUTHORIZED;
        }
        if (thirdParty >= 0 && !insideHost(request.thirdPartyAddress(thirdParty))) {
            return PcpMessage.NOT_AUTHORIZED; // only a host on the inside network may have a mapping
        }
        if (!allPeers && filters > PinnedMappings.MAX_FILTERS) {
            return PcpMessage.EXCESSIVE_REMOTE_PEERS;
        }
        return PcpMessage.SUCCESS;
    }

    private boolean insideHost(int address) {
        return (address & insideMask) == insideNetwork && address != insideAddress && address != insideNetwork
                && address != (insideNetwork | ~insideMask);
    }

    /** MAP (section 11): create, renew or delete a pinned mapping. */
    private int map(int source, long now) {
        int protocol = request.protocol();
        int internalPort = request.internalPort();
        if (protocol == 0 && internalPort != 0 || protocol != 0 && internalPort == 0) {
            return error(PcpMessage.MALFORMED_REQUEST, length); // port 0 means all ports, only for all protocols
        }
        if (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) {
            return error(PcpMessage.UNSUPP_PROTOCOL, length);
        }
        if (preferFailure && !request.addressIsZero(PcpMessage.externalAddressField())
                && (!request.externalAddressIsIpv4() || request.externalAddress() != publicAddress)) {
            return error(PcpMessage.CANNOT_PROVIDE_EXTERNAL, length); // only our one public address (section 13.2)
        }
        int host = thirdParty >= 0 ? request.thirdPartyAddress(thirdParty) : source;
        long inside = Endpoint.of(protocol, host, internalPort);
        long lifetime = granted(request.lifetime());
        int slot = pins.find(inside);
        if (slot >= 0 && !mappings.owns(slot, request.nonce(0), request.nonce(1), request.nonce(2))) {
            return error(PcpMessage.NOT_AUTHORIZED, length); // another client's mapping (section 11.3)
        }
        if (lifetime == 0) {
            int external = slot >= 0 ? pins.externalPort(slot) : request.externalPort();
            if (slot >= 0) {
                mappings.delete(slot, now);
            }
            return success(PcpMessage.MAP, 0, external);
        }
        if (slot < 0) {
            if (pins.of(host) >= settings.maxMappingsPerHost()) {
                return error(PcpMessage.USER_EX_QUOTA, length);
            }
            slot = table.pin(inside, request.externalPort(), preferFailure, now);
            if (slot < 0) {
                return error(refusal(slot), length);
            }
        }
        pins.clearFilters(slot);
        if (!allPeers) {
            for (int at = request.nextOption(request.optionsStart(), true); at != length && at >= 0;
                 at = request.nextOption(at, false)) {
                if (request.optionCode(at) == PcpMessage.FILTER) {
                    pins.addFilter(slot, request.filterPeerAddress(at), request.filterPrefixLength(at) - 96,
                            request.filterPeerPort(at));
                }
            }
        }
        mappings.keep(slot, now + lifetime * 1_000_000_000L, request.nonce(0), request.nonce(1), request.nonce(2),
                false, source);
        return success(PcpMessage.MAP, lifetime, pins.externalPort(slot));
    }

    /** A {@link NatTable} refusal as a PCP result code. */
    private int refusal(int reason) {
        return switch (reason) {
            case NatTable.HOST_QUOTA -> PcpMessage.USER_EX_QUOTA;
            case NatTable.NO_PORT -> preferFailure ? PcpMessage.CANNOT_PROVIDE_EXTERNAL : PcpMessage.NO_RESOURCES;
            default -> PcpMessage.NO_RESOURCES;
        };
    }

    /** PEER (section 12): the session to one remote peer, made or found; its time left is the answer's lifetime. */
    private int peer(int source, long now) {
        int protocol = request.protocol();
        if (protocol == 0 || request.internalPort() == 0 || request.remotePeerPort() == 0
                || !request.remotePeerAddressIsIpv4() || request.remotePeerAddress() == 0) {
            return error(PcpMessage.MALFORMED_REQUEST, length);
        }
        if (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) {
            return error(PcpMessage.UNSUPP_PROTOCOL, length);
        }
        int peer = request.remotePeerAddress();
        if ((peer & insideMask) == insideNetwork || peer == publicAddress || (peer >>> 28) >= 14
                || (peer >>> 24) == 127 || (peer >>> 24) == 0) {
            return error(PcpMessage.MALFORMED_REQUEST, length); // a peer the NAT never translates to
        }
        int host = thirdParty >= 0 ? request.thirdPartyAddress(thirdParty) : source;
        long inside = Endpoint.of(protocol, host, request.internalPort());
        long remote = Endpoint.of(protocol, peer, request.remotePeerPort());
        int id = table.outbound(inside, remote, 0, now);
        if (id < 0) {
            return error(refusal(id), length);
        }
        long left = Math.max(0, table.sessions().expiry(id) - now) / 1_000_000_000L;
        long lifetime = Math.min(granted(request.lifetime()), left);
        return success(PcpMessage.PEER, lifetime, table.sessions().externalPort(id));
    }

    /** ANNOUNCE (section 14.1): SUCCESS with the epoch, lifetime 0, nothing else. */
    private int announce() {
        MemorySegment.copy(in, 0, response.segment(), response.offset(), PcpMessage.HEADER_LENGTH);
        header(PcpMessage.ANNOUNCE, PcpMessage.SUCCESS, 0);
        return PcpMessage.HEADER_LENGTH;
    }

    /**
     * A SUCCESS response to MAP or PEER: the request's body with the assigned port and address, and
     * the options it processed (section 7.3: optional ones it did not are left out).
     */
    private int success(int opcode, long lifetime, int externalPort) {
        int body = PcpMessage.HEADER_LENGTH + PcpMessage.bodyLength(opcode);
        MemorySegment out = response.segment();
        long at = response.offset();
        MemorySegment.copy(in, 0, out, at, body);
        header(opcode, PcpMessage.SUCCESS, lifetime);
        response.externalPort(externalPort).externalAddress(publicAddress);
        int n = body;
        for (int o = request.nextOption(request.optionsStart(), true); o != length && o >= 0;
             o = request.nextOption(o, false)) {
            int code = request.optionCode(o);
            if (code < PcpMessage.FIRST_OPTIONAL_OPTION) {
                int size = PcpMessage.OPTION_HEADER_LENGTH + ((request.optionLength(o) + 3) & ~3);
                MemorySegment.copy(in, o, out, at + n, size);
                n += size;
            }
        }
        return n;
    }

    /** An error response (section 8.3): the request, as much as fits, with the response header over it. */
    private int error(int result, int copy) {
        int n = Math.max(PcpMessage.HEADER_LENGTH, Math.min(copy, PcpMessage.MAX_LENGTH) & ~3);
        int copied = Math.min(Math.min(copy, length), n);
        MemorySegment out = response.segment();
        long at = response.offset();
        MemorySegment.copy(in, 0, out, at, copied);
        for (int i = copied; i < PcpMessage.HEADER_LENGTH; i++) {
            NetworkOrder.u8(out, at + i, 0);
        }
        header(NetworkOrder.u8(in, 1) & 0x7f, result, errorLifetime(result));
        return n;
    }

    private void header(int opcode, int result, long lifetime) {
        response.version(PcpMessage.VERSION).opcode(opcode, true).resultCode(result).lifetime(lifetime)
                .epochTime(epoch);
        count.pcpAnswered(result);
    }

    static long errorLifetime(int result) {
        return switch (result) {
            case PcpMessage.NETWORK_FAILURE, PcpMessage.NO_RESOURCES, PcpMessage.USER_EX_QUOTA,
                 PcpMessage.CANNOT_PROVIDE_EXTERNAL, PcpMessage.EXCESSIVE_REMOTE_PEERS -> SHORT_ERROR_SECONDS;
            default -> LONG_ERROR_SECONDS;
        };
    }
}
