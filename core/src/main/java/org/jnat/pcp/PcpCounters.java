package org.jnat.pcp;

import org.jnat.runtime.Counters;
import org.jnat.wire.NatPmpMessage;
import org.jnat.wire.PcpMessage;

/** Every {@code pcp.*} and {@code natpmp.*} counter, declared once: requests, answers by result code, drops. */
final class PcpCounters {
    /** PCP result codes by number (RFC 6887 section 7.4), as counter names. */
    private static final String[] PCP_RESULTS = {"success", "unsupp_version", "not_authorized", "malformed_request",
            "unsupp_opcode", "unsupp_option", "malformed_option", "network_failure", "no_resources",
            "unsupp_protocol", "user_ex_quota", "cannot_provide_external", "address_mismatch",
            "excessive_remote_peers"};
    /** NAT-PMP result codes by number (RFC 6886 section 3.5). */
    private static final String[] NATPMP_RESULTS = {"success", "unsupported_version", "not_authorized",
            "network_failure", "out_of_resources", "unsupported_opcode"};

    final Counters counters;
    final int pcpRequests, natPmpRequests, malformed, refusedOutside, announcements, expired;
    private final int[] pcpAnswers = new int[PcpMessage.LAST_RESULT + 1];
    private final int[] natPmpAnswers = new int[NatPmpMessage.UNSUPPORTED_OPCODE + 1];

    PcpCounters(Counters counters) {
        this.counters = counters;
        pcpRequests = counters.register("pcp.requests", "PCP requests (version 2) from inside hosts");
        natPmpRequests = counters.register("natpmp.requests", "NAT-PMP requests (version 0) from inside hosts");
        malformed = counters.register("pcp.dropped.malformed",
                "PCP and NAT-PMP datagrams dropped unanswered: shorter than 2 bytes, a response, a bad UDP checksum,"
                        + " a truncated NAT-PMP mapping request, an answer too large for the link");
        refusedOutside = counters.register("pcp.refused.outside",
                "PCP and NAT-PMP requests from the outside or to another address of the router, refused as by a closed port");
        announcements = counters.register("pcp.announcements",
                "unsolicited PCP ANNOUNCE and NAT-PMP address messages sent to 224.0.0.1:5350");
        expired = counters.register("pcp.mappings.expired", "PCP and NAT-PMP mappings whose lifetime ran out");
        for (int code = 0; code < pcpAnswers.length; code++) {
            pcpAnswers[code] = counters.register("pcp.answered." + PCP_RESULTS[code],
                    "PCP answers with result code " + code + " (" + PCP_RESULTS[code].toUpperCase() + ")");
        }
        for (int code = 0; code < natPmpAnswers.length; code++) {
            natPmpAnswers[code] = counters.register("natpmp.answered." + NATPMP_RESULTS[code],
                    "NAT-PMP answers with result code " + code);
        }
    }

    void pcpAnswered(int result) {
        counters.increment(pcpAnswers[result]);
    }

    void natPmpAnswered(int result) {
        counters.increment(natPmpAnswers[result]);
    }

    void increment(int slot) {
        counters.increment(slot);
    }
}
