package org.jnat.config;

/**
 * The {@code [pcp]} table: the router's PCP (RFC 6887) and NAT-PMP (RFC 6886) server on its inside
 * address, UDP 5351, through which inside hosts map ports for themselves.
 *
 * @param enabled            whether the server answers (off by default: a host that asks then
 *                           gets the port unreachable of a closed port)
 * @param maxLifetimeSeconds the longest lifetime a mapping is granted; a longer request gets this
 * @param maxMappingsPerHost the most mappings one inside host may hold through PCP and NAT-PMP
 *                           together (each also counts in {@code max-sessions-per-host})
 * @param allowThirdParty    whether a host may map ports for another (RFC 6887 THIRD_PARTY)
 */
public record PcpConfig(boolean enabled, long maxLifetimeSeconds, int maxMappingsPerHost, boolean allowThirdParty) {
    /** Two hours: the lifetime RFC 6886 section 3.3 recommends clients ask for. */
    public static final long DEFAULT_MAX_LIFETIME_SECONDS = 7200;
    public static final int DEFAULT_MAX_MAPPINGS_PER_HOST = 64;
    /** No {@code [pcp]} table: the server is off. */
    public static final PcpConfig DEFAULT = new PcpConfig(false, DEFAULT_MAX_LIFETIME_SECONDS,
            DEFAULT_MAX_MAPPINGS_PER_HOST, false);

    public PcpConfig {
        if (maxLifetimeSeconds < 1 || maxLifetimeSeconds > 0xffffffffL) {
            throw new IllegalArgumentException("max-lifetime must be 1 s to 2^32-1 s");
        }
        if (maxMappingsPerHost < 1) {
            throw new IllegalArgumentException("max-mappings-per-host must be at least 1");
        }
    }
}
