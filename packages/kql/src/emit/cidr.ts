/**
 * `cidr` by address family, as both local engines read addresses: surrounding white space trimmed, an
 * IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) tested as the IPv4 address it carries, IPv4 ranges only
 * for IPv4 addresses and IPv6 ranges only for IPv6 ones (never an IPv6 range through the IPv4
 * function), and a value that is no address matching nothing (`coalesce(…, false)`: Kusto's functions
 * give null there, and `not(null)` would drop the row where the engine keeps it).
 */
import { kqlString } from './literal.js';

/** One range on one string expression. */
export function cidrCondition(x: string, range: string): string {
  const t = `trim(${kqlString('\\s')}, ${x})`;
  const address = `iff(${t} startswith "::ffff:" and substring(${t}, 7) contains ".", substring(${t}, 7), ${t})`;
  return range.includes(':')
    ? `(${address} contains ":" and coalesce(ipv6_is_in_range(${address}, ${kqlString(range)}), false))`
    : `(${address} !contains ":" and coalesce(ipv4_is_in_range(${address}, ${kqlString(range)}), false))`;
}
