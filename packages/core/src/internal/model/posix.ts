/**
 * The POSIX (Linux/macOS) view of an event: the few keys of `AdditionalFields` (or of extended
 * columns, which win) that say who a process ran as. Every Linux process row of a fleet asks for it,
 * and a fleet repeats the same few identities, so the view of an `AdditionalFields` text is built
 * once and shared, frozen, by every row that carries exactly that text and no POSIX column of its
 * own; rows whose texts differ only in their process-group and session ids (every process of a
 * fleet has its own) share the rest of it, and get their ids from their own text. The memo is bounded ({@link POSIX_MEMO_ENTRIES} texts of at most {@link POSIX_MEMO_TEXT}
 * characters, in two-way sets) and holds copies of its texts, never a slice of an input.
 */
import type { JsonValue, PosixAccount, PosixGroup, PosixInfo, PosixProcess } from './event.js';

const asString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const asInt = (v: unknown): number | undefined => {
  // An integer beyond 2^53 lost digits (or is a decimal string): not a usable id.
  if (typeof v === 'number')
    return Number.isFinite(v) && (Number.isSafeInteger(v) || !Number.isInteger(v)) ? v : undefined;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
};

function readGroup(v: unknown): PosixGroup | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const out: { name?: string; gid?: number } = {};
  const name = asString(o.Name);
  const gid = asInt(o.PosixGroupId);
  if (name !== undefined) out.name = name;
  if (gid !== undefined) out.gid = gid;
  return name === undefined && gid === undefined ? undefined : Object.freeze(out);
}

function readAccount(v: unknown): PosixAccount | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const out: { name?: string; uid?: number; sid?: string; domain?: string; primaryGroup?: PosixGroup } = {};
  const name = asString(o.Name);
  const uid = asInt(o.PosixUserId);
  const sid = asString(o.Sid);
  const domain = asString(o.DomainName);
  const group = readGroup(o.PrimaryPosixGroup);
  if (name !== undefined) out.name = name;
  if (uid !== undefined) out.uid = uid;
  if (sid !== undefined) out.sid = sid;
  if (domain !== undefined) out.domain = domain;
  if (group !== undefined) out.primaryGroup = group;
  return name === undefined && uid === undefined && sid === undefined && domain === undefined && group === undefined
    ? undefined
    : Object.freeze(out);
}

/** The `AdditionalFields` keys of one side's POSIX context, spelled out once (not built per event). */
interface PosixKeys {
  readonly effectiveUser: string;
  readonly realUser: string;
  readonly effectiveGroup: string;
  readonly workingDirectory: string;
  readonly terminal: string;
  readonly processGroupId: string;
  readonly sessionId: string;
}
// Literals, so that the keys are internalized strings: property lookups with them need no hashing.
const INITIATING_KEYS: PosixKeys = Object.freeze({
  effectiveUser: 'InitiatingProcessPosixEffectiveUser',
  realUser: 'InitiatingProcessPosixRealUser',
  effectiveGroup: 'InitiatingProcessPosixEffectiveGroup',
  workingDirectory: 'InitiatingProcessCurrentWorkingDirectory',
  terminal: 'InitiatingProcessPosixAttachedTerminal',
  processGroupId: 'InitiatingProcessPosixProcessGroupId',
  sessionId: 'InitiatingProcessPosixSessionId',
});
const PROCESS_KEYS: PosixKeys = Object.freeze({
  effectiveUser: 'ProcessPosixEffectiveUser',
  realUser: 'ProcessPosixRealUser',
  effectiveGroup: 'ProcessPosixEffectiveGroup',
  workingDirectory: 'ProcessCurrentWorkingDirectory',
  terminal: 'ProcessPosixAttachedTerminal',
  processGroupId: 'ProcessPosixProcessGroupId',
  sessionId: 'ProcessPosixSessionId',
});

const LOGON_KEYS = ['Terminal', 'PosixUserId', 'PosixPrimaryGroupName', 'PosixPrimaryGroupId'] as const;
/** Every key the view reads: a row with any of them as a column of its own is not shared. */
export const POSIX_COLUMNS: readonly string[] = Object.freeze([
  ...Object.values(INITIATING_KEYS),
  ...Object.values(PROCESS_KEYS),
  ...LOGON_KEYS,
]);

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Build the view from the row's own columns (`readTop`, which win) and its parsed `AdditionalFields`;
 * `nested` parses a value that is itself JSON text (double encoding).
 */
