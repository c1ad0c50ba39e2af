package org.jnat.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * In this JVM: with SIGHUP ignored (as {@code nohup} leaves it), {@code Signal.handle} installs
 * nothing; after {@link HangUpSignal#takeBackIfIgnored()} it does, and a SIGHUP reaches the
 * handler. The JVM's own SIGHUP handler is put back at the end.
 */
class HangUpSignalTest {
    private static final MethodHandle SIGACTION = LibC.bind("sigaction",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle KILL = LibC.bind("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final Signal HUP = new Signal("HUP");

    @Test
    void anInheritedIgnoreIsTakenBackSoThatAHandlerIsInstalled() throws Throwable {
        SignalHandler original = Signal.handle(HUP, SignalHandler.SIG_DFL);
        try {
            ignoreHangUp();
            assertThat(HangUpSignal.ignored()).isTrue();
            CountDownLatch received = new CountDownLatch(1);
            Signal.handle(HUP, s -> received.countDown());
            assertThat(HangUpSignal.ignored()).as("the JVM refuses a handler for an ignored SIGHUP").isTrue();

            assertThat(HangUpSignal.takeBackIfIgnored()).isTrue();
            assertThat(HangUpSignal.ignored()).isFalse();
            assertThat(HangUpSignal.takeBackIfIgnored()).as("nothing left to take back").isFalse();
            Signal.handle(HUP, s -> received.countDown());
            assertThat((int) KILL.invokeExact((int) ProcessHandle.current().pid(), HangUpSignal.SIGHUP)).isZero();
            assertThat(received.await(10, TimeUnit.SECONDS)).as("the handler got the SIGHUP").isTrue();
        } finally {
            Signal.handle(HUP, original);
        }
    }

    private static void ignoreHangUp() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = arena.allocate(256, 8);
            action.set(JAVA_LONG, 0, HangUpSignal.SIG_IGN);
            assertThat((int) SIGACTION.invokeExact(HangUpSignal.SIGHUP, action, MemorySegment.NULL)).isZero();
        }
    }
}
