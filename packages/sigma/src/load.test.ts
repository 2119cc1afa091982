import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SigmaSet } from './ir.js';
import { compileSigma, loadSigma, SigmaLoadError } from './load.js';
import { processEvent } from './testing/events.js';
import { testMapping } from './testing/test-mapping.js';

const RULE = `title: Seven-Zip compresses dump files
id: EC570E53-4C76-45A9-804D-DC3F355FF7A7
status: test
description: Detects 7z compressing a .dmp file, a step of dump file exfiltration.
author: Jane Doe (Example Org)
date: 2022-09-27
tags:
    - attack.collection
    - attack.t1560.001
    - attack.t1685
references:
    - https://example.org/7z
logsource:
    category: process_creation
    product: windows
detection:
    selection_img:
        - FileName|endswith: '7z.exe'
        - ProcessVersionInfoOriginalFileName: '7z.exe'
    selection_ext:
        ProcessCommandLine|contains:
            - '.dmp'
            - '.dump'
    filter_optional_wer:
        FolderPath|startswith: 'C:\\ProgramData\\WER\\'
    condition: all of selection_* and not 1 of filter_optional_*
falsepositives:
    - Legitimate use of 7z to compress WER dump files
level: high
`;

const proc = processEvent;

function load(text = RULE): SigmaSet {
  return compileSigma([{ text, name: 'rules/7z.yml' }], { mapping: testMapping() });
}

