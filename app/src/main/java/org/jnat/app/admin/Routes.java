package org.jnat.app.admin;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The admin API's table of endpoints: each path with its methods. Adding an endpoint is one line,
 * {@code routes.get("/api/v1/sessions", new SessionsEndpoint(...))}. Dispatching answers an
 * unknown path with 404, a method the path lacks with 405 and its {@code Allow} header, and checks
 * {@link Access} before any endpoint runs: a method other than GET changes something.
 */
public final class Routes {
    private final Map<String, Map<String, Endpoint>> paths = new TreeMap<>();
    private final Access access;

    public Routes(Access access) {
        this.access = access;
    }

    public Routes get(String path, Endpoint endpoint) {
        return add("GET", path, endpoint);
    }

    public Routes post(String path, Endpoint endpoint) {
        return add("POST", path, endpoint);
    }

    public Routes put(String path, Endpoint endpoint) {
        return add("PUT", path, endpoint);
    }

    public Routes delete(String path, Endpoint endpoint) {
        return add("DELETE", path, endpoint);
    }

    private synchronized Routes add(String method, String path, Endpoint endpoint) {
        Map<String, Endpoint> methods = paths.computeIfAbsent(path, p -> new LinkedHashMap<>());
        if (methods.putIfAbsent(method, endpoint) != null) {
            throw new IllegalStateException(method + " " + path + " is routed twice");
        }
        return this;
    }

    /** The paths served, for the 404's sentence and tests. */
    public synchronized Set<String> paths() {
        return Set.copyOf(paths.keySet());
    }

    /** Runs the endpoint for {@code request}, or answers why none runs. Never throws an ApiException. */
    Response dispatch(Request request) {
        Map<String, Endpoint> methods;
        synchronized (this) {
            methods = paths.get(normalize(request.path()));
            methods = methods == null ? null : Map.copyOf(methods);
        }
        if (methods == null) {
            return Response.error(404, "no such path: " + request.path() + "; the API serves "
                    + String.join(", ", new TreeSet<>(paths())), null);
        }
        Endpoint endpoint = methods.get(request.method());
        if (endpoint == null) {
            String allow = String.join(", ", methods.keySet().stream().sorted().toList());
            return Response.error(405, request.method() + " is not allowed on " + request.path() + "; use " + allow, null)
                    .withHeader("Allow", allow);
        }
        try {
            access.check(request, !request.method().equals("GET"));
            return endpoint.handle(request);
        } catch (ApiException e) {
            Response r = Response.error(e);
            return e.status() == 401 ? r.withHeader("WWW-Authenticate", "Bearer realm=\"jnat\"") : r;
        }
    }

    /** "/api/v1/counters/" is "/api/v1/counters". */
    private static String normalize(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
