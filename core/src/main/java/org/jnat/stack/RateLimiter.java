package org.jnat.stack;

/**
 * A token bucket driven by the router's clock: {@code burst} tokens at most, refilled at
 * {@code perSecond} tokens a second. Used to limit the ICMP errors the router sends (RFC 1812
 * section 4.3.2.8: a router SHOULD limit the rate of ICMP error messages; Linux's defaults are
 * {@code icmp_msgs_per_sec = 1000} and {@code icmp_msgs_burst = 50}).
 *
 * <p>The credit is kept in nanoseconds so that no division happens per packet.
 */
public final class RateLimiter {
    private final long nanosPerToken;
    private final long maxCredit;
    private long credit;
    private long last;
    private boolean started;

    public RateLimiter(int burst, int perSecond) {
        if (burst < 1 || perSecond < 1) {
            throw new IllegalArgumentException("burst and rate must be at least 1");
        }
        this.nanosPerToken = 1_000_000_000L / perSecond;
        this.maxCredit = nanosPerToken * burst;
    }

    /** Linux's defaults: 50 at once, 1000 a second. */
    public static RateLimiter icmpDefault() {
        return new RateLimiter(50, 1000);
    }

    /** Back to a new limiter's state: full at the next {@link #tryAcquire} (set-up time). */
    public void reset() {
        started = false;
        credit = 0;
        last = 0;
    }

    /** Takes one token if there is one at {@code nowNanos}. */
    public boolean tryAcquire(long nowNanos) {
        if (!started) {
            started = true;
            last = nowNanos;
            credit = maxCredit;
        } else if (nowNanos > last) {
            // A clock that steps back (a replayed capture out of order) refills nothing.
            long elapsed = nowNanos - last;
            credit = elapsed >= maxCredit ? maxCredit : Math.min(maxCredit, credit + elapsed);
            last = nowNanos;
        }
        if (credit >= nanosPerToken) {
            credit -= nanosPerToken;
            return true;
        }
        return false;
    }
}
