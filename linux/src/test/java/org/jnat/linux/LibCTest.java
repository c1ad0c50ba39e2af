package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class LibCTest {

    @Test
    void openOfAMissingPathCapturesEnoent() {
        CallState st = new CallState();
        try (Arena arena = Arena.ofConfined()) {
            int fd = LibC.open(st.segment, LibC.cString(arena, "/nonexistent/jnat-test"), LibC.O_RDONLY, 0);
            assertThat(fd).isEqualTo(-1);
            assertThat(st.errno()).isEqualTo(Errno.ENOENT);
            assertThatThrownBy(() -> st.check(fd, "open(/nonexistent/jnat-test)", null))
                    .isInstanceOf(SystemCallException.class)
                    .hasMessage("open(/nonexistent/jnat-test) failed: ENOENT (No such file or directory)")
                    .satisfies(e -> assertThat(((SystemCallException) e).errno()).isEqualTo(Errno.ENOENT));
        }
    }

    @Test
    void successDoesNotThrowAndClosingTwiceGivesEbadf() {
        CallState st = new CallState();
        int fd = st.check(LibC.eventfd(st.segment, 0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK), "eventfd", null);
        assertThat(fd).isGreaterThanOrEqualTo(0);
        assertThat(LibC.close(st.segment, fd)).isZero();
        assertThat(LibC.close(st.segment, fd)).isEqualTo(-1);
        assertThat(st.errno()).isEqualTo(Errno.EBADF);
    }

    @Test
    void readWriteAndPollThroughAnEventfd() {
        CallState st = new CallState();
        int fd = st.check(LibC.eventfd(st.segment, 0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK), "eventfd", null);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            assertThat(LibC.read(st.segment, fd, value, 8)).isEqualTo(-1);
            assertThat(st.errno()).isEqualTo(Errno.EAGAIN);

            MemorySegment pollfd = arena.allocate(8, 4);
            pollfd.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
            assertThat(LibC.poll(st.segment, pollfd, 1, 0)).isZero();

            value.set(JAVA_LONG, 0, 5);
            assertThat(LibC.write(st.segment, fd, value, 8)).isEqualTo(8);
            assertThat(LibC.poll(st.segment, pollfd, 1, 0)).isEqualTo(1);
            assertThat(pollfd.get(java.lang.foreign.ValueLayout.JAVA_SHORT, 6) & LibC.POLLIN).isNotZero();
            value.set(JAVA_LONG, 0, 0);
            assertThat(LibC.read(st.segment, fd, value, 8)).isEqualTo(8);
            assertThat(value.get(JAVA_LONG, 0)).isEqualTo(5);
        } finally {
            LibC.close(st.segment, fd);
        }
    }

    @Test
    void ifNameToIndexOfAMissingInterfaceSetsEnodev() {
        CallState st = new CallState();
        try (Arena arena = Arena.ofConfined()) {
            assertThat(LibC.ifNameToIndex(st.segment, LibC.cString(arena, "lxnosuch0"))).isZero();
            assertThat(st.errno()).isEqualTo(Errno.ENODEV);
            assertThat(LibC.ifNameToIndex(st.segment, LibC.cString(arena, "lo"))).isPositive();
        }
    }
}
