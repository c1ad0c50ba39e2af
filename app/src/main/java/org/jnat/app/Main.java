package org.jnat.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code jnat} command line (DESIGN section 4). */
@Command(name = "jnat",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A NAT router in userspace: masquerades a LAN behind one public address.",
        subcommands = {
                RunCommand.class,
                CheckCommand.class,
                ReplayCommand.class,
                DemoCommand.class,
                SessionsCommand.class,
                CountersCommand.class,
                ForwardsCommand.class,
                StunServerCommand.class,
                LabCommand.class,
        })
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        // jnat lab exec HOST CMD...: the command's own options (ping -c 1) are not jnat's, with or without --.
        cli.getSubcommands().get("lab").getSubcommands().get("exec").setStopAtPositional(true);
        return cli.execute(args);
    }

    /** How much jnat logs (to stderr); start-up lines and summaries are printed whatever the level. */
    enum LogLevel { ERROR, WARN, INFO, DEBUG }

    /** The property slf4j-simple reads when its first logger is made. */
    static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    /**
     * Set while the command line is parsed, before any verb runs: slf4j-simple reads the level once,
     * when the first logger is made, and no jnat class makes one before its verb runs.
     */
    @Option(names = "--log-level", paramLabel = "LEVEL", scope = ScopeType.INHERIT,
            description = "error, warn, info (default) or debug")
    void logLevel(LogLevel level) {
        System.setProperty(LOG_LEVEL_PROPERTY, level.name().toLowerCase(Locale.ROOT));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jnat " + number() + " (Java " + Runtime.version() + ")"};
        }

        /** jnat's version, e.g. {@code 0.1.0-SNAPSHOT}, or "unknown" outside a build. */
        static String number() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/jnat-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                return "unknown";
            }
            return p.getProperty("version", "unknown");
        }
    }
}
