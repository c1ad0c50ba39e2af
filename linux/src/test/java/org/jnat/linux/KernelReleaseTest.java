package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The kernel-release check, without privileges. */
class KernelReleaseTest {

    @Test
    void kernelReleasesCompare() {
        KernelRelease k = KernelRelease.parse("6.18.44-fc-v669\n");
        assertThat(k.toString()).isEqualTo("6.18");
        assertThat(k.atLeast(5, 8)).isTrue();
        assertThat(k.atLeast(6, 18)).isTrue();
        assertThat(k.atLeast(6, 19)).isFalse();
        assertThat(k.atLeast(7, 0)).isFalse();
        assertThat(KernelRelease.parse("5.4.0-150-generic").atLeast(5, 8)).isFalse();
        assertThat(KernelRelease.parse("garbage").atLeast(0, 1)).isFalse();
        assertThat(KernelRelease.running().atLeast(4, 0)).isTrue();
    }
}