export function buildPosix(
  readTop: (key: string) => JsonValue | undefined,
  parsed: JsonValue | undefined,
  nested: (text: string) => JsonValue,
): PosixInfo {
  const af: Readonly<Record<string, unknown>> =
    parsed !== null && parsed !== undefined && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : EMPTY;
  // additional(), with the parsed AdditionalFields in hand: asked 18 times per event.
  const read = (key: string): JsonValue | undefined => {
    const top = readTop(key);
    const v = top !== undefined ? top : (af[key] as JsonValue | undefined);
    if (typeof v === 'string' && v !== '') {
      const c = v.charCodeAt(0);
      // JSON text (double encoding), possibly after whitespace; every space is ≤ U+0020 or ≥ U+0080.
      if (c === 0x7b || c === 0x5b || c <= 0x20 || c >= 0x80) {
        const t = v.trimStart();
        if (t.startsWith('{') || t.startsWith('[')) return nested(v);
      }
    }
    return v;
  };
  const side = (keys: PosixKeys): PosixProcess => {
    const out: {
      effectiveUser?: PosixAccount;
      realUser?: PosixAccount;
      effectiveGroup?: PosixGroup;
      workingDirectory?: string;
      terminal?: string;
      processGroupId?: number;
      sessionId?: number;
    } = {};
    const eu = readAccount(read(keys.effectiveUser));
    const ru = readAccount(read(keys.realUser));
    const eg = readGroup(read(keys.effectiveGroup));
    const cwd = asString(read(keys.workingDirectory));
    const tty = asString(read(keys.terminal));
    const pgid = asInt(read(keys.processGroupId));
    const sid = asInt(read(keys.sessionId));
    if (eu) out.effectiveUser = eu;
    if (ru) out.realUser = ru;
    if (eg) out.effectiveGroup = eg;
    if (cwd !== undefined) out.workingDirectory = cwd;
    if (tty !== undefined) out.terminal = tty;
    if (pgid !== undefined) out.processGroupId = pgid;
    if (sid !== undefined) out.sessionId = sid;
    return Object.freeze(out);
  };
  const logon: { terminal?: string; uid?: number; primaryGroup?: PosixGroup } = {};
  const terminal = asString(read('Terminal'));
  const uid = asInt(read('PosixUserId'));
  const gname = asString(read('PosixPrimaryGroupName'));
  const gid = asInt(read('PosixPrimaryGroupId'));
  if (terminal !== undefined) logon.terminal = terminal;
  if (uid !== undefined) logon.uid = uid;
  if (gname !== undefined || gid !== undefined) {
    logon.primaryGroup = Object.freeze({
      ...(gname !== undefined ? { name: gname } : {}),
      ...(gid !== undefined ? { gid } : {}),
    });
  }
  // Frozen all the way down: every detector (and every row sharing the text) gets this same object.
  return Object.freeze({
    initiatingProcess: side(INITIATING_KEYS),
    process: side(PROCESS_KEYS),
    logon: Object.freeze(logon),
  });
}

/** Slots of the memo: a text is kept in one of two, chosen by a hash of sampled characters. */
export const POSIX_MEMO_ENTRIES = 2048;
/** Longest `AdditionalFields` text whose view is kept. */
export const POSIX_MEMO_TEXT = 2048;
const SETS = POSIX_MEMO_ENTRIES / 2;
const TEXTS: (string | undefined)[] = new Array(POSIX_MEMO_ENTRIES).fill(undefined);
const VIEWS: (PosixInfo | undefined)[] = new Array(POSIX_MEMO_ENTRIES).fill(undefined);
/** Per set, the way written last: a miss replaces the other one. */
const RECENT = new Uint8Array(SETS);
const SAMPLES = 48;

