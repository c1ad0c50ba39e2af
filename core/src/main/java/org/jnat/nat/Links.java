package org.jnat.nat;

/**
 * Intrusive circular doubly linked lists over the ids {@code 0..n-1}, kept in an {@code int[]} that
 * belongs to the caller: {@code links[2 * id]} is the id after {@code id}, {@code links[2 * id + 1]}
 * the one before, side by side so that touching an entry costs one cache line. Linking and
 * unlinking are O(1) and allocate nothing. An id linked to itself is alone (or on no list).
 *
 * <p>{@link TimerWheel} keeps its slots' entries this way and {@link ClosedSessions} each host's
 * closed sessions. Static methods over the owner's array, so that sharing the code costs neither
 * an object nor a call the JIT cannot inline.
 */
final class Links {
    private Links() {
    }

    /** Puts {@code id} just before {@code at} (at the tail of the circular list that holds {@code at}). */
    static void insertBefore(int[] links, int at, int id) {
        join(links, previous(links, at), id);
        join(links, id, at);
    }

    /** Takes {@code id} off its list, which closes up behind it; {@code id} is then a list of its own. */
    static void unlink(int[] links, int id) {
        join(links, previous(links, id), next(links, id));
        alone(links, id);
    }

    /** Makes {@code id} a list of its own. */
    static void alone(int[] links, int id) {
        join(links, id, id);
    }

    /** Makes {@code second} follow {@code first}. */
    private static void join(int[] links, int first, int second) {
        links[2 * first] = second;
        links[2 * second + 1] = first;
    }

    static int next(int[] links, int id) {
        return links[2 * id];
    }

    static int previous(int[] links, int id) {
        return links[2 * id + 1];
    }
}
