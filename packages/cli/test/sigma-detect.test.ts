import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSigmaText, splitRuleFiles } from '../src/internal/sigma-rules.js';

const SIGMA_RULE = `title: Whoami
id: 0f3a1b2c-4d5e-4f60-8a9b-0c1d2e3f4a5b
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: '\\\\whoami.exe'
  condition: selection
level: low
`;
const SIGMA_CORRELATION = `title: Many whoami
correlation:
  type: event_count
  rules: [whoami]
  group-by: [ComputerName]
  timespan: 1h
  condition: { gte: 5 }
`;
const TRIPLINE_RULE = `id: acme/whoami
title: whoami
summary: whoami ran.
description: whoami ran.
severity: low
source: { tables: [DeviceProcessEvents] }
where: { FileName: whoami.exe }
messages: { title: whoami on {device}, description: whoami ran, riskAssessment: low }
`;

describe('isSigmaText: a file is Sigma by its content', () => {
  it('a rule (logsource + detection), a correlation, a filter (logsource + filter) are Sigma', () => {
    expect(isSigmaText(SIGMA_RULE)).toBe(true);
    expect(isSigmaText(SIGMA_CORRELATION)).toBe(true);
    expect(isSigmaText('title: f\nlogsource: { product: windows }\nfilter: { rules: [x] }\n')).toBe(true);
    // Several documents: one Sigma document makes the file Sigma.
    expect(isSigmaText(`${SIGMA_RULE}---\n${SIGMA_CORRELATION}`)).toBe(true);
  });

  it('a tripline rule, a logsource alone, a list, a scalar and broken YAML are not', () => {
    expect(isSigmaText(TRIPLINE_RULE)).toBe(false);
    expect(isSigmaText('logsource: { product: windows }\n')).toBe(false);
    expect(isSigmaText('- logsource: {}\n  detection: {}\n')).toBe(false);
    expect(isSigmaText('just text\n')).toBe(false);
    expect(isSigmaText('detection: [\n')).toBe(false);
    // The keys count only at the top level.
    expect(isSigmaText('where:\n  logsource: a\n  detection: b\n')).toBe(false);
  });

  it('splitRuleFiles: a folder mixing both is split per file; JSON is always a tripline rule', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tripline-split-'));
    mkdirSync(join(dir, 'sigma'));
    writeFileSync(join(dir, 'sigma', 'whoami.yml'), SIGMA_RULE);
    writeFileSync(join(dir, 'sigma', 'many.yaml'), SIGMA_CORRELATION);
    writeFileSync(join(dir, 'whoami.yaml'), TRIPLINE_RULE);
    writeFileSync(join(dir, 'whoami-json.json'), JSON.stringify({ logsource: {}, detection: {} }));
    const split = splitRuleFiles([dir, join(dir, 'missing')]);
    expect(split.sigma).toEqual([join(dir, 'sigma', 'many.yaml'), join(dir, 'sigma', 'whoami.yml')]);
    expect(split.rules).toEqual([join(dir, 'whoami-json.json'), join(dir, 'whoami.yaml')]);
    expect(split.failures).toEqual([
      { file: join(dir, 'missing'), message: `cannot read rules ${join(dir, 'missing')}: no such file or directory` },
    ]);
  });
});