describe('compileSigma', () => {
  it('loads a rule into one detector, lower-cased id, with a report entry', () => {
    const set = load();
    expect(set.rules).toHaveLength(1);
    const rule = set.rules[0]!;
    expect(rule.detectorId).toBe('sigma/ec570e53-4c76-45a9-804d-dc3f355ff7a7');
    expect(rule.severity).toBe('high');
    expect(rule.techniques).toEqual(['T1560.001', 'T1685']);
    expect(set.report.entries).toHaveLength(1);
    expect(set.report.entries[0]).toMatchObject({ status: 'loaded', table: 'DeviceProcessEvents', kind: 'rule' });
    expect(set.report.byReason).toEqual({ 'attack-unknown': 1 });
    const meta = set.family.members[0]!.meta;
    expect(meta.mitre).toEqual(['T1560.001']);
    expect(meta.rationale).toContain('Sigma rule by Jane Doe (Example Org), Detection Rule License 1.1');
    expect(meta.references).toEqual(['https://example.org/7z']);
  });

  it('matches through the member detector and the family alike, with why it matched', () => {
    const set = load();
    const ev = proc({
      FileName: '7Z.EXE',
      FolderPath: 'C:\\Tools\\7z.exe',
      ProcessCommandLine: '7z.exe a out.7z C:\\Temp\\lsass.DMP',
    });
    const own = set.family.members[0]!.match!(ev, { options: {}, severity: 'high' });
    const emitted: unknown[] = [];
    set.family.matchAll(ev, (i, m) => emitted.push([i, m]));
    expect(emitted).toEqual([[0, own]]);
    expect(own).toEqual({
      key: '',
      evidence: {
        matched: [
          'selection_img › FileName|endswith 7z.exe ← 7Z.EXE',
          'selection_ext › ProcessCommandLine|contains .dmp ← 7z.exe a out.7z C:\\Temp\\lsass.DMP',
        ],
      },
    });
    // The filter excludes.
    const wer = proc({ FileName: '7z.exe', FolderPath: 'c:\\programdata\\wer\\7z.exe', ProcessCommandLine: 'x.dmp' });
    expect(set.family.members[0]!.match!(wer, { options: {}, severity: 'high' })).toBeUndefined();
    // Another table or ActionType is not the rule's.
    const other: unknown[] = [];
    set.family.matchAll(proc({ ActionType: 'OpenProcess', FileName: '7z.exe', ProcessCommandLine: 'a.dmp' }), (i) =>
      other.push(i),
    );
    expect(other).toEqual([]);
  });

  it('groups by configured fields', () => {
    const set = compileSigma([{ text: RULE, name: 'r.yml' }], { mapping: testMapping(), groupBy: ['AccountName'] });
    const ev = proc({ FileName: '7z.exe', ProcessCommandLine: 'a.dmp', AccountName: 'alice' });
    const got: { key?: string }[] = [];
    set.family.matchAll(ev, (_i, m) => got.push(m));
    expect(got[0]?.key).toBe('alice');
    expect(set.family.members[0]!.match!(ev, { options: { groupBy: ['FileName'] }, severity: 'high' })).toMatchObject({
      key: '7z.exe',
    });
  });

  it('accounts for every document: duplicates, invalid YAML, unroutable, unmapped, correlations', () => {
    const dup = RULE.replace('title: Seven-Zip', 'title: Again Seven-Zip');
    const bad = 'title: broken\nlevel: high\ntitle: twice\n';
    const unroutable = RULE.replace('category: process_creation', 'service: auditd').replace(
      /id: .*/,
      'id: 0b6ac3c1-6b5c-4a1e-9d4e-3b5d2e1f0a11',
    );
    const unmapped = RULE.replace('FileName|endswith', 'CurrentDirectory|endswith').replace(
      /id: .*/,
      'id: 1b6ac3c1-6b5c-4a1e-9d4e-3b5d2e1f0a11',
    );
    const inFilter = RULE.replace('FolderPath|startswith', 'CurrentDirectory|startswith').replace(
      /id: .*/,
      'id: 2b6ac3c1-6b5c-4a1e-9d4e-3b5d2e1f0a11',
    );
    const corr =
      'title: Many\nid: 3b6ac3c1-6b5c-4a1e-9d4e-3b5d2e1f0a11\ncorrelation:\n  type: event_count\n  rules: [ec570e53-4c76-45a9-804d-dc3f355ff7a7]\n  group-by: [DeviceName]\n  timespan: 5m\n  condition:\n    gte: 3\n';
    const set = compileSigma(
      [RULE, dup, bad, unroutable, unmapped, inFilter, corr].map((text, i) => ({ text, name: `r${i}.yml` })),
      { mapping: testMapping() },
    );
    const r = set.report;
    expect(r.documents).toBe(7);
    expect(
      r.entries.map((e) => [e.status, e.reasons.map((x) => x.code).filter((c) => c !== 'attack-unknown')]),
    ).toEqual([
      ['loaded', []],
      ['skipped', ['duplicate-id']],
      ['skipped', ['yaml-invalid']],
      ['skipped', ['logsource-unroutable']],
      ['skipped', ['field-unmapped']],
      ['degraded', ['field-unmapped-in-filter']],
      ['loaded', []],
    ]);
    expect(r.rules).toEqual({ loaded: 1, degraded: 1, skipped: 4 });
    expect(r.correlations).toEqual({ loaded: 1, degraded: 0, skipped: 0 });
    expect(r.entries[2]!.reasons[0]!.position).toEqual({ file: 'r2.yml', line: 3, column: 1 });
    // The correlation runs on the engine's windows; the rule only it uses raises no alerts of its own.
    expect(set.detectors.map((d) => ('kind' in d ? d.kind : d.meta.id))).toEqual([
      'detector-family',
      'sigma/3b6ac3c1-6b5c-4a1e-9d4e-3b5d2e1f0a11',
    ]);
    expect(r.entries[0]!.correlationOnly).toBe(true);
    expect(set.family.members.map((m) => m.meta.id)).toEqual(['sigma/2b6ac3c1-6b5c-4a1e-9d4e-3b5d2e1f0a11']);
  });

  it('hands correlations to the correlate hook with the compiled rules', () => {
    const corr =
      'title: Many\nid: 3b6ac3c1-6b5c-4a1e-9d4e-3b5d2e1f0a11\ncorrelation:\n  type: event_count\n  rules: [ec570e53-4c76-45a9-804d-dc3f355ff7a7]\n  group-by: [DeviceName]\n  timespan: 5m\n  condition:\n    gte: 3\n';
    let seen: [number, number, number] | undefined;
    const set = compileSigma([{ text: `${RULE}---\n${corr}`, name: 'c.yml' }], {
      mapping: testMapping(),
      correlate: (docs, rules) => {
        seen = [docs.length, rules.length, docs[0]!.correlation.timespanMs];
        return {
          detectors: [],
          entries: docs.map((d) => ({
            id: d.id,
            title: d.title,
            kind: 'correlation',
            source: d.source,
            status: 'loaded',
            reasons: [],
          })),
        };
      },
    });
    expect(seen).toEqual([1, 1, 300_000]);
    expect(set.report.correlations.loaded).toBe(1);
  });

  it('throws with onUnsupported: error, naming file, line and reason', () => {
    const unmapped = RULE.replace('FileName|endswith', 'CurrentDirectory|endswith');
    expect(() =>
      compileSigma([{ text: unmapped, name: 'u.yml' }], { mapping: testMapping(), onUnsupported: 'error' }),
    ).toThrow(/u\.yml:\d+:\d+ field-unmapped/);
    try {
      compileSigma([{ text: unmapped, name: 'u.yml' }], { mapping: testMapping(), onUnsupported: 'error' });
    } catch (e) {
      expect(e).toBeInstanceOf(SigmaLoadError);
    }
  });

  it('select leaves rules out, with a reason', () => {
    const set = compileSigma([{ text: RULE, name: 'r.yml' }], {
      mapping: testMapping(),
      select: { minLevel: 'critical' },
    });
    expect(set.rules).toHaveLength(0);
    expect(set.report.entries[0]).toMatchObject({ status: 'skipped', reasons: [{ code: 'not-selected' }] });
    const st = compileSigma([{ text: RULE, name: 'r.yml' }], {
      mapping: testMapping(),
      select: { status: ['stable'] },
    });
    expect(st.rules).toHaveLength(0);
  });

  it('applies Sigma filters to the rules they name', () => {
    const filter = `title: Our admin tools
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - ec570e53-4c76-45a9-804d-dc3f355ff7a7
    selection:
        AccountName|startswith: 'adm_'
    condition: selection
`;
    const set = compileSigma([{ text: `${RULE}---\n${filter}`, name: 'f.yml' }], { mapping: testMapping() });
    expect(set.report.entries.map((e) => e.kind)).toEqual(['rule', 'filter']);
    expect(set.report.entries[1]).toMatchObject({ status: 'loaded', appliedTo: 1 });
    const m = set.family.members[0]!;
    const base = { FileName: '7z.exe', ProcessCommandLine: 'a.dmp' };
    expect(m.match!(proc({ ...base, AccountName: 'adm_bob' }), { options: {}, severity: 'high' })).toBeUndefined();
    expect(m.match!(proc({ ...base, AccountName: 'bob' }), { options: {}, severity: 'high' })).toBeTruthy();
  });

  it('a rule without an id does not load: its detector id would be sigma/<rule id>', () => {
    const set = compileSigma([{ text: RULE.replace(/id: .*\n/, ''), name: 'noid.yml' }], { mapping: testMapping() });
    expect(set.report.entries[0]).toMatchObject({ status: 'skipped', reasons: [{ code: 'schema-invalid', at: 'id' }] });
  });
});

