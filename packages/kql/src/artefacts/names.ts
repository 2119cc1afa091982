import { createHash } from 'node:crypto';

/** Names Windows reserves whatever the extension (`con.kql` cannot be created there). */
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
/** Longest base name kept before the hash suffix: well under every file system's 255-byte limit. */
const MAX_BASE = 96;

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 10);
}

/**
 * A file name (without extension) for an exported rule id that is safe on every OS: ASCII letters,
 * digits, `.`, `_` and `-` only, lower case, no leading or trailing dot or dash, not a Windows device
 * name, at most ~110 characters. `sigma/5f1b…` → `sigma-5f1b…`, `defender/logon-brute-force` →
 * `defender-logon-brute-force`. When the id had to lose anything to get there (case, other
 * characters, length), a hash of the whole id is appended, so two ids never share a name by accident.
 */
export function artefactBaseName(id: string): string {
  const plain = id.replace(/\//g, '-');
  let base = plain
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '');
  const lossy = base !== plain || base.length > MAX_BASE || WINDOWS_RESERVED.test(base.split('.')[0] ?? '');
  if (base.length > MAX_BASE) base = base.slice(0, MAX_BASE).replace(/[.-]+$/g, '');
  if (base === '') return `rule-${shortHash(id)}`;
  return lossy ? `${base}-${shortHash(id)}` : base;
}

/** The namespace of the rule UUIDs tripline writes (fixed: the same rule id always gets the same UUID). */
const UUID_NAMESPACE = Buffer.from('4d2b8f0e6a1c4b7e9f3a5c8d1e2f6a7b', 'hex');

/**
 * A name-based UUID (RFC 9562 version 5, SHA-1) of a rule id in tripline's namespace: deterministic,
 * so exporting a rule again updates the Sentinel rule instead of creating a second one.
 */
export function ruleUuid(id: string): string {
  const hash = createHash('sha1').update(UUID_NAMESPACE).update(id, 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** One line of text for a `//` comment: line breaks and other control characters become spaces. */
export function commentText(text: string, max = 500): string {
  const one = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
