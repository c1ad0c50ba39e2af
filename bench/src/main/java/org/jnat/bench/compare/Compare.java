package org.jnat.bench.compare;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;

/**
 * jnat against the kernel's NAT and the userspace peers, in one run, on the same machine and
 * topology (DESIGN section 7): builds the lab once per router (kernel nftables NAT in rt, jnat on
 * TAP, jnat on AF_PACKET, slirp4netns, pasta; a peer whose program is missing is left out and
 * said so), measures each in turn with the same real tools, and prints every figure with its ratio
 * to the kernel's. Ratios are what count: absolute figures drift on shared machines.
 *
 * <p>Usage: {@code bench/compare [--seconds N] [--modes kernel,tap,afpacket,slirp4netns,pasta]}. Needs root.
 */
public final class Compare {
    /** One measured quantity; {@code higherIsBetter} decides how the ratio reads. */
    record Metric(String name, String unit, boolean higherIsBetter, boolean hasRatio) {
        Metric(String name, String unit, boolean higherIsBetter) {
            this(name, unit, higherIsBetter, true);
        }
    }

    static final Metric TCP1 = new Metric("TCP throughput, 1 stream", "Gbit/s", true);
    static final Metric TCP4 = new Metric("TCP throughput, 4 streams", "Gbit/s", true);
    static final Metric UDP64 = new Metric("UDP 64-byte frames delivered", "kpps", true);
    static final Metric UDP1472 = new Metric("UDP 1472-byte datagrams", "Gbit/s", true);
    static final Metric PING50 = new Metric("ping RTT median", "us", false);
    static final Metric PING99 = new Metric("ping RTT p99", "us", false);
    static final Metric CONNS = new Metric("new TCP connections (HTTP, no keep-alive)", "conn/s", true);
    // What each unit of work cost in CPU, the whole machine's (the kernel's softirq work and the
    // peers' included), and how busy the machine was: when it is saturated in both runs, the
    // throughput ratio is bounded by the cost ratio, whatever the number of threads.
    static final Metric TCP1_COST = new Metric("  CPU per Gbit, TCP 1 stream", "ms", false);
    static final Metric TCP4_COST = new Metric("  CPU per Gbit, TCP 4 streams", "ms", false);
    static final Metric UDP64_COST = new Metric("  CPU per 64-byte frame delivered", "us", false);
    static final Metric CONNS_COST = new Metric("  CPU per connection", "us", false);
    static final Metric TCP4_BUSY = new Metric("  CPUs busy, TCP 4 streams", "%", true, false);
    static final Metric UDP64_BUSY = new Metric("  CPUs busy, UDP 64-byte frames", "%", true, false);
    static final Metric TCP4_JNAT = new Metric("  the router process's CPU share, TCP 4 streams", "%", true, false);
    static final Metric UDP64_JNAT = new Metric("  the router process's CPU share, UDP 64 B", "%", true, false);
    static final List<Metric> METRICS = List.of(TCP1, TCP4, UDP64, UDP1472, PING50, PING99, CONNS, TCP1_COST,
            TCP4_COST, UDP64_COST, CONNS_COST, TCP4_BUSY, UDP64_BUSY, TCP4_JNAT, UDP64_JNAT);

    private final int seconds;
    /** Appended to jnat's config: a {@code [dataplane]} table from {@code --dataplane}, or nothing. */
    private final String extraToml;

