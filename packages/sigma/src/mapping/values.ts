/**
 * Value rebuilding: the pure string functions that turn what MDE stores into what Sysmon writes (the
 * spelling Sigma rule authors test against). No regular expressions on event text: every function is a
 * linear scan.
 */

/** Lower-cased prefix test, ASCII only (hive names and `ControlSet001` are ASCII). */
function startsWithFold(text: string, prefix: string): boolean {
  if (text.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== prefix.charCodeAt(i)) return false;
  }
  return true;
}

/** `prefix` (lower-case) followed by the end of the text or a backslash. */
function isPathPrefix(text: string, prefix: string): boolean {
  return startsWithFold(text, prefix) && (text.length === prefix.length || text.charCodeAt(prefix.length) === 0x5c);
}

/** MDE's hive spellings (and the kernel's `\REGISTRY\…`), lower-case, with Sysmon's abbreviation. */
const HIVES: readonly (readonly [string, string])[] = [
  ['hkey_local_machine', 'HKLM'],
  ['hkey_current_user', 'HKU'],
  ['hkey_users', 'HKU'],
  ['hkey_classes_root', 'HKCR'],
  ['\\registry\\machine', 'HKLM'],
  ['\\registry\\user', 'HKU'],
];

const CONTROL_SET_001 = 'hklm\\system\\controlset001';
const SYSTEM_PREFIX = 'hklm\\system\\'.length;

/**
 * A registry key as Sysmon spells it: `HKEY_LOCAL_MACHINE` → `HKLM`, `HKEY_CURRENT_USER\<SID>` and
 * `HKEY_USERS\<SID>` → `HKU\<SID>`, `HKEY_CLASSES_ROOT` → `HKCR`, and `HKLM\SYSTEM\ControlSet001` →
 * `HKLM\SYSTEM\CurrentControlSet` (Sysmon reports the current control set by that name; MDE by number).
 * Keys already abbreviated are left as they are; the rest of the key keeps its case.
 */
export function sysmonRegistryKey(key: string): string {
  let out = key;
  for (const [long, short] of HIVES) {
    if (isPathPrefix(out, long)) {
      out = short + out.slice(long.length);
      break;
    }
  }
  // Only the control set segment is renamed: the rest keeps MDE's case.
  if (isPathPrefix(out, CONTROL_SET_001)) {
    out = `${out.slice(0, SYSTEM_PREFIX)}CurrentControlSet${out.slice(CONTROL_SET_001.length)}`;
  }
  return out;
}

/** Sysmon's name of a value event's target: `key\valueName`, `key\(Default)` for the unnamed value. */
export function registryValuePath(key: string, valueName: string | undefined): string {
  const name = valueName === undefined || valueName === '' ? '(Default)' : valueName;
  return key.endsWith('\\') ? key + name : `${key}\\${name}`;
}

const hex8 = (n: bigint | number): string => n.toString(16).padStart(8, '0');

/** A decimal or `0x` hexadecimal integer as a BigInt; undefined for anything else. */
function parseInteger(text: string): bigint | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  let i = 0;
  let negative = false;
  if (t.charCodeAt(0) === 0x2d) {
    negative = true;
    i = 1;
  }
  const hex = startsWithFold(t.slice(i), '0x');
  const digits = t.slice(hex ? i + 2 : i);
  if (digits === '' || digits.length > 20) return undefined;
  for (let k = 0; k < digits.length; k++) {
    const c = digits.charCodeAt(k) | 0x20;
    const dec = c >= 0x30 && c <= 0x39;
    if (!dec && !(hex && c >= 0x61 && c <= 0x66)) return undefined;
  }
  const n = BigInt(hex ? `0x${digits}` : digits);
  return negative ? -n : n;
}

const MASK32 = (1n << 32n) - 1n;
const MASK64 = (1n << 64n) - 1n;

/**
 * `Details` as Sysmon writes it, from MDE's `RegistryValueType` and `RegistryValueData`: `DWORD
 * (0x%08x)` and `QWORD (0x%08x-0x%08x)` (high, low) from the decimal MDE writes, `Binary Data` for
 * binary values, `(Empty)` for an empty string value; strings as they are. `data` undefined means MDE
 * wrote nothing (null or `""`).
 */
