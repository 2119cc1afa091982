import { describe, expect, it } from 'vitest';
import { compileRule } from './compile.js';
import { createEvalContext } from './eval.js';
import type { CompiledRule, SigmaRule } from './ir.js';
import { KEPT_TEXT_MAX, lazyRule, type Rebuild } from './lazy.js';
import { compileSigma } from './load.js';
import { parseSigmaSource } from './parse.js';
import { processEvent } from './testing/events.js';
import { testMapping } from './testing/test-mapping.js';

const rule = (id: string, body: string, comment = '') => `title: Rule ${id}
id: 00000000-0000-4000-8000-00000000000${id}
logsource:
    category: process_creation
    product: windows
detection:
${body}
level: high
${comment}`;

const RULE_1 = rule(
  '1',
  `    selection:
        ProcessCommandLine|contains:
            - 'sekurlsa::'
            - 'lsadump::'
    filter:
        FolderPath|startswith: 'C:\\Program Files\\'
    condition: selection and not filter`,
);
const RULE_2 = rule(
  '2',
  `    selection:
        FolderPath|endswith: '\\whoami.exe'
    condition: selection`,
);
/** A Sigma filter document that applies to rule 2: its matches under C:\\Tools\\ are left out. */
const FILTER = `title: Leave out the tools folder
id: 00000000-0000-4000-8000-0000000000f1
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - 00000000-0000-4000-8000-000000000002
    selection:
        FolderPath|startswith: 'C:\\Tools\\'
    condition: selection
`;

const proc = processEvent;

const EVENTS = [
  proc({ FileName: 'mimikatz.exe', FolderPath: 'C:\\Users\\a\\mimikatz.exe', ProcessCommandLine: 'x sekurlsa::x' }),
  proc({ FileName: 'mimikatz.exe', FolderPath: 'C:\\Program Files\\m.exe', ProcessCommandLine: 'x lsadump::x' }),
  proc({ FileName: 'whoami.exe', FolderPath: 'C:\\Windows\\System32\\whoami.exe', ProcessCommandLine: 'whoami' }),
  proc({ FileName: 'whoami.exe', FolderPath: 'C:\\Tools\\whoami.exe', ProcessCommandLine: 'whoami /all' }),
  proc({ FileName: 'notepad.exe', FolderPath: 'C:\\Windows\\notepad.exe', ProcessCommandLine: 'notepad' }),
];

/** What each rule says of each event: its "why it matched" values, or null. */
function outcomes(rules: readonly CompiledRule[]): unknown[] {
  return rules.map((r) => EVENTS.map((e) => r.test(createEvalContext(e))?.map((x) => `${x.item} ${x.value}`) ?? null));
}

/** An expression as data: functions (matchers) left out, everything else compared. */
const shape = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'function' ? undefined : v));

function first(text: string, name = 'r.yml'): { doc: SigmaRule; compiled: CompiledRule } {
  const d = parseSigmaSource(text, name)[0];
  if (d?.kind !== 'rule') throw new Error('not a rule');
  const r = compileRule(d.rule, { mapping: testMapping() });
  if (!r.ok) throw new Error(r.reasons[0]?.message);
  return { doc: d.rule, compiled: r.compiled };
}

