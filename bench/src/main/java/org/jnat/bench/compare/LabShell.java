package org.jnat.bench.compare;

import java.util.Locale;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;

/**
 * Builds the reference topology in one mode, starts jnat in it (unless the mode is the kernel's),
 * prints the namespaces' names and waits until its standard input ends or it is interrupted,
 * then cleans up. For profiling by hand: {@code bench/lab tap}, then in another shell e.g.
 * {@code ip netns exec <cl> ping <sv>} while perf or a profiler watches jnat. JVM options for jnat
 * come from {@code JNAT_JAVA_OPTS}; {@code --dataplane 'k = v; k = v'} adds a {@code [dataplane]} table to
 * its config, as in {@code bench/compare}.
 */
public final class LabShell {
    private LabShell() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 && !(args.length == 3 && args[1].equals("--dataplane"))) {
            System.err.println("usage: bench/lab kernel|tap|afpacket|slirp4netns|pasta [--dataplane 'realtime-priority = 50; ...']");
            System.exit(2);
        }
        // As bench/compare's --dataplane: a [dataplane] table appended to jnat's config.
        String extraToml = args.length == 3 ? "\n[dataplane]\n" + args[2].replace(';', '\n') + "\n" : "";
        Lab.Mode mode = Lab.Mode.valueOf(args[0].toUpperCase(Locale.ROOT));
        String why = Lab.unavailableReason();
        if (why != null) {
            System.err.println("bench/lab: " + why);
            System.exit(1);
        }
        try (Lab lab = Lab.create(Lab.uniquePrefix("jl"), mode);
             JnatProcess jnat = mode.isJnat() ? JnatProcess.start(lab, "drop", true, extraToml) : null) {
            Thread cleanup = new Thread(() -> {
                try {
                    if (jnat != null) {
                        jnat.close();
                    }
                    lab.close();
                } catch (Exception e) {
                    System.err.println("bench/lab: cleanup: " + e);
                }
            });
            Runtime.getRuntime().addShutdownHook(cleanup);
            System.out.println("lab up (" + mode + "): cl=" + lab.ns("cl") + " rt=" + lab.ns("rt") + " isp="
                    + lab.ns("isp") + " sv=" + lab.ns("sv") + "; sv address " + Lab.SV
                    + ". Press Enter (or end input) to tear it down.");
            while (System.in.read() > 0) {
                if (System.in.available() == 0) {
                    break;
                }
            }
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }
}