export function sysmonRegistryDetails(type: string | undefined, data: string | undefined): string | undefined {
  const t = type?.toLowerCase();
  if (t === 'binary') return 'Binary Data';
  if (data === undefined) {
    // MDE writes an empty string value as "" (or null); Sysmon as (Empty).
    if (t === undefined || t === 'string' || t === 'expandstring' || t === 'multistring' || t === 'none') {
      return '(Empty)';
    }
    return undefined;
  }
  if (t === 'dword' || t === 'dwordbigendian') {
    const n = parseInteger(data);
    if (n !== undefined) return `DWORD (0x${hex8(n & MASK32)})`;
  }
  if (t === 'qword') {
    const n = parseInteger(data);
    if (n !== undefined) {
      const v = n & MASK64;
      return `QWORD (0x${hex8(v >> 32n)}-0x${hex8(v & MASK32)})`;
    }
  }
  return data;
}

/** MDE's registry ActionType → Sysmon's `EventType`. */
export const REGISTRY_EVENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  RegistryKeyCreated: 'CreateKey',
  RegistryKeyDeleted: 'DeleteKey',
  RegistryValueSet: 'SetValue',
  RegistryValueDeleted: 'DeleteValue',
  RegistryKeyRenamed: 'RenameKey',
});

/** MDE's registry ActionType → Sysmon's event id (12 create/delete, 13 value set, 14 rename). */
export const REGISTRY_EVENT_IDS: Readonly<Record<string, number>> = Object.freeze({
  RegistryKeyCreated: 12,
  RegistryKeyDeleted: 12,
  RegistryValueDeleted: 12,
  RegistryValueSet: 13,
  RegistryKeyRenamed: 14,
});

/**
 * A full path from a folder column and a file-name column. Some exports hold the whole path in the
 * folder column (`c:\windows\system32\cmd.exe`), others the folder only (`C:\Windows\System32`): the
 * name is appended when the folder does not already end with it. The separator follows the folder
 * (`/` for Linux paths). No folder: undefined (a bare name is not a path).
 */
export function joinPath(folder: string | undefined, name: string | undefined): string | undefined {
  if (folder === undefined) return undefined;
  if (name === undefined || name === '') return folder;
  // MDE's FolderPath of a process usually ends with its file name, spelled alike: no lower-casing then.
  // (A separator stops every context-dependent lower-casing, so the folded comparison below agrees.)
  const sepCode = folder.includes('/') && !folder.includes('\\') ? 0x2f : 0x5c;
  if (
    folder.length > name.length &&
    folder.endsWith(name) &&
    folder.charCodeAt(folder.length - name.length - 1) === sepCode
  )
    return folder;
  const f = folder.toLowerCase();
  const n = name.toLowerCase();
  if (f === n) return folder;
  const slash = folder.includes('/') && !folder.includes('\\');
  const sep = slash ? '/' : '\\';
  if (f.endsWith(sep + n)) return folder;
  return folder.endsWith(sep) ? folder + name : folder + sep + name;
}

/** `DOMAIN\name` as Sysmon writes `User`; the name alone when MDE has no domain. */
export function domainUser(domain: string | undefined, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  return domain === undefined ? name : `${domain}\\${name}`;
}

/**
 * Sysmon's `Hashes`: `SHA1=…,MD5=…,SHA256=…` (upper-case hex, the algorithms MDE has, in Sysmon's order).
 * MDE computes no IMPHASH.
 */
export function sysmonHashes(
  sha1: string | undefined,
  md5: string | undefined,
  sha256: string | undefined,
): string | undefined {
  const parts: string[] = [];
  if (sha1 !== undefined) parts.push(`SHA1=${sha1.toUpperCase()}`);
  if (md5 !== undefined) parts.push(`MD5=${md5.toUpperCase()}`);
  if (sha256 !== undefined) parts.push(`SHA256=${sha256.toUpperCase()}`);
  return parts.length === 0 ? undefined : parts.join(',');
}

/** Values a {@link memoSysmonHashes} keeps before it starts again, and the longest hash it keeps. */
const HASHES_MEMO_ENTRIES = 1024;
const HASHES_MEMO_MAX_LENGTH = 128;

