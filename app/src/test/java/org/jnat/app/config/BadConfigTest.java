package org.jnat.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.jnat.testing.Requirement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each bad file gives exactly one line naming the file, the line, the key and what is expected. */
public class BadConfigTest {
    /** Lines 1 to 8: the smallest good file (also the good file of the config and check tests). */
    public static final String MINIMAL = """
            [inside]
            device = "tap:jnat0"
            address = "192.168.1.1/24"

            [outside]
            device = "tap:jnat1"
            address = "203.0.113.1/24"
            gateway = "203.0.113.254"
            """;

    static Stream<Arguments> badFiles() {
        return Stream.of(
                // --- the RFC behaviours and other enumerations
                bad(MINIMAL + "[nat]\nmapping = \"full-cone\"\n",
                        "router.toml:10: nat.mapping: expected \"endpoint-independent\", \"address-dependent\" or"
                                + " \"address-and-port-dependent\", got \"full-cone\""),
                bad(MINIMAL + "[nat]\nfiltering = \"none\"\n",
                        "router.toml:10: nat.filtering: expected \"endpoint-independent\", \"address-dependent\" or"
                                + " \"address-and-port-dependent\", got \"none\""),
                bad(MINIMAL + "[nat]\nunmatched = \"ignore\"\n",
                        "router.toml:10: nat.unmatched: expected \"drop\" or \"reject\", got \"ignore\""),
                // --- TOML syntax
                bad("[inside]\ndevice = \"tap:jnat0\"\naddress = 192.168.1.1/24\n",
                        "router.toml:3: inside.address: expected a quoted string, got 192.168.1.1/24; write"
                                + " address = \"192.168.1.1/24\""),
                bad(MINIMAL + "[nat.timeouts]\nudp = 5m\n",
                        "router.toml:10: nat.timeouts.udp: expected a quoted string, got 5m; write udp = \"5m\""),
                bad(MINIMAL + "[nat]\nhairpinning = yes\n",
                        "router.toml:10: nat.hairpinning: expected true or false, got yes"),
                bad(MINIMAL + "[nat]\nmax-sessions = 1M\n",
                        "router.toml:10: nat.max-sessions: expected a whole number, got 1M"),
                bad(MINIMAL + "nat.mapping = endpoint-independent\n",
                        "router.toml:9: outside.nat.mapping: expected a quoted string, got endpoint-independent; write"
                                + " nat.mapping = \"endpoint-independent\""),
                bad("[inside\ndevice = \"tap:jnat0\"\n",
                        "router.toml:1: syntax error at column 8: unexpected end of line, expected ]"),
                bad("[inside]\ndevice = \"tap:jnat0\"\ndevice = \"tap:jnat2\"\n",
                        "router.toml:3: inside.device: set twice (first at line 2); keep one"),
                bad(MINIMAL + "[nat]\nmapping = \"endpoint-independent\n",
                        "router.toml:10: syntax error at column 32: unexpected end of line, expected \" or a character"),
                // --- unknown tables and keys, with suggestions
                bad(MINIMAL + "[natt]\nmapping = \"endpoint-independent\"\n",
                        "router.toml:9: natt: unknown table; did you mean [nat]?"),
                bad(MINIMAL + "[nat]\nmax-session = 10\n",
                        "router.toml:10: nat.max-session: unknown key; did you mean \"max-sessions\"?"),
                bad(MINIMAL + "[nat]\nmax_sessions_per_host = 10\n",
                        "router.toml:10: nat.max_sessions_per_host: unknown key; did you mean \"max-sessions-per-host\"?"),
                bad(MINIMAL.replace("address = \"192.168.1.1/24\"", "adress = \"192.168.1.1/24\""),
                        "router.toml:3: inside.adress: unknown key; did you mean \"address\"?"),
                bad(MINIMAL + "[nat.timeouts]\ntcp-establised = \"3h\"\n",
                        "router.toml:10: nat.timeouts.tcp-establised: unknown key; did you mean \"tcp-established\"?"),
                bad("[inside]\ndevice = \"tap:jnat0\"\naddress = \"192.168.1.1/24\"\ngateway = \"192.168.1.254\"\n",
                        "router.toml:4: inside.gateway: unknown key here; it belongs in [outside]"),
                bad(MINIMAL + "[nat]\ncolour = \"blue\"\n",
                        "router.toml:10: nat.colour: unknown key; [nat] takes profile, mapping, filtering, ports,"
                                + " max-sessions, max-sessions-per-host, hairpinning, unmatched, dmz, inbound-refresh,"
                                + " timeouts, udp, tcp, icmp, port-allocation, port-stride, port-block-size, deterministic,"
                                + " dmz-address"),
                bad("dmz = \"192.168.1.50\"\n" + MINIMAL,
                        "router.toml:1: dmz: unknown key at the top level; it belongs in [nat]"),
                bad(MINIMAL + "[firewall]\nenabled = true\n",
                        "router.toml:9: firewall: unknown table; the tables are [inside], [outside], [nat],"
                                + " [nat.timeouts], [nat.udp], [nat.tcp], [nat.icmp], [[forward]], [[neighbor]], [admin],"
                                + " [dataplane], [log] and [pcp]"),
                bad(MINIMAL + "[[forwards]]\nprotocol = \"tcp\"\n",
                        "router.toml:9: forwards: unknown table; did you mean [[forward]]?"),
                bad(MINIMAL + "[forward]\nprotocol = \"tcp\"\nport = \"80\"\nto = \"192.168.1.2\"\n",
                        "router.toml:9: forward: expected [[forward]] entries, got a single [forward] table; write"
                                + " [[forward]] (double brackets), one per entry"),
                bad(MINIMAL + "[nat]\ntimeouts = \"5m\"\n",
                        "router.toml:10: nat.timeouts: expected a table [nat.timeouts], got a string"),
                bad("forward = [\"8080\"]\n" + MINIMAL,
                        "router.toml:1: forward: expected [[forward]] entries (tables), got a string"),
                bad(MINIMAL + "forward = [{ protocol = \"tcp\", port = \"22\", to = \"192.168.1.2\" }]\n",
                        "router.toml:9: outside.forward: unknown key; forward is a table of its own: write it as"
                                + " [[forward]] (or put it before the first table header)"),
                bad("inside = \"tap:jnat0\"\n",
                        "router.toml:1: inside: expected a table [inside], got a string"),
                // --- wrong types
                bad(MINIMAL + "[nat]\nmax-sessions = \"lots\"\n",
                        "router.toml:10: nat.max-sessions: expected an integer from 1 to 16777216, got \"lots\""),
                bad(MINIMAL + "[nat]\nhairpinning = \"yes\"\n",
                        "router.toml:10: nat.hairpinning: expected true or false, got \"yes\""),
                bad(MINIMAL + "[nat]\ninbound-refresh = 1\n",
                        "router.toml:10: nat.inbound-refresh: expected true or false, got the integer 1"),
                bad(MINIMAL.replace("device = \"tap:jnat0\"", "device = 0"),
                        "router.toml:2: inside.device: expected a quoted string like \"tap:jnat0\", got the integer 0"),
                bad(MINIMAL + "[nat]\nports = 1024\n",
                        "router.toml:10: nat.ports: expected a quoted string like \"1-65535\", got the integer 1024"),
                bad(MINIMAL.replace("gateway = \"203.0.113.254\"", "mtu = 1500.5\ngateway = \"203.0.113.254\""),
                        "router.toml:8: outside.mtu: expected an integer from 68 to 65535, got the number 1500.5"),
                // --- bad values
                bad(MINIMAL.replace("address = \"192.168.1.1/24\"", "address = \"192.168.1.1\""),
                        "router.toml:3: inside.address: expected an address with its prefix length, like"
                                + " \"192.168.1.1/24\", got \"192.168.1.1\""),
                bad(MINIMAL.replace("address = \"192.168.1.1/24\"", "address = \"192.168.1.300/24\""),
                        "router.toml:3: inside.address: expected an IPv4 address like \"192.168.1.1/24\", got"
                                + " \"192.168.1.300\""),
                bad(MINIMAL.replace("address = \"192.168.1.1/24\"", "address = \"192.168.1.1/33\""),
                        "router.toml:3: inside.address: the prefix length must be 1 to 31, got \"/33\" in"
                                + " \"192.168.1.1/33\""),
                bad(MINIMAL.replace("address = \"192.168.1.1/24\"", "address = \"192.168.1.0/24\""),
                        "router.toml:3: inside.address: 192.168.1.0 is the network address of 192.168.1.0/24; give a"
                                + " host address"),
                bad(MINIMAL.replace("address = \"192.168.1.1/24\"", "address = \"192.168.1.255/24\""),
                        "router.toml:3: inside.address: 192.168.1.255 is the broadcast address of 192.168.1.0/24;"
                                + " give a host address"),
                bad(MINIMAL.replace("address = \"192.168.1.1/24\"", "address = \"127.0.0.1/8\""),
                        "router.toml:3: inside.address: 127.0.0.1 is a loopback address; give a unicast address"),
                bad(MINIMAL.replace("device = \"tap:jnat0\"", "device = \"tap:jnat0\"\nmac = \"02:6a:6e:00:00\""),
                        "router.toml:3: inside.mac: expected a MAC address like \"02:6a:6e:00:00:01\", got"
                                + " \"02:6a:6e:00:00\""),
                bad(MINIMAL.replace("device = \"tap:jnat0\"", "device = \"tap:jnat0\"\nmac = \"01:00:5e:00:00:01\""),
                        "router.toml:3: inside.mac: \"01:00:5e:00:00:01\" is a multicast MAC address; give a unicast"
                                + " one, e.g. \"02:6a:6e:00:00:01\""),
                bad(MINIMAL + "[nat]\nports = \"0-65535\"\n",
                        "router.toml:10: nat.ports: expected a port range like \"1-65535\" or \"1024-65535\" (1 to"
                                + " 65535, low first), got \"0-65535\""),
                bad(MINIMAL + "[nat]\nports = \"65535-1024\"\n",
                        "router.toml:10: nat.ports: expected a port range like \"1-65535\" or \"1024-65535\" (1 to"
                                + " 65535, low first), got \"65535-1024\""),
                bad(MINIMAL + "[nat.timeouts]\nudp = \"5 minutes\"\n",
                        "router.toml:10: nat.timeouts.udp: expected a duration like \"5m\", \"2h4m\", \"60s\" or"
                                + " \"500ms\" (more than zero), got \"5 minutes\""),
                bad(MINIMAL + "[nat.timeouts]\nicmp = \"0s\"\n",
                        "router.toml:10: nat.timeouts.icmp: expected a duration like \"5m\", \"2h4m\", \"60s\" or"
                                + " \"500ms\" (more than zero), got \"0s\""),
                bad(MINIMAL + "[nat.timeouts]\ntcp-transitory = \"4m2h\"\n",
                        "router.toml:10: nat.timeouts.tcp-transitory: expected a duration like \"5m\", \"2h4m\", \"60s\""
                                + " or \"500ms\" (more than zero), got \"4m2h\""),
                bad(MINIMAL + "[nat]\nmax-sessions = 0\n",
                        "router.toml:10: nat.max-sessions: expected an integer from 1 to 16777216, got 0"),
                bad(MINIMAL.replace("gateway = \"203.0.113.254\"", "gateway = \"203.0.113.254\"\nmtu = 40"),
                        "router.toml:9: outside.mtu: expected an integer from 68 to 65535, got 40"),
                // --- missing required keys
                bad("[inside]\ndevice = \"tap:jnat0\"\n\n[outside]\n",
                        "router.toml:1: inside.address: missing; add it to [inside], e.g. address = \"192.168.1.1/24\""),
                bad("[inside]\naddress = \"192.168.1.1/24\"\n",
                        "router.toml:1: inside.device: missing; add it to [inside], e.g. device = \"tap:jnat0\""),
                bad(MINIMAL.replace("gateway = \"203.0.113.254\"\n", ""),
                        "router.toml:5: outside.gateway: missing; add it to [outside], e.g. gateway = \"203.0.113.254\""),
                bad(MINIMAL.replace("device = \"tap:jnat1\"\n", ""),
                        "router.toml:5: outside.device: missing; add it to [outside], e.g. device = \"tap:jnat1\""),
                bad(MINIMAL.replace("address = \"203.0.113.1/24\"\n", ""),
                        "router.toml:5: outside.address: missing; add it to [outside], e.g. address = \"203.0.113.1/24\""),
                bad("[inside]\ndevice = \"tap:jnat0\"\naddress = \"192.168.1.1/24\"\n",
                        "router.toml: outside: missing table; add [outside] with device, address and gateway"),
                bad("",
                        "router.toml: inside: missing table; add [inside] with device and address"),
                bad(MINIMAL + "[[forward]]\nprotocol = \"tcp\"\nport = \"80\"\n",
                        "router.toml:9: forward.to: missing; add it to [[forward]], e.g. to = \"192.168.1.20:80\""),
                bad(MINIMAL + "[admin]\n",
                        "router.toml:9: admin.listen: missing; add it to [admin], e.g. listen = \"127.0.0.1:8080\""),
                // --- devices
                bad(MINIMAL.replace("device = \"tap:jnat0\"", "device = \"eth0\""),
                        "router.toml:2: inside.device: expected \"tap:NAME\" or \"afpacket:IFNAME\", got \"eth0\""),
                bad(MINIMAL.replace("device = \"tap:jnat0\"", "device = \"tun:jnat0\""),
                        "router.toml:2: inside.device: expected \"tap:NAME\" or \"afpacket:IFNAME\", got \"tun:jnat0\""),
                bad(MINIMAL.replace("device = \"tap:jnat1\"", "device = \"afpacket:\""),
                        "router.toml:6: outside.device: expected \"tap:NAME\" or \"afpacket:IFNAME\", got \"afpacket:\""),
                bad(MINIMAL.replace("device = \"tap:jnat1\"", "device = \"afpacket:enp0s31f6-uplink\""),
                        "router.toml:6: outside.device: interface name \"enp0s31f6-uplink\" has 16 characters; Linux"
                                + " allows at most 15 (IFNAMSIZ)"),
                bad(MINIMAL.replace("device = \"tap:jnat1\"", "device = \"tap:a/b\""),
                        "router.toml:6: outside.device: interface name \"a/b\" is not one Linux accepts; use letters,"
                                + " digits, '-', '_' or '.'"),
                bad(MINIMAL.replace("device = \"tap:jnat1\"", "device = \"tap:jnat0\""),
                        "router.toml:6: outside.device: \"tap:jnat0\" is also the inside device; the two sides need two"
                                + " devices"),
                // --- addresses that do not fit together
                bad(MINIMAL.replace("gateway = \"203.0.113.254\"", "gateway = \"198.51.100.1\""),
                        "router.toml:8: outside.gateway: 198.51.100.1 is not inside the outside prefix 203.0.113.0/24;"
                                + " the gateway must be on the outside link"),
                bad(MINIMAL.replace("gateway = \"203.0.113.254\"", "gateway = \"203.0.113.1\""),
                        "router.toml:8: outside.gateway: 203.0.113.1 is the router's own outside address; give the next"
                                + " hop's address"),
                bad(MINIMAL.replace("gateway = \"203.0.113.254\"", "gateway = \"203.0.113.255\""),
                        "router.toml:8: outside.gateway: 203.0.113.255 is the broadcast address of 203.0.113.0/24; give"
                                + " a host address"),
                bad(MINIMAL.replace("\"203.0.113.1/24\"", "\"192.168.2.1/16\"").replace("\"203.0.113.254\"",
                                "\"192.168.0.1\""),
                        "router.toml:7: outside.address: 192.168.0.0/16 overlaps the inside prefix 192.168.1.0/24; the"
                                + " two sides need separate prefixes"),
                bad(MINIMAL + "[nat]\ndmz = \"10.0.0.5\"\n",
                        "router.toml:10: nat.dmz: 10.0.0.5 is not inside the inside prefix 192.168.1.0/24; the DMZ host"
                                + " must be on the LAN"),
                bad(MINIMAL + "[nat]\ndmz = \"192.168.1.1\"\n",
                        "router.toml:10: nat.dmz: 192.168.1.1 is the router's own inside address; give the address of"
                                + " the DMZ host"),
                bad(MINIMAL + "[nat]\nmax-sessions = 1000\nmax-sessions-per-host = 2000\n",
                        "router.toml:11: nat.max-sessions-per-host: expected at most max-sessions (1000), got 2000"),
                // --- forwards
                bad(MINIMAL + "[[forward]]\nprotocol = \"sctp\"\nport = \"80\"\nto = \"192.168.1.2\"\n",
                        "router.toml:10: forward.protocol: expected \"tcp\" or \"udp\", got \"sctp\""),
                bad(MINIMAL + "[[forward]]\nprotocol = \"tcp\"\nport = \"80-70\"\nto = \"192.168.1.2\"\n",
                        "router.toml:11: forward.port: expected a port like \"8080\" or a range like \"8000-8010\" (1 to"
                                + " 65535, low first), got \"80-70\""),
                bad(MINIMAL + "[[forward]]\nprotocol = \"tcp\"\nport = 70000\nto = \"192.168.1.2\"\n",
                        "router.toml:11: forward.port: expected a port like \"8080\" or a range like \"8000-8010\" (1 to"
                                + " 65535, low first), got the integer 70000"),
                bad(MINIMAL + "[[forward]]\nprotocol = \"tcp\"\nport = \"80\"\nto = \"10.1.1.1:80\"\n",
                        "router.toml:12: forward.to: 10.1.1.1 is not inside the inside prefix 192.168.1.0/24; the"
                                + " forward's target must be on the LAN"),
                bad(MINIMAL + "[[forward]]\nprotocol = \"tcp\"\nport = \"80\"\nto = \"192.168.1.2:http\"\n",
                        "router.toml:12: forward.to: expected \"HOST\" or \"HOST:PORT\" with a port from 1 to 65535, got"
                                + " \"192.168.1.2:http\""),
                bad(MINIMAL + "[[forward]]\nprotocol = \"udp\"\nport = \"60000-60100\"\nto = \"192.168.1.2:65500\"\n",
                        "router.toml:12: forward.to: the range 60000-60100 mapped from port 65500 would end at 65600,"
                                + " past 65535; start the target range lower"),
                bad(MINIMAL + "[[forward]]\nprotocol = \"tcp\"\nport = \"8080\"\nto = \"192.168.1.2\"\n\n"
                                + "[[forward]]\nprotocol = \"tcp\"\nport = \"8000-8090\"\nto = \"192.168.1.3\"\n",
                        "router.toml:16: forward.port: tcp port 8080 is already forwarded at line 11; forward each"
                                + " public port once"),
                // --- neighbors and admin
                bad(MINIMAL + "[[neighbor]]\naddress = \"10.9.9.9\"\nmac = \"0a:00:00:00:00:fe\"\n",
                        "router.toml:10: neighbor.address: 10.9.9.9 is on neither connected prefix (192.168.1.0/24"
                                + " inside, 203.0.113.0/24 outside); a static neighbor must be on one of the links"),
                bad(MINIMAL + "[[neighbor]]\naddress = \"203.0.113.254\"\n",
                        "router.toml:9: neighbor.mac: missing; add it to [[neighbor]], e.g. mac = \"0a:00:00:00:00:fe\""),
                bad(MINIMAL + "[[neighbor]]\naddress = \"203.0.113.254\"\nmac = \"0a:00:00:00:00:fe\"\n"
                                + "[[neighbor]]\naddress = \"203.0.113.254\"\nmac = \"0a:00:00:00:00:fd\"\n",
                        "router.toml:13: neighbor.address: 203.0.113.254 already has a static entry at line 10; give"
                                + " each neighbor once"),
                bad(MINIMAL + "[admin]\nlisten = \"8080\"\n",
                        "router.toml:10: admin.listen: expected HOST:PORT like \"127.0.0.1:8080\", got \"8080\""),
                bad(MINIMAL + "[admin]\nlisten = \"127.0.0.1:99999\"\n",
                        "router.toml:10: admin.listen: expected HOST:PORT like \"127.0.0.1:8080\", got"
                                + " \"127.0.0.1:99999\""),
                bad(MINIMAL + "[admin]\nlisten = \"0.0.0.0:8080\"\n",
                        "router.toml:10: admin.listen: \"0.0.0.0:8080\" is not a loopback address, so the admin API"
                                + " needs a token; add token-file = \"/etc/jnat/admin.token\" (or token = \"...\") to"
                                + " [admin], or listen on \"127.0.0.1:8080\""),
                bad(MINIMAL + "[admin]\nlisten = \"192.168.1.1:9090\"\ntoken = \"\"\n",
                        "router.toml:11: admin.token: the token has 0 characters; use at least 16, e.g. the output"
                                + " of `openssl rand -hex 16`"),
                bad(MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\ntoken = \"short\"\n",
                        "router.toml:11: admin.token: the token has 5 characters; use at least 16, e.g. the output"
                                + " of `openssl rand -hex 16`"),
                bad(MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\ntoken = \"a secret with spaces\"\n",
                        "router.toml:11: admin.token: the token has spaces or characters other than printable ASCII;"
                                + " it must fit in an Authorization header"),
                bad(MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\ntoken = 12345678901234567\n",
                        "router.toml:11: admin.token: expected a quoted string like \"a-long-random-secret\", got the"
                                + " integer 12345678901234567"),
                bad(MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\ntoken = \"0123456789abcdef\"\n"
                                + "token-file = \"/etc/jnat/admin.token\"\n",
                        "router.toml:12: admin.token-file: token is also set; set one of token and token-file, not"
                                + " both"),
                bad(MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\ntoken-file = \"/nonexistent/jnat.token\"\n",
                        "router.toml:11: admin.token-file: /nonexistent/jnat.token: no such file; create it with the"
                                + " token on its first line"),
                bad(MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\ntoken-file = \"/dev/zero\"\n",
                        "router.toml:11: admin.token-file: /dev/zero is not a regular file; write the token on the"
                                + " first line of one"),
                bad(MINIMAL + "[admin]\nlisten = \"127.0.0.1:8080\"\ntokn = \"0123456789abcdef\"\n",
                        "router.toml:11: admin.tokn: unknown key; did you mean \"token\"?"),
                // --- dataplane
                bad(MINIMAL + "[dataplane]\nbusy-poll = \"2s\"\n",
                        "router.toml:10: dataplane.busy-poll: expected a duration from \"0s\" (off) to \"1s\" like"
                                + " \"200us\" or \"2ms\", got \"2s\""),
                bad(MINIMAL + "[dataplane]\nbusy-poll = \"fast\"\n",
                        "router.toml:10: dataplane.busy-poll: expected a duration from \"0s\" (off) to \"1s\" like"
                                + " \"200us\" or \"2ms\", got \"fast\""),
                bad(MINIMAL + "[dataplane]\nrealtime-priority = 100\n",
                        "router.toml:10: dataplane.realtime-priority: expected an integer from 0 to 99, got 100"),
                bad(MINIMAL + "[dataplane]\nrealtime-priority = 10\nrealtime = \"sometimes\"\n",
                        "router.toml:11: dataplane.realtime: expected \"always\" or \"light-load\", got \"sometimes\""),
                bad(MINIMAL + "[dataplane]\nrealtime-priority = 10\nrealtime = true\n",
                        "router.toml:11: dataplane.realtime: expected a quoted string like \"light-load\", got true"),
                bad(MINIMAL + "[dataplane]\nrealtime = \"light-load\"\n",
                        "router.toml:10: dataplane.realtime: needs a realtime-priority from 1 to 99 in [dataplane], e.g."
                                + " realtime-priority = 10; or remove realtime"),
                bad(MINIMAL + "[dataplane]\nrealtime-priority = 0\nrealtime = \"always\"\n",
                        "router.toml:11: dataplane.realtime: needs a realtime-priority from 1 to 99 in [dataplane], e.g."
                                + " realtime-priority = 10; or remove realtime"),
                bad(MINIMAL + "[dataplane]\nrealtimepolicy = \"always\"\n",
                        "router.toml:10: dataplane.realtimepolicy: unknown key; [dataplane] takes busy-poll,"
                                + " realtime-priority, realtime, cpu, udp-coalesce, warm-up"),
                bad(MINIMAL + "[dataplane]\nudp-coalesce = \"no\"\n",
                        "router.toml:10: dataplane.udp-coalesce: expected true or false, got \"no\""),
                bad(MINIMAL + "[dataplane]\nudp-coalesce = off\n",
                        "router.toml:10: dataplane.udp-coalesce: expected true or false, got off"),
                bad(MINIMAL + "[dataplane]\ncpu = -1\n",
                        "router.toml:10: dataplane.cpu: expected an integer from 0 to 1023, got -1"),
                bad(MINIMAL + "[ = \"dr\\E]\"\n", "router.toml:9: syntax error at column 8: invalid escape sequence '\\E'"),
                bad(MINIMAL + "[dmz]\nhost = \"x\\uto\"\n", "router.toml:10: syntax error at column 10: invalid unicode escape sequence"),
                bad(MINIMAL + "[dataplane]\nbusypoll = \"1ms\"\n",
                        "router.toml:10: dataplane.busypoll: unknown key; did you mean \"busy-poll\"?"),
                bad(MINIMAL + "[dataplane]\nwarm-up = yes\n",
                        "router.toml:10: dataplane.warm-up: expected true or false, got yes"));
    }

    private static Arguments bad(String toml, String expected) {
        return Arguments.of(expected, toml);
    }

    @Requirement("RFC 4787 REQ-7")
    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void aBadFileGivesOneLine(String expected, String toml) {
        assertThatThrownBy(() -> ConfigLoader.parse(toml, "router.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(expected);
        assertThat(expected).doesNotContain("\n");
    }
}
