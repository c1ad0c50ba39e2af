package org.jnat.config;

/**
 * The {@code [admin]} table: where the HTTP admin API listens, e.g. {@code 127.0.0.1:8080}, and the
 * bearer token that requests which change something must carry.
 *
 * @param listen    HOST:PORT as written in the file
 * @param token     the token's text (inline or read from {@code tokenFile}), or null when none is set
 * @param tokenFile the file the token was read from, or null when it was written inline or not at all
 */
public record AdminConfig(String listen, String token, String tokenFile) {

    /** An admin API without a token: it serves reads on loopback and refuses every change. */
    public AdminConfig(String listen) {
        this(listen, null, null);
    }

    public boolean hasToken() {
        return token != null;
    }

    /** Never the token itself: configs end up in logs and test reports. */
    @Override
    public String toString() {
        return "AdminConfig[listen=" + listen + ", token=" + (token == null ? "none" : "(hidden)")
                + ", tokenFile=" + tokenFile + "]";
    }
}
