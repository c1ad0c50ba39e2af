package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void parsesTheForms() {
        assertThat(Durations.parse("5m")).isEqualTo(TimeUnit.MINUTES.toNanos(5));
        assertThat(Durations.parse("2h4m")).isEqualTo(TimeUnit.MINUTES.toNanos(124));
        assertThat(Durations.parse("60s")).isEqualTo(TimeUnit.SECONDS.toNanos(60));
        assertThat(Durations.parse("500ms")).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(Durations.parse("200us")).isEqualTo(TimeUnit.MICROSECONDS.toNanos(200));
        assertThat(Durations.parse("1ms500us")).isEqualTo(TimeUnit.MICROSECONDS.toNanos(1500));
        assertThat(Durations.parse("500us1ms")).isEqualTo(-1); // largest unit first
        assertThat(Durations.format(TimeUnit.MICROSECONDS.toNanos(200))).isEqualTo("200us");
        assertThat(Durations.parse("1h2m3s4ms")).isEqualTo(TimeUnit.MILLISECONDS.toNanos(3_723_004));
        assertThat(Durations.parse("0s")).isZero();
    }

    @Test
    void rejectsWhatIsNotADuration() {
        for (String bad : new String[] {"", "5", "m", "5 m", "5M", "5min", "1.5h", "-5m", "4m2h", "1m1m", "5m ",
                "9999999999h", "1d"}) {
            assertThat(Durations.parse(bad)).as(bad).isEqualTo(-1);
        }
    }

    @Test
    void formatIsTheShortestTextThatReadsBack() {
        assertThat(Durations.format(TimeUnit.MINUTES.toNanos(124))).isEqualTo("2h4m");
        assertThat(Durations.format(TimeUnit.SECONDS.toNanos(60))).isEqualTo("1m");
        assertThat(Durations.format(TimeUnit.MILLISECONDS.toNanos(1500))).isEqualTo("1s500ms");
        for (long ms : new long[] {1, 999, 1000, 61_001, 7_444_000, 86_400_000}) {
            long nanos = TimeUnit.MILLISECONDS.toNanos(ms);
            assertThat(Durations.parse(Durations.format(nanos))).isEqualTo(nanos);
        }
    }
}
