package org.jnat.nat;

import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;

/** Feeds a {@link SessionLog} from outside the package, as the data plane would, for the app's tests. */
public final class SessionLogTestFeed {
    private static final long INSIDE = Endpoint.of(IpProtocol.UDP, Ipv4Address.parse("192.168.1.10"), 5000);
    private static final long REMOTE = Endpoint.of(IpProtocol.UDP, Ipv4Address.parse("198.51.100.10"), 53);

    private SessionLogTestFeed() {
    }

    public static void created(SessionLog log, int id, long nanos) {
        log.created(id, INSIDE, REMOTE, 5000, nanos);
    }

    public static void ended(SessionLog log, int id, long nanos) {
        log.ended(id, INSIDE, REMOTE, 5000, SessionLog.Reason.EXPIRED, nanos);
    }
}
