package org.jnat.config;

/**
 * How a new mapping's external port is chosen: {@code [nat] port-allocation} with
 * {@code port-stride}, {@code port-block-size} and {@code deterministic}. What each mode does with
 * the range class and parity is {@link org.jnat.nat.PortAllocator}'s Javadoc.
 *
 * @param mode          the allocation mode
 * @param stride        {@link Mode#SEQUENTIAL}: the step from one port given to the next (at least 1)
 * @param blockSize     {@link Mode#BLOCK}: the ports of one inside host's block
 * @param deterministic {@link Mode#BLOCK}: blocks follow RFC 7422's formula from the inside address,
 *                      else they are given on first use and taken back with the host's last port
 * @param insideBase    {@link Mode#BLOCK} with {@code deterministic}: the inside address of index 0
 *                      in RFC 7422's formula (the inside prefix's network address)
 */
public record PortAllocation(Mode mode, int stride, int blockSize, boolean deterministic, int insideBase) {
    public static final int DEFAULT_STRIDE = 1;
    public static final int DEFAULT_BLOCK_SIZE = 512;

    public enum Mode {
        /** Keep the inside port when free, else as {@link #RANDOM} (today's behaviour, the default). */
        PRESERVE,
        /** RFC 6056 Algorithm 1 always; never the inside port. */
        RANDOM,
        /** The next free port after the last one given, {@code port-stride} on. */
        SEQUENTIAL,
        /** Within a block of {@code port-block-size} ports of the host's own. */
        BLOCK;

        /** The spelling used in the config file: the name in lower case. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public PortAllocation {
        if (stride < 1 || blockSize < 1) {
            throw new IllegalArgumentException("port-stride and port-block-size must be at least 1");
        }
    }

    /** Today's behaviour: preserve, else random. */
    public static PortAllocation defaults() {
        return new PortAllocation(Mode.PRESERVE, DEFAULT_STRIDE, DEFAULT_BLOCK_SIZE, false, 0);
    }

    public static PortAllocation of(Mode mode) {
        return new PortAllocation(mode, DEFAULT_STRIDE, DEFAULT_BLOCK_SIZE, false, 0);
    }
}