describe('loadSigma', () => {
  it('reads files and folders recursively, .yml and .yaml only, in sorted order, and texts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigma-load-'));
    mkdirSync(join(dir, 'b'));
    mkdirSync(join(dir, 'a'));
    const withId = (n: number) => RULE.replace(/id: .*/, `id: ${n}b6ac3c1-6b5c-4a1e-9d4e-3b5d2e1f0a11`);
    writeFileSync(join(dir, 'b', 'two.yaml'), withId(2));
    writeFileSync(join(dir, 'a', 'one.yml'), withId(1));
    writeFileSync(join(dir, 'a', 'notes.txt'), 'not a rule');
    writeFileSync(join(dir, 'z.yml'), withId(3));
    const set = await loadSigma({
      sources: [{ path: dir }, { text: withId(4), name: 'inline' }, { path: join(dir, 'z.yml') }],
      mapping: testMapping(),
    });
    expect(set.report.entries.map((e) => [e.source.file.replace(dir, '<dir>'), e.status])).toEqual([
      ['<dir>/a/one.yml', 'loaded'],
      ['<dir>/b/two.yaml', 'loaded'],
      ['<dir>/z.yml', 'loaded'],
      ['inline', 'loaded'],
      ['<dir>/z.yml', 'skipped'],
    ]);
    expect(set.report.entries[4]!.reasons[0]!.code).toBe('duplicate-id');
  });

  it('defaults to the MDE mapping', async () => {
    const set = await loadSigma({
      sources: [{ text: RULE.replace('FileName|endswith', 'Image|endswith'), name: 'r.yml' }],
    });
    expect(set.report.mapping.name).toBe('mde');
  });
});