    private Compare(int seconds, String extraToml) {
        this.seconds = seconds;
        this.extraToml = extraToml;
    }

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        String dataPlane = "";
        List<Lab.Mode> modes = Arrays.stream(Lab.Mode.values()).filter(Compare::available).toList();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--dataplane" -> dataPlane = "\n[dataplane]\n" + args[++i].replace(';', '\n') + "\n";
                case "--modes" -> modes = Arrays.stream(args[++i].split(","))
                        .map(m -> Lab.Mode.valueOf(m.trim().toUpperCase(Locale.ROOT))).toList();
                default -> {
                    System.err.println("usage: bench/compare [--seconds N] [--modes kernel,tap,afpacket,slirp4netns,pasta]"
                            + " [--dataplane 'busy-poll = \"200us\"; realtime-priority = 10']");
                    System.exit(2);
                }
            }
        }
        String why = Lab.unavailableReason();
        if (why != null) {
            System.err.println("bench/compare: " + why);
            System.exit(1);
        }
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("iperf3", "ping", "ab", "nft")) {
            if (!Shell.has(tool)) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            System.err.println("bench/compare: missing " + missing
                    + "; install them: apt-get install iperf3 iputils-ping apache2-utils nftables");
            System.exit(1);
        }
        new Compare(seconds, dataPlane).run(modes);
    }

    private void run(List<Lab.Mode> modes) throws Exception {
        Map<Lab.Mode, Map<Metric, Double>> results = new EnumMap<>(Lab.Mode.class);
        for (Lab.Mode mode : modes) {
            System.out.println("== " + label(mode) + (mode != Lab.Mode.KERNEL && !extraToml.isEmpty()
                    ? " with" + extraToml.replace("\n", " ") : ""));
            results.put(mode, measure(mode));
        }
        System.out.println();
        System.out.println(table(modes, results));
    }

    private Map<Metric, Double> measure(Lab.Mode mode) throws IOException, InterruptedException {
        Map<Metric, Double> r = new LinkedHashMap<>();
        try (Lab lab = Lab.create(Lab.uniquePrefix("jc"), mode);
             JnatProcess jnat = mode.isJnat() ? JnatProcess.start(lab, "drop", false, extraToml) : null) {
            lab.spawn("sv", "iperf3", "-s", "-B", Lab.SV, "-p", "5201");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            lab.spawn("sv", java, "-cp", System.getProperty("java.class.path"), TinyHttpServer.class.getName(), Lab.SV,
                    "8000");
            Thread.sleep(1500);
            Supplier<Duration> jnatCpu = jnat != null ? jnat::cpuTime : mode.peerProgram() != null ? lab::peerCpuTime : null;
            CpuMeter meter = CpuMeter.start(jnatCpu);
            r.put(TCP1, iperf(lab, "sum_received", "bits_per_second") / 1e9);
            CpuMeter.Usage tcp1 = meter.stop();
            pause();
            r.put(TCP1_COST, tcp1.busySeconds() * 1e3 / (r.get(TCP1) * seconds));
            meter = CpuMeter.start(jnatCpu);
            r.put(TCP4, iperf(lab, "sum_received", "bits_per_second", "-P", "4") / 1e9);
            CpuMeter.Usage tcp4 = meter.stop();
            pause();
            r.put(TCP4_COST, tcp4.busySeconds() * 1e3 / (r.get(TCP4) * seconds));
            meter = CpuMeter.start(jnatCpu);
            r.put(UDP64, udpPacketsPerSecond(lab, "18") / 1e3);
            CpuMeter.Usage udp64 = meter.stop();
            pause();
            r.put(UDP64_COST, udp64.busySeconds() * 1e6 / (r.get(UDP64) * 1e3 * seconds));
            // The path to sv has MTU 1400: without this, iperf3's DF datagrams fail with EMSGSIZE
            // once the path MTU is learned. With it, isp fragments them, the same for every mode.
            lab.exec("cl", Duration.ofSeconds(5), "sysctl", "-qw", "net.ipv4.ip_no_pmtu_disc=1");
            r.put(UDP1472, udpPacketsPerSecond(lab, "1472") * 1472 * 8 / 1e9);
            pause();
            lab.exec("cl", Duration.ofSeconds(5), "sysctl", "-qw", "net.ipv4.ip_no_pmtu_disc=0");
            double[] rtt = pingRtts(lab);
            r.put(PING50, percentile(rtt, 50));
            r.put(PING99, percentile(rtt, 99));
            meter = CpuMeter.start(jnatCpu);
            double[] conns = connections(lab);
            CpuMeter.Usage churn = meter.stop();
            r.put(CONNS, conns[0]);
            r.put(CONNS_COST, churn.busySeconds() * 1e6 / conns[1]);
            r.put(TCP4_BUSY, 100 * tcp4.busyShare());
            r.put(UDP64_BUSY, 100 * udp64.busyShare());
            r.put(TCP4_JNAT, 100 * tcp4.processSeconds() / tcp4.totalSeconds());
            r.put(UDP64_JNAT, 100 * udp64.processSeconds() / udp64.totalSeconds());
            if (lab.peerEnded() != null) {
                System.out.println("  " + lab.peerEnded() + " during the run: the figures after its end are not its own");
            }
            if (jnat != null && !jnat.alive()) {
                System.out.println("  jnat died during the run; its output:\n" + String.join("\n", jnat.output()));
            }
        }
        r.forEach((m, v) -> System.out.printf(Locale.ROOT, "  %-44s %12.3f %s%n", m.name(), v, m.unit()));
        return r;
    }

    private double iperf(Lab lab, String section, String key, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("iperf3", "-c", Lab.SV, "-p", "5201", "-t", "" + seconds, "-J"));
        cmd.addAll(Arrays.asList(extra));
        Shell.Result res = lab.exec("cl", Duration.ofSeconds(seconds + 30), cmd.toArray(String[]::new));
        return jsonNumber(res.stdout(), section, key);
    }

    /** Datagrams per second that reached sv, with iperf3 sending as fast as it can. */
    private double udpPacketsPerSecond(Lab lab, String length) {
        Shell.Result res = lab.exec("cl", Duration.ofSeconds(seconds + 30), "iperf3", "-c", Lab.SV, "-p", "5201",
                "-u", "-l", length, "-b", "0", "-t", "" + seconds, "-J");
        String json = res.stdout();
        if (json.contains("\"error\"")) {
            System.out.println("  iperf3: " + json.substring(json.indexOf("\"error\"")).lines().findFirst().orElse(""));
        }
        double packets = jsonNumber(json, "sum", "packets");
        double lost = jsonNumber(json, "sum", "lost_packets");
        double secs = jsonNumber(json, "sum", "seconds");
        return secs <= 0 ? 0 : (packets - lost) / secs;
    }

    /** Lets the iperf3 server finish one test before the next starts (outside the CPU measurement). */
    private static void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** 1000 pings 2 ms apart; each RTT in microseconds. */
    private double[] pingRtts(Lab lab) {
        Shell.Result res = lab.exec("cl", Duration.ofSeconds(60), "ping", "-c", "1000", "-i", "0.002", "-W", "1",
                Lab.SV);
        Matcher m = Pattern.compile("time=([0-9.]+) ms").matcher(res.stdout());
        List<Double> rtts = new ArrayList<>();
        while (m.find()) {
            rtts.add(Double.parseDouble(m.group(1)) * 1000);
        }
        return rtts.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /**
     * ApacheBench, 16 clients at once, a new connection per request. 6000 connections, whatever
     * {@code --seconds} says, so that runs stay comparable with those before jnat reclaimed closed
     * sessions: every closed connection keeps its session for the transitory timeout (RFC 5382
     * REQ-5: 4 minutes) and counts against max-sessions-per-host (8192) until a new connection of
     * the same host needs its place (docs/PERFORMANCE.md).
     */
    /** {connections per second, connections that completed}. */
    private double[] connections(Lab lab) {
        int requests = 6000;
        Shell.Result res = lab.exec("cl", Duration.ofSeconds(seconds * 6L + 60), "ab", "-q", "-r", "-s", "5", "-n",
                "" + requests, "-c", "16", "http://" + Lab.SV + ":8000/");
        Matcher m = Pattern.compile("Requests per second:\\s+([0-9.]+)").matcher(res.stdout());
        Matcher failed = Pattern.compile("Failed requests:\\s+(\\d+)").matcher(res.stdout());
        if (failed.find() && !failed.group(1).equals("0")) {
            System.out.println("  ab: " + failed.group(1) + " failed requests");
        }
        Matcher complete = Pattern.compile("Complete requests:\\s+(\\d+)").matcher(res.stdout());
        return new double[] {m.find() ? Double.parseDouble(m.group(1)) : 0,
                complete.find() ? Double.parseDouble(complete.group(1)) : Double.NaN};
    }

    static double percentile(double[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static double jsonNumber(String json, String section, String key) {
        int at = json.lastIndexOf("\"" + section + "\"");
        if (at < 0) {
            return Double.NaN;
        }
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([0-9.eE+-]+)").matcher(json);
        return m.find(at) ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** Whether {@code mode} can run here: a userspace peer needs its program (printed when missing). */
    static boolean available(Lab.Mode mode) {
        if (mode.peerProgram() == null || Shell.has(mode.peerProgram())) {
            return true;
        }
        System.out.println("(" + mode.name().toLowerCase(Locale.ROOT) + " left out: '" + mode.peerProgram()
                + "' is not installed; apt-get install " + (mode == Lab.Mode.PASTA ? "passt" : "slirp4netns") + ")");
        return false;
    }

    static String label(Lab.Mode mode) {
        return switch (mode) {
            case KERNEL -> "kernel NAT (nftables)";
            case TAP -> "jnat on TAP";
            case AFPACKET -> "jnat on AF_PACKET";
            case SLIRP4NETNS -> "slirp4netns (--mtu=65520)";
            case PASTA -> "pasta";
        };
    }

    /** The table: every figure, and each jnat figure as a ratio to the kernel's (≥ 1 is as good). */
    static String table(List<Lab.Mode> modes, Map<Lab.Mode, Map<Metric, Double>> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-44s %-7s", "metric", "unit"));
        for (Lab.Mode mode : modes) {
            sb.append(String.format(Locale.ROOT, " %14s", mode.name().toLowerCase(Locale.ROOT)));
            if (mode != Lab.Mode.KERNEL && modes.contains(Lab.Mode.KERNEL)) {
                sb.append(String.format(Locale.ROOT, " %7s", "ratio"));
            }
        }
        sb.append('\n');
        for (Metric metric : METRICS) {
            sb.append(String.format(Locale.ROOT, "%-44s %-7s", metric.name(), metric.unit()));
            Double kernel = results.getOrDefault(Lab.Mode.KERNEL, Map.of()).get(metric);
            for (Lab.Mode mode : modes) {
                Double v = results.get(mode).get(metric);
                sb.append(String.format(Locale.ROOT, " %14.3f", v));
                if (mode != Lab.Mode.KERNEL && kernel != null && !metric.hasRatio()) {
                    sb.append(String.format(Locale.ROOT, " %7s", ""));
                } else if (mode != Lab.Mode.KERNEL && kernel != null) {
                    // Ratios read "jnat relative to the kernel, higher is better" for every metric.
                    double ratio = metric.higherIsBetter() ? v / kernel : kernel / v;
                    sb.append(String.format(Locale.ROOT, " %7.2f", ratio));
                }
            }
            sb.append('\n');
        }
        sb.append("ratio: router / kernel for rates, kernel / router for latencies and costs; 1.00 or more means as good as"
                + " the kernel\n");
        sb.append("CPU: the whole machine's (" + Runtime.getRuntime().availableProcessors()
                + " CPUs), peers and kernel included, from /proc/stat; the router process's share from its CPU time (jnat's or the peer's)\n");
        return sb.toString();
    }
}
