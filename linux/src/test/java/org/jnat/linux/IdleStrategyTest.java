package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The two idle policies as pure decisions on the poll timeout; PollLoopTest runs them in a loop. */
class IdleStrategyTest {

    @Test
    void withoutAWindowTheLoopSleepsUntilItsDeadline() {
        IdleStrategy idle = IdleStrategy.forBusyPoll(0);
        assertThat(idle).isInstanceOf(IdleStrategy.Sleep.class).isSameAs(IdleStrategy.sleep());
        idle.workDone(1_000);
        assertThat(idle.pollTimeout(-1, 1_000)).isEqualTo(-1);
        assertThat(idle.pollTimeout(7, 1_000)).isEqualTo(7);
        assertThat(idle.pollTimeout(0, 1_000)).isZero();
    }

    @Test
    void aWindowSpinsAfterWorkOnlyUntilItHasPassed() {
        IdleStrategy idle = IdleStrategy.forBusyPoll(50_000);
        assertThat(idle).isInstanceOf(IdleStrategy.BusyPoll.class);
        // Before the first frame: sleep.
        assertThat(idle.pollTimeout(-1, 1_000)).isEqualTo(-1);
        idle.workDone(1_000);
        assertThat(idle.pollTimeout(-1, 1_000)).isZero();
        assertThat(idle.pollTimeout(5, 50_999)).isZero();
        assertThat(idle.pollTimeout(5, 51_000)).isEqualTo(5);
        assertThat(idle.pollTimeout(-1, 60_000)).isEqualTo(-1);
        // More work opens a new window from its own time.
        idle.workDone(60_000);
        assertThat(idle.pollTimeout(-1, 109_999)).isZero();
        assertThat(idle.pollTimeout(-1, 110_000)).isEqualTo(-1);
    }

    @Test
    void eachWindowHasItsOwnState() {
        IdleStrategy first = IdleStrategy.forBusyPoll(10);
        IdleStrategy second = IdleStrategy.forBusyPoll(10);
        first.workDone(0);
        assertThat(first.pollTimeout(-1, 5)).isZero();
        assertThat(second.pollTimeout(-1, 5)).isEqualTo(-1);
    }

    @Test
    void aNegativeWindowIsRefused() {
        assertThatThrownBy(() -> IdleStrategy.forBusyPoll(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the busy-poll window must not be negative, got -1 ns");
    }
}
