package org.jnat.bench.listing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;

/**
 * Issue 13's measurement: listing 1 000 000 sessions through the admin API while traffic flows.
 * Builds the TAP lab, starts jnat with room for the sessions, fills its table from cl with
 * {@link SessionFlood} (1000 source ports x 1000 destination ports), then, in alternation, runs an
 * iperf3 TCP stream from cl to sv alone and with clients in rt listing every session through
 * {@code GET /api/v1/sessions} over and over, and prints the stream's rate each time, their ratio,
 * and what {@code /metrics} says was the longest time a control command (and one round of them)
 * held the data plane. Run it as root: {@code bench/listing [--rounds N] [--seconds S] [--clients C]}.
 */
public final class ListingBench {
    private static final String ADMIN = "127.0.0.1:9466";
    private static final int SOURCES = 1000, DESTINATIONS = 1000, TARGET = SOURCES * DESTINATIONS;

    private ListingBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 2;
        int seconds = 10;
        int clients = 1;
        String dataplane = "";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--clients" -> clients = Integer.parseInt(args[i + 1]);
                // As bench/compare's: a [dataplane] table, e.g. 'realtime-priority = 50'.
                case "--dataplane" -> dataplane = "\n[dataplane]\n" + args[i + 1].replace(';', '\n') + "\n";
                default -> usage();
            }
        }
        if (args.length % 2 != 0) {
            usage();
        }
        String why = Lab.unavailableReason();
        if (why == null && !Shell.has("iperf3")) {
            why = "iperf3 is missing: apt-get install iperf3";
        }
        if (why == null && !Shell.has("curl")) {
            why = "curl is missing: apt-get install curl";
        }
        if (why != null) {
            System.err.println("bench/listing: " + why);
            System.exit(1);
        }
        try (Lab lab = Lab.create(Lab.uniquePrefix("wl"), Lab.Mode.TAP)) {
            String config = lab.jnatConfig("drop").replace("[nat]\n", "[nat]\nmax-sessions = 1100000\n"
                    + "max-sessions-per-host = 1100000\n") + "\n[nat.timeouts]\nudp = \"60m\"\n\n[admin]\nlisten = \""
                    + ADMIN + "\"\n" + dataplane;
            try (JnatProcess jnat = JnatProcess.startWith(lab, config, false, List.of())) {
                run(lab, jnat, rounds, seconds, clients);
            }
        }
    }

    private static void usage() {
        System.err.println("usage: bench/listing [--rounds N] [--seconds S] [--clients C] [--dataplane 'k = v; ...']");
        System.exit(2);
    }

    private static void run(Lab lab, JnatProcess jnat, int rounds, int seconds, int clients) throws Exception {
        lab.spawn("sv", "iperf3", "-s", "-B", Lab.SV, "-p", "5201");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long start = System.nanoTime();
        long sessions = 0;
        for (int pass = 1; pass <= 4 && sessions < TARGET; pass++) {
            Shell.Result flood = lab.exec("cl", Duration.ofMinutes(10), java, "-cp", System.getProperty("java.class.path"),
                    SessionFlood.class.getName(), Lab.CL, Lab.SV, "20000", "" + SOURCES, "10000", "" + DESTINATIONS,
                    "60000");
            if (flood.exitCode() != 0) {
                throw new IllegalStateException("the flood failed: " + flood.stderr());
            }
            sessions = (long) metric(lab, "jnat_sessions{protocol=\"udp\"}");
            System.out.printf(Locale.ROOT, "fill pass %d: %d UDP sessions after %.0f s%n", pass, sessions,
                    (System.nanoTime() - start) / 1e9);
        }
        if (sessions < TARGET) {
            System.out.println("the table holds " + sessions + " sessions, fewer than " + TARGET
                    + " (datagrams lost before jnat); measuring with those");
        }
        // One listing first, so that the commands run compiled, as they do in a router that runs for long.
        new Listing(lab, 1).stopAfterOne();
        double[] before = holds(lab, WALL);
        double[] beforeCpu = holds(lab, CPU);
        List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            double alone = iperf(lab, seconds);
            Thread.sleep(1000);
            Listing listing = new Listing(lab, clients);
            double during;
            try {
                Thread.sleep(500); // the first listing under way
                during = iperf(lab, seconds);
            } finally {
                listing.stop();
            }
            Thread.sleep(1000);
            double ratio = during / alone;
            ratios.add(ratio);
            System.out.printf(Locale.ROOT, "round %d: TCP alone %.3f Gbit/s, while listing %.3f Gbit/s, ratio %.3f;"
                    + " %s%n", round, alone / 1e9, during / 1e9, ratio, listing.summary());
        }
        report("by hold (wall time)", before, holds(lab, WALL));
        report("by the data-plane thread's CPU time in them", beforeCpu, holds(lab, CPU));
        ratios.sort(null);
        System.out.printf(Locale.ROOT, "ratio (during / alone): median %.3f of %s%n", ratios.get(ratios.size() / 2),
                ratios);
        System.out.printf(Locale.ROOT, "longest control command %.1f µs (CPU time %.1f µs), longest round of"
                + " commands %.1f µs (jnat_control_longest_*_seconds, since the start); %d UDP sessions at the end%n",
                metric(lab, "jnat_control_longest_command_seconds") * 1e6,
                metric(lab, "jnat_control_longest_command_cpu_seconds") * 1e6,
                metric(lab, "jnat_control_longest_round_seconds") * 1e6,
                (long) metric(lab, "jnat_sessions{protocol=\"udp\"}"));
        if (!jnat.alive()) {
            System.out.println("jnat died; its output:\n" + String.join("\n", jnat.output()));
        }
    }

    /** iperf3 TCP from cl to sv for {@code seconds}: bits per second received. */
    private static double iperf(Lab lab, int seconds) {
        Shell.Result r = lab.exec("cl", Duration.ofSeconds(seconds + 30), "iperf3", "-c", Lab.SV, "-p", "5201", "-t",
                "" + seconds, "-J");
        Matcher m = Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)")
                .matcher(r.stdout());
        if (!m.find()) {
            throw new IllegalStateException("iperf3 gave no rate: " + r.stdout() + r.stderr());
        }
        return Double.parseDouble(m.group(1));
    }

    private static final String WALL = "jnat_control_command_seconds";
    private static final String CPU = "jnat_control_command_cpu_seconds";

    /** One line: the commands of the rounds ({@code after - before}) by bucket. */
    private static void report(String what, double[] before, double[] after) {
        StringBuilder buckets = new StringBuilder();
        for (int i = 0; i < HOLD_BOUNDS.length; i++) {
            buckets.append(String.format(Locale.ROOT, "%s %.0f; ", HOLD_BOUNDS[i], after[i] - before[i]));
        }
        System.out.printf(Locale.ROOT, "control commands during the rounds, %s (at most, cumulative): %s"
                + "all %.0f, longer than 1 ms %.0f%n", what, buckets, after[after.length - 1] - before[before.length - 1],
                (after[after.length - 1] - after[5]) - (before[before.length - 1] - before[5]));
    }

    /** The bounds of the hold histograms' buckets, as /metrics writes them. */
    private static final String[] HOLD_BOUNDS = {"2.5E-5", "5.0E-5", "1.0E-4", "2.5E-4", "5.0E-4", "0.001", "0.0025",
            "0.01", "+Inf"};

    /** The cumulative counts of histogram {@code name}, bucket by bucket. */
    private static double[] holds(Lab lab, String name) {
        String metrics = metrics(lab); // one scrape: every bucket of the same moment
        double[] out = new double[HOLD_BOUNDS.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = value(metrics, name + "_bucket{le=\"" + HOLD_BOUNDS[i] + "\"}");
        }
        return out;
    }

    private static String metrics(Lab lab) {
        Shell.Result r = lab.exec("rt", Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20",
                "http://" + ADMIN + "/metrics");
        return r.stdout() + r.stderr();
    }

    /** A value of {@code /metrics}, by its series as written there. */
    private static double metric(Lab lab, String series) {
        return value(metrics(lab), series);
    }

    private static double value(String metrics, String series) {
        for (String line : metrics.lines().toList()) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new IllegalStateException("no " + series + " in /metrics: " + metrics);
    }

    /**
     * Clients in rt listing every session with curl, one listing after another without a pause (a
     * shell loop, so that no process start-up comes between them), until stopped.
     */
    private static final class Listing {
        private final List<Process> clients = new ArrayList<>();
        private final List<String> results = new ArrayList<>();
        private final List<Thread> readers = new ArrayList<>();

        Listing(Lab lab, int clients) {
            String loop = "while :; do curl -sS --max-time 240 -o /dev/null -w '%{http_code} %{size_download}"
                    + " %{time_total}\\n' 'http://" + ADMIN + "/api/v1/sessions?limit=268435456'; done";
            for (int c = 0; c < clients; c++) {
                Process p;
                try {
                    p = new ProcessBuilder("ip", "netns", "exec", lab.ns("rt"), "sh", "-c", loop)
                            .redirectErrorStream(true).start();
                } catch (IOException e) {
                    throw new IllegalStateException("cannot start curl in rt: " + e.getMessage(), e);
                }
                this.clients.add(p);
                readers.add(Thread.ofPlatform().daemon().start(() -> {
                    try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
                        for (String line; (line = in.readLine()) != null; ) {
                            if (line.matches("\\d{3} .*")) { // a whole listing, not the shell's "Terminated"
                                synchronized (results) {
                                    results.add(line.strip());
                                }
                            }
                        }
                    } catch (IOException e) {
                        // the loop was stopped
                    }
                }));
            }
        }

        /** Waits for the first listing to end, then stops. */
        void stopAfterOne() throws InterruptedException {
            while (true) {
                synchronized (results) {
                    if (!results.isEmpty()) {
                        break;
                    }
                }
                Thread.sleep(50);
            }
            stop();
        }

        /** Stops the loops; a listing under way is cut off (its line is not counted). */
        void stop() throws InterruptedException {
            for (Process p : clients) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
                p.waitFor();
            }
            for (Thread t : readers) {
                t.join(5000);
            }
        }

        /** Each whole listing as "HTTP-status bytes seconds". */
        String summary() {
            synchronized (results) {
                return results.size() + " listings (status bytes seconds): " + results;
            }
        }
    }
}
