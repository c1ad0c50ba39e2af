package org.jnat.app.config;

/**
 * A config file that cannot start a router. The message is one line naming the file, the line,
 * the key and what is expected, e.g.
 * {@code router.toml:7: nat.mapping: expected "endpoint-independent", "address-dependent" or
 * "address-and-port-dependent", got "full-cone"}.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