/**
 * A hash of the length and of about {@link SAMPLES} characters spread over the text: a text
 * appears fresh (not hashed) on every row, and hashing all of it, as a `Map` key would, cost
 * more than half of what the memo saves. Texts that differ only between samples share a set; the
 * full comparison on lookup keeps every answer exact, and the two ways of a set hold two of them.
 */
function sampleHash(text: string): number {
  const n = text.length;
  let h = Math.imul(n, 0x9e3779b1);
  const step = n > SAMPLES ? Math.floor(n / SAMPLES) : 1;
  // From the end: the values that vary between rows (ids, directories) sit in the last keys as often as not.
  for (let i = n - 1; i >= 0; i -= step) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return (h >>> 0) % SETS;
}

/** Per slot, which process-group and session ids were cut out of its text (0: the text as it is). */
const MASKS = new Uint8Array(POSIX_MEMO_ENTRIES);

/**
 * The keys whose integer values a fleet varies from process to process, with the same accounts,
 * groups and directories around them: a text is kept with these values cut out, so that the rows of
 * one identity share one entry, and each row's own values are read from its own text.
 */
const ID_KEYS = [
  'InitiatingProcessPosixProcessGroupId',
  'InitiatingProcessPosixSessionId',
  'ProcessPosixProcessGroupId',
  'ProcessPosixSessionId',
] as const;
/** The ends of the {@link ID_KEYS} with their closing quote: every string so ending is looked at. */
const ID_NEEDLES = ['ProcessGroupId"', 'SessionId"'] as const;
/** The most digits of an id cut out: 15 digits are always a safe integer, read exactly. */
const MAX_ID_DIGITS = 15;
/** Of the last {@link maskIds} call: the ids it cut out (`ID_VALUES[k]` when bit `k` of the mask is set), and where. */
const ID_VALUES = [0, 0, 0, 0];
const ID_STARTS = [0, 0, 0, 0];
const ID_ENDS = [0, 0, 0, 0];
let idMask = 0;

/** The index in {@link ID_KEYS} of the string that ends just before `end` (its closing quote) and starts after `open`, else -1. */
function idKeyAt(text: string, open: number, end: number): number {
  const length = end - open - 1;
  for (let k = 0; k < ID_KEYS.length; k++) {
    const key = ID_KEYS[k] as string;
    // A slice (a view, compared natively): `startsWith` at an offset compares several times slower.
    if (key.length === length && text.slice(open + 1, end) === key) return k;
  }
  return -1;
}

/**
 * `text` with the digits of each {@link ID_KEYS} value cut out, and in {@link idMask} which ones
 * were. A value is cut only where nothing can make its reading differ from `JSON.parse`'s: the text
 * has no backslash (so every quote is a string's edge and no key is spelt with an escape), the key
 * stands once in it as a string (no duplicate, no equal string value), directly followed by a colon
 * and a plain integer literal (`0`, or 1–15 digits without a leading zero) that a comma or a brace
 * ends. Whether that literal is the value of the object's own key (not of a nested one) is checked
 * once, when the entry is built: see {@link sharedPosix}. Every key of the four ends in one of
 * {@link ID_NEEDLES}, which are searched for rather than the keys: two searches, not eight.
 */
function maskIds(text: string): string {
  idMask = 0;
  if (text.indexOf('\\') !== -1) return text;
  let seen = 0;
  let bad = 0;
  for (const needle of ID_NEEDLES) {
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
      const end = at + needle.length - 1;
      const open = text.lastIndexOf('"', at - 1);
      if (open === -1) continue;
      const k = idKeyAt(text, open, end);
      if (k === -1) continue;
      const bit = 1 << k;
      if (seen & bit) bad |= bit;
      seen |= bit;
      let i = end + 1;
      if (text.charCodeAt(i) !== 0x3a /* : */) {
        bad |= bit;
        continue;
      }
      const start = ++i;
      let value = 0;
      for (let c = text.charCodeAt(i); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++i))
        value = value * 10 + (c - 0x30);
      const digits = i - start;
      const next = text.charCodeAt(i);
      if (
        digits === 0 ||
        digits > MAX_ID_DIGITS ||
        (digits > 1 && text.charCodeAt(start) === 0x30) ||
        (next !== 0x2c /* , */ && next !== 0x7d) /* } */
      ) {
        bad |= bit;
        continue;
      }
      ID_VALUES[k] = value;
      ID_STARTS[k] = start;
      ID_ENDS[k] = i;
    }
  }
  idMask = seen & ~bad;
  if (idMask === 0) return text;
  let out = '';
  let from = 0;
  // The cut spans in the order they stand in the text (at most four: a few comparisons).
  for (;;) {
    let first = -1;
    for (let k = 0; k < ID_KEYS.length; k++) {
      if ((idMask & (1 << k)) === 0 || (ID_STARTS[k] as number) < from) continue;
      if (first === -1 || (ID_STARTS[k] as number) < (ID_STARTS[first] as number)) first = k;
    }
    if (first === -1) break;
    out += text.slice(from, ID_STARTS[first]);
    from = ID_ENDS[first] as number;
  }
  return out + text.slice(from);
}

