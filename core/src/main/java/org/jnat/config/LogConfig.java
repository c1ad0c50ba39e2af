package org.jnat.config;

/**
 * The {@code [log]} table: where the session log goes (one JSON line per session made and ended),
 * or nowhere.
 *
 * @param sessions     the path as written in the file, or null when the session log is off
 * @param sessionsPath the same path resolved against the config file's folder, or null
 */
public record LogConfig(String sessions, String sessionsPath) {
    /** No {@code [log]} table: no session log. */
    public static final LogConfig NONE = new LogConfig(null, null);

    public boolean logsSessions() {
        return sessionsPath != null;
    }
}
