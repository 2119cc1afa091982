/**
 * Realistic Defender rows for the hardening suite: the `fires.*` fixtures of the Defender pack (rows
 * that make alerts), and a way to plant attacker text in every attacker-controlled column of them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const CORPUS_DIR = join(REPO_ROOT, 'test/corpus');
/** The OASIS SARIF 2.1.0 schema vendored with the SARIF reporter's tests (origin and licence: NOTICE.md there). */
export const SARIF_SCHEMA_PATH = join(REPO_ROOT, 'packages/reporter-sarif/test/vendor/sarif-schema-2.1.0.json');

/** A streaming-API record as the fixtures hold it. */
export interface RawRecord {
  readonly category: string;
  readonly properties: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** One fixture: its name and records. */
export interface FixtureSet {
  readonly name: string;
  readonly records: readonly RawRecord[];
}

let cache: FixtureSet[] | undefined;

/** Every `fires.*.json` fixture of every Defender detector, in a fixed order. */
export function firingFixtures(): readonly FixtureSet[] {
  if (cache) return cache;
  const root = join(REPO_ROOT, 'packages/detectors-defender/src/detectors');
  const out: FixtureSet[] = [];
  for (const detector of readdirSync(root).sort()) {
    let files: string[];
    try {
      files = readdirSync(join(root, detector, 'fixtures'));
    } catch {
      continue;
    }
    for (const file of files.filter((f) => f.startsWith('fires.') && f.endsWith('.json')).sort()) {
      const doc = JSON.parse(readFileSync(join(root, detector, 'fixtures', file), 'utf8')) as { records: RawRecord[] };
      out.push({ name: `${detector}/${file}`, records: doc.records });
    }
  }
  cache = out;
  return out;
}

/** Columns whose text an attacker writes (the threat model in docs/security.md). */
export const ATTACKER_COLUMNS = [
  'ProcessCommandLine',
  'InitiatingProcessCommandLine',
  'FileName',
  'FolderPath',
  'InitiatingProcessFileName',
  'InitiatingProcessFolderPath',
  'AccountName',
  'InitiatingProcessAccountName',
  'DeviceName',
  'NetworkAdapterName',
  'RemoteUrl',
  'RemoteIP',
] as const;

/** How a payload goes into a value: replace it, or append it (keeps the prefix that makes a detector fire). */
export type Placement = 'append' | 'replace';

function place(original: unknown, payload: string, how: Placement): string {
  if (how === 'replace' || typeof original !== 'string') return payload;
  return `${original} ${payload}`;
}

/** Parse a JSON column that may be text (possibly double-encoded) or an object; undefined when not JSON. */
function parseLoose(value: unknown): { value: unknown; depth: number } | undefined {
  let current = value;
  let depth = 0;
  while (typeof current === 'string' && depth < 3) {
    try {
      current = JSON.parse(current);
      depth++;
    } catch {
      return undefined;
    }
  }
  return current !== null && typeof current === 'object' ? { value: current, depth } : undefined;
}

function encodeLike(value: unknown, depth: number): unknown {
  let out: unknown = value;
  for (let i = 0; i < depth; i++) out = JSON.stringify(out);
  return out;
}

/**
 * A copy of `record` with payloads planted: each attacker column present (DeviceName always), the
 * `ScriptContent` inside `AdditionalFields`, and every `UserName` of `LoggedOnUsers`. `pick(i)` chooses
 * the payload for the i-th planting, `how(i)` whether it replaces or extends the original value.
 */
export function plant(record: RawRecord, pick: (i: number) => string, how: (i: number) => Placement): RawRecord {
  const props: Record<string, unknown> = { ...record.properties };
  let i = 0;
  for (const column of ATTACKER_COLUMNS) {
    if (column in props || column === 'DeviceName') {
      props[column] = place(props[column], pick(i), how(i));
      i++;
    }
  }
  const af = parseLoose(props.AdditionalFields);
  if (af && !Array.isArray(af.value)) {
    const fields = { ...(af.value as Record<string, unknown>) };
    if ('ScriptContent' in fields || props.ActionType === 'ScriptContent') {
      fields.ScriptContent = `${typeof fields.ScriptContent === 'string' ? fields.ScriptContent : ''}\n${pick(i++)}`;
    }
    props.AdditionalFields = encodeLike(fields, af.depth);
  }
  const users = parseLoose(props.LoggedOnUsers);
  if (users && Array.isArray(users.value)) {
    const list = (users.value as unknown[]).map((u) =>
      u !== null && typeof u === 'object' ? { ...(u as Record<string, unknown>), UserName: pick(i++) } : u,
    );
    if (list.length === 0) list.push({ UserName: pick(i++), DomainName: 'x', Sid: 'S-1-5-21-1' });
    props.LoggedOnUsers = encodeLike(list, users.depth);
  }
  return { ...record, properties: props };
}

/** NDJSON text of records, one per line. */
export function toNdjson(records: readonly unknown[], newline = '\n'): string {
  return records.map((r) => JSON.stringify(r)).join(newline) + newline;
}
