package org.jnat.config;

import java.util.concurrent.TimeUnit;

/**
 * Session idle timeouts, in nanoseconds ({@code [nat.timeouts]}). The defaults are the RFC minimums
 * or above: UDP 5 min (RFC 4787 REQ-5 says at least 2 min, recommends 5), TCP established 2 h 4 min
 * (RFC 5382 REQ-5), TCP transitory 4 min (RFC 5382 REQ-5, RFC 7857 section 2.2), ICMP 60 s
 * (RFC 5508 REQ-2).
 */
public record Timeouts(long udpNanos, long tcpEstablishedNanos, long tcpTransitoryNanos, long icmpNanos) {
    public static final long UDP_MINIMUM = TimeUnit.MINUTES.toNanos(2);
    public static final long TCP_ESTABLISHED_MINIMUM = TimeUnit.MINUTES.toNanos(124);
    public static final long TCP_TRANSITORY_MINIMUM = TimeUnit.MINUTES.toNanos(4);
    public static final long ICMP_MINIMUM = TimeUnit.SECONDS.toNanos(60);

    public static Timeouts defaults() {
        return new Timeouts(TimeUnit.MINUTES.toNanos(5), TCP_ESTABLISHED_MINIMUM, TCP_TRANSITORY_MINIMUM,
                ICMP_MINIMUM);
    }
}
