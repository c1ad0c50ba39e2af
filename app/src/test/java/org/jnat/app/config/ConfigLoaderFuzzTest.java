package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.jnat.config.RouterConfig;
import org.junit.jupiter.api.Test;

/**
 * No text, however wrong, makes the loader throw anything but a one-line {@link ConfigException};
 * what loads prints back to the same config. The {@code @FuzzTest} runs its corpus in a normal
 * build and explores with {@code JAZZER_FUZZ=1}; the seeded test damages the example every build.
 */
class ConfigLoaderFuzzTest {

    /** True if {@code text} loaded, false if it was refused. */
    private static boolean loadOrRefuse(String text) {
        try {
            RouterConfig config = ConfigLoader.parse(text, "fuzz.toml").config();
            String effective = EffectiveConfig.toToml(config);
            assertThat(ConfigLoader.parse(effective, "effective.toml").config()).isEqualTo(config);
            return true;
        } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith("fuzz.toml").doesNotContain("\n").doesNotContain("\r");
            return false;
        }
    }

    @FuzzTest(maxDuration = "60s")
    void anyTextLoadsOrIsRefusedInOneLine(@NotNull String text) {
        loadOrRefuse(text);
    }

    /**
     * The fuzz target's seeds (in {@code ConfigLoaderFuzzTestInputs/}, each under Jazzer's 1 000
     * character limit for a String) reach both paths, so a plain build runs it on configs that load
     * and configs that are refused, not on the empty input alone.
     */
    @Test
    void theSeedsLoadAndAreRefused() throws IOException {
        Path seeds = Path.of("src", "test", "resources", "org", "jnat", "app", "config", "ConfigLoaderFuzzTestInputs",
                "anyTextLoadsOrIsRefusedInOneLine");
        int loaded = 0;
        int refused = 0;
        try (var files = Files.list(seeds)) {
            for (Path seed : files.sorted().toList()) {
                String text = Files.readString(seed);
                assertThat(text.length()).as("characters in seed %s", seed.getFileName()).isLessThanOrEqualTo(1000);
                if (loadOrRefuse(text)) {
                    loaded++;
                } else {
                    refused++;
                }
            }
        }
        System.out.printf("config seeds: %d load, %d refused%n", loaded, refused);
        assertThat(loaded).as("seeds that load").isGreaterThanOrEqualTo(2);
        assertThat(refused).as("seeds refused").isGreaterThanOrEqualTo(2);
    }

    @Test
    void damagedExamplesLoadOrAreRefusedInOneLine() throws IOException {
        String example = Files.readString(Path.of("..", "docs", "router.example.toml"));
        String[] lines = example.split("\n", -1);
        String[] junk = {"", "=", "\"", "[", "]", "[[", "x = 1", "nat.x = 2", "\"\"\"", "'", "0", "-1", "1e9", "true",
                "{", "}", ".", "/", ":", "::", "#", "\\", "\u00e9", "\t", "256.1.1.1", "65536", "9999999999999999999"};
        Random random = new Random(20261124);
        int loaded = 0;
        int refused = 0;
        for (int i = 0; i < 600; i++) {
            String[] copy = lines.clone();
            for (int k = 0; k < 1 + random.nextInt(3); k++) {
                int line = random.nextInt(copy.length);
                String l = copy[line];
                switch (random.nextInt(4)) {
                    case 0 -> copy[line] = "";
                    case 1 -> copy[line] = junk[random.nextInt(junk.length)];
                    case 2 -> { // replace a character inside the line
                        if (!l.isEmpty()) {
                            int at = random.nextInt(l.length());
                            copy[line] = l.substring(0, at) + junk[random.nextInt(junk.length)] + l.substring(at + 1);
                        }
                    }
                    default -> copy[line] = l + " " + junk[random.nextInt(junk.length)];
                }
            }
            if (loadOrRefuse(String.join("\n", copy))) {
                loaded++;
            } else {
                refused++;
            }
        }
        // Both paths were taken: the damage is neither always harmless nor always fatal.
        assertThat(loaded).isPositive();
        assertThat(refused).isPositive();
    }
}
