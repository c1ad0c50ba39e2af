package org.jnat.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The machine's CPU use over one test, from the aggregate {@code cpu} line of {@code /proc/stat}
 * (every CPU, every process, the kernel's softirq work included), and optionally one process's.
 * It answers the question a throughput ratio alone cannot: was the machine saturated, and how much
 * CPU did each unit of work cost? When every CPU is busy in both runs, the throughput ratio is
 * bounded by the ratio of the costs, whatever the number of threads.
 */
final class CpuMeter {
    /** Busy and total CPU time over an interval, in seconds of CPU (2 CPUs for 1 s give total 2). */
    record Usage(double busySeconds, double totalSeconds, double processSeconds) {
        /** The share of the machine's CPUs that was busy, 0..1. */
        double busyShare() {
            return totalSeconds <= 0 ? Double.NaN : busySeconds / totalSeconds;
        }
    }

    private static final Path STAT = Path.of("/proc/stat");
    /** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture jnat runs on. */
    private static final double TICK = 0.01;

    private final long busyStart;
    private final long totalStart;
    private final Supplier<Duration> process;
    private final Duration processStart;

    private CpuMeter(Supplier<Duration> process) {
        long[] t = ticks();
        this.busyStart = t[0];
        this.totalStart = t[1];
        this.process = process;
        this.processStart = process == null ? Duration.ZERO : process.get();
    }

    /** Starts measuring now; {@code process} (may be null) gives one process's CPU time so far. */
    static CpuMeter start(Supplier<Duration> process) {
        return new CpuMeter(process);
    }

    Usage stop() {
        long[] t = ticks();
        double processSeconds = process == null ? Double.NaN
                : (process.get().minus(processStart).toNanos()) / 1e9;
        return new Usage((t[0] - busyStart) * TICK, (t[1] - totalStart) * TICK, processSeconds);
    }

    /** {busy, total} ticks: busy is everything but idle and iowait; guest time is already in user. */
    private static long[] ticks() {
        try {
            String line = Files.readAllLines(STAT).getFirst();
            String[] f = line.trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal [guest guest_nice]
            long total = 0;
            for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }
}
