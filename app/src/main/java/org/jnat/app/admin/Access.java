package org.jnat.app.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may do what through the admin API. Reads ({@code GET}) are open to clients on this machine;
 * from anywhere else they need the token. Every change ({@code POST}, {@code PUT},
 * {@code DELETE}) needs {@code Authorization: Bearer <token>}, from loopback too, so that a
 * process or a web page on the router's own machine cannot change it unasked. Without a token
 * (only allowed on a loopback {@code listen}) the API takes no changes at all.
 */
public final class Access {
    private final byte[] token;

    /** {@code token}: the {@code [admin]} token, or null when none is set. */
    public Access(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** Throws a 401 unless {@code request} may read ({@code changes} false) or change the router. */
    void check(Request request, boolean changes) throws ApiException {
        if (changes && token == null) {
            throw unauthorized("the admin API has no token, so it accepts no changes; set token-file (or token) in"
                    + " [admin] and restart jnat, then send it as Authorization: Bearer <token>");
        }
        if (changes && !carriesToken(request)) {
            throw unauthorized("this request changes the router; send the [admin] token as Authorization: Bearer"
                    + " <token>");
        }
        if (!changes && !request.fromLoopback() && !carriesToken(request)) {
            throw unauthorized("reads from another machine need the [admin] token; send it as Authorization: Bearer"
                    + " <token>");
        }
    }

    private boolean carriesToken(Request request) {
        String header = request.authorization();
        if (token == null || header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Constant time: how long a wrong token took to refuse tells nothing about the right one.
        return MessageDigest.isEqual(token, header.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }

    private static ApiException unauthorized(String sentence) {
        return new ApiException(401, sentence, "Authorization");
    }
}
