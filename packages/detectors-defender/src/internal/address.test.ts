import { describe, expect, it } from 'vitest';
import { type AddressKind, classifyAddress, isPublicAddress } from './address.js';

// Each row: address, expected kind, and the IANA special-purpose registry line (or other reason) behind it.
const TABLE: readonly (readonly [string, AddressKind, string])[] = [
  ['8.8.8.8', 'public', 'IPv4 outside every special-purpose block'],
  ['52.186.168.241', 'public', 'IPv4 outside every special-purpose block (Azure)'],
  ['172.32.0.1', 'public', 'just above 172.16.0.0/12'],
  ['100.128.0.1', 'public', 'just above 100.64.0.0/10'],
  ['203.0.114.1', 'public', 'just above 203.0.113.0/24'],
  ['0.1.2.3', 'special', '0.0.0.0/8 "This network" (RFC 791)'],
  ['10.0.0.1', 'special', '10.0.0.0/8 Private-Use (RFC 1918)'],
  ['100.64.0.1', 'special', '100.64.0.0/10 Shared Address Space (RFC 6598)'],
  ['127.0.0.1', 'special', '127.0.0.0/8 Loopback (RFC 1122)'],
  ['169.254.169.254', 'special', '169.254.0.0/16 Link Local (RFC 3927)'],
  ['172.31.255.255', 'special', '172.16.0.0/12 Private-Use (RFC 1918)'],
  ['192.0.0.8', 'special', '192.0.0.0/24 IETF Protocol Assignments (RFC 6890)'],
  ['192.0.0.9', 'public', '192.0.0.9/32 Port Control Protocol Anycast, globally reachable (RFC 7723)'],
  ['192.0.0.10', 'public', '192.0.0.10/32 TURN Anycast, globally reachable (RFC 8155)'],
  ['192.0.2.1', 'special', '192.0.2.0/24 Documentation TEST-NET-1 (RFC 5737)'],
  ['192.88.99.1', 'special', '192.88.99.0/24 Deprecated 6to4 Relay Anycast (RFC 7526)'],
  ['192.168.1.1', 'special', '192.168.0.0/16 Private-Use (RFC 1918)'],
  ['198.18.0.1', 'special', '198.18.0.0/15 Benchmarking (RFC 2544)'],
  ['198.51.100.7', 'special', '198.51.100.0/24 Documentation TEST-NET-2 (RFC 5737)'],
  ['203.0.113.5', 'special', '203.0.113.0/24 Documentation TEST-NET-3 (RFC 5737)'],
  ['224.0.0.1', 'special', '224.0.0.0/4 multicast (RFC 5771)'],
  ['240.0.0.1', 'special', '240.0.0.0/4 Reserved (RFC 1112)'],
  ['255.255.255.255', 'special', '255.255.255.255/32 Limited Broadcast (RFC 919)'],
  ['2603:1030:20e:3::23c', 'public', 'IPv6 global unicast 2000::/3 (Azure)'],
  ['2a02:8108:1c0:5e00::1d', 'public', 'IPv6 global unicast 2000::/3'],
  ['2001:4860:4860::8888', 'public', 'global unicast, just above 2001::/23'],
  ['::', 'special', '::/128 Unspecified Address (RFC 4291)'],
  ['::1', 'special', '::1/128 Loopback Address (RFC 4291)'],
  ['::ffff:10.0.0.1', 'special', '::ffff:0:0/96 IPv4-mapped, judged as 10.0.0.1 (RFC 4291)'],
  ['::ffff:8.8.8.8', 'public', '::ffff:0:0/96 IPv4-mapped, judged as 8.8.8.8 (RFC 4291)'],
  ['::ffff:808:808', 'public', '::ffff:0:0/96 IPv4-mapped in hex, judged as 8.8.8.8 (RFC 4291)'],
  ['64:ff9b::808:808', 'public', '64:ff9b::/96 IPv4-IPv6 Translat., judged as 8.8.8.8 (RFC 6052)'],
  ['64:ff9b::a00:1', 'special', '64:ff9b::/96 IPv4-IPv6 Translat., judged as 10.0.0.1 (RFC 6052)'],
  ['64:ff9b:1::1', 'special', '64:ff9b:1::/48 IPv4-IPv6 Translat., local use (RFC 8215)'],
  ['100::1', 'special', '100::/64 Discard-Only Address Block (RFC 6666)'],
  ['2001::1', 'special', '2001::/32 TEREDO, inside 2001::/23 (RFC 4380)'],
  ['2001:2::1', 'special', '2001:2::/48 Benchmarking (RFC 5180)'],
  ['2001:1::1', 'public', '2001:1::1/128 Port Control Protocol Anycast, globally reachable (RFC 7723)'],
  ['2001:1::4', 'special', '2001::/23 IETF Protocol Assignments (RFC 2928)'],
  ['2001:3::1', 'public', '2001:3::/32 AMT, globally reachable (RFC 7450)'],
  ['2001:4:112::1', 'public', '2001:4:112::/48 AS112-v6, globally reachable (RFC 7535)'],
  ['2001:20::1', 'public', '2001:20::/28 ORCHIDv2, globally reachable (RFC 7343)'],
  ['2001:db8::1', 'special', '2001:db8::/32 Documentation (RFC 3849)'],
  ['3fff::1', 'special', '3fff::/20 Documentation (RFC 9637)'],
  ['2002:808:808::1', 'public', '2002::/16 6to4, judged as 8.8.8.8 (RFC 3056)'],
  ['2002:c0a8:101::1', 'special', '2002::/16 6to4, judged as 192.168.1.1 (RFC 3056)'],
  ['5f00::1', 'special', '5f00::/16 Segment Routing (SRv6) SIDs (RFC 9602)'],
  ['fd7a:115c:a1e0::1', 'special', 'fc00::/7 Unique-Local (RFC 4193)'],
  ['fe80::1', 'special', 'fe80::/10 Link-Local Unicast (RFC 4291)'],
  ['fe80::1%eth0', 'special', 'fe80::/10 Link-Local Unicast, with a zone'],
  ['[fe80::1]', 'special', 'fe80::/10 Link-Local Unicast, in brackets'],
  ['ff02::1', 'special', 'ff00::/8 multicast (RFC 4291)'],
  ['FD12:3456:789A::5', 'special', 'fc00::/7 Unique-Local, upper case'],
  [' 8.8.8.8 ', 'public', 'surrounding white space is ignored'],
  ['', 'invalid', 'empty'],
  ['999.1.1.1', 'invalid', 'octet above 255'],
  ['010.1.1.1', 'invalid', 'leading zero (octal in some parsers)'],
  ['1.2.3', 'invalid', 'three octets'],
  ['1.2.3.4/24', 'invalid', 'a prefix, not an address'],
  ['1::2::3', 'invalid', 'two "::"'],
  ['g::1', 'invalid', 'not hexadecimal'],
  ['not-an-ip', 'invalid', 'not an address'],
  [`${'1:'.repeat(40)}1`, 'invalid', 'longer than any address'],
];

describe('classifyAddress', () => {
  it.each(TABLE)('%s is %s (%s)', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
    expect(isPublicAddress(address)).toBe(kind === 'public');
  });

  it('answers the probes on which the pack gave two answers, as the registries say', () => {
    const probes: Record<string, boolean> = {
      '203.0.113.5': false,
      '198.18.0.1': false,
      '192.0.2.1': false,
      '198.51.100.7': false,
      '2001:db8::1': false,
      '64:ff9b::a00:1': false,
      '::ffff:10.0.0.1': false,
      '8.8.8.8': true,
      '10.0.0.1': false,
    };
    const answers = Object.fromEntries(Object.keys(probes).map((ip) => [ip, isPublicAddress(ip)]));
    expect(answers).toEqual(probes);
  });

  it('treats undefined as invalid', () => {
    expect(classifyAddress(undefined)).toBe('invalid');
    expect(isPublicAddress(undefined)).toBe(false);
  });
});
