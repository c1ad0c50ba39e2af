package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Each case runs on a fresh thread, so the test JVM's own threads keep their scheduling. */
class ThreadSchedulingTest {

    private static String onNewThread(Runnable r) throws InterruptedException {
        AtomicReference<String> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                r.run();
                result.set(Files.readString(Path.of("/proc/thread-self/status"))
                        + Files.readString(Path.of("/proc/thread-self/stat")));
            } catch (IOException | RuntimeException e) {
                result.set("failed: " + e.getMessage());
            }
        });
        t.join();
        return result.get();
    }

    @Test
    void pinningLeavesTheThreadOnOneCpu() throws InterruptedException {
        String status = onNewThread(() -> ThreadScheduling.pinCurrentThread(0));
        assertThat(status).contains("Cpus_allowed_list:\t0\n");
    }

    @Test
    void aCpuThatDoesNotExistSaysWhichCpusThereAre() throws InterruptedException {
        int cpus = Runtime.getRuntime().availableProcessors();
        String status = onNewThread(() -> ThreadScheduling.pinCurrentThread(1023));
        assertThat(status).startsWith("failed: sched_setaffinity(cpu 1023) failed: EINVAL")
                .contains("this machine has " + cpus + " CPUs");
        assertThatThrownBy(() -> ThreadScheduling.pinCurrentThread(1024)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Field 19 of /proc/thread-self/stat, the nice value, from a {@link #onNewThread} result. */
    private static int nice(String statusAndStat) {
        String[] afterName = statusAndStat.substring(statusAndStat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(afterName[19 - 3]);
    }

    @Test
    void aControlThreadTakesItsNiceValueAndOnlyThatThread() throws InterruptedException {
        int before = nice(onNewThread(() -> { }));
        String status = onNewThread(() -> assertThat(ThreadScheduling.niceCurrentThread(10)).isTrue());
        assertThat(nice(status)).isEqualTo(10);
        assertThat(nice(onNewThread(() -> { }))).as("the other threads keep theirs").isEqualTo(before);
        assertThatThrownBy(() -> ThreadScheduling.niceCurrentThread(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Skips {@code test}, saying why, unless we are root: SCHED_FIFO needs CAP_SYS_NICE. */
    private static void assumeRoot(String test) {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            System.out.println("SKIPPED " + test + ": SCHED_FIFO needs root (CAP_SYS_NICE)");
        }
        Assumptions.assumeTrue(root, "SCHED_FIFO needs root (CAP_SYS_NICE)");
    }

    /**
     * Skips {@code test}, saying why, when making a thread real-time failed with EPERM
     * ({@code status}): root without a real-time budget, as in some containers.
     */
    private static void skipWithoutBudget(String test, String status) {
        if (status.startsWith("failed:") && status.contains("EPERM")) {
            System.out.println("SKIPPED " + test + ": " + status);
            Assumptions.abort("no real-time budget here: " + status);
        }
    }

    @Test
    void realtimePriorityMakesTheThreadSchedFifo() throws InterruptedException {
        assumeRoot("realtimePriorityMakesTheThreadSchedFifo");
        String status = onNewThread(() -> ThreadScheduling.realtimeCurrentThread(7));
        skipWithoutBudget("realtimePriorityMakesTheThreadSchedFifo", status);
        // /proc/<tid>/stat: after the command name in parentheses, field 40 is rt_priority and 41
        // the policy (proc(5)); counted from the field after ')'.
        String stat = status.substring(status.lastIndexOf(')') + 2).trim();
        String[] fields = stat.split(" ");
        assertThat(fields[40 - 3]).as("rt_priority").isEqualTo("7");
        assertThat(fields[41 - 3]).as("policy").isEqualTo(Integer.toString(ThreadScheduling.SCHED_FIFO));
    }

    /** rt_priority and policy of the calling thread, from /proc/thread-self/stat (proc(5) fields 40, 41). */
    private static String policyOfThisThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return fields[40 - 3] + "/" + fields[41 - 3];
        } catch (IOException e) {
            return "failed: " + e.getMessage();
        }
    }

    @Test
    void thePolicySwitchMovesTheThreadBetweenFifoAndOther() throws InterruptedException {
        assumeRoot("thePolicySwitchMovesTheThreadBetweenFifoAndOther");
        AtomicReference<String> seen = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            RealtimeGovernor.Scheduler scheduler = ThreadScheduling.policySwitch(9);
            StringBuilder b = new StringBuilder();
            for (boolean realtime : new boolean[] {true, false, true, false}) {
                b.append(scheduler.realtime(realtime)).append(' ').append(policyOfThisThread()).append(';');
            }
            seen.set(b.toString());
        });
        t.join();
        // Skip only where the set-up call is refused too (no budget); otherwise a refusal is a failure.
        skipWithoutBudget("thePolicySwitchMovesTheThreadBetweenFifoAndOther",
                onNewThread(() -> ThreadScheduling.realtimeCurrentThread(9)));
        String fifo = "true 9/" + ThreadScheduling.SCHED_FIFO + ";";
        String other = "true 0/" + ThreadScheduling.SCHED_OTHER + ";";
        assertThat(seen.get()).isEqualTo(fifo + other + fifo + other);
    }

    @Test
    void priorityOutOfRangeIsRefusedBeforeAnySystemCall() {
        assertThatThrownBy(() -> ThreadScheduling.policySwitch(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ThreadScheduling.realtimeCurrentThread(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ThreadScheduling.realtimeCurrentThread(100))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
