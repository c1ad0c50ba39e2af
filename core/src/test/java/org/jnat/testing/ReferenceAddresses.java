package org.jnat.testing;

import static org.jnat.wire.Ipv4Address.parse;

import org.jnat.wire.MacAddress;

/**
 * The addresses of the reference topology (DESIGN section 7) as the memory labs of the tests use
 * them: rt's two sides, cl inside, isp as the outside next hop, sv beyond it.
 */
public interface ReferenceAddresses {
    long RT_IN_MAC = MacAddress.parse("5a:75:f7:80:43:b1");
    long RT_OUT_MAC = MacAddress.parse("42:9f:da:77:32:42");
    long CL_MAC = MacAddress.parse("16:6e:36:a4:8d:ef");
    long ISP_MAC = MacAddress.parse("c6:de:e7:74:70:29");
    int RT_IN = parse("192.168.1.1");
    int RT_OUT = parse("203.0.113.1");
    int CL = parse("192.168.1.10");
    int ISP = parse("203.0.113.254");
    int SV = parse("198.51.100.10");
}
