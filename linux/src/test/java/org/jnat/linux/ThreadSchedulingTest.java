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

    @Test
    void realtimePriorityMakesTheThreadSchedFifo() throws InterruptedException {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            System.out.println("SKIPPED realtimePriorityMakesTheThreadSchedFifo: SCHED_FIFO needs root (CAP_SYS_NICE)");
        }
        Assumptions.assumeTrue(root, "SCHED_FIFO needs root (CAP_SYS_NICE)");
        String status = onNewThread(() -> ThreadScheduling.realtimeCurrentThread(7));
        if (status.startsWith("failed:") && status.contains("EPERM")) {
            System.out.println("SKIPPED realtimePriorityMakesTheThreadSchedFifo: " + status);
            Assumptions.abort("no real-time budget here: " + status);
        }
        // /proc/<tid>/stat: after the command name in parentheses, field 40 is rt_priority and 41
        // the policy (proc(5)); counted from the field after ')'.
        String stat = status.substring(status.lastIndexOf(')') + 2).trim();
        String[] fields = stat.split(" ");
        assertThat(fields[40 - 3]).as("rt_priority").isEqualTo("7");
        assertThat(fields[41 - 3]).as("policy").isEqualTo(Integer.toString(ThreadScheduling.SCHED_FIFO));
    }

    @Test
    void priorityOutOfRangeIsRefusedBeforeAnySystemCall() {
        assertThatThrownBy(() -> ThreadScheduling.realtimeCurrentThread(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ThreadScheduling.realtimeCurrentThread(100))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