interface HashesEntry {
  readonly sha1: string | undefined;
  readonly md5: string | undefined;
  readonly sha256: string | undefined;
  readonly value: string | undefined;
}

/**
 * {@link sysmonHashes} that remembers what it built: a fleet runs the same files on every device, and a
 * process row's `Hashes` would otherwise be rebuilt (three upper-casings, a join) on every row and then
 * hashed whole by each memo it meets. A value seen before comes back as the same string, which the
 * candidate index then finds by identity. Up to 1,024 values (then it starts again); a column longer
 * than a hash is not remembered.
 */
export function memoSysmonHashes(): (
  sha1: string | undefined,
  md5: string | undefined,
  sha256: string | undefined,
) => string | undefined {
  let byKey = new Map<string, HashesEntry>();
  let last: HashesEntry | undefined;
  return (sha1, md5, sha256) => {
    if (last !== undefined && last.sha256 === sha256 && last.sha1 === sha1 && last.md5 === md5) return last.value;
    const key = sha256 ?? sha1 ?? md5;
    if (
      key === undefined ||
      (sha1?.length ?? 0) > HASHES_MEMO_MAX_LENGTH ||
      (md5?.length ?? 0) > HASHES_MEMO_MAX_LENGTH ||
      (sha256?.length ?? 0) > HASHES_MEMO_MAX_LENGTH
    )
      return sysmonHashes(sha1, md5, sha256);
    let entry = byKey.get(key);
    if (entry === undefined || entry.sha1 !== sha1 || entry.md5 !== md5 || entry.sha256 !== sha256) {
      entry = { sha1, md5, sha256, value: sysmonHashes(sha1, md5, sha256) };
      if (byKey.size >= HASHES_MEMO_ENTRIES) byKey = new Map();
      byKey.set(key, entry);
    }
    last = entry;
    return entry.value;
  };
}

/** Why a `Hashes` value can never match on MDE (it names an IMPHASH), or undefined. */
export function imphashReason(value: string): string | undefined {
  return value.toLowerCase().includes('imphash=')
    ? 'MDE records no import hash (IMPHASH): a Hashes value naming one can never match'
    : undefined;
}

/** Sysmon's hexadecimal `LogonId` (`0x3e7`) from MDE's decimal `LogonId`. */
export function hexLogonId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const n = parseInteger(value);
  return n === undefined || n < 0n ? value : `0x${n.toString(16)}`;
}

/** An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) as the IPv4 address Sysmon reports; others unchanged. */
export function plainIp(ip: string | undefined): string | undefined {
  if (ip === undefined) return undefined;
  if (startsWithFold(ip, '::ffff:') && ip.indexOf('.', 7) > 0) return ip.slice(7);
  return ip;
}

/** Sysmon's `…IsIpv6`: 'true' or 'false' for an address, undefined without one. */
export function isIpv6(ip: string | undefined): string | undefined {
  const p = plainIp(ip);
  if (p === undefined) return undefined;
  return p.includes(':') ? 'true' : 'false';
}

/**
 * The host of MDE's `RemoteUrl` (a host name, or a URL on inspected HTTP rows): scheme, user info,
 * port and path removed, as Sysmon's `DestinationHostname` holds a host name.
 */
export function urlHost(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let host = url;
  const scheme = host.indexOf('://');
  if (scheme >= 0) host = host.slice(scheme + 3);
  for (const stop of ['/', '?', '#']) {
    const at = host.indexOf(stop);
    if (at >= 0) host = host.slice(0, at);
  }
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(1, end) : host;
  }
  const colon = host.indexOf(':');
  if (colon >= 0 && host.indexOf(':', colon + 1) < 0) host = host.slice(0, colon);
  return host === '' ? undefined : host;
}

/** Sysmon's `Protocol` (`tcp`, `udp`) from MDE's (`Tcp`, `TcpV4`, `Udp`, `UdpV6`…). */
export function sysmonProtocol(protocol: string | undefined): string | undefined {
  if (protocol === undefined) return undefined;
  const p = protocol.toLowerCase();
  return p.endsWith('v4') || p.endsWith('v6') ? p.slice(0, -2) : p;
}
