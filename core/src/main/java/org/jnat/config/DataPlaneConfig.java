package org.jnat.config;

/**
 * The {@code [dataplane]} table: how the data-plane thread waits for frames, and how it hands
 * them to the devices. Every waiting setting trades CPU for latency, so those are off by default
 * (an idle router sleeps in poll(2) and uses no CPU).
 *
 * @param busyPollNanos    after a round that found frames, keep polling without sleeping for this
 *                         long (0: sleep at once), so the next frame of an exchange is taken
 *                         without a wake-up; the thread spins for at most this long after the
 *                         last frame, then sleeps
 * @param realtimePriority 1 to 99: run the data-plane thread under SCHED_FIFO at this priority, so
 *                         a woken thread preempts ordinary tasks; 0: the default policy
 * @param cpu              pin the data-plane thread to this CPU (0-based); −1: no pinning
 * @param realtime         when the thread runs under SCHED_FIFO, if {@code realtimePriority} is set:
 *                         always, or only while the load is light (the default)
 * @param udpCoalesce      merge the UDP datagrams of one flow that leave by a device taking UDP
 *                         GSO within one receive batch into one super-packet, which the kernel
 *                         segments back into the same datagrams (on by default: docs/PERFORMANCE.md
 *                         measures it; off sends each datagram as it is)
 * @param warmUp           before the first real frame, run synthetic traffic of every kind through a
 *                         private router and NAT over stand-ins of the TAPs, so that the JIT has compiled the
 *                         packet path (the ICMP query path above all) before it is needed (issue 16;
 *                         on by default: it costs a fraction of a second at start and nothing after)
 */
public record DataPlaneConfig(long busyPollNanos, int realtimePriority, int cpu, Realtime realtime,
                              boolean udpCoalesce, boolean warmUp) {

    /** When a data-plane thread with a {@code realtime-priority} runs under SCHED_FIFO. */
    public enum Realtime {
        /** Always: the lowest latency, at the cost of throughput under load on a small machine. */
        ALWAYS("always"),
        /**
         * While the load is light; under SCHED_OTHER while many frames arrive, so that the thread
         * takes frames in batches and leaves the senders their CPU share.
         */
        LIGHT_LOAD("light-load");

        private final String configName;

        Realtime(String configName) {
            this.configName = configName;
        }

        /** The value as written in the config file. */
        public String configName() {
            return configName;
        }
    }

    /**
     * What {@code realtime} is when the file sets {@code realtime-priority} but not {@code realtime}:
     * {@link Realtime#LIGHT_LOAD}, because in {@code bench/compare} runs on 2 vCPUs it kept most of
     * the throughput that {@code ALWAYS} costs (UDP 64-byte rate on AF_PACKET 0.73–0.85 of the
     * kernel's against 0.58–0.66, new connections 0.81–1.45 against 0.50–0.75), while the ping test,
     * a light load, ran under SCHED_FIFO either way (p99 within the same run-to-run noise).
     */
    public static final Realtime DEFAULT_REALTIME = Realtime.LIGHT_LOAD;

    /** Nothing set: sleep when idle, default policy, any CPU, UDP coalescing and the warm-up on. */
    public static final DataPlaneConfig DEFAULT = new DataPlaneConfig(0, 0, -1, DEFAULT_REALTIME, true, true);

    public DataPlaneConfig {
        if (busyPollNanos < 0 || realtimePriority < 0 || realtimePriority > 99 || cpu < -1 || realtime == null) {
            throw new IllegalArgumentException("invalid data-plane settings: busy-poll " + busyPollNanos
                    + " ns, realtime-priority " + realtimePriority + ", cpu " + cpu + ", realtime " + realtime);
        }
    }

    // The withers below let a caller (mostly a test) say which keys differ from DEFAULT by
    // name, instead of in a positional list of numbers and booleans.

    /** With {@code busy-poll} of {@code nanos} nanoseconds. */
    public DataPlaneConfig withBusyPoll(long nanos) {
        return new DataPlaneConfig(nanos, realtimePriority, cpu, realtime, udpCoalesce, warmUp);
    }

    /** With {@code realtime-priority}. */
    public DataPlaneConfig withRealtimePriority(int priority) {
        return new DataPlaneConfig(busyPollNanos, priority, cpu, realtime, udpCoalesce, warmUp);
    }

    /** With {@code realtime}. */
    public DataPlaneConfig withRealtime(Realtime realtime) {
        return new DataPlaneConfig(busyPollNanos, realtimePriority, cpu, realtime, udpCoalesce, warmUp);
    }

    /** With {@code cpu} (−1: no pinning). */
    public DataPlaneConfig withCpu(int cpu) {
        return new DataPlaneConfig(busyPollNanos, realtimePriority, cpu, realtime, udpCoalesce, warmUp);
    }

    /** With {@code udp-coalesce}. */
    public DataPlaneConfig withUdpCoalesce(boolean udpCoalesce) {
        return new DataPlaneConfig(busyPollNanos, realtimePriority, cpu, realtime, udpCoalesce, warmUp);
    }

    /** With {@code warm-up}. */
    public DataPlaneConfig withWarmUp(boolean warmUp) {
        return new DataPlaneConfig(busyPollNanos, realtimePriority, cpu, realtime, udpCoalesce, warmUp);
    }
}
