package org.jnat.app;

/** A verb of DESIGN section 4 that a later issue builds: it says so and fails, never pretends. */
final class NotYetImplemented {
    private NotYetImplemented() {
    }

    static int say(String verb) {
        System.err.println("jnat " + verb + ": not implemented yet");
        return 2;
    }
}
