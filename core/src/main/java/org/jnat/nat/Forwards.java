package org.jnat.nat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.wire.IpProtocol;

/**
 * The port forwards, in the order they were given, and which one takes an inbound packet to a
 * public port: the first that covers it (the config refuses overlaps; a rule added at run time over
 * a forwarded port waits behind the earlier one). The lookup is a binary search over the forwarded
 * (protocol, port) pairs, rebuilt when a rule comes or goes (on the control plane's change, never per
 * packet): no allocation per lookup, O(log ports).
 */
final class Forwards {
    private final List<ForwardRule> rules = new ArrayList<>();
    private final PublicAddresses pool;
    /** {@code addressIndex << 24 | protocol << 16 | port} of every forwarded public endpoint, ascending. */
    private int[] keys = new int[0];
    /** The rule that takes each of {@link #keys}. */
    private ForwardRule[] taking = new ForwardRule[0];

    Forwards(PublicAddresses pool) {
        this.pool = pool;
    }

    /** {@code external} is {@code addressIndex << 16 | port} ({@link PublicAddresses#external}). */
    private static int key(int protocol, int external) {
        return (external >>> 16) << 24 | protocol << 16 | (external & 0xffff);
    }

    /** The rule that forwards {@code protocol} to {@code external} (address index {@code << 16 |} port), or null. */
    ForwardRule find(int protocol, int external) {
        int i = Arrays.binarySearch(keys, key(protocol, external));
        return i >= 0 ? taking[i] : null;
    }

    /** True if {@code rule} applies to public address index {@code a}. */
    boolean appliesTo(ForwardRule rule, int a) {
        return rule.appliesTo(pool.address(a));
    }

    /** The rules, in order. */
    List<ForwardRule> rules() {
        return List.copyOf(rules);
    }

    /** No rule, as new ({@link NatEngine#reset}). */
    void clear() {
        rules.clear();
        keys = new int[0];
        taking = new ForwardRule[0];
    }

    /** Adds {@code rule} last. */
    void add(ForwardRule rule) {
        if (rule.protocol() != IpProtocol.TCP && rule.protocol() != IpProtocol.UDP) {
            throw new IllegalArgumentException("a forward is for TCP or UDP, not protocol " + rule.protocol());
        }
        if (rule.portLow() < 1 || rule.portLow() > rule.portHigh() || rule.portHigh() > 65535
                || rule.insidePort(rule.portHigh()) > 65535) {
            throw new IllegalArgumentException("a forward's ports must lie within 1-65535: " + rule);
        }
        if (rule.address() != 0 && pool.indexOf(rule.address()) < 0) {
            throw new IllegalArgumentException("a forward's address must be one of the public addresses: " + rule);
        }
        rules.add(rule);
        rebuild();
    }

    /** Removes the first rule equal to {@code rule}; false if there is none. */
    boolean remove(ForwardRule rule) {
        if (!rules.remove(rule)) {
            return false;
        }
        rebuild();
        return true;
    }

    private void rebuild() {
        long[] pairs = new long[rules.stream().mapToInt(r -> r.portHigh() - r.portLow() + 1).sum() * pool.count()];
        int n = 0;
        for (int r = 0; r < rules.size(); r++) {
            ForwardRule rule = rules.get(r);
            for (int a = 0; a < pool.count(); a++) {
                for (int port = rule.portLow(); appliesTo(rule, a) && port <= rule.portHigh(); port++) {
                    // sorts by key, then rule order
                    pairs[n++] = (long) key(rule.protocol(), PublicAddresses.external(a, port)) << 32 | r;
                }
            }
        }
        pairs = Arrays.copyOf(pairs, n);
        Arrays.sort(pairs);
        int[] newKeys = new int[n];
        ForwardRule[] newTaking = new ForwardRule[n];
        int m = 0;
        for (long pair : pairs) {
            int k = (int) (pair >>> 32);
            if (m == 0 || newKeys[m - 1] != k) { // the first rule for a port wins
                newKeys[m] = k;
                newTaking[m++] = rules.get((int) pair);
            }
        }
        keys = Arrays.copyOf(newKeys, m);
        taking = Arrays.copyOf(newTaking, m);
    }
}
