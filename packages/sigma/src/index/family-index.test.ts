/**
 * The family's candidate index against the full scan, with rules the real compiler builds: for random
 * Sigma rules (every string modifier, `re` with and without `i`, `windash`, `cased`, `all`, wildcards,
 * negations and `of` conditions) and random Defender rows, the members the family emits for are
 * exactly the members whose own `match` matches, with the same matches.
 */
import type { Match } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildFamily } from '../family.js';
import type { CompiledRule } from '../ir.js';
import { compileSigma } from '../load.js';

/** `rules`, each counting its evaluations in `seen.calls`. */
function countingRules(rules: readonly CompiledRule[]): { rules: CompiledRule[]; seen: { calls: number } } {
  const seen = { calls: 0 };
  const counted = rules.map(
    (r): CompiledRule => ({
      ...r,
      test: (c) => {
        seen.calls++;
        return r.test(c);
      },
    }),
  );
  return { rules: counted, seen };
}

import { testMapping } from '../testing/test-mapping.js';

// Folding matters for these: case, every windash dash, long s, final sigma, Kelvin sign, ϐ/β.
const CHARS = [
  'a',
  'B',
  's',
  'S',
  '\u017f',
  '-',
  '/',
  '\u2013',
  '\\',
  '.',
  ' ',
  'σ',
  'Σ',
  'ς',
  'k',
  '\u212a',
  'é',
  'É',
  'β',
  'ϐ',
];
const unit = fc.constantFrom(...CHARS);
const word = fc.string({ unit, minLength: 1, maxLength: 4 });
const FIELDS = ['ProcessCommandLine', 'FileName', 'FolderPath'] as const;

/** A Sigma string value: a word, perhaps with `*`/`?` wildcards (escaping a literal backslash before one). */
const sigmaValue = fc
  .tuple(word, fc.constantFrom('', '*', '?'), fc.option(word, { nil: undefined }))
  .map(([a, wild, b]) => {
    const esc = (s: string) => s.replace(/\\(?=[*?\\]|$)/g, '\\\\');
    return b === undefined ? esc(a) : `${esc(a)}${wild}${esc(b)}`;
  });
/** A regex: literal pieces (escaped for RE2) joined by `.*`, or an alternation. */
const regexValue = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 2 }), fc.boolean())
  .map(([parts, alt]) => parts.map((p) => p.replace(/[\\.^$|()[\]{}*+?]/g, '\\$&')).join(alt ? '|' : '.*'));

