package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    @Test
    void burstThenRefillAtTheRate() {
        RateLimiter limiter = new RateLimiter(5, 10); // one token per 100 ms
        int granted = 0;
        for (int i = 0; i < 20; i++) {
            if (limiter.tryAcquire(1_000)) {
                granted++;
            }
        }
        assertThat(granted).isEqualTo(5);
        assertThat(limiter.tryAcquire(1_000 + 99_000_000L)).isFalse();
        assertThat(limiter.tryAcquire(1_000 + 100_000_000L)).isTrue();
        assertThat(limiter.tryAcquire(1_000 + 100_000_000L)).isFalse();
    }

    @Test
    void idleTimeRefillsNoMoreThanTheBurst() {
        RateLimiter limiter = new RateLimiter(3, 1000);
        limiter.tryAcquire(0);
        int granted = 0;
        for (int i = 0; i < 10; i++) {
            if (limiter.tryAcquire(3_600_000_000_000L)) {
                granted++;
            }
        }
        assertThat(granted).isEqualTo(3);
    }

    @Test
    void aClockThatStepsBackRefillsNothing() {
        RateLimiter limiter = new RateLimiter(1, 1);
        assertThat(limiter.tryAcquire(5_000_000_000L)).isTrue();
        assertThat(limiter.tryAcquire(1_000_000_000L)).isFalse();
        assertThat(limiter.tryAcquire(5_500_000_000L)).isFalse();
        assertThat(limiter.tryAcquire(6_000_000_000L)).isTrue();
    }
}
