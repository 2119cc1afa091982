/**
 * Hidden text in invisible code points: a sentence encoded one byte per variation selector
 * (U+FE00–FE0F for 0–15, U+E0100–E01EF for 16–255) is invisible in every SARIF viewer, yet a model or
 * a script reading the log gets it back. Every Default_Ignorable_Code_Point from event text becomes
 * U+FFFD, like the zero-width characters.
 */
import { analyze, fromString } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IGNORABLE, G11_PROCESS_ROW, processEvents } from '../../../test/hardening/support/hidden-text.js';
import { stringifySarif, toSarif } from '../src/index.js';
import { cleanText, REPLACEMENT } from '../src/internal/text.js';

function selectorCount(text: string): number {
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef) || cp === 0x034f) n++;
  }
  return n;
}

describe('invisible characters from event text in SARIF', () => {
  it('replaces every default-ignorable code point with U+FFFD, in one-line and multi-line text', () => {
    for (const cp of DEFAULT_IGNORABLE) {
      const ch = String.fromCodePoint(cp);
      expect(cleanText(`a${ch}b`), cp.toString(16)).toBe(`a${REPLACEMENT}b`);
      expect(cleanText(`a${ch}\nb`, { keepNewlines: true }), cp.toString(16)).toBe(`a${REPLACEMENT}\nb`);
    }
    expect(cleanText('Grüße 😀 e\u0301')).toBe('Grüße 😀 e\u0301');
  });

  it('a sentence hidden in variation selectors does not survive into the log (G11)', async () => {
    const events = processEvents([G11_PROCESS_ROW]);
    const result = await analyze(fromString(events, 'hidden.ndjson'), { detectors: defenderDetectors });
    expect(result.alerts.length).toBeGreaterThan(0);
    const sarif = stringifySarif(toSarif(result));
    expect(sarif).toContain('web1\uFFFD');
    expect(selectorCount(sarif)).toBe(0);
  });
});
