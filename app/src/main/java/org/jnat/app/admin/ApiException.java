package org.jnat.app.admin;

/**
 * A request the API refuses: the HTTP status, the sentence for the user, and the field (query
 * parameter, body key or header) that is wrong, or null. The server turns it into
 * {@code {"error": "...", "field": "..."}}.
 */
public final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String field;

    public ApiException(int status, String message, String field) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }

    /** 400: {@code field} is wrong, and {@code message} says how. */
    public static ApiException badRequest(String field, String message) {
        return new ApiException(400, message, field);
    }

    /** 409: the change collides with the router's state (e.g. a forward on a port in use). */
    public static ApiException conflict(String field, String message) {
        return new ApiException(409, message, field);
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
