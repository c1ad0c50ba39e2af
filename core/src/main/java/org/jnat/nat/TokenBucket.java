package org.jnat.nat;

/**
 * A token bucket for the answers the NAT provokes (RST, port unreachable, code 13): RFC 5508 REQ-8
 * and RFC 1812 section 4.3.2.8 ask that ICMP errors be rate-limited, so that a flood of unwanted
 * packets cannot be turned into a flood of answers.
 */
final class TokenBucket {
    private final long burst;
    private final long nanosPerToken;
    private long tokens;
    private long last;
    private boolean started;

    TokenBucket(int burst, int perSecond) {
        this.burst = burst;
        this.nanosPerToken = 1_000_000_000L / perSecond;
        this.tokens = burst;
    }

    boolean tryAcquire(long now) {
        if (!started) {
            started = true;
            last = now;
        }
        long elapsed = now - last;
        if (elapsed >= nanosPerToken) {
            long add = elapsed / nanosPerToken;
            tokens = Math.min(burst, tokens + add);
            last += add * nanosPerToken;
        }
        if (tokens > 0) {
            tokens--;
            return true;
        }
        return false;
    }
}
