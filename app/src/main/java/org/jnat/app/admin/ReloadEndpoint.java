package org.jnat.app.admin;

import java.util.List;
import org.jnat.app.control.Reloader;

/**
 * {@code POST /api/v1/reload}: the same as SIGHUP ({@link Reloader}). 200 with
 * {@code {"changed": ["nat.timeouts.udp: 5m -> 30s", "forward 3 added: tcp 9000 to 192.168.1.20", ...]}}
 * (empty when the file changes nothing); 400 for a bad file (the sentence names file:line:key, the
 * field the key); 409 for a change that cannot be made while jnat runs (the field the first such key).
 */
final class ReloadEndpoint {
    private ReloadEndpoint() {
    }

    record Reloaded(List<String> changed) {
    }

    /** The endpoint over {@code reloader}. */
    static Endpoint of(Reloader reloader) {
        return request -> {
            request.acceptOnly();
            return Response.json(new Reloaded(reloader.reload()));
        };
    }
}
