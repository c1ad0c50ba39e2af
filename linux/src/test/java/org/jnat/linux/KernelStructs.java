package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.ByteOrder;
import java.util.StringJoiner;

/** What the struct tests compare with the kernel's headers (include/uapi/linux, checked with offsetof). */
final class KernelStructs {
    private KernelStructs() {
    }

    /**
     * A struct layout as {@code pahole} would list it: each named field at its offset, then the
     * size, e.g. {@code "cmd@0 data@4 size 8"}.
     */
    static String layout(StructLayout struct) {
        StringJoiner fields = new StringJoiner(" ");
        for (MemoryLayout member : struct.memberLayouts()) {
            member.name().ifPresent(name ->
                    fields.add(name + "@" + struct.byteOffset(MemoryLayout.PathElement.groupElement(name))));
        }
        return fields + " size " + struct.byteSize();
    }

    /**
     * The bytes of {@code s}, to compare with what the kernel reads; the expectations are written
     * for the little-endian hosts jnat runs on (x86_64, aarch64), which this checks.
     */
    static byte[] bytes(MemorySegment s) {
        assertThat(ByteOrder.nativeOrder()).as("host byte order").isEqualTo(ByteOrder.LITTLE_ENDIAN);
        return s.toArray(JAVA_BYTE);
    }
}
