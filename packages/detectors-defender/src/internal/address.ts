import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Is an IP address public, that is globally reachable on the internet? One answer for every detector
 * of the pack, taken from the IANA special-purpose address registries (RFC 6890 and its successors):
 * an address is public when no registry block that is not globally reachable contains it.
 *
 * - IPv4 not public: 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24 (but the
 *   globally reachable anycast addresses 192.0.0.9 and 192.0.0.10 are public), 192.0.2/24,
 *   192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4 (multicast, not a host
 *   that logs on), 240/4 and 255.255.255.255.
 * - IPv6 is public only inside global unicast 2000::/3, and there not in 2001::/23 (IETF protocol
 *   assignments, Teredo and benchmarking included), 2001:db8::/32 and 3fff::/20 (documentation),
 *   5f00::/16 (SRv6 SIDs). The sub-blocks of 2001::/23 that the registry marks globally reachable are
 *   public: 2001:1::1 to 2001:1::3 (anycast), 2001:3::/32 (AMT), 2001:4:112::/48 (AS112-v6),
 *   2001:20::/28 (ORCHIDv2) and 2001:30::/28 (drone remote ID).
 * - Outside 2000::/3 nothing is public (::, ::1, 64:ff9b:1::/48, 100::/64, fc00::/7, fe80::/10,
 *   ff00::/8 and the unassigned space), with two exceptions that carry an IPv4 address in their last
 *   32 bits and are judged by it: IPv4-mapped ::ffff:0:0/96 and the NAT64 well-known prefix
 *   64:ff9b::/96. 6to4 2002::/16 is judged by the IPv4 address in its bits 16 to 47.
 *
 * Text is validated by `net.isIP` (no leading zeros in IPv4 octets, no CIDR suffix), after trimming,
 * removing `[...]` brackets and an IPv6 `%zone`; anything longer than 64 characters is invalid, so the
 * work per address is bounded.
 */

const IPV4_NOT_PUBLIC: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

const IPV4_PUBLIC_EXCEPTIONS: readonly string[] = ['192.0.0.9', '192.0.0.10'];

const IPV6_NOT_PUBLIC: readonly (readonly [string, number])[] = [
  ['2001::', 23],
  ['2001:db8::', 32],
  ['3fff::', 20],
  ['5f00::', 16],
];

const IPV6_PUBLIC_EXCEPTIONS: readonly (readonly [string, number])[] = [
  ['2001:1::1', 128],
  ['2001:1::2', 128],
  ['2001:1::3', 128],
  ['2001:3::', 32],
  ['2001:4:112::', 48],
  ['2001:20::', 28],
  ['2001:30::', 28],
];

const v4Blocked = new BlockList();
for (const [net, prefix] of IPV4_NOT_PUBLIC) v4Blocked.addSubnet(net, prefix, 'ipv4');
const v4Allowed = new BlockList();
for (const ip of IPV4_PUBLIC_EXCEPTIONS) v4Allowed.addAddress(ip, 'ipv4');

const v6GlobalUnicast = new BlockList();
v6GlobalUnicast.addSubnet('2000::', 3, 'ipv6');
const v6Blocked = new BlockList();
for (const [net, prefix] of IPV6_NOT_PUBLIC) v6Blocked.addSubnet(net, prefix, 'ipv6');
const v6Allowed = new BlockList();
for (const [net, prefix] of IPV6_PUBLIC_EXCEPTIONS) v6Allowed.addSubnet(net, prefix, 'ipv6');

/** What an address is: `public`, `special` (private, loopback, documentation, reserved…) or `invalid`. */
export type AddressKind = 'public' | 'special' | 'invalid';

const MAX_ADDRESS_LENGTH = 64;

function classifyV4(ip: string): AddressKind {
  if (v4Allowed.check(ip, 'ipv4')) return 'public';
  return v4Blocked.check(ip, 'ipv4') ? 'special' : 'public';
}

/** The eight 16-bit groups of an address that `net.isIPv6` accepted (so the text is well formed). */
function ipv6Groups(ip: string): number[] {
  const groups = (side: string): number[] => {
    if (side === '') return [];
    const out: number[] = [];
    for (const part of side.split(':')) {
      if (part.includes('.')) {
        const [a, b, c, d] = part.split('.').map(Number) as [number, number, number, number];
        out.push(a * 256 + b, c * 256 + d);
      } else {
        out.push(Number.parseInt(part, 16));
      }
    }
    return out;
  };
  const gap = ip.indexOf('::');
  if (gap < 0) return groups(ip);
  const head = groups(ip.slice(0, gap));
  const tail = groups(ip.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function dotted(high: number, low: number): string {
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

function classifyV6(ip: string): AddressKind {
  const g = ipv6Groups(ip);
  const zeroPrefix = g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0;
  if (zeroPrefix && g[5] === 0xffff) return classifyV4(dotted(g[6]!, g[7]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) {
    return classifyV4(dotted(g[6]!, g[7]!));
  }
  if (g[0] === 0x2002) return classifyV4(dotted(g[1]!, g[2]!));
  if (!v6GlobalUnicast.check(ip, 'ipv6')) return 'special';
  if (v6Allowed.check(ip, 'ipv6')) return 'public';
  return v6Blocked.check(ip, 'ipv6') ? 'special' : 'public';
}

/**
 * Answers for recently seen texts: a `BlockList` check crosses into C++ and costs a few microseconds,
 * and logon events repeat the same few addresses. Bounded: emptied when full.
 */
const recent = new Map<string, AddressKind>();
const RECENT_MAX = 4096;

/** Classify an IP address given as text (see the module comment for the rules). */
export function classifyAddress(raw: string | undefined): AddressKind {
  if (raw === undefined) return 'invalid';
  const known = recent.get(raw);
  if (known !== undefined) return known;
  const kind = classify(raw);
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(raw, kind);
  return kind;
}

function classify(raw: string): AddressKind {
  let text = raw.trim();
  if (text === '' || text.length > MAX_ADDRESS_LENGTH) return 'invalid';
  if (isIPv4(text)) return classifyV4(text);
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  return isIPv6(text) ? classifyV6(text.toLowerCase()) : 'invalid';
}

/** True when the address is public (globally reachable); false for special and invalid text. */
export function isPublicAddress(raw: string | undefined): boolean {
  return classifyAddress(raw) === 'public';
}
