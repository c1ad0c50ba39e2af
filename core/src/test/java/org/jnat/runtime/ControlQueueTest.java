package org.jnat.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jnat.testing.Allocations;
import org.junit.jupiter.api.Test;

class ControlQueueTest {

    @Test
    void commandsRunOnDrainInOrderWithTheRoundsTime() throws Exception {
        ControlQueue queue = new ControlQueue();
        List<Long> seen = new ArrayList<>();
        CompletableFuture<String> a = queue.call(now -> { seen.add(now); return "a"; });
        CompletableFuture<Integer> b = queue.call(now -> { seen.add(now + 1); return 2; });
        assertThat(a).isNotDone();
        assertThat(queue.pending()).isTrue();

        assertThat(queue.drain(100, 1)).isEqualTo(1);
        assertThat(a.get()).isEqualTo("a");
        assertThat(b).isNotDone();
        assertThat(queue.drain(200, 10)).isEqualTo(1);
        assertThat(b.get()).isEqualTo(2);
        assertThat(seen).containsExactly(100L, 201L);
        assertThat(queue.pending()).isFalse();
        assertThat(queue.drain(300, 10)).isZero();
    }

    @Test
    void aFailingCommandFailsItsCallerNotTheDataPlane() {
        ControlQueue queue = new ControlQueue();
        CompletableFuture<Object> bad = queue.call(now -> { throw new IllegalArgumentException("no such forward"); });
        CompletableFuture<Integer> good = queue.call(now -> 7);
        assertThat(queue.drain(0, 10)).isEqualTo(2);
        assertThatThrownBy(bad::get).isInstanceOf(ExecutionException.class).hasMessageContaining("no such forward");
        assertThat(good).isCompletedWithValue(7);
    }

