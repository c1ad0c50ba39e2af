package org.jnat.pcp;

import java.util.ArrayList;
import java.util.List;
import org.jnat.nat.Endpoint;
import org.jnat.nat.NatTable;
import org.jnat.nat.PinnedMappings;
import org.jnat.runtime.Deadlines;

/**
 * What the PCP server keeps of each mapping it made, beside the NAT's pin ({@link PinnedMappings},
 * by the same slot): when its lifetime ends, its nonce (RFC 6887 section 11.1: only the client
 * that knows it may renew or delete the mapping), whether NAT-PMP made it, and the host that asked
 * (a third party's mapping belongs to the host that asked for it). The lifetimes end in
 * {@link #expire}; nothing else ends a mapping but a request.
 *
 * <p>Preallocated, one slot per pin; data-plane thread only, but {@link #list}, which the control
 * plane's command calls there.
 */
public final class PcpMappings {
    private final NatTable table;
    private final PinnedMappings pins;
    private final long[] expiry;
    private final int[] nonce;
    private final boolean[] natPmp;
    private final int[] requester;
    /** No mapping expires before this (it may be earlier than the earliest: then a sweep finds nothing). */
    private long earliest = Deadlines.NONE;

    public PcpMappings(NatTable table) {
        this.table = table;
        this.pins = table.pins();
        int n = pins.capacity();
        this.expiry = new long[n];
        this.nonce = new int[3 * n];
        this.natPmp = new boolean[n];
        this.requester = new int[n];
    }

    /** Sets the lifetime and owner of pin {@code slot}, new or renewed. */
    void keep(int slot, long until, int nonce0, int nonce1, int nonce2, boolean byNatPmp, int requestedBy) {
        expiry[slot] = until;
        nonce[3 * slot] = nonce0;
        nonce[3 * slot + 1] = nonce1;
        nonce[3 * slot + 2] = nonce2;
        natPmp[slot] = byNatPmp;
        requester[slot] = requestedBy;
        earliest = Deadlines.earliest(earliest, until);
    }

    /** True if a request with this nonce may renew or delete pin {@code slot}; a NAT-PMP mapping has none to match. */
    boolean owns(int slot, int nonce0, int nonce1, int nonce2) {
        return natPmp[slot] || nonce[3 * slot] == nonce0 && nonce[3 * slot + 1] == nonce1
                && nonce[3 * slot + 2] == nonce2;
    }

    /** Seconds pin {@code slot} has left at {@code now}, rounded up. */
    long remainingSeconds(int slot, long now) {
        long left = expiry[slot] - now;
        return left <= 0 ? 0 : (left + 999_999_999L) / 1_000_000_000L;
    }

    boolean byNatPmp(int slot) {
        return natPmp[slot];
    }

    int requester(int slot) {
        return requester[slot];
    }

    /** Ends pin {@code slot} now (a request with lifetime 0). */
    void delete(int slot, long now) {
        table.unpin(slot, now);
    }

    /** Ends the pins whose lifetime is over; returns how many. Walks the slots: only when {@link #nextDeadline} is due. */
    int expire(long now) {
        if (!Deadlines.isDue(earliest, now)) {
            return 0;
        }
        int n = 0;
        long next = Deadlines.NONE;
        for (int slot = 0; slot < expiry.length; slot++) {
            if (pins.mapping(slot) < 0) {
                continue;
            }
            if (expiry[slot] - now <= 0) {
                table.unpin(slot, now);
                n++;
            } else {
                next = Deadlines.earliest(next, expiry[slot]);
            }
        }
        earliest = next;
        return n;
    }

    /** When the next lifetime may end, or {@link Deadlines#NONE}. */
    long nextDeadline() {
        return earliest;
    }

    /**
     * Ends the NAT-PMP mappings of {@code protocol} that {@code host} asked for (RFC 6886 section
     * 3.4: a request with internal port 0 and lifetime 0); returns how many.
     */
    int deleteAll(int host, int protocol, long now) {
        int n = 0;
        for (int slot = 0; slot < expiry.length; slot++) {
            if (pins.mapping(slot) >= 0 && requester[slot] == host && natPmp[slot]
                    && Endpoint.protocol(pins.inside(slot)) == protocol) {
                table.unpin(slot, now);
                n++;
            }
        }
        return n;
    }

    /** One mapping, for the control plane's listing. */
    public record Mapping(int protocol, int insideAddress, int insidePort, int externalPort, long lifetimeSeconds,
                          boolean natPmp, int filters) {
    }

    /** The mappings in force, for the control plane: run on the data-plane thread (allocates; at most {@link NatTable#MAX_PINS}). */
    public List<Mapping> list(long now) {
        List<Mapping> out = new ArrayList<>(pins.size());
        for (int slot = 0; slot < expiry.length; slot++) {
            if (pins.mapping(slot) >= 0) {
                long inside = pins.inside(slot);
                out.add(new Mapping(Endpoint.protocol(inside), Endpoint.address(inside), Endpoint.port(inside),
                        pins.externalPort(slot), remainingSeconds(slot, now), natPmp[slot], pins.filters(slot)));
            }
        }
        return out;
    }
}
