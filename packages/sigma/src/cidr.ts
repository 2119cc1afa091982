/**
 * CIDR ranges for the `cidr` modifier, IPv4 and IPv6, parsed by hand (no RegExp on rule or event text).
 */

/** Parse an IPv4 address (`10.0.0.1`) into 4 bytes, or undefined. */
export function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (p.length === 0 || p.length > 3) return undefined;
    let n = 0;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j) - 48;
      if (c < 0 || c > 9) return undefined;
      n = n * 10 + c;
    }
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseHexGroup(g: string): number | undefined {
  if (g.length === 0 || g.length > 4) return undefined;
  let n = 0;
  for (let i = 0; i < g.length; i++) {
    const c = g.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return undefined;
    n = n * 16 + d;
  }
  return n;
}

/** Parse an IPv6 address (`fe80::1`, `::ffff:10.0.0.1`; a `%zone` is ignored) into 16 bytes, or undefined. */
export function parseIPv6(input: string): Uint8Array | undefined {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        const g = parseHexGroup(p);
        if (g === undefined) return undefined;
        out.push(g);
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** An address as bytes: IPv4 (4) or IPv6 (16); an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) becomes IPv4. */
export function parseIP(s: string): Uint8Array | undefined {
  const t = s.trim();
  if (t.includes(':')) {
    const v6 = parseIPv6(t);
    if (v6?.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) return v6.slice(12);
    return v6;
  }
  return parseIPv4(t);
}

export interface CidrRange {
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly bits: number;
}

/** Parse `10.0.0.0/8`, `fe80::/10`, or a bare address (a /32 or /128). Undefined when invalid. */
export function parseCidr(text: string): CidrRange | undefined {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const bytes = addr.includes(':') ? parseIPv6(addr.trim()) : parseIPv4(addr.trim());
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  let bits = max;
  if (slash >= 0) {
    const b = text.slice(slash + 1).trim();
    if (b.length === 0 || b.length > 3) return undefined;
    bits = 0;
    for (let i = 0; i < b.length; i++) {
      const c = b.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      bits = bits * 10 + c;
    }
    if (bits > max) return undefined;
  }
  return { text, bytes, bits };
}

/** True when `ip` (bytes of the same family) lies in `range`. */
export function inRange(range: CidrRange, ip: Uint8Array): boolean {
  if (ip.length !== range.bytes.length) return false;
  let bits = range.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}
