import { makeEvent } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { compileRule, sharePatterns, stopSharingPatterns } from './compile.js';
import { createEvalContext } from './eval.js';
import type { CompiledRule, Expr } from './ir.js';
import { compileSigma } from './load.js';
import { parseSigmaSource } from './parse.js';
import type { CompiledPattern } from './strings.js';
import { testMapping } from './testing/test-mapping.js';

/** A process rule whose selection is `body` (YAML lines under `selection:`, indented by 8). */
const rule = (id: string, body: string) => `title: Rule ${id}
id: 00000000-0000-4000-8000-00000000000${id}
logsource:
    category: process_creation
    product: windows
detection:
    selection:
${body}
    condition: selection
level: high
`;

function patternsOf(e: Expr, out: CompiledPattern[] = []): CompiledPattern[] {
  if (e.kind === 'and' || e.kind === 'or') for (const a of e.args) patternsOf(a, out);
  else if (e.kind === 'not') patternsOf(e.arg, out);
  else if (e.kind === 'pred' && (e.pred.kind === 'string' || e.pred.kind === 'keyword'))
    out.push(...(e.pred.patterns as readonly CompiledPattern[]));
  return out;
}

const byWritten = (r: CompiledRule) => new Map(patternsOf(r.expr).map((p) => [`${p.anchor} ${p.written}`, p]));

/**
 * The sources compiled as `compileSigma` compiles them, the rules kept as compiled (a loaded set lets go
 * of its expressions once it is built, and compiles again, alone, the few a run tests).
 */
function compileTogether(sources: readonly { text: string; name: string }[]): CompiledRule[] {
  const options = { mapping: testMapping() };
  sharePatterns(options);
  try {
    return sources.map((s) => {
      const d = parseSigmaSource(s.text, s.name)[0];
      if (d?.kind !== 'rule') throw new Error(`${s.name}: not a rule`);
      const r = compileRule(d.rule, options);
      if (!r.ok) throw new Error(`${s.name}: ${r.reasons[0]?.message}`);
      return r.compiled;
    });
  } finally {
    stopSharingPatterns(options);
  }
}

describe('compileSigma shares equal patterns between the rules of one load', () => {
  const sources = [
    rule('1', "        ProcessCommandLine|contains:\n            - 'mimikatz'\n            - 'sekurlsa::'"),
    rule('2', "        ProcessCommandLine|contains:\n            - 'mimikatz'\n            - 'MIMIKATZ'"),
    rule('3', "        ProcessCommandLine|startswith: 'mimikatz'\n        FileName|contains: 'mimikatz'"),
    rule('4', "        ProcessCommandLine|contains|cased: 'mimikatz'"),
    rule('5', "        ProcessCommandLine|contains: 'mimi*katz'"),
    rule('6', "        ProcessCommandLine|contains: 'mimi\\*katz'"),
  ].map((text, i) => ({ text, name: `r${i + 1}.yml` }));

  it('one object for one anchor, text, spelling and literals; another for any difference', () => {
    const rules = compileTogether(sources);
    expect(rules).toHaveLength(6);
    const [r1, r2, r3, r4, r5, r6] = rules.map(byWritten);
    // The same value under the same modifiers, in two rules: one pattern.
    expect(r2!.get('contains mimikatz')).toBe(r1!.get('contains mimikatz'));
    // Another spelling (kept for "why it matched"), another anchor, another field's fold: not shared.
    expect(r2!.get('contains MIMIKATZ')).not.toBe(r1!.get('contains mimikatz'));
    expect(r2!.get('contains MIMIKATZ')!.text).toBe('mimikatz');
    expect(r3!.get('prefix mimikatz')).not.toBe(r1!.get('contains mimikatz'));
    // `cased` is the predicate's (it folds the row's value or not): the pattern itself is equal, and shared.
    expect(r4!.get('contains mimikatz')).toBe(r1!.get('contains mimikatz'));
    // A wildcard and an escaped star: different globs, different matchers.
    const glob = r5!.get('glob mimi*katz')!;
    const star = r6!.get('contains mimi\\*katz')!;
    expect(glob).not.toBe(star);
    expect(glob.match('mimi-katz')).toBe(true);
    expect(star.match('mimi-katz')).toBe(false);
    expect(star.match('mimi*katz')).toBe(true);
  });

  it('each rule still matches exactly what it matched alone', () => {
    const together = compileSigma(sources, { mapping: testMapping() });
    const alone = sources.map((s) => compileSigma([s], { mapping: testMapping() }).rules[0]!);
    const lines = ['mimikatz.exe sekurlsa::logonpasswords', 'MIMIKATZ', 'x mimi*katz', 'x mimi-katz', 'notepad.exe'];
    let matched = 0;
    for (const line of lines) {
      const ev = makeEvent('DeviceProcessEvents', {
        Timestamp: '2026-05-01T10:00:00Z',
        DeviceId: '7f3e9a1c5b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f',
        DeviceName: 'ws1.contoso.local',
        ActionType: 'ProcessCreated',
        ReportId: 1,
        FileName: 'mimikatz.exe',
        ProcessCommandLine: line,
      });
      together.rules.forEach((r, i) => {
        const a = alone[i]!;
        if (r.test(createEvalContext(ev))) matched++;
        expect(JSON.stringify(r.test(createEvalContext(ev)))).toBe(JSON.stringify(a.test(createEvalContext(ev))));
      });
    }
    expect(matched).toBeGreaterThan(5);
  });
});
