package org.jnat.app.admin;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jnat.nat.SessionReader;
import org.jnat.nat.TcpTracker;
import org.jnat.runtime.ControlQueue;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NAT's gauges for {@code /metrics}, read at scrape time through the control queue
 * ({@link SessionQueries}): sessions by protocol and TCP state, table and port-range occupancy, the
 * busiest inside hosts, and how long control commands held the data plane. When the data plane
 * does not answer, the scrape goes on with the counters alone.
 */
final class SessionsCollector implements MultiCollector {
    /** Inside hosts listed in {@code jnat_host_sessions}: the busiest, few enough to keep the series bounded. */
    static final int TOP_HOSTS = 10;
    private static final int[] PROTOCOLS = {IpProtocol.TCP, IpProtocol.UDP, IpProtocol.ICMP};
    private static final Logger log = LoggerFactory.getLogger(SessionsCollector.class);

    private final SessionQueries queries;

    SessionsCollector(SessionQueries queries) {
        this.queries = queries;
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(gauge("jnat_control_longest_command_seconds",
                "the longest one control-plane command held the data plane, since the start",
                queries.longestCommandNanos() / 1e9));
        out.add(gauge("jnat_control_longest_round_seconds",
                "the longest the control-plane commands of one data-plane round held it, since the start",
                queries.longestDrainNanos() / 1e9));
        out.add(gauge("jnat_control_longest_command_cpu_seconds",
                "the most CPU time the data-plane thread spent in one control-plane command, since the start",
                queries.longestCommandCpuNanos() / 1e9));
        out.add(holds("jnat_control_command_seconds", "control-plane commands by how long each held the data plane",
                queries.holdCounts(), queries.holdNanos()));
        out.add(holds("jnat_control_command_cpu_seconds", "control-plane commands by the CPU time the data-plane"
                + " thread spent in each (the rest of a hold is time the kernel gave other threads)",
                queries.cpuHoldCounts(), queries.cpuHoldNanos()));
        try {
            long[] g = queries.gauges();
            GaugeSnapshot.Builder byProtocol = GaugeSnapshot.builder().name("jnat_sessions")
                    .help("live sessions, by protocol");
            long tcp = 0;
            for (int phase = 0; phase < TcpTracker.PHASES.size(); phase++) {
                tcp += g[phase];
            }
            byProtocol.dataPoint(point(tcp, "protocol", "tcp"));
            byProtocol.dataPoint(point(g[SessionReader.GAUGE_UDP], "protocol", "udp"));
            byProtocol.dataPoint(point(g[SessionReader.GAUGE_ICMP], "protocol", "icmp"));
            out.add(byProtocol.build());
            GaugeSnapshot.Builder byState = GaugeSnapshot.builder().name("jnat_tcp_sessions")
                    .help("live TCP sessions, by state (named as conntrack names them)");
            for (int phase = 0; phase < TcpTracker.PHASES.size(); phase++) {
                byState.dataPoint(point(g[phase], "state", TcpTracker.PHASES.get(phase).toLowerCase(Locale.ROOT)));
            }
            out.add(byState.build());
            out.add(gauge("jnat_sessions_max", "max-sessions: the most sessions the table holds",
                    g[SessionReader.GAUGE_MAX_SESSIONS]));
            out.add(gauge("jnat_inside_hosts", "inside hosts holding at least one session", g[SessionReader.GAUGE_HOSTS]));
            out.add(gauge("jnat_pcp_mappings", "port mappings inside hosts hold through PCP and NAT-PMP",
                    g[SessionReader.GAUGE_PINNED]));
            GaugeSnapshot.Builder ports = GaugeSnapshot.builder().name("jnat_ports_in_use")
                    .help("external ports of the configured range held by a mapping, by protocol");
            GaugeSnapshot.Builder range = GaugeSnapshot.builder().name("jnat_port_range_size")
                    .help("external ports in the configured range, per protocol");
            for (int p : PROTOCOLS) {
                String name = IpProtocol.name(p);
                ports.dataPoint(point(queries.portsInUse(p), "protocol", name));
                range.dataPoint(point(queries.portRangeSize(), "protocol", name));
            }
            out.add(ports.build());
            out.add(range.build());
            GaugeSnapshot.Builder hosts = GaugeSnapshot.builder().name("jnat_host_sessions")
                    .help("sessions of the " + TOP_HOSTS + " inside hosts holding the most");
            for (long h : queries.topHosts(TOP_HOSTS)) {
                hosts.dataPoint(point(h >>> 32, "host", Ipv4Address.toString((int) h)));
            }
            out.add(hosts.build());
        } catch (ApiException e) {
            log.debug("metrics: the NAT's gauges are left out: {}", e.getMessage());
        }
        return new MetricSnapshots(out);
    }

    /** Every command by how long it held the data plane ({@code counts}, {@code sumNanos} in all). */
    private static HistogramSnapshot holds(String name, String help, long[] counts, long sumNanos) {
        double[] bounds = new double[counts.length];
        for (int i = 0; i < ControlQueue.HOLD_BOUNDS_NANOS.length; i++) {
            bounds[i] = ControlQueue.HOLD_BOUNDS_NANOS[i] / 1e9;
        }
        bounds[counts.length - 1] = Double.POSITIVE_INFINITY;
        return HistogramSnapshot.builder().name(name).help(help)
                .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                        .sum(sumNanos / 1e9).build())
                .build();
    }

    private static GaugeDataPointSnapshot point(double value, String label, String labelValue) {
        return GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(label, labelValue)).build();
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }
}
