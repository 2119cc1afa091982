import type { Alert } from '@tripline/core';
import { describe, expect, it } from 'vitest';
import { toSarif } from '../src/index.js';
import { formatMessage } from '../src/internal/message.js';
import { alert, DETECTORS, HOSTILE, result, wazuh1 } from './fixtures.js';
import { run } from './view.js';

/** SARIF §3.11.5 formatting as a consumer does it, written independently of the reporter's own. */
function consumerFormat(format: string, args: readonly string[]): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if ((c === '{' || c === '}') && format[i + 1] === c) {
      out += c;
      i++;
    } else if (c === '{') {
      const end = format.indexOf('}', i);
      const n = Number(format.slice(i + 1, end));
      expect(Number.isInteger(n) && n < args.length, `placeholder {${format.slice(i + 1, end)}} has an argument`).toBe(
        true,
      );
      out += args[n];
      i = end;
    } else {
      expect(c, 'a lone } in a message string').not.toBe('}');
      out += c;
    }
  }
  return out;
}

describe('SARIF message strings', () => {
  const log = toSarif(wazuh1());

  it('gives every result an id and arguments that its rule resolves to exactly its text', () => {
    const rules = run(log).tool.driver.rules;
    for (const r of run(log).results) {
      const strings = rules[r.ruleIndex]!.messageStrings!;
      expect(r.message.id).toMatch(/^title-[0-9a-f]{12}$/);
      const format = strings[r.message.id!]!.text;
      expect(consumerFormat(format, r.message.arguments!)).toBe(r.message.text);
      expect(format).toMatch(/\.$/);
    }
  });

  it('turns the title template of the detector into positional placeholders, one string per template used', () => {
    const rules = run(log).tool.driver.rules;
    const exec = rules.find((r) => r.id === 'defender/exec-process-replacement')!;
    expect(Object.values(exec.messageStrings!)).toEqual([
      { text: 'Defender agent exec: {0} → {1}. Device {2}, severity {3}, {4} event(s) {5}.{6} Alert {7}.' },
    ]);
    const result = run(log).results.find((r) => r.ruleId === 'defender/exec-process-replacement')!;
    expect(result.message.arguments!.slice(0, 4)).toEqual([
      'dash',
      'lsof',
      'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net',
      'medium',
    ]);
    // Two variants of one detector (sa1 and its Debian helper) give two strings; rules without alerts none.
    expect(Object.keys(rules.find((r) => r.id === 'defender/sysstat-collection')!.messageStrings!)).toHaveLength(2);
    expect(rules.find((r) => r.id === 'defender/logon-brute-force')!.messageStrings).toBeUndefined();
  });

  it('doubles literal braces of the template and escapes values as arguments, never in the format', () => {
    const a: Alert = {
      ...alert(DETECTORS.exec!, { title: `{x} ran ${HOSTILE}`, events: [] }),
      message: {
        templates: { title: 'Set { braces } and {~cmd} ran {n} time(s)', description: 'd', riskAssessment: 'r' },
        values: { cmd: `[click](https://evil.example) {0} ${HOSTILE}`, n: 3 },
      },
    };
    const r = run(toSarif(result([a]))).results[0]!;
    const format = run(toSarif(result([a]))).tool.driver.rules[r.ruleIndex]!.messageStrings![r.message.id!]!.text;
    expect(format.startsWith('Set {{ braces }} and {0} ran {1} time(s).')).toBe(true);
    expect(format).not.toContain('evil');
    expect(r.message.arguments![0]).toContain('\\[click\\]');
    expect(r.message.arguments![0]).toContain('hxxps://evil.example');
    expect(r.message.text).toBe(consumerFormat(format, r.message.arguments!));
    expect(r.message.text.startsWith('Set { braces } and \\[click\\](hxxps://evil.example) {0}')).toBe(true);
  });

  it('falls back to text alone when the template has a placeholder without a value', () => {
    const a: Alert = {
      ...alert(DETECTORS.exec!, { title: 'Filled title', events: [] }),
      message: { templates: { title: 'Title {gone}', description: 'd', riskAssessment: 'r' }, values: {} },
    };
    const log2 = toSarif(result([a]));
    const r = run(log2).results[0]!;
    expect(r.message).toEqual({ text: expect.stringMatching(/^Filled title\. Device /) });
    expect(run(log2).tool.driver.rules[0]!.messageStrings).toBeUndefined();
  });

  it('formats {n} and doubled braces as SARIF says', () => {
    expect(formatMessage('{{0}} {0} {1}{{ }} {2}', ['a', 'b'])).toBe('{0} a b{ } {2}');
  });
});
