package org.jnat.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jnat sessions}: show the live session table of a running router. */
@Command(name = "sessions", mixinStandardHelpOptions = true, description = "Show the live session table of a running router.")
final class SessionsCommand implements Callable<Integer> {
    @Option(names = "--admin", description = "HOST:PORT of the admin API", defaultValue = "127.0.0.1:8080")
    String admin;
    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() {
        return NotYetImplemented.say("sessions");
    }
}
