package org.jnat.bench.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;

/**
 * Issue 17's soak: jnat in the reference lab (TAP) under mixed, rate-limited traffic for N
 * minutes, sampled every 10 s; then the traffic stops and, with short timeouts, the sessions
 * expire to zero. Prints a {@link SoakVerdict}; writes samples.tsv and memory-and-sessions.png.
 *
 * <p>The traffic, all at once, kept light (the machine has 2 CPUs shared with other work): a
 * long TCP stream (iperf3 at 20 Mbit/s), a UDP flow (iperf3 at 5 Mbit/s, 1200-byte datagrams),
 * TCP connection churn (5 connections a second to sv), pings every 200 ms, 3000-byte pings once
 * a second (fragmented on the way: sv's link has MTU 1400, and jnat reassembles them), the port
 * forward exercised from sv once a second (8080 to cl:8000), and unsolicited inbound UDP and TCP
 * from sv to unmapped public ports once a second.
 *
 * <p>Heap after GC: {@code jcmd PID GC.run}, then {@code GC.heap_info} (Serial GC: the young and
 * tenured generations' "used"), at every sample, i.e. a full GC every 10 s that the router
 * would not otherwise do; RSS from /proc/PID/status.
 */
public final class Soak {
    private static final String ADMIN = "127.0.0.1:9467";
    /**
     * Drop counters this traffic is built to raise, each with the counter whose rise bounds its
     * own: the unsolicited inbound probes are dropped as unmatched, and the translator counts each
     * of those DROP verdicts once more (so it may not rise further than the unmatched count).
     */
    static final Map<String, String> EXPECTED_DROPS = Map.of(
            "jnat_nat_dropped_unmatched_total", "jnat_nat_dropped_unmatched_total",
            "jnat_translator_dropped_total", "jnat_nat_dropped_unmatched_total");
    /** The soak's short timeouts: sessions of the stopped traffic end within minutes. */
    private static final String TIMEOUTS = """

            [nat.timeouts]
            udp = "30s"
            tcp-established = "3m"
            tcp-transitory = "30s"
            icmp = "10s"
            """;

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = 10;
        Path out = Path.of("soak-out");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--minutes" -> minutes = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> usage();
            }
        }
        if (args.length % 2 != 0) {
            usage();
        }
        String why = Lab.unavailableReason();
        for (String tool : List.of("iperf3", "curl", "socat", "ping", "jcmd", "bash")) {
            if (why == null && !Shell.has(tool)) {
                why = tool + " is missing";
            }
        }
        if (why != null) {
            System.err.println("bench/soak: " + why);
            System.exit(1);
        }
        Files.createDirectories(out);
        boolean passed;
        try (Lab lab = Lab.create(Lab.uniquePrefix("sk"), Lab.Mode.TAP)) {
            String config = lab.jnatConfig("drop") + TIMEOUTS + "\n[admin]\nlisten = \"" + ADMIN + "\"\n";
            try (JnatProcess jnat = JnatProcess.startWith(lab, config, false, List.of())) {
                SoakVerdict verdict = run(lab, jnat, minutes, out);
                System.out.println(verdict.passed() ? "VERDICT: PASS" : "VERDICT: FAIL");
                verdict.failures().forEach(f -> System.out.println("  fail: " + f));
                verdict.findings().forEach(f -> System.out.println("  seen: " + f));
                passed = verdict.passed();
            }
        }
        // Only now, with jnat stopped and the lab gone: System.exit inside the blocks would skip both.
        if (!passed) {
            System.exit(1);
        }
    }

    private static void usage() {
        System.err.println("usage: bench/soak [--minutes N] [--out DIR]");
        System.exit(2);
    }

    private static SoakVerdict run(Lab lab, JnatProcess jnat, int minutes, Path out) throws Exception {
        long pid = jnatPid(jnat);
        int seconds = minutes * 60;
        List<Process> traffic = startTraffic(lab, seconds);
        Map<String, Long> before = drops(counters(lab));
        List<String> rows = new ArrayList<>();
        rows.add("seconds\tphase\trss_mb\theap_mb\ttcp\tudp\ticmp");
        List<SoakVerdict.Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + Duration.ofMinutes(minutes).toNanos();
        long next = start;
        while (System.nanoTime() - end < 0) {
            next += 10_000_000_000L;
            sleepUntil(next);
            samples.add(sample(lab, pid, start, "traffic", rows));
            if (!jnat.alive()) {
                break;
            }
        }
        traffic.forEach(Shell::stop);
        // Drain: every session of the stopped traffic ends within the longest timeout in use.
        long drainEnd = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        long sessions = -1;
        while (jnat.alive() && System.nanoTime() - drainEnd < 0) {
            next += 10_000_000_000L;
            sleepUntil(next);
            sessions = sample(lab, pid, start, "drain", rows).sessions();
            if (sessions == 0) {
                break;
            }
        }
        Map<String, Long> after = drops(counters(lab));
        Files.write(out.resolve("samples.tsv"), rows);
        Files.writeString(out.resolve("counters-end.txt"), counters(lab));
        plot(out);
        return SoakVerdict.of(samples, sessions, before, after, EXPECTED_DROPS, jnat.alive());
    }

    private static SoakVerdict.Sample sample(Lab lab, long pid, long start, String phase, List<String> rows) {
        double t = (System.nanoTime() - start) / 1e9;
        double rss = rssMb(pid);
        double heap = heapAfterGcMb(pid);
        String metrics = counters(lab);
        long tcp = (long) value(metrics, "jnat_sessions{protocol=\"tcp\"}");
        long udp = (long) value(metrics, "jnat_sessions{protocol=\"udp\"}");
        long icmp = (long) value(metrics, "jnat_sessions{protocol=\"icmp\"}");
        String row = String.format(Locale.ROOT, "%.0f\t%s\t%.1f\t%.2f\t%d\t%d\t%d", t, phase, rss, heap, tcp, udp, icmp);
        rows.add(row);
        System.out.println(row);
        return new SoakVerdict.Sample(t, rss, heap, tcp + udp + icmp);
    }

    /** Every process of the traffic mix, each running until stopped (or for {@code seconds}). */
    private static List<Process> startTraffic(Lab lab, int seconds) {
        List<Process> p = new ArrayList<>();
        String t = "" + (seconds + 30);
        p.add(lab.spawn("sv", "iperf3", "-s", "-B", Lab.SV, "-p", "5201"));
        p.add(lab.spawn("sv", "iperf3", "-s", "-B", Lab.SV, "-p", "5202"));
        p.add(lab.spawn("sv", "socat", "TCP-LISTEN:8000,bind=" + Lab.SV + ",fork,reuseaddr", "SYSTEM:echo soak"));
        p.add(lab.spawn("cl", "socat", "TCP-LISTEN:" + Lab.FORWARD_INSIDE_PORT + ",fork,reuseaddr", "SYSTEM:echo fwd"));
        lab.awaitListening(System.nanoTime() + 10_000_000_000L, "sv", "-ltnH", Lab.SV, 5202);
        p.add(lab.spawn("cl", "iperf3", "-c", Lab.SV, "-p", "5201", "-t", t, "-b", "20M"));
        p.add(lab.spawn("cl", "iperf3", "-c", Lab.SV, "-p", "5202", "-u", "-l", "1200", "-t", t, "-b", "5M"));
        p.add(lab.spawn("cl", "bash", "-c", "while :; do echo hi | socat -t1 - TCP:" + Lab.SV
                + ":8000 >/dev/null 2>&1; sleep 0.2; done"));
        p.add(lab.spawn("cl", "ping", "-q", "-i", "0.2", Lab.SV));
        p.add(lab.spawn("cl", "ping", "-q", "-i", "1", "-s", "3000", Lab.SV));
        p.add(lab.spawn("sv", "bash", "-c", "while :; do echo hi | socat -t1 - TCP:" + Lab.RT_OUTSIDE + ":"
                + Lab.FORWARD_PUBLIC_PORT + " >/dev/null 2>&1; sleep 1; done"));
        p.add(lab.spawn("sv", "bash", "-c", "while :; do port=$((20000 + RANDOM % 20000)); echo x | socat -u -"
                + " UDP:" + Lab.RT_OUTSIDE + ":$port 2>/dev/null; socat -T1 /dev/null TCP:" + Lab.RT_OUTSIDE
                + ":$port,connect-timeout=1 2>/dev/null; sleep 1; done"));
        return p;
    }

    private static long jnatPid(JnatProcess jnat) {
        Shell.Result r = Shell.run(Duration.ofSeconds(10), "pgrep", "-f", "org.jnat.app.Main run --config "
                + jnat.configFile());
        return Long.parseLong(r.stdout().lines().findFirst().orElseThrow(
                () -> new IllegalStateException("jnat's process not found")).trim());
    }

    private static double rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /** A full GC, then the used size of every generation (Serial GC: def new and tenured), MiB. */
    private static double heapAfterGcMb(long pid) {
        Shell.run(Duration.ofSeconds(30), "jcmd", "" + pid, "GC.run");
        Shell.Result r = Shell.run(Duration.ofSeconds(30), "jcmd", "" + pid, "GC.heap_info");
        Matcher m = Pattern.compile("(?m)^\\s*(?:DefNew|Tenured|def new generation|tenured generation)\\s+total\\s+\\d+K,\\s+used\\s+(\\d+)K").matcher(r.stdout());
        long used = 0;
        boolean any = false;
        while (m.find()) {
            used += Long.parseLong(m.group(1));
            any = true;
        }
        return any ? used / 1024.0 : Double.NaN;
    }

    private static String counters(Lab lab) {
        Shell.Result r = lab.exec("rt", Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20",
                "http://" + ADMIN + "/metrics");
        return r.stdout();
    }

    /** The counters whose name says they count drops, by name. */
    static Map<String, Long> drops(String metrics) {
        Map<String, Long> out = new TreeMap<>();
        for (String line : metrics.lines().toList()) {
            int sp = line.lastIndexOf(' ');
            if (line.startsWith("jnat_") && sp > 0 && line.substring(0, sp).endsWith("_total")
                    && (line.contains("drop") || line.contains("unmatched"))) {
                out.put(line.substring(0, sp), (long) Double.parseDouble(line.substring(sp + 1)));
            }
        }
        return out;
    }

    private static double value(String metrics, String series) {
        for (String line : metrics.lines().toList()) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return Double.NaN;
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }

    /** memory-and-sessions.png from samples.tsv, with Debian's python3-matplotlib; said if missing. */
    private static void plot(Path out) {
        Path script = Path.of(System.getProperty("jnat.soak.plot", "bench/soak-plot.py"));
        Shell.Result r = Shell.run(Duration.ofSeconds(120), "/usr/bin/python3", script.toString(),
                out.resolve("samples.tsv").toString(), out.resolve("memory-and-sessions.png").toString());
        if (r.exitCode() != 0) {
            System.out.println("no plot (" + (r.stderr() + r.stdout()).strip()
                    + "); apt-get install python3-matplotlib");
        }
    }
}
