package org.jnat.nat;

import org.jnat.runtime.Counters;

/**
 * Every counter of the NAT, declared once with its label, in the order they are listed (the
 * metrics show them so). The engine, the table and the inbound policy share one instance and count
 * with {@code counters.increment(count.x)}.
 */
final class NatCounters {
    final Counters counters;
    final int outboundTranslated;
    final int inboundTranslated;
    final int hairpinned;
    final int icmpErrorsTranslated;
    final int droppedMalformed;
    final int droppedFragment;
    final int droppedProtocol;
    final int droppedNotTranslatable;
    final int droppedNotPublic;
    final int droppedNoSession;
    final int droppedIcmpNoSession;
    final int droppedIcmpErrorChecksum;
    final int droppedUnmatched;
    final int droppedHairpin;
    final int refusedTableFull;
    final int refusedHostQuota;
    final int refusedNoPort;
    final int rejected;
    final int prohibited;
    final int forwarded;
    final int dmz;
    final int synHeld;
    final int synOutboundWon;
    final int synHoldFull;
    final int expired;
    final int reclaimed;

    NatCounters(Counters counters) {
        this.counters = counters;
        outboundTranslated = counters.register("nat.translated.outbound", "packets translated inside to outside");
        inboundTranslated = counters.register("nat.translated.inbound", "packets translated outside to inside");
        hairpinned = counters.register("nat.hairpinned", "packets from the inside to the public address sent back in (REQ-9)");
        icmpErrorsTranslated = counters.register("nat.translated.icmp_errors", "ICMP errors translated through the session they quote");
        droppedMalformed = counters.register("nat.dropped.malformed", "packets too short or inconsistent to translate");
        droppedFragment = counters.register("nat.dropped.fragment", "fragments that reached the NAT unreassembled");
        droppedProtocol = counters.register("nat.dropped.protocol", "packets of a protocol the NAT does not translate");
        droppedNotTranslatable = counters.register("nat.dropped.not_translatable", "packets to or from broadcast, multicast, loopback or 0/8");
        droppedNotPublic = counters.register("nat.dropped.not_public", "inbound packets to an address other than the public one");
        droppedNoSession = counters.register("nat.dropped.no_session", "packets with no session that cannot make one (a RST, a stray reply)");
        droppedIcmpNoSession = counters.register("nat.dropped.icmp_error_no_session", "ICMP errors quoting no session");
        droppedIcmpErrorChecksum = counters.register("nat.dropped.icmp_error_checksum",
                "ICMP errors whose ICMP checksum or quoted IP header checksum is wrong");
        droppedUnmatched = counters.register("nat.dropped.unmatched", "inbound packets no session, forward or DMZ takes");
        droppedHairpin = counters.register("nat.dropped.hairpin", "hairpinned packets the owner's filtering refused, or hairpinning off");
        refusedTableFull = counters.register("nat.refused.table_full", "new sessions refused: max-sessions reached");
        refusedHostQuota = counters.register("nat.refused.host_quota", "new sessions refused: max-sessions-per-host reached");
        refusedNoPort = counters.register("nat.refused.no_port", "new sessions refused: no external port left");
        rejected = counters.register("nat.answers.rejected", "unmatched inbound packets answered with RST or port unreachable");
        prohibited = counters.register("nat.answers.prohibited", "refused packets answered with ICMP code 13 (RFC 5508 REQ-8)");
        forwarded = counters.register("nat.sessions.forwarded", "sessions made by a port forward");
        dmz = counters.register("nat.sessions.dmz", "sessions made for the DMZ host");
        synHeld = counters.register("nat.syn.held", "unsolicited inbound SYNs held 6 s before the reject (RFC 5382 REQ-4)");
        synOutboundWon = counters.register("nat.syn.outbound_won", "held SYNs dropped because an outbound SYN came (simultaneous open)");
        synHoldFull = counters.register("nat.syn.hold_full", "unsolicited SYNs dropped because every hold slot was busy");
        expired = counters.register("nat.sessions.expired", "sessions removed after their idle timeout");
        reclaimed = counters.register("nat.reclaimed.closed_tcp", "closed TCP sessions (both FINs or a RST) given up for a new session of the same host");
    }

    /**
     * Counts a refusal for want of room ({@link NatTable#TABLE_FULL}, {@link NatTable#HOST_QUOTA},
     * {@link NatTable#NO_PORT}) under its reason; false, counting nothing, for any other reason.
     */
    boolean refused(int reason) {
        int counter = switch (reason) {
            case NatTable.TABLE_FULL -> refusedTableFull;
            case NatTable.HOST_QUOTA -> refusedHostQuota;
            case NatTable.NO_PORT -> refusedNoPort;
            default -> -1;
        };
        if (counter < 0) {
            return false;
        }
        counters.increment(counter);
        return true;
    }
}
