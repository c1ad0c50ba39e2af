package org.jnat.app.admin;

/**
 * One method on one path of the admin API, e.g. {@code GET /api/v1/counters}. It runs on an admin
 * thread, never on the data plane: it may read {@code Counters} and snapshots, and it hands changes
 * to the data plane rather than making them itself.
 */
@FunctionalInterface
public interface Endpoint {
    Response handle(Request request) throws ApiException;
}
