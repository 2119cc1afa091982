import type { MdeEvent } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEvalContext, type ViewHandle } from '../eval.js';
import type { FieldView } from '../ir.js';
import { compileSigma } from '../load.js';
import { testMapping } from '../testing/test-mapping.js';
import { CandidateIndex } from './candidates.js';

const rule = (n: number, detection: string[], condition: string) =>
  [
    `title: Rule ${n}`,
    `id: 00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`,
    'status: test',
    'logsource:',
    '    category: process_creation',
    '    product: windows',
    'detection:',
    ...detection.map((l) => `    ${l}`),
    `    condition: ${condition}`,
    'level: medium',
    '',
  ].join('\n');

const set = compileSigma(
  [
    // Indexed by two clauses: the folder (a view scanned first) and the account (guarded by it).
    {
      text: rule(
        0,
        ['image:', "    FolderPath|endswith: '\\evil.exe'", 'account:', '    AccountName|contains: admin'],
        'image and account',
      ),
      name: 'a.yml',
    },
    // One clause on the folder: the folder view is scanned on every row.
    { text: rule(1, ['image:', "    FolderPath|endswith: '\\tool.exe'"], 'image'), name: 'b.yml' },
  ],
  { mapping: testMapping() },
);

const row = (folder: string, account: string) =>
  makeEvent('DeviceProcessEvents', {
    Timestamp: '2026-05-01T10:00:00Z',
    DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
    DeviceName: 'ws-fin-07.contoso.local',
    ActionType: 'ProcessCreated',
    ReportId: 1,
    FileName: folder.split('\\').pop()!,
    FolderPath: folder,
    AccountName: account,
  });

/** The candidates of `event`, and the views whose text the index read. */
function run(index: CandidateIndex, event: MdeEvent): { candidates: number[]; read: string[] } {
  const ctx = createEvalContext(event);
  const read: string[] = [];
  // The index reads a view's text through its handle in the family's reusable context, else by the view.
  const text = ctx.text.bind(ctx);
  ctx.text = (v: FieldView) => {
    read.push(v.field);
    return text(v);
  };
  const textAt = ctx.textAt.bind(ctx);
  ctx.textAt = (h: ViewHandle) => {
    read.push(h.view.field);
    return textAt(h);
  };
  const candidates: number[] = [];
  index.candidates(event, ctx, (i) => candidates.push(i));
  return { candidates, read: read.sort() };
}

describe('guarded views of a route index', () => {
  it('reads a view of second clauses only when a rule can still become a candidate', () => {
    expect(set.rules).toHaveLength(2);
    for (const memo of [undefined, false as const]) {
      const index = new CandidateIndex(set.rules, undefined, { memo });
      // The folder holds neither rule's needle: the account is not read.
      expect(run(index, row('C:\\Windows\\notepad.exe', 'administrator'))).toEqual({
        candidates: [],
        read: ['FolderPath'],
      });
      expect(run(index, row('C:\\Tools\\tool.exe', 'administrator'))).toEqual({
        candidates: [1],
        read: ['FolderPath'],
      });
      // The first clause of rule 0 holds: the account is read, and decides.
      expect(run(index, row('C:\\Temp\\evil.exe', 'administrator'))).toEqual({
        candidates: [0],
        read: ['AccountName', 'FolderPath'],
      });
      expect(run(index, row('C:\\Temp\\evil.exe', 'j.doe'))).toEqual({
        candidates: [],
        read: ['AccountName', 'FolderPath'],
      });
    }
  });
});

const FIELDS = ['FolderPath', 'AccountName', 'ProcessCommandLine'] as const;
const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 1, maxLength: 2 });
/** A rule: one to three selections, each on its own field, ANDed (or one of them negated). */
const randomRule = fc.record({
  fields: fc.shuffledSubarray([...FIELDS], { minLength: 1, maxLength: 3 }),
  words: fc.array(fc.array(word, { minLength: 1, maxLength: 2 }), { minLength: 3, maxLength: 3 }),
  mod: fc.constantFrom('contains', 'endswith', 'startswith'),
  negateLast: fc.boolean(),
});

describe('guarded views against the rules themselves', () => {
  it('leave out no rule that matches (random rules of one to three clauses, random rows)', () => {
    fc.assert(
      fc.property(
        fc.array(randomRule, { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(word, word, word), { minLength: 1, maxLength: 12 }),
        (rules, rows) => {
          const texts = rules.map((r, n) => {
            const sels = r.fields.map((f, k) => [
              `s${k}:`,
              `    ${f}|${r.mod}:`,
              ...r.words[k]!.map((w) => `        - ${w}`),
            ]);
            const names = r.fields.map((_f, k) =>
              k > 0 && k === r.fields.length - 1 && r.negateLast ? `not s${k}` : `s${k}`,
            );
            return { text: rule(n, sels.flat(), names.join(' and ')), name: `r${n}.yml` };
          });
          const compiled = compileSigma(texts, { mapping: testMapping() });
          for (const memo of [undefined, false as const]) {
            const index = new CandidateIndex(compiled.rules, undefined, { memo });
            for (const [folder, account, command] of [...rows, ...rows]) {
              const event = makeEvent('DeviceProcessEvents', {
                Timestamp: '2026-05-01T10:00:00Z',
                DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
                DeviceName: 'ws-fin-07.contoso.local',
                ActionType: 'ProcessCreated',
                ReportId: 1,
                FolderPath: folder,
                AccountName: account,
                ProcessCommandLine: command,
              });
              const candidates = new Set<number>();
              index.candidates(event, createEvalContext(event), (i) => candidates.add(i));
              compiled.rules.forEach((r, i) => {
                if (r.test(createEvalContext(event))) expect(candidates.has(i)).toBe(true);
              });
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