describe('a loaded rule set lets go of what it can compile again', () => {
  const sources = [
    { text: `${RULE_1}---\n${RULE_2}`, name: 'two.yml' },
    { text: FILTER, name: 'filter.yml' },
  ];

  it('tests, documents and expressions are those of a rule compiled and kept', () => {
    const set = compileSigma(sources, { mapping: testMapping() });
    expect(set.rules.map((r) => r.detectorId)).toEqual([
      'sigma/00000000-0000-4000-8000-000000000001',
      'sigma/00000000-0000-4000-8000-000000000002',
    ]);
    // Rule 1 alone, compiled and kept: the same document, expression and outcomes.
    const kept = first(sources[0]!.text, sources[0]!.name);
    expect(shape(set.rules[0]!.rule)).toBe(shape(kept.doc));
    expect(shape(set.rules[0]!.expr)).toBe(shape(kept.compiled.expr));
    // Rule 2 is compiled again with the filter that applies to it (the row under C:\Tools\ stays out).
    expect(set.rules[1]!.rule.selections.has('filter1:selection')).toBe(true);
    expect(outcomes(set.rules)).toEqual([
      [['ProcessCommandLine|contains x sekurlsa::x'], null, null, null, null],
      [null, null, ['FolderPath|endswith C:\\Windows\\System32\\whoami.exe'], null, null],
    ]);
    // The family, which tests the rules it loaded, agrees.
    const emitted: number[][] = EVENTS.map(() => []);
    EVENTS.forEach((e, i) => {
      set.family.matchAll(e, (member) => emitted[i]!.push(member));
    });
    expect(emitted).toEqual([[0], [], [1], [], []]);
  });

  it('a copy made with spread tests and reads as the rule does', () => {
    const set = compileSigma(sources, { mapping: testMapping() });
    const copies = set.rules.map((r) => ({ ...r }));
    expect(outcomes(copies)).toEqual(outcomes(set.rules));
    expect(shape(copies[0]!.expr)).toBe(shape(set.rules[0]!.expr));
    expect(copies[1]!.rule.title).toBe('Rule 2');
  });

  it('compiles a rule again only when it is asked for, once', () => {
    const { doc, compiled } = first(RULE_2);
    const calls = { document: 0, compile: 0 };
    const rebuild: Rebuild = {
      document: () => {
        calls.document++;
        return first(RULE_2).doc;
      },
      compile: (d) => {
        calls.compile++;
        const r = compileRule(d, { mapping: testMapping() });
        if (!r.ok) throw new Error('no');
        return r.compiled;
      },
    };
    const l = lazyRule(compiled, rebuild, false);
    expect(l.rule.expr).toBe(compiled.expr);
    expect(l.held()).toBe(true);
    l.release();
    expect(l.held()).toBe(false);
    expect(calls).toEqual({ document: 0, compile: 0 });
    expect(l.rule.test(createEvalContext(EVENTS[2]!))).toBeDefined();
    expect(l.rule.test(createEvalContext(EVENTS[4]!))).toBeUndefined();
    expect(l.rule.expr).not.toBe(compiled.expr);
    expect(shape(l.rule.expr)).toBe(shape(compiled.expr));
    expect(l.rule.rule.title).toBe(doc.title);
    expect(calls).toEqual({ document: 1, compile: 1 });
    expect(l.held()).toBe(true);

    // Keeping the document (a large source text): only the compile is made again.
    const k = lazyRule(first(RULE_2).compiled, rebuild, true);
    const keptDoc = k.rule.rule;
    k.release();
    expect(k.rule.rule).toBe(keptDoc);
    expect(k.rule.test(createEvalContext(EVENTS[2]!))).toBeDefined();
    expect(calls).toEqual({ document: 1, compile: 2 });
  });

  it('refuses an expression compiled again for another rule', () => {
    const l = lazyRule(
      first(RULE_2).compiled,
      { document: () => first(RULE_1).doc, compile: () => first(RULE_1).compiled },
      false,
    );
    l.release();
    expect(() => l.rule.expr).toThrow(/compiled again as sigma\/00000000-0000-4000-8000-000000000001/);
  });

  it('keeps the document, not the text, of a source longer than KEPT_TEXT_MAX', () => {
    const long = rule(
      '3',
      `    selection:
        FolderPath|endswith: '\\whoami.exe'
    condition: selection`,
      `# ${'x'.repeat(KEPT_TEXT_MAX)}\n`,
    );
    const set = compileSigma([{ text: long, name: 'long.yml' }], { mapping: testMapping() });
    const doc = set.rules[0]!.rule;
    expect(set.rules[0]!.rule).toBe(doc);
    expect(set.rules[0]!.test(createEvalContext(EVENTS[2]!))).toBeDefined();
    expect(set.rules[0]!.rule).toBe(doc);
  });
});
