package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jnat.runtime.Counters;
import org.junit.jupiter.api.Test;

class ErrnoTest {

    @Test
    void namesAndTexts() {
        assertThat(Errno.name(1)).isEqualTo("EPERM");
        assertThat(Errno.text(1)).isEqualTo("Operation not permitted");
        assertThat(Errno.name(19)).isEqualTo("ENODEV");
        assertThat(Errno.name(4095)).isEqualTo("errno 4095");
        assertThat(Errno.text(-3)).isEqualTo("Unknown error -3");
    }

    @Test
    void permissionMessageSaysWhatToDo() {
        SystemCallException e = new SystemCallException("ioctl(TUNSETIFF, jnat0)", Errno.EPERM,
                Errno.privileged("CAP_NET_ADMIN").forErrno(Errno.EPERM));
        assertThat(e.getMessage())
                .startsWith("ioctl(TUNSETIFF, jnat0) failed: EPERM (Operation not permitted); run as root or give the process CAP_NET_ADMIN")
                .doesNotContain("\n");
        assertThat(e.call()).isEqualTo("ioctl(TUNSETIFF, jnat0)");
    }

    @Test
    void interfaceHints() {
        Errno.Hint hint = Errno.onInterface("eth9", "CAP_NET_RAW");
        assertThat(hint.forErrno(Errno.ENODEV)).isEqualTo("no such interface eth9: create it or check the name (ip link show)");
        assertThat(hint.forErrno(Errno.EACCES)).contains("CAP_NET_RAW");
        assertThat(hint.forErrno(Errno.EINVAL)).isNull();
        assertThat(Errno.message("x", Errno.EINVAL, null)).isEqualTo("x failed: EINVAL (Invalid argument)");
    }

    @Test
    void interfaceNamesAreCheckedBeforeTheKernelSeesThem() {
        assertThat(InterfaceName.check("jnat0")).isEqualTo("jnat0");
        assertThat(InterfaceName.check("a23456789012345")).hasSize(15);
        assertThatThrownBy(() -> InterfaceName.check("a234567890123456"))
                .hasMessage("interface name a234567890123456 is longer than 15 bytes (16): choose a shorter name");
        assertThatThrownBy(() -> InterfaceName.check("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> InterfaceName.check("a/b")).hasMessageContaining("contains '/'");
        assertThatThrownBy(() -> InterfaceName.check("a b")).hasMessageContaining("contains ' '");
    }

    @Test
    void afPacketNamesAMissingInterfaceEvenWithoutPrivileges() {
        assertThatThrownBy(() -> AfPacketDevice.open("lxnosuch1", new Counters()))
                .isInstanceOf(SystemCallException.class)
                .hasMessageContaining("ENODEV")
                .hasMessageEndingWith("no such interface lxnosuch1: create it or check the name (ip link show)");
        assertThatThrownBy(() -> AfPacketDevice.open("eth0-much-too-long", new Counters()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than 15 bytes");
    }

    @Test
    void deviceSpecsAreCheckedBeforeOpening() {
        assertThatThrownBy(() -> LinuxDevices.open("jnat0", new Counters()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("device \"jnat0\" is not valid: use tap:NAME or afpacket:IFNAME");
        assertThatThrownBy(() -> LinuxDevices.open("tun:jnat0", new Counters()))
                .hasMessage("device \"tun:jnat0\" has unknown kind \"tun\": use tap:NAME or afpacket:IFNAME");
        assertThatThrownBy(() -> LinuxDevices.open("afpacket:lxnosuch2", new Counters()))
                .isInstanceOf(SystemCallException.class)
                .hasMessageContaining("no such interface lxnosuch2");
        assertThatThrownBy(() -> LinuxDevices.open("tap:", new Counters()))
                .hasMessageContaining("interface name is empty");
    }

    @Test
    void tapRefusesALongNameBeforeOpeningAnything() {
        assertThatThrownBy(() -> TapDevice.open("jnat-much-too-long0", new Counters()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than 15 bytes");
    }
}
