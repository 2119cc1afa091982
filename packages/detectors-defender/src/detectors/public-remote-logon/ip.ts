/**
 * Is an IP address publicly routable? A hand-written parser (no regex), linear in the length of the
 * input and capped at 64 characters, for IPv4 and IPv6 (with `::` compression, an embedded dotted
 * IPv4 tail and a `%zone` suffix).
 *
 * Not public: IPv4 0/8, 10/8, 100.64/10 (CGNAT), 127/8, 169.254/16, 172.16/12, 192.0.0/24,
 * 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4, 240/4
 * (IANA special-purpose registry, RFC 6890); IPv6 outside global unicast 2000::/3 (so ::, ::1,
 * fc00::/7 ULA, fe80::/10 link-local, ff00::/8 multicast), 2001:db8::/32 and 3fff::/20
 * (documentation, RFC 3849/9637), 2001:2::/48 (benchmarking); IPv4-mapped/compatible `::ffff:a.b.c.d`
 * and NAT64 `64:ff9b::a.b.c.d` are judged by their IPv4 address.
 */

/** Parse dotted-quad IPv4 into four octets; undefined when malformed. */
export function parseIPv4(text: string): [number, number, number, number] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (p.length === 0 || p.length > 3) return undefined;
    let n = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      n = n * 10 + c;
    }
    if (n > 255) return undefined;
    out.push(n);
  }
  return out as [number, number, number, number];
}

/** Parse IPv6 into eight 16-bit groups; undefined when malformed. */
export function parseIPv6(input: string): number[] | undefined {
  let text = input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return undefined;
  const parseSide = (side: string): number[] | undefined => {
    if (side === '') return [];
    const groups: number[] = [];
    const parts = side.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (p.length === 0 || p.length > 4) return undefined;
      let n = 0;
      for (let j = 0; j < p.length; j++) {
        const c = p.charCodeAt(j);
        const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (d < 0) return undefined;
        n = n * 16 + d;
      }
      groups.push(n);
    }
    return groups;
  };
  if (dbl < 0) {
    const g = parseSide(text);
    return g && g.length === 8 ? g : undefined;
  }
  const head = parseSide(text.slice(0, dbl));
  const tail = parseSide(text.slice(dbl + 2));
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function publicV4([a, b, c]: readonly [number, number, number, number]): boolean {
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && b >= 64 && b <= 127) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false;
  if (a === 192 && b === 88 && c === 99) return false;
  if (a === 198 && (b === 18 || b === 19)) return false;
  if (a === 198 && b === 51 && c === 100) return false;
  if (a === 203 && b === 0 && c === 113) return false;
  return true;
}

/** The kind of an address: `public`, `special` (private, loopback, reserved, documentation…) or `invalid`. */
export function classifyIp(raw: string | undefined): 'public' | 'special' | 'invalid' {
  if (raw === undefined) return 'invalid';
  const text = raw.trim();
  if (text === '' || text.length > 64) return 'invalid';
  if (!text.includes(':')) {
    const v4 = parseIPv4(text);
    return v4 ? (publicV4(v4) ? 'public' : 'special') : 'invalid';
  }
  const g = parseIPv6(text);
  if (!g) return 'invalid';
  const embedded = (): [number, number, number, number] => [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255];
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (deprecated compatible, not :: or ::1)
  if (
    g[0] === 0 &&
    g[1] === 0 &&
    g[2] === 0 &&
    g[3] === 0 &&
    g[4] === 0 &&
    (g[5] === 0xffff || (g[5] === 0 && (g[6] !== 0 || g[7]! > 1)))
  ) {
    return publicV4(embedded()) ? 'public' : 'special';
  }
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) {
    return publicV4(embedded()) ? 'public' : 'special';
  }
  const first = g[0]!;
  if (first < 0x2000 || first > 0x3fff) return 'special'; // outside global unicast 2000::/3
  if (first === 0x2001 && g[1] === 0x0db8) return 'special';
  if (first === 0x2001 && g[1] === 0x0002 && g[2] === 0) return 'special';
  if (first === 0x3fff && g[1]! <= 0x0fff) return 'special';
  return 'public';
}

/** True when the address is publicly routable. */
export function isPublicIp(raw: string | undefined): boolean {
  return classifyIp(raw) === 'public';
}
