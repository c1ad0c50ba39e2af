package org.jnat.app.admin;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.jnat.runtime.Counters;

/**
 * {@code GET /metrics}: the Prometheus text format (0.0.4) of a registry of jnat's own, so that
 * what it exports is only what jnat registers (no JVM metrics unless added here).
 */
final class MetricsEndpoint implements Endpoint {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    MetricsEndpoint(Counters counters) {
        registry.register(new CountersCollector(counters));
    }

    /** The counters and, with a data plane, the NAT's gauges ({@link SessionsCollector}). */
    MetricsEndpoint(Counters counters, SessionQueries sessions) {
        this(counters);
        if (sessions != null) {
            registry.register(new SessionsCollector(sessions));
        }
    }

    @Override
    public Response handle(Request request) throws ApiException {
        request.acceptOnly();
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return new Response(200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray(), null, Map.of());
    }
}
