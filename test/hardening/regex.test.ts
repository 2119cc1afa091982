/**
 * Regular expressions applied to event text must run in linear time. Two checks:
 * 1. structural: every regex in the source of the detectors, reporters, CLI and ingestion is scanned
 *    for the shapes that backtrack catastrophically (a quantified group holding an unbounded
 *    quantifier, `(x+)+`, `(x*)*`, `(a|a)*`);
 * 2. dynamic: every Defender detector, then the reporters, are fed 128 KiB pathological strings in every
 *    text column and each run must finish within a generous bound.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyze, fromString } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { renderMarkdown } from '@tripline/reporter-markdown';
import { toSarif } from '@tripline/reporter-sarif';
import { describe, expect, it } from 'vitest';
import { firingFixtures, REPO_ROOT, toNdjson } from './support/rows.js';

/** Source trees whose regexes may see event text. */
const ROOTS = [
  'packages/detectors-defender/src',
  'packages/reporter-markdown/src',
  'packages/reporter-sarif/src',
  'packages/cli/src',
  'packages/core/src/internal/ingest',
  'packages/core/src/internal/model',
  'packages/core/src/internal/json',
  'packages/core/src/internal/engine',
];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Regex sources found in a file: `/…/flags` literals and `String.raw` templates (the pattern builders' input). */
export function regexesIn(code: string): string[] {
  const found: string[] = [];
  // A literal starts where an expression may start: after one of these tokens.
  const literal =
    /(?:^|[=(,:;!&|?{}[\]]|\breturn|\btypeof)\s*\/((?![*/])(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+)\/([dgimsuvy]*)/gm;
  for (const m of code.matchAll(literal)) found.push(m[1]!);
  for (const m of code.matchAll(/String\.raw`((?:\\.|[^`\\])*)`/g)) found.push(m[1]!.replace(/\$\{[^}]*\}/g, 'x'));
  return found;
}

/**
 * Problems of one regex source: a group that contains an unbounded quantifier (`*`, `+`, `{n,}`) and
 * is itself repeated without bound, or an alternation with two identical branches that is repeated.
 * Bounded repeats (`{0,200}`) cost at most a constant factor and are allowed.
 */
export function nestedQuantifiers(source: string): string[] {
  const problems: string[] = [];
  interface Frame {
    start: number;
    unbounded: boolean;
    branches: string[];
    branchStart: number;
  }
  const stack: Frame[] = [{ start: 0, unbounded: false, branches: [], branchStart: 0 }];
  const quantAt = (i: number): 'unbounded' | 'bounded' | undefined => {
    const c = source[i];
    if (c === '*' || c === '+') return 'unbounded';
    if (c === '?') return 'bounded';
    if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(source.slice(i));
      if (!m) return undefined;
      return m[2] === ',' && m[3] === '' ? 'unbounded' : 'bounded';
    }
    return undefined;
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      i++;
      if (quantAt(i + 1) === 'unbounded') top.unbounded = true;
      continue;
    }
    if (c === '[') {
      // Skip a character class.
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      i = j;
      if (quantAt(i + 1) === 'unbounded') top.unbounded = true;
      continue;
    }
    if (c === '(') {
      let body = i + 1;
      if (source[body] === '?')
        body +=
          source[body + 1] === '<' && source[body + 2] !== '=' && source[body + 2] !== '!'
            ? source.indexOf('>', body) - i + 1
            : 2;
      stack.push({ start: i, unbounded: false, branches: [], branchStart: body });
      continue;
    }
    if (c === '|') {
      top.branches.push(source.slice(top.branchStart, i));
      top.branchStart = i + 1;
      continue;
    }
    if (c === ')') {
      const frame = stack.pop()!;
      frame.branches.push(source.slice(frame.branchStart, i));
      const parent = stack[stack.length - 1]!;
      const q = quantAt(i + 1);
      const group = source.slice(frame.start, i + 1);
      if (q === 'unbounded' && frame.unbounded) problems.push(`nested unbounded quantifier: ${group}${source[i + 1]}`);
      if (q === 'unbounded' && new Set(frame.branches).size < frame.branches.length)
        problems.push(`repeated alternation with identical branches: ${group}`);
      if (frame.unbounded || q === 'unbounded') parent.unbounded = true;
      continue;
    }
    if (quantAt(i) === 'unbounded' && i > 0) top.unbounded = true;
  }
  return problems;
}

/**
 * Flagged by the structural check but linear, reviewed by hand, and timed below on input built
 * against them. `(?: X+)*` where every repetition must start with a space that X cannot match is
 * unambiguous: each character belongs to exactly one iteration, so there is nothing to backtrack into.
 */
const REVIEWED = new Map<string, RegExp>([
  // packages/detectors-defender/src/detectors/anomalous-logged-on-user/detector.ts PLAUSIBLE_RE
  [
    "^[\\p{L}\\p{M}\\p{N}._@$'\\\\-]+(?: [\\p{L}\\p{M}\\p{N}._@$'\\\\-]+)*$",
    /^[\p{L}\p{M}\p{N}._@$'\\-]+(?: [\p{L}\p{M}\p{N}._@$'\\-]+)*$/u,
  ],
]);

describe('structural check of the source regexes', () => {
  it('the reviewed exceptions are linear on input built against them', () => {
    for (const re of REVIEWED.values()) {
      for (const text of [
        `${'a'.repeat(100_000)}!`,
        `${'a '.repeat(50_000)}!`,
        `${'a  '.repeat(40_000)}`,
        `${'ab'.repeat(50_000)}\u0000`,
      ]) {
        const started = performance.now();
        re.test(text);
        // Linear is milliseconds; quadratic on 100k characters is many seconds. Room for a loaded CI machine.
        expect(performance.now() - started).toBeLessThan(5_000);
      }
    }
  });

  it('the checker catches the classic catastrophic shapes and passes linear ones', () => {
    for (const bad of [
      '(a+)+',
      '(x*)*',
      '(a|a)*',
      '(?:\\w+\\s?)+$',
      '((ab)*c)*',
      '(.*){2,}',
      '([a-z]+)*$',
      '(?<n>\\d+)+',
    ])
      expect(nestedQuantifiers(bad), bad).not.toEqual([]);
    for (const ok of [
      'a+b+',
      '(ab)+',
      '(?:a|b)*',
      '[^\\n]{0,200}\\|',
      '(\\d{1,3})\\.(\\d{1,3})',
      '(?:\\s{1,8}x)+',
      '\\((a+)\\)+',
      '[(a+)]+',
    ])
      expect(nestedQuantifiers(ok), ok).toEqual([]);
    expect(regexesIn('const A = /(a+)+$/u; f(/[/]x/g); const r = String.raw`\\b(?:nc)\\b${X}`;')).toEqual([
      '(a+)+$',
      '[/]x',
      '\\b(?:nc)\\bx',
    ]);
  });

  it('no regex applied to event text has a nested unbounded quantifier', () => {
    let count = 0;
    const problems: string[] = [];
    for (const root of ROOTS) {
      for (const file of sources(join(REPO_ROOT, root))) {
        for (const re of regexesIn(readFileSync(file, 'utf8'))) {
          count++;
          if (REVIEWED.has(re)) continue;
          for (const p of nestedQuantifiers(re)) problems.push(`${relative(REPO_ROOT, file)}: ${p}`);
        }
      }
    }
    console.info(`[hardening] regex: ${count} regex sources scanned`);
    expect(count).toBeGreaterThan(100);
    expect(problems).toEqual([]);
  });
});

/** 64 KiB strings built to make a backtracking engine work hard against the detectors' patterns. */
const SIZE = 64 * 1024;
const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
const PATHOLOGICAL: Record<string, string> = {
  spaces: fill(' '),
  slashes: fill('/'),
  backslashes: fill('\\'),
  quotes: fill('"\''),
  as: fill('a'),
  newlines: fill('\n'),
  'nc prefix': fill('nc -'),
  'curl prefix': fill('curl x '),
  'base64 prefix': fill('base64 -d '),
  'socat prefix': fill('socat '),
  'exec prefix': fill('exec /'),
  'sh -i': fill('sh -i'),
  'tmp paths': fill('/tmp/'),
  'cron paths': fill('/etc/cron.d/'),
  'systemd paths': fill('/etc/systemd/system/x'),
  authorized_keys: fill('~/.ssh/authorized_key'),
  'mkfifo nc': fill('mkfifo '),
  'comment header': fill('# @(#) sa1: '),
  pipes: fill('| '),
  'word boundaries': fill('a b'),
  'lucene names': fill('_0_Lucene90_'),
  hexdigits: fill('0123456789abcdef:'),
  dots: fill('1.'),
  unicode: fill('é\u202e😀'),
};

/** The text columns the detectors read (attacker-controlled ones and the process lineage). */
const FLOODED = [
  'DeviceName',
  'ProcessCommandLine',
  'InitiatingProcessCommandLine',
  'FileName',
  'FolderPath',
  'InitiatingProcessFileName',
  'InitiatingProcessFolderPath',
  'InitiatingProcessParentFileName',
  'AccountName',
  'InitiatingProcessAccountName',
  'NetworkAdapterName',
  'MacAddress',
  'IPAddresses',
  'RemoteIP',
  'RemoteUrl',
  'OSDistribution',
  'PublicIP',
  'MachineGroup',
  'DeviceType',
  'Signer',
  'SignatureStatus',
  'InitiatingProcessSignatureStatus',
  'LogonType',
  'Protocol',
];

/** Text columns of every table the detectors read, set to `text` (ScriptContent and LoggedOnUsers too). */
function flood(props: Record<string, unknown>, text: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...props };
  for (const k of FLOODED) if (k in props) out[k] = text;
  out.AdditionalFields = JSON.stringify({ ScriptContent: text, InitiatingProcessCurrentWorkingDirectory: text });
  out.LoggedOnUsers = JSON.stringify([{ UserName: text, DomainName: text }]);
  return out;
}

describe('linear time on pathological text', () => {
  // One record of each fixture (all detectors, all tables), text columns flooded.
  const records = firingFixtures().map((f) => f.records[f.records.length - 1]!);
  let reported = 0;
  const BOUND_MS = 10_000;

  it.each(Object.keys(PATHOLOGICAL))(
    '%s: every Defender detector over every table, within the bound',
    async (name) => {
      const text = PATHOLOGICAL[name]!;
      const rows = records.map((r) => ({ ...r, properties: flood(r.properties, text) }));
      const started = performance.now();
      const result = await analyze(fromString(toNdjson(rows), `${name}.ndjson`), { detectors: defenderDetectors });
      const ms = performance.now() - started;
      expect(result.summary.eventsRead).toBe(rows.length);
      // A linear scan of ~50 rows × 128 KiB × a few dozen patterns is well under a second; backtracking is minutes.
      expect(ms, `${rows.length} rows took ${ms.toFixed(0)} ms`).toBeLessThan(BOUND_MS);
      // The reporters' escaping regexes see the same text (three patterns suffice: they are character scans).
      if (reported++ < 3) {
        const reportStarted = performance.now();
        renderMarkdown(result);
        toSarif(result);
        expect(performance.now() - reportStarted).toBeLessThan(BOUND_MS);
      }
    },
    60_000,
  );
});
