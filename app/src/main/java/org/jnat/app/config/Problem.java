package org.jnat.app.config;

/**
 * Makes the error for a bad value of {@code key}, wherever the value came from: a table of the
 * config file ({@link Section}: file, line and key) or the body of an admin API request (a 400
 * naming the field). It lets the checks of a value be written once for both.
 */
@FunctionalInterface
public interface Problem<E extends Exception> {
    E error(String key, String message);
}
