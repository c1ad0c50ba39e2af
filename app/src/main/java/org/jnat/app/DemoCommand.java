package org.jnat.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code jnat demo}: a throwaway lab: a laptop and an internet server with jnat between them. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "A throwaway lab: a laptop and an internet server with jnat between them.")
final class DemoCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        return NotYetImplemented.say("demo");
    }
}