/** The id of `view` that bit `k` of a mask stands for. */
function idOf(view: PosixInfo, k: number): number | undefined {
  const side = k < 2 ? view.initiatingProcess : view.process;
  return k % 2 === 0 ? side.processGroupId : side.sessionId;
}

/** `view` with the row's own ids ({@link ID_VALUES}, bits of `mask`): shared parts stay shared. */
function withIds(view: PosixInfo, mask: number): PosixInfo {
  let same = true;
  for (let k = 0; k < ID_KEYS.length; k++) if (mask & (1 << k) && idOf(view, k) !== ID_VALUES[k]) same = false;
  if (same) return view;
  // `first`: the index in ID_KEYS of the side's process-group id; its session id follows.
  const side = (from: PosixProcess, first: number): PosixProcess => {
    const bits = (mask >> first) & 3;
    if (bits === 0) return from;
    // Spread keeps the key order of the view; the ids are keys it has (checked when it was kept).
    const out: { -readonly [K in keyof PosixProcess]: PosixProcess[K] } = { ...from };
    if (bits & 1) out.processGroupId = ID_VALUES[first] as number;
    if (bits & 2) out.sessionId = ID_VALUES[first + 1] as number;
    return Object.freeze(out);
  };
  return Object.freeze({
    initiatingProcess: side(view.initiatingProcess, 0),
    process: side(view.process, 2),
    logon: view.logon,
  });
}

/**
 * The view of a row whose POSIX context is its `AdditionalFields` text alone: shared with an earlier
 * row of the same text (or of the same text but for its process-group and session ids, which come
 * from the row's own text), else built by `build(from)` and kept in place of the older text of its set.
 * `build` and `from` apart, not one closure: a row whose view is shared allocates no function.
 */
export function sharedPosix<T>(text: string, build: (from: T) => PosixInfo, from: T): PosixInfo {
  if (text.length > POSIX_MEMO_TEXT) return build(from);
  const key = maskIds(text);
  const mask = idMask;
  const set = sampleHash(key);
  const a = set * 2;
  if (TEXTS[a] === key && MASKS[a] === mask) {
    RECENT[set] = 0;
    return mask === 0 ? VIEWS[a]! : withIds(VIEWS[a]!, mask);
  }
  if (TEXTS[a + 1] === key && MASKS[a + 1] === mask) {
    RECENT[set] = 1;
    return mask === 0 ? VIEWS[a + 1]! : withIds(VIEWS[a + 1]!, mask);
  }
  const view = build(from);
  // Kept by its cut text only if the view's ids are the ones cut out: each literal was the value of
  // the object's own key, so another row of the same cut text differs from this one in the ids alone.
  let kept = mask;
  for (let k = 0; k < ID_KEYS.length; k++) if (mask & (1 << k) && idOf(view, k) !== ID_VALUES[k]) kept = 0;
  const way = RECENT[set] === 0 ? 1 : 0;
  // A copy as the key: the text may be a view of a larger input string (a CSV chunk).
  TEXTS[a + way] = ` ${kept === mask ? key : text}`.slice(1);
  MASKS[a + way] = kept;
  VIEWS[a + way] = view;
  RECENT[set] = way;
  return view;
}
/** How many texts the memo holds (tests). @internal */
export function posixMemoSize(): number {
  return TEXTS.filter((t) => t !== undefined).length;
}
