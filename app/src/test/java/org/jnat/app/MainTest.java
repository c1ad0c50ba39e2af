package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void versionNamesJnat() {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out));
        try {
            assertThat(Main.execute("--version")).isZero();
        } finally {
            System.setOut(old);
        }
        assertThat(out.toString()).startsWith("jnat 0.1.0");
    }
}
