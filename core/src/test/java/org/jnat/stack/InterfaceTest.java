package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jnat.wire.Ipv4Address.parse;

import org.jnat.config.InterfaceConfig;
import org.jnat.device.FrameBatch;
import org.jnat.device.NetDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.MacAddress;
import org.junit.jupiter.api.Test;

class InterfaceTest {
    record StubDevice(long mac, int mtu) implements NetDevice {
        public String name() {
            return "stub";
        }

        public int receive(FrameBatch batch) {
            return 0;
        }

        public boolean transmit(PacketBuffer frame) {
            return true;
        }

        public long macAddress() {
            return mac;
        }

        public Offloads offloads() {
            return Offloads.NONE;
        }

        public void close() {
        }
    }

    private static InterfaceConfig config(long mac, int mtu) {
        return new InterfaceConfig("tap:x", parse("192.168.1.1"), 24, mac, 0, mtu);
    }

    @Test
    void theConfigMacWinsThenTheDeviceThenAGeneratedOne() {
        long configMac = MacAddress.parse("02:6a:6e:00:00:01");
        long deviceMac = MacAddress.parse("02:00:00:00:00:99");
        assertThat(Interface.of(Side.INSIDE, config(configMac, 1500), new StubDevice(deviceMac, 1500)).mac())
                .isEqualTo(configMac);
        assertThat(Interface.of(Side.INSIDE, config(-1, 1500), new StubDevice(deviceMac, 1500)).mac())
                .isEqualTo(deviceMac);
        long generated = Interface.of(Side.INSIDE, config(-1, 1500), new StubDevice(-1, 1500)).mac();
        assertThat(MacAddress.isMulticast(generated)).isFalse();
        assertThat((generated >>> 40) & 0x02).as("locally administered bit").isEqualTo(2);
        assertThat(Interface.of(Side.OUTSIDE, config(-1, 1500), new StubDevice(-1, 1500)).mac()).isNotEqualTo(generated);
    }

    @Test
    void prefixBroadcastAndMtu() {
        Interface in = Interface.of(Side.INSIDE, config(-1, 1500), new StubDevice(-1, 1400));
        assertThat(in.mtu()).isEqualTo(1400);
        assertThat(in.onLink(parse("192.168.1.200"))).isTrue();
        assertThat(in.onLink(parse("192.168.2.1"))).isFalse();
        assertThat(in.broadcast()).isEqualTo(parse("192.168.1.255"));
        assertThat(in.network()).isEqualTo(parse("192.168.1.0"));
        assertThatThrownBy(() -> new Interface(Side.INSIDE, new StubDevice(-1, 1500), 2, 1, 24, 60))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
