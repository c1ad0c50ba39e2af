package org.jnat.app;

/** What to do when a verb needs root and this process is not root. */
final class UserNamespace {
    private UserNamespace() {
    }

    static int reexecOrExplain(String verb, String why) {
        System.err.println("jnat " + verb + ": " + why);
        return 1;
    }
}
