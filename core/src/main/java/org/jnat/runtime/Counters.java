package org.jnat.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Event counters: one {@code long} slot per event, written by the data-plane thread only and read
 * by the control plane from any thread. Never a log line per packet: count it here instead.
 *
 * <p>Each subsystem registers its counters once, at construction, and keeps the returned slot
 * numbers in final int fields; {@link #increment(int)} is then a plain array store with release
 * semantics (no lock, no allocation), and {@link #get(int)} an acquire read.
 *
 * <pre>{@code
 *   private final int arpRepliesSent = counters.register("arp.replies_sent", "ARP replies sent for our addresses");
 *   ...
 *   counters.increment(arpRepliesSent);
 * }</pre>
 */
public final class Counters {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int MAX = 1024;

    private final long[] values = new long[MAX];
    private final List<String> names = new ArrayList<>();
    private final List<String> descriptions = new ArrayList<>();

    /**
     * Registers a counter and returns its slot. Names are dotted lower case, e.g.
     * {@code ipv4.dropped.bad_checksum}. Registering the same name twice returns the same slot.
     * Call at set-up time only, never on the packet path.
     */
    public synchronized int register(String name, String description) {
        int existing = names.indexOf(name);
        if (existing >= 0) {
            return existing;
        }
        if (names.size() == MAX) {
            throw new IllegalStateException("more than " + MAX + " counters");
        }
        names.add(name);
        descriptions.add(description);
        return names.size() - 1;
    }

    /** Adds one. Data-plane thread only. */
    public void increment(int slot) {
        SLOTS.setRelease(values, slot, values[slot] + 1);
    }

    /** Adds {@code n}. Data-plane thread only. */
    public void add(int slot, long n) {
        SLOTS.setRelease(values, slot, values[slot] + n);
    }

    /** The current value, from any thread. */
    public long get(int slot) {
        return (long) SLOTS.getAcquire(values, slot);
    }

    /** Every counter back to zero, the names kept: for a fuzzer that reuses one set per configuration. */
    public void zero() {
        java.util.Arrays.fill(values, 0L);
    }

    /** The current value of the counter named {@code name}, or 0 if there is none. */
    public long get(String name) {
        int slot;
        synchronized (this) {
            slot = names.indexOf(name);
        }
        return slot < 0 ? 0 : get(slot);
    }

    /** All counters, by name, in registration order. For the control plane. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        List<String> copy;
        synchronized (this) {
            copy = List.copyOf(names);
        }
        for (int i = 0; i < copy.size(); i++) {
            out.put(copy.get(i), get(i));
        }
        return out;
    }

    /** The description given when {@code name} was registered, or null. */
    public synchronized String description(String name) {
        int slot = names.indexOf(name);
        return slot < 0 ? null : descriptions.get(slot);
    }
}
