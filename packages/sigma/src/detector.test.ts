import { analyzeEvents } from '@tripline/core';
import { makeEvent, validateDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { attribution } from './detector.js';
import { compileSigma } from './load.js';
import { testMapping } from './testing/test-mapping.js';

const rule = (title: string, author: string, extra = '') => `title: ${JSON.stringify(title)}
id: 6e2b2e0a-94c2-4c4f-9a0e-1d2c3b4a5f60
status: test
description: Detects certutil downloading a file {count} with a {placeholder}-looking text.
author: ${JSON.stringify(author)}
tags:
    - attack.command-and-control
    - attack.t1105
    - attack.t1685
references:
    - https://example.org/certutil
    - not a url
    - ftp://example.org/certutil.txt
logsource:
    category: process_creation
    product: windows
detection:
    selection_img:
        FileName: 'certutil.exe'
    selection_cli:
        ProcessCommandLine|windash|contains:
            - '-urlcache'
            - '-verifyctl'
    condition: all of selection_*
falsepositives:
    - Administrators fetching CRLs
level: high
${extra}`;

const ev = (n: number, cmd: string, device = 'd1') =>
  makeEvent('DeviceProcessEvents', {
    Timestamp: `2026-05-01T10:00:0${n}Z`,
    DeviceId: device,
    DeviceName: `${device}.contoso.local`,
    ActionType: 'ProcessCreated',
    ReportId: n,
    FileName: 'certutil.exe',
    FolderPath: 'C:\\Windows\\System32\\certutil.exe',
    ProcessCommandLine: cmd,
    AccountDomain: 'contoso',
    AccountName: 'alice',
    InitiatingProcessFileName: 'cmd.exe',
    InitiatingProcessCommandLine: 'cmd.exe /c run.bat',
  });

describe('rule detectors', () => {
  it('are valid core detectors with the rule metadata', () => {
    const set = compileSigma([{ text: rule('Certutil download', 'Jane Doe'), name: 'c.yml' }], {
      mapping: testMapping(),
    });
    const d = set.family.members[0]!;
    expect(() => validateDetector(d)).not.toThrow();
    expect(d.meta).toMatchObject({
      id: 'sigma/6e2b2e0a-94c2-4c4f-9a0e-1d2c3b4a5f60',
      title: 'Certutil download',
      severity: 'high',
      mitre: ['T1105'],
      references: ['https://example.org/certutil'],
      falsePositives: ['Administrators fetching CRLs'],
      tables: ['DeviceProcessEvents'],
      actionTypes: ['ProcessCreated'],
      category: 'Sigma windows/process_creation',
    });
  });

  it('are frozen all the way down, so the engine validates each once per process, not once per analyzer', () => {
    const set = compileSigma([{ text: rule('Certutil download', 'Jane Doe'), name: 'c.yml' }], {
      mapping: testMapping(),
    });
    const d = set.family.members[0]!;
    for (const part of [
      d,
      d.meta,
      d.meta.mitre,
      d.meta.references,
      d.meta.falsePositives,
      d.meta.actionTypes,
      d.meta.columns,
    ])
      expect(Object.isFrozen(part)).toBe(true);
    // The engine's copy of the metadata: made the first time, given again after.
    expect(validateDetector(d)).toBe(validateDetector(d));
  });

  it('alerts carry the author (DRL 1.1), why it matched, the key columns; author text is never a template', async () => {
    const hostile = 'Certutil {count} `x` <b>| *y*';
    const set = compileSigma([{ text: rule(hostile, 'Mallory {device} \u001b[31m'), name: 'c.yml' }], {
      mapping: testMapping(),
    });
    const result = await analyzeEvents(
      [ev(1, 'certutil /urlcache -f http://x a.exe'), ev(2, 'certutil \u2013verifyctl -f http://y')],
      {
        detectors: set.family.members,
      },
    );
    expect(result.alerts).toHaveLength(1);
    const a = result.alerts[0]!;
    expect(a.title).toBe(hostile);
    expect(a.detectorId).toBe('sigma/6e2b2e0a-94c2-4c4f-9a0e-1d2c3b4a5f60');
    expect(a.description).toContain(`${attribution('Mallory {device} \u001b[31m')}.`);
    expect(a.description).toContain('{count}');
    expect(a.description).toContain('T1685');
    expect(a.evidence.keyComponents['Why it matched']).toEqual([
      'selection_img › FileName certutil.exe ← certutil.exe',
      'selection_cli › ProcessCommandLine|windash|contains -urlcache ← certutil /urlcache -f http://x a.exe',
      'selection_cli › ProcessCommandLine|windash|contains -verifyctl ← certutil \u2013verifyctl -f http://y',
    ]);
    expect(a.evidence.keyComponents.ProcessCommandLine).toHaveLength(2);
    expect(a.evidence.keyComponents.AccountName).toEqual(['alice']);
    expect(a.mitre.map((m) => m.id)).toEqual(['T1105']);
  });

  it('one alert per rule and device by default; group-by fields split alerts', async () => {
    const events = [
      ev(1, 'certutil -urlcache a', 'd1'),
      ev(2, 'certutil -urlcache b', 'd1'),
      ev(3, 'certutil -urlcache c', 'd2'),
    ];
    const set = compileSigma([{ text: rule('Certutil download', 'J'), name: 'c.yml' }], { mapping: testMapping() });
    expect((await analyzeEvents(events, { detectors: set.family.members })).alerts).toHaveLength(2);
    const byCmd = compileSigma([{ text: rule('Certutil download', 'J'), name: 'c.yml' }], {
      mapping: testMapping(),
      groupBy: ['ProcessCommandLine'],
    });
    expect((await analyzeEvents(events, { detectors: byCmd.family.members })).alerts).toHaveLength(3);
  });

  it('the same input gives the same alerts, byte for byte', async () => {
    const run = async () => {
      const set = compileSigma([{ text: rule('Certutil download', 'J'), name: 'c.yml' }], { mapping: testMapping() });
      const r = await analyzeEvents([ev(1, 'certutil -urlcache a'), ev(2, 'certutil -verifyctl b')], {
        detectors: set.family.members,
      });
      return JSON.stringify(r.alerts);
    };
    expect(await run()).toBe(await run());
  });
});

describe('rule detectors of one set', () => {
  const second = (table: 'process' | 'file') =>
    rule('Another rule', 'K')
      .replace(
        '6e2b2e0a-94c2-4c4f-9a0e-1d2c3b4a5f60',
        table === 'process' ? '7f3c3f1b-0000-4c4f-9a0e-1d2c3b4a5f61' : '8a4d4a2c-0000-4c4f-9a0e-1d2c3b4a5f62',
      )
      .replace(
        'category: process_creation',
        table === 'process' ? 'category: process_creation' : 'category: file_event',
      )
      .replace(
        /detection:[\s\S]*?condition: all of selection_\*/,
        "detection:\n    selection_img:\n        FileName: 'certutil.exe'\n    condition: selection_img",
      );

  it('share what every rule of a table declares alike: evidence, templates, value names, tables', () => {
    const set = compileSigma(
      [
        { text: rule('Certutil download', 'J'), name: 'a.yml' },
        { text: second('process'), name: 'b.yml' },
        { text: second('file'), name: 'c.yml' },
      ],
      { mapping: testMapping() },
    );
    const [a, b, c] = set.family.members.map((d) => d.meta);
    expect(a!.evidence).toBe(b!.evidence);
    expect(a!.messages).toBe(c!.messages);
    expect(a!.values).toBe(c!.values);
    expect(a!.tables).toBe(b!.tables);
    expect(c!.tables).toEqual(['DeviceFileEvents']);
    expect(c!.evidence).not.toBe(a!.evidence);
    expect(Object.keys(c!.evidence!)).toEqual(['matched', 'FolderPath', 'FileName', 'InitiatingProcessFileName']);
    for (const shared of [a!.evidence, a!.evidence!.matched, a!.messages, a!.messages.default, a!.values, a!.tables])
      expect(Object.isFrozen(shared)).toBe(true);
    // The per-rule parts stay the rule's own, and each rule's render fills exactly the shared value names.
    expect([a!.title, b!.title]).toEqual(['Certutil download', 'Another rule']);
    for (const d of set.family.members) {
      const hook = (d.render as () => { values: Record<string, unknown> })();
      expect(Object.keys(hook.values)).toEqual(d.meta.values);
    }
  });

  it('group by the fields a run configuration names, per rule (the views made on the first match)', async () => {
    const set = compileSigma([{ text: rule('Certutil download', 'J'), name: 'c.yml' }], { mapping: testMapping() });
    const id = set.family.members[0]!.meta.id;
    const events = [ev(1, 'certutil -urlcache a'), ev(2, 'certutil -urlcache b'), ev(3, 'certutil -urlcache a')];
    const config = { detectors: { [id]: { options: { groupBy: ['ProcessCommandLine'] } } } };
    for (let run = 0; run < 2; run++) {
      const result = await analyzeEvents(events, { detectors: set.family.members, config });
      expect(result.alerts.map((x) => [x.key, x.evidence.eventCount])).toEqual([
        ['certutil -urlcache a', 2],
        ['certutil -urlcache b', 1],
      ]);
    }
    expect((await analyzeEvents(events, { detectors: set.family.members })).alerts).toHaveLength(1);
  });
});