const item = fc.oneof(
  fc.record({
    field: fc.constantFrom(...FIELDS),
    mods: fc.subarray(['contains', 'startswith', 'endswith', 'windash', 'cased', 'all'] as const, { maxLength: 3 }),
    values: fc.array(sigmaValue, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    field: fc.constantFrom(...FIELDS),
    mods: fc.constantFrom(['re'], ['re', 'i']),
    values: fc.array(regexValue, { minLength: 1, maxLength: 2 }),
  }),
);

/** Anchors exclude one another: keep at most one of contains/startswith/endswith. */
function modifiers(mods: readonly string[]): string[] {
  const anchor = mods.find((m) => m === 'contains' || m === 'startswith' || m === 'endswith');
  return mods.filter((m) => !['contains', 'startswith', 'endswith'].includes(m) || m === anchor);
}

const selection = fc.array(item, { minLength: 1, maxLength: 2 });
const CONDITIONS = [
  'sel1',
  'sel1 and sel2',
  'sel1 or sel2',
  'sel1 and not sel2',
  'not sel1',
  '1 of sel*',
  'all of sel*',
  '(sel1 or sel2) and not sel3',
  'sel1 and (sel2 or not sel3)',
];
const rule = fc.record({ sels: fc.tuple(selection, selection, selection), condition: fc.constantFrom(...CONDITIONS) });

function yamlOf(r: { sels: unknown; condition: string }, n: number): string {
  const { sels, condition } = r as { sels: { field: string; mods: string[]; values: string[] }[][]; condition: string };
  const lines = [
    `title: Random rule ${n}`,
    `id: 00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    'status: test',
    'logsource:',
    '    category: process_creation',
    '    product: windows',
    'detection:',
  ];
  sels.forEach((items, i) => {
    lines.push(`    sel${i + 1}:`);
    const seen = new Set<string>();
    for (const it of items) {
      const key = [it.field, ...modifiers(it.mods)].join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`        ${JSON.stringify(key)}:`);
      for (const v of it.values) lines.push(`            - ${JSON.stringify(v)}`);
    }
  });
  lines.push(`    condition: ${condition}`, 'level: medium');
  return `${lines.join('\n')}\n`;
}

const value = fc.string({ unit, maxLength: 20 });
const event = fc
  .record({
    cmd: fc.option(value, { nil: undefined }),
    file: value,
    folder: value,
    action: fc.constantFrom('ProcessCreated', 'OpenProcess'),
  })
  .map((r) =>
    makeEvent('DeviceProcessEvents', {
      Timestamp: '2026-05-01T10:00:00Z',
      DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
      DeviceName: 'ws-fin-07.contoso.local',
      ActionType: r.action,
      ReportId: 7,
      FileName: r.file,
      FolderPath: r.folder,
      ...(r.cmd !== undefined ? { ProcessCommandLine: r.cmd } : {}),
    }),
  );

describe('the Sigma family through its candidate index', () => {
  it('emits exactly what every member matches on its own (random rules and rows)', () => {
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 8 }),
        fc.array(event, { minLength: 1, maxLength: 8 }),
        (rules, events) => {
          const set = compileSigma(
            rules.map((r, i) => ({ text: yamlOf(r, i), name: `r${i}.yml` })),
            { mapping: testMapping() },
          );
          const { family } = set;
          for (const ev of events) {
            const full: [number, unknown][] = [];
            if (
              family.tables.includes(ev.table) &&
              (!family.actionTypes || family.actionTypes.includes(ev.actionType ?? ''))
            )
              family.members.forEach((m, i) => {
                const got = m.match!(ev, { options: {}, severity: m.meta.severity });
                if (got) full.push([i, got]);
              });
            const indexed: [number, Match][] = [];
            family.matchAll(ev, (i, m) => indexed.push([i, m]));
            expect(indexed).toEqual(full);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the same matches with its memos as without them (rows repeat; memos small enough to be emptied)', () => {
    const tiny = { entries: 3, chars: 48, maxLength: 24 };
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 8 }),
        fc.array(event, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(3), { minLength: 1, maxLength: 24 }),
        (rules, pool, order) => {
          const set = compileSigma(
            rules.map((r, i) => ({ text: yamlOf(r, i), name: `r${i}.yml` })),
            { mapping: testMapping() },
          );
          const options = { mapping: testMapping() };
          const memo = buildFamily(set.rules, set.family.members, options, { indexMemo: tiny, missMemo: tiny });
          const plain = buildFamily(set.rules, set.family.members, options, { indexMemo: false, missMemo: false });
          const spent = buildFamily(set.rules, set.family.members, options, {
            indexMemo: tiny,
            missMemo: tiny,
            valueIds: 12,
          });
          for (const n of order) {
            const ev = pool[n % pool.length]!;
            const a: [number, Match][] = [];
            const b: [number, Match][] = [];
            memo.matchAll(ev, (i, m) => a.push([i, m]));
            plain.matchAll(ev, (i, m) => b.push([i, m]));
            expect(a).toEqual(b);
            // The default memos as well (the family compileSigma builds).
            const c: [number, Match][] = [];
            set.family.matchAll(ev, (i, m) => c.push([i, m]));
            expect(c).toEqual(b);
            // And ids spent every few values, those of the index's view memos included.
            const d: [number, Match][] = [];
            spent.matchAll(ev, (i, m) => d.push([i, m]));
            expect(d).toEqual(b);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('evaluates a rule once per distinct set of the values it reads, whether it matches or not', () => {
    const text = [
      'title: Image without an extension',
      'id: 00000000-0000-4000-8000-000000000001',
      'status: test',
      'logsource:',
      '    category: process_creation',
      '    product: windows',
      'detection:',
      '    filter:',
      '        FolderPath|endswith: .exe',
      '    condition: not filter',
      'level: medium',
      '',
    ].join('\n');
    const set = compileSigma([{ text, name: 'r.yml' }], { mapping: testMapping() });
    const { rules: counted, seen } = countingRules(set.rules);
    const family = buildFamily(counted, set.family.members, { mapping: testMapping() });
    const row = (folder: string, report: number) =>
      makeEvent('DeviceProcessEvents', {
        Timestamp: '2026-05-01T10:00:00Z',
        DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
        DeviceName: 'ws-fin-07.contoso.local',
        ActionType: 'ProcessCreated',
        ReportId: report,
        FileName: folder.split('\\').pop()!,
        FolderPath: folder,
        ProcessCommandLine: `"${folder}" /run`,
      });
    const emitted: [number, Match][] = [];
    const run = (folder: string, report: number) =>
      family.matchAll(row(folder, report), (i, m) => emitted.push([i, m]));
    run('C:\\Windows\\System32\\svchost.exe', 1);
    run('C:\\Windows\\System32\\svchost.exe', 2);
    run('C:\\Windows\\System32\\svchost.exe', 3);
    expect(seen.calls).toBe(1);
    run('C:\\Windows\\System32\\lsass.exe', 4);
    expect(seen.calls).toBe(2);
    // A match is remembered with its "why it matched" lines: the second row is answered from the memo,
    // with the same match.
    run('C:\\Users\\Public\\payload.dat', 5);
    run('C:\\Users\\Public\\payload.dat', 6);
    expect(seen.calls).toBe(3);
    expect(emitted).toHaveLength(2);
    expect(emitted[1]).toEqual(emitted[0]);
  });

  it('emits a remembered match with the group key of the row it is emitted for', () => {
    const text = [
      'title: Data file run',
      'id: 00000000-0000-4000-8000-000000000003',
      'status: test',
      'logsource:',
      '    category: process_creation',
      '    product: windows',
      'detection:',
      '    selection:',
      '        FolderPath|endswith: .dat',
      '    condition: selection',
      'level: medium',
      '',
    ].join('\n');
    const set = compileSigma([{ text, name: 'r.yml' }], { mapping: testMapping() });
    const { rules: counted, seen } = countingRules(set.rules);
    const options = { mapping: testMapping(), groupBy: ['ProcessCommandLine'] };
    const family = buildFamily(counted, set.family.members, options);
    const plain = buildFamily(set.rules, set.family.members, options, { indexMemo: false, missMemo: false });
    const row = (command: string, report: number) =>
      makeEvent('DeviceProcessEvents', {
        Timestamp: '2026-05-01T10:00:00Z',
        DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
        DeviceName: 'ws-fin-07.contoso.local',
        ActionType: 'ProcessCreated',
        ReportId: report,
        FileName: 'payload.dat',
        FolderPath: 'C:\\Users\\Public\\payload.dat',
        ProcessCommandLine: command,
      });
    const got: Match[] = [];
    const want: Match[] = [];
    ['payload.dat /a', 'payload.dat /b', 'payload.dat /a'].forEach((command, n) => {
      family.matchAll(row(command, n), (_i, m) => got.push(m));
      plain.matchAll(row(command, n), (_i, m) => want.push(m));
    });
    expect(seen.calls).toBe(1);
    expect(got.map((m) => m.key)).toEqual(['payload.dat /a', 'payload.dat /b', 'payload.dat /a']);
    expect(got).toEqual(want);
  });
});

describe('the memo of misses', () => {
  const text = [
    'title: Image without an extension',
    'id: 00000000-0000-4000-8000-000000000002',
    'status: test',
    'logsource:',
    '    category: process_creation',
    '    product: windows',
    'detection:',
    '    filter:',
    '        FolderPath|endswith: .exe',
    '    condition: not filter',
    'level: medium',
    '',
  ].join('\n');
  const row = (folder: string, report: number) =>
    makeEvent('DeviceProcessEvents', {
      Timestamp: '2026-05-01T10:00:00Z',
      DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
      DeviceName: 'ws-fin-07.contoso.local',
      ActionType: 'ProcessCreated',
      ReportId: report,
      FileName: folder.split('\\').pop()!,
      FolderPath: folder,
      ProcessCommandLine: `"${folder}" /run`,
    });

  it('never takes a new value for one it forgot (value ids are not reused when its maps are emptied)', () => {
    const set = compileSigma([{ text, name: 'r.yml' }], { mapping: testMapping() });
    // Two values per map: the third value empties the map of value ids.
    const family = buildFamily(
      set.rules,
      set.family.members,
      { mapping: testMapping() },
      { indexMemo: false, missMemo: { entries: 2, chars: 1000, maxLength: 100 } },
    );
    const emitted: number[] = [];
    const run = (folder: string, report: number) => family.matchAll(row(folder, report), () => emitted.push(report));
    run('C:\\Windows\\System32\\svchost.exe', 1);
    run('C:\\Windows\\System32\\lsass.exe', 2);
    run('C:\\Users\\Public\\payload.dat', 3);
    run('C:\\Windows\\System32\\svchost.exe', 4);
    run('C:\\Users\\Public\\payload.dat', 5);
    expect(emitted).toEqual([3, 5]);
  });

  it('evaluates a value longer than it keeps every time, with the same answer', () => {
    const set = compileSigma([{ text, name: 'r.yml' }], { mapping: testMapping() });
    const family = buildFamily(
      set.rules,
      set.family.members,
      { mapping: testMapping() },
      { indexMemo: false, missMemo: { entries: 8, chars: 1000, maxLength: 40 } },
    );
    const long = `C:\\${'Program Files\\'.repeat(4)}tool.exe`;
    const emitted: number[] = [];
    for (let i = 0; i < 3; i++) family.matchAll(row(long, i), () => emitted.push(i));
    family.matchAll(row(`C:\\${'Program Files\\'.repeat(4)}tool.dat`, 9), () => emitted.push(9));
    expect(emitted).toEqual([9]);
  });

  it('forgets the ids of the row it starts again in (an id looked up before the restart is given again)', () => {
    // Three rules, each reading one view and evaluated on every row (only a `not` filter): the first
    // and the last read FolderPath, the second the command line. Ids 4 to 7 per run of the counter.
    const ruleText = (n: number, field: string, ending: string) =>
      [
        `title: Not ${ending} ${n}`,
        `id: 00000000-0000-4000-8000-00000000001${n}`,
        'status: test',
        'logsource:',
        '    category: process_creation',
        '    product: windows',
        'detection:',
        '    filter:',
        `        ${field}|endswith: ${ending}`,
        '    condition: not filter',
        'level: medium',
        '',
      ].join('\n');
    const set = compileSigma(
      [
        { text: ruleText(0, 'FolderPath', '.zzz'), name: 'a.yml' },
        { text: ruleText(1, 'ProcessCommandLine', '.zzz'), name: 'b.yml' },
        { text: ruleText(2, 'FolderPath', '.exe'), name: 'c.yml' },
      ],
      { mapping: testMapping() },
    );
    expect(set.rules).toHaveLength(3);
    const tuning = { indexMemo: false as const, missMemo: { entries: 64, chars: 4096, maxLength: 100 }, valueIds: 8 };
    const family = buildFamily(set.rules, set.family.members, { mapping: testMapping() }, tuning);
    const plain = buildFamily(set.rules, set.family.members, { mapping: testMapping() }, { missMemo: false });
    const at = (folder: string, command: string, report: number) =>
      makeEvent('DeviceProcessEvents', {
        Timestamp: '2026-05-01T10:00:00Z',
        DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
        DeviceName: 'ws-fin-07.contoso.local',
        ActionType: 'ProcessCreated',
        ReportId: report,
        FileName: folder.split('\\').pop()!,
        FolderPath: folder,
        ProcessCommandLine: command,
      });
    // Row 2 spends the ids (6 and 7) and the third rule starts them again: the folder's id 6 of the
    // old run must not key its outcome. Row 4's folder gets id 6 of the new run.
    const rows = [
      at('C:\\T\\a.exe', 'one', 1),
      at('C:\\T\\x.dat', 'two', 2),
      at('C:\\T\\b.exe', 'three', 3),
      at('C:\\T\\y.exe', 'three', 4),
      at('C:\\T\\x.dat', 'two', 5),
      at('C:\\T\\y.exe', 'one', 6),
    ];
    rows.forEach((row) => {
      const got: [number, Match][] = [];
      const want: [number, Match][] = [];
      family.matchAll(row, (i, m) => got.push([i, m]));
      plain.matchAll(row, (i, m) => want.push([i, m]));
      expect(got).toEqual(want);
    });
  });

  it('starts again, emptied, when its ids are spent (no id stands for two values)', () => {
    const set = compileSigma([{ text, name: 'r.yml' }], { mapping: testMapping() });
    const family = buildFamily(
      set.rules,
      set.family.members,
      { mapping: testMapping() },
      { indexMemo: false, missMemo: { entries: 64, chars: 4096, maxLength: 100 }, valueIds: 6 },
    );
    const { rules: countedRules, seen } = countingRules(set.rules);
    const counted = buildFamily(
      countedRules,
      set.family.members,
      { mapping: testMapping() },
      { indexMemo: false, missMemo: { entries: 64, chars: 4096, maxLength: 100 }, valueIds: 6 },
    );
    const emitted: number[] = [];
    const folders = ['a.exe', 'b.exe', 'c.exe', 'd.dat', 'a.exe', 'e.exe', 'd.dat', 'a.exe'];
    folders.forEach((f, n) => {
      family.matchAll(row(`C:\\Tools\\${f}`, n), () => emitted.push(n));
      counted.matchAll(row(`C:\\Tools\\${f}`, n), () => {});
    });
    expect(emitted).toEqual([3, 6]);
    // Two ids (4 and 5) per run of the counter: a, b; restart: c, d (a match); restart: a again
    // (forgotten), e; restart: d, then a (its id 5 of this run is new). Without the restarts the
    // second a, the second d and the last a would be answered from the memo: 5 evaluations.
    expect(seen.calls).toBe(8);
  });

  it("takes the ids of the values the candidate index's memos hold, and forgets them when its ids start again", () => {
    const dat = text.replace('FolderPath|endswith: .exe', 'FolderPath|endswith: .dat').replace('not filter', 'filter');
    const set = compileSigma([{ text: dat, name: 'r.yml' }], { mapping: testMapping() });
    const { rules: counted, seen } = countingRules(set.rules);
    // Ids 4, 5 and 6 per run of the counter, given by the index's memo of the image's values.
    const tuning = { missMemo: { entries: 64, chars: 4096, maxLength: 100 }, valueIds: 7 };
    const family = buildFamily(counted, set.family.members, { mapping: testMapping() }, tuning);
    const plain = buildFamily(set.rules, set.family.members, { mapping: testMapping() }, { missMemo: false });
    // a.dat gets id 4 (its match is remembered under it), b.exe 5, c.dat 6: the ids are spent, the family
    // starts them again and remembers c.dat's match under id 4 of the new run. a.dat, in the index's
    // memo with its old id 4, must not key its outcome by it (it would be given c.dat's lines): it is
    // scanned again (id 5), and the next a.dat is answered from the memo.
    const folders = ['a.dat', 'b.exe', 'c.dat', 'a.dat', 'a.dat'];
    folders.forEach((f, n) => {
      const got: [number, Match][] = [];
      const want: [number, Match][] = [];
      family.matchAll(row(`C:\\Tools\\${f}`, n), (i, m) => got.push([i, m]));
      plain.matchAll(row(`C:\\Tools\\${f}`, n), (i, m) => want.push([i, m]));
      expect(got).toEqual(want);
    });
    expect(seen.calls).toBe(3);
  });
});
