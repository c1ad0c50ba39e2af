package org.jnat.app;

import java.io.PrintStream;

/** Prints the NAT's session table in words, for the demo (read only while the data plane is stopped). */
final class SessionListing {
    private SessionListing() {
    }

    static void print(RouterRuntime router, PrintStream out) {
        out.println("Sessions: (the NAT engine is not plugged in yet)");
    }
}