    /**
     * A caller that gave up (a reload or a forward answered 503 after its wait) must be able to say
     * "nothing was changed": the withdrawn command never runs, even when the data plane reaches it
     * later.
     */
    @Test
    void aCommandWithdrawnAfterItsTimeoutNeverRunsLater() throws Exception {
        ControlQueue queue = new ControlQueue();
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> queue.callWithin(now -> ran.getAndSet(true), 20, TimeUnit.MILLISECONDS))
                .isInstanceOf(TimeoutException.class);
        CompletableFuture<Integer> next = queue.call(now -> 5);
        assertThat(queue.drain(0, 10)).as("both taken from the ring").isEqualTo(2);
        assertThat(ran).as("the withdrawn command ran late").isFalse();
        assertThat(next).isCompletedWithValue(5);
    }

    /** One the data plane takes before the wait is over is waited for, and its result returned. */
    @Test
    void aCommandTakenInTimeGivesItsResultAfterAll() throws Exception {
        ControlQueue queue = new ControlQueue();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Thread dataPlane = new Thread(() -> {
            while (queue.drain(0, 1) == 0) {
                Thread.onSpinWait();
            }
        });
        dataPlane.start();
        CompletableFuture<Integer> caller = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.callWithin(now -> {
                    started.countDown();
                    await(finish); // still running when the caller's 50 ms are over
                    return 42;
                }, 50, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200); // past the caller's wait: it now tries to withdraw a command that runs
        finish.countDown();
        assertThat(caller.get(30, TimeUnit.SECONDS)).isEqualTo(42);
        dataPlane.join();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aFullRingRefusesAtOnceInsteadOfGrowing() {
        ControlQueue queue = new ControlQueue();
        for (int i = 0; i < ControlQueue.CAPACITY; i++) {
            assertThat(queue.call(now -> 1)).isNotDone();
        }
        CompletableFuture<Integer> refused = queue.call(now -> 1);
        assertThat(refused).isCompletedExceptionally();
        assertThatThrownBy(refused::get).hasMessageContaining("not taking commands");
        assertThat(queue.drain(0, Integer.MAX_VALUE)).isEqualTo(ControlQueue.CAPACITY);
        assertThat(queue.call(now -> 1)).isNotDone(); // room again
    }

    @Test
    void eachCallWakesTheDataPlane() {
        ControlQueue queue = new ControlQueue();
        AtomicInteger wakes = new AtomicInteger();
        queue.wakeUp(wakes::incrementAndGet);
        queue.call(now -> 1);
        queue.call(now -> 2);
        assertThat(wakes).hasValue(2);
    }

    @Test
    void manyControlThreadsAgainstOneDataPlaneThread() throws Exception {
        ControlQueue queue = new ControlQueue();
        AtomicBoolean running = new AtomicBoolean(true);
        long[] total = new long[1]; // written by the "data plane" only, as a table would be
        Thread dataPlane = new Thread(() -> {
            long round = 0;
            while (running.get() || queue.pending()) {
                queue.drain(round++, 16);
                Thread.onSpinWait();
            }
        });
        dataPlane.start();
        int threads = 8, calls = 2000;
        List<Thread> producers = new ArrayList<>();
        List<CompletableFuture<Long>> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            Thread p = new Thread(() -> {
                for (int i = 0; i < calls; i++) {
                    CompletableFuture<Long> f;
                    do {
                        f = queue.call(now -> ++total[0]);
                    } while (f.isCompletedExceptionally()); // ring full: try again, as a caller would
                    results.add(f);
                }
            });
            producers.add(p);
            p.start();
        }
        for (Thread p : producers) {
            p.join();
        }
        for (CompletableFuture<Long> f : results) {
            f.get(10, TimeUnit.SECONDS);
        }
        running.set(false);
        dataPlane.join();
        assertThat(total[0]).isEqualTo((long) threads * calls);
        // Every command saw a distinct count: each ran once, one at a time.
        assertThat(results.stream().map(CompletableFuture::join).distinct().count()).isEqualTo((long) threads * calls);
    }

    @Test
    void anEmptyDrainAllocatesNothing() {
        Allocations.assumeMeasurable();
        ControlQueue queue = new ControlQueue();
        long[] round = {0};
        Allocations.assertSteadyStateAllocatesNothing("an empty drain", () -> queue.drain(round[0]++, 16), 100_000);
    }

    @Test
    void aRoundStopsStartingCommandsOnceItsBudgetIsSpentAndTheRestWait() throws Exception {
        ManualClock timer = new ManualClock();
        ControlQueue queue = new ControlQueue(timer);
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int n = i;
            calls.add(queue.call(now -> {
                timer.advance(100_000); // each command holds the data plane 100 µs
                return n;
            }));
        }
        assertThat(queue.drain(0, ControlQueue.CAPACITY, 250_000)).as("100, 200, 300 µs: the third ends past 250")
                .isEqualTo(3);
        assertThat(calls.get(2)).isCompletedWithValue(2);
        assertThat(calls.get(3)).isNotDone();
        assertThat(queue.pending()).isTrue();
        assertThat(queue.longestCommandNanos()).isEqualTo(100_000);
        assertThat(queue.longestDrainNanos()).isEqualTo(300_000);
        assertThat(queue.drain(1, ControlQueue.CAPACITY, Long.MAX_VALUE)).isEqualTo(7);
        assertThat(queue.longestDrainNanos()).as("the longest round is kept").isEqualTo(700_000);
        assertThat(queue.commandsRun()).isEqualTo(10);
        assertThat(queue.pending()).isFalse();
    }

    @Test
    void holdsAreKeptAsTheLongestAndByBucket() {
        ManualClock timer = new ManualClock();
        ControlQueue queue = new ControlQueue(timer);
        queue.call(now -> {
            timer.advance(70_000);
            return null;
        });
        queue.call(now -> {
            timer.advance(10_000);
            return null;
        });
        queue.call(now -> {
            timer.advance(3_000_000);
            return null;
        });
        queue.drain(0, 16, ControlQueue.ROUND_BUDGET_NANOS);
        assertThat(queue.longestCommandNanos()).isEqualTo(3_000_000);
        assertThat(queue.longestDrainNanos()).isEqualTo(3_080_000);
        // Buckets up to 25, 50, 100, 250, 500 µs, 1, 2.5, 10 ms, and longer.
        assertThat(queue.holdCounts()).containsExactly(1, 0, 1, 0, 0, 0, 0, 1, 0);
        assertThat(queue.holdNanos()).isEqualTo(3_080_000);
    }

    @Test
    void aCommandsCpuTimeIsKeptApartFromItsWallTimeToTellAPreemptedCommandFromASlowOne() {
        ManualClock timer = new ManualClock();
        ManualClock cpu = new ManualClock();
        ControlQueue queue = new ControlQueue(timer, cpu);
        queue.call(now -> {
            timer.advance(4_000_000); // preempted: 4 ms on the wall clock,
            cpu.advance(40_000); //       40 µs of work
            return null;
        });
        queue.call(now -> {
            timer.advance(300_000); // a slow command: all of it work
            cpu.advance(300_000);
            return null;
        });
        queue.drain(0, 16, Long.MAX_VALUE);
        assertThat(queue.longestCommandNanos()).isEqualTo(4_000_000);
        assertThat(queue.longestCommandCpuNanos()).isEqualTo(300_000);
        assertThat(queue.holdCounts()).containsExactly(0, 0, 0, 0, 1, 0, 0, 1, 0);
        assertThat(queue.cpuHoldCounts()).containsExactly(0, 1, 0, 0, 1, 0, 0, 0, 0);
        assertThat(queue.cpuHoldNanos()).isEqualTo(340_000);
    }
}
