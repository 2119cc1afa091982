import { gzipSync } from 'node:zlib';
import type { Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { describe, expect, it } from 'vitest';
import { type SarifLog, type SarifResult, stringifySarif, toSarif } from '../src/index.js';
import {
  alert,
  DETECTORS,
  empty,
  event,
  HOSTILE,
  hostile,
  manyDevices,
  result,
  wazuh1,
  withRejects,
} from './fixtures.js';
import { type Full, run } from './view.js';

const byRule = (log: SarifLog, id: string): Full<SarifResult> => run(log).results.find((r) => r.ruleId === id)!;

/** Every string in a JSON value, with its path. */
function strings(value: unknown, path = '$'): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [
      [`${path}.${k}#key`, k] as [string, string],
      ...strings(v, `${path}.${k}`),
    ]);
  return [];
}

/** Unescaped `[text](target)` links in a SARIF message (an escaped `\[` does not open one). */
function links(text: string): string[] {
  const out: string[] = [];
  const re = /(?<!\\)(?:\\\\)*\[((?:[^\]\\]|\\.)*)\]\(([^)]*)\)/g;
  for (const m of text.matchAll(re)) out.push(m[2]!);
  return out;
}

describe('toSarif: log and tool', () => {
  const log = toSarif(wazuh1());

  it('writes one SARIF 2.1.0 run with the tool and its version from the result', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.runs).toHaveLength(1);
    expect(run(log).tool.driver).toMatchObject({
      name: 'tripline',
      semanticVersion: '0.1.0',
      informationUri: 'https://github.com/tripline/tripline',
    });
    expect(
      toSarif(wazuh1(), { informationUri: 'https://example.com/t', toolVersion: '9.9.9' }).runs[0]!.tool.driver,
    ).toMatchObject({
      informationUri: 'https://example.com/t',
      semanticVersion: '9.9.9',
    });
  });

  it('has one rule per detector, id = detector id, with descriptions, help, tags and security-severity', () => {
    const rules = run(log).tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(wazuh1().detectors.map((d) => d.id));
    expect(rules.map((r) => r.id)).toEqual(
      expect.arrayContaining([
        'defender/anomalous-logged-on-user',
        'defender/duplicate-adapter-address',
        'defender/exec-process-replacement',
        'defender/sysstat-collection',
        'defender/unassigned-machine-group',
      ]),
    );
    const exec = rules.find((r) => r.id === 'defender/exec-process-replacement')!;
    expect(exec.name).toBe('ExecProcessReplacement');
    expect(exec.shortDescription.text).toBe('Process image replaced by exec.');
    expect(exec.fullDescription.text).toMatch(/^Finds process events whose ProcessId equals/);
    expect(exec.help?.text).toContain('T1059.004');
    expect(exec.help?.markdown).toContain('[T1059.004](https://attack.mitre.org/techniques/T1059/004/)');
    expect(exec.defaultConfiguration).toEqual({ level: 'warning' });
    expect(exec.properties?.tags).toEqual([
      'security',
      'tripline',
      'external/mitre-attack/T1059.004',
      'category/execution',
    ]);
    expect(exec.properties?.['security-severity']).toBe('5.5');
    expect(rules.find((r) => r.id === 'defender/anomalous-logged-on-user')!.properties?.['security-severity']).toBe(
      '8.0',
    );
    expect(rules.find((r) => r.id === 'defender/sysstat-collection')!.properties?.['security-severity']).toBe('2.0');
  });

  it('renders help.markdown as the intended structure: headings, one ATT&CK table, only trusted links, no HTML', () => {
    const exec = run(log).tool.driver.rules.find((r) => r.id === 'defender/exec-process-replacement')!;
    const tree = unified().use(remarkParse).use(remarkGfm).parse(exec.help!.markdown!) as Root;
    const kinds = new Map<string, number>();
    const urls: string[] = [];
    visit(tree, (node) => {
      kinds.set(node.type, (kinds.get(node.type) ?? 0) + 1);
      if (node.type === 'link') urls.push(node.url);
    });
    expect(kinds.get('heading')).toBe(7);
    expect(kinds.get('table')).toBe(1);
    expect(kinds.get('html')).toBeUndefined();
    // Only the ATT&CK page and the detector's own references are links.
    const detector = wazuh1().detectors.find((d) => d.id === 'defender/exec-process-replacement')!;
    expect(urls[0]).toBe('https://attack.mitre.org/techniques/T1059/004/');
    expect(urls.slice(1)).toEqual(detector.references);
  });

  it('takes invocation times from the result and options, never the clock', () => {
    expect(run(log).invocations).toEqual([{ executionSuccessful: true, endTimeUtc: '2025-11-12T09:00:36Z' }]);
    const withStart = toSarif(wazuh1(), {
      invocation: { startTimeUtc: '2025-11-12T09:00:30Z', commandLine: 'tripline analyze x' },
    });
    expect(run(withStart).invocations[0]).toMatchObject({
      startTimeUtc: '2025-11-12T09:00:30Z',
      endTimeUtc: '2025-11-12T09:00:36Z',
      commandLine: 'tripline analyze x',
    });
  });

  it('writes times in the canonical UTC form core reads them in, and leaves out what is no time', () => {
    const at = (startTimeUtc: string) => run(toSarif(wazuh1(), { invocation: { startTimeUtc } })).invocations[0]!;
    expect(at('2025-11-12T10:00:30+01:00').startTimeUtc).toBe('2025-11-12T09:00:30Z');
    expect(at('2025-11-12T09:00:30.1234567').startTimeUtc).toBe('2025-11-12T09:00:30.1234567Z');
    expect(at('2025-02-30T09:00:30Z').startTimeUtc).toBeUndefined();
    expect(at('yesterday').startTimeUtc).toBeUndefined();
  });

  it('sets automationDetails only when a category is given, so upload-sarif can set its own', () => {
    expect(run(log).automationDetails).toBeUndefined();
    expect(run(toSarif(wazuh1(), { category: 'defender/prod/' })).automationDetails).toEqual({ id: 'defender/prod/' });
  });
});

describe('toSarif: results', () => {
  const log = toSarif(wazuh1());

  it('has one result per alert, highest severity first, level from severity', () => {
    expect(run(log).results.map((r) => [r.ruleId, r.level])).toEqual([
      ['defender/exposed-unmanaged-device', 'error'],
      ['defender/unassigned-machine-group', 'warning'],
      ['defender/anomalous-logged-on-user', 'warning'],
      ['defender/exec-process-replacement', 'warning'],
      ['defender/root-cron-logon', 'note'],
      ['defender/search-index-segment-deletion', 'note'],
      ['defender/sysstat-collection', 'note'],
      ['defender/unknown-signature', 'note'],
      ['defender/device-type-mismatch', 'note'],
      ['defender/duplicate-adapter-address', 'note'],
      ['defender/edr-agent-recon', 'note'],
      ['defender/edr-inventory-script', 'note'],
      ['defender/edr-inventory-script', 'note'],
      ['defender/edr-log4j-scan', 'note'],
      ['defender/sysstat-collection', 'note'],
    ]);
    for (const r of run(log).results) expect(run(log).tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
  });

  it('maps every severity to a level and GitHub score', () => {
    const sev = ['critical', 'high', 'medium', 'low', 'informational'] as const;
    const res = result(sev.map((s, i) => alert(DETECTORS.exec!, { id: `a${i}`, severity: s, events: [] })));
    expect(
      run(toSarif(res)).results.map((r) => [
        r.level,
        (r.properties!.tripline as { securitySeverity: string }).securitySeverity,
      ]),
    ).toEqual([
      ['error', '9.5'],
      ['error', '8.0'],
      ['warning', '5.5'],
      ['note', '2.0'],
      ['note', '0.5'],
    ]);
  });

  it("states the alert's facts in the message, linking each evidence event to its related location", () => {
    const exec = byRule(log, 'defender/exec-process-replacement');
    expect(exec.message.text).toBe(
      'Defender agent exec: dash → lsof. Device wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net, severity medium, 2 event(s) from 2025-11-07T06:46:38.29932Z to 2025-11-07T06:46:39.284641Z. Evidence: [event 1](1), [event 2](2). Alert tl-573cca4c45815fbc54df.',
    );
    expect(exec.relatedLocations?.map((l) => l.id)).toEqual([1, 2]);
    expect(links(exec.message.text)).toEqual(['1', '2']);
  });

  it('puts the primary location on a per-device, per-alert timeline artifact, region on the key event', () => {
    const exec = byRule(log, 'defender/exec-process-replacement');
    const loc = exec.locations[0]!.physicalLocation;
    expect(loc.artifactLocation.uri).toMatch(
      /^tripline\/devices\/wazuh1\.x0rsjvjofsvujdf53bjf3swsje\.bx\.internal\.cloudapp\.net\/alerts\/exec-process-replacement-[0-9a-f]{12}\.timeline\.txt$/,
    );
    const artifact = run(log).artifacts![loc.artifactLocation.index!]!;
    expect(artifact.location.uri).toBe(loc.artifactLocation.uri);
    expect(artifact.roles).toEqual(['analysisTarget']);
    const lines = artifact.contents.text.split('\n');
    expect(lines[loc.region.startLine - 1]).toBe(loc.region.snippet?.text);
    expect(loc.region.snippet?.text).toBe(
      // Evidence events keep the identity columns and the columns the detector declares.
      '2025-11-07T06:46:38.29932Z DeviceProcessEvents ProcessCreated dash (pid 415044) → lsof (pid 415044) ProcessCommandLine="lsof -a -c java -c javaw -d mem -F pn" FolderPath=/usr/bin/lsof (events.ndjson:39)',
    );
    expect(loc.region.endColumn).toBe(loc.region.snippet!.text.length + 1);
    expect(artifact.length).toBe(Buffer.byteLength(artifact.contents.text));
    // Related locations point at each event's line of the same artifact.
    expect(exec.relatedLocations!.map((l) => lines[l.physicalLocation.region.startLine - 1]!.slice(0, 26))).toEqual([
      '2025-11-07T06:46:38.29932Z',
      '2025-11-07T06:46:39.284641',
    ]);
  });

  it('names the device and the process chain as logical locations', () => {
    const exec = byRule(log, 'defender/exec-process-replacement');
    expect(exec.locations[0]!.logicalLocations).toEqual([
      {
        name: 'lsof[415044]',
        fullyQualifiedName:
          // InitiatingProcessParentId is not among the columns the detector declares: the grandparent has no pid.
          'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net/python3.10/dash[415044]/lsof[415044]',
        kind: 'process',
      },
      {
        name: 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net',
        fullyQualifiedName: 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net',
        kind: 'device',
      },
    ]);
    expect(byRule(log, 'defender/anomalous-logged-on-user').locations[0]!.logicalLocations!.map((l) => l.kind)).toEqual(
      ['device'],
    );
  });

  it('shows the evidence as a code flow in time order with the key event essential', () => {
    const flow = byRule(log, 'defender/exec-process-replacement').codeFlows![0]!.threadFlows[0]!.locations;
    expect(flow.map((l) => [l.executionOrder, l.executionTimeUtc, l.importance])).toEqual([
      [1, '2025-11-07T06:46:38.29932Z', 'essential'],
      [2, '2025-11-07T06:46:39.284641Z', 'important'],
    ]);
    expect(byRule(log, 'defender/anomalous-logged-on-user').codeFlows).toBeUndefined();
  });

  it('fingerprints each alert stably: same alert → same fingerprint across runs, other alerts differ', () => {
    const fps = run(log).results.map((r) => r.partialFingerprints);
    for (const fp of fps) {
      expect(fp.primaryLocationLineHash).toMatch(/^[0-9a-f]{16}:1$/);
      expect(fp['triplineAlert/v1']).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(fps.map((f) => f.primaryLocationLineHash)).size).toBe(fps.length);
    // A later run with more evidence and another generation time: same alert, same fingerprint and path.
    const later = wazuh1();
    const more = {
      ...later,
      generatedAt: '2025-11-13T09:00:00Z',
      alerts: later.alerts.map((a) => ({
        ...a,
        lastSeen: '2025-11-08T00:00:00Z',
        evidence: { ...a.evidence, eventCount: a.evidence.eventCount + 5 },
      })),
    };
    const again = run(toSarif(more)).results;
    expect(again.map((r) => r.partialFingerprints)).toEqual(fps);
    expect(again.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri)).toEqual(
      run(log).results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri),
    );
  });

  it('records detection times and the raw alert facts', () => {
    const exec = byRule(log, 'defender/exec-process-replacement');
    expect(exec.provenance).toEqual({
      firstDetectionTimeUtc: '2025-11-07T06:46:38.29932Z',
      lastDetectionTimeUtc: '2025-11-07T06:46:39.284641Z',
    });
    expect(exec.properties?.tripline).toMatchObject({
      detectorId: 'defender/exec-process-replacement',
      severity: 'medium',
      eventCount: 2,
      eventsShown: 2,
      keyComponents: { FileName: 'lsof', ProcessId: ['415059', '415044'] },
      mitre: [{ id: 'T1059.004', name: 'Command and Scripting Interpreter: Unix Shell' }],
    });
  });

  it('gives an alert whose detector is not in the result a rule of its own, without event text', () => {
    const a = alert({ ...DETECTORS.exec!, id: 'acme/custom-thing' }, { title: `hostile ${HOSTILE}`, events: [] });
    const log2 = toSarif(result([a], { detectors: [] }));
    const rule = run(log2).tool.driver.rules[0]!;
    expect(rule.id).toBe('acme/custom-thing');
    expect(JSON.stringify(rule)).not.toContain('hostile');
    expect(run(log2).results[0]!.ruleIndex).toBe(0);
    // With no evidence kept, the primary location is the timeline header.
    expect(run(log2).results[0]!.locations[0]!.physicalLocation.region.startLine).toBe(1);
  });

  it('caps linked evidence per result and says how many more there are', () => {
    const events = Array.from({ length: 30 }, (_, i) =>
      event(
        'DeviceProcessEvents',
        `2025-11-07T06:46:${String(i).padStart(2, '0')}Z`,
        'ProcessCreated',
        { FileName: 'ps' },
        i + 1,
      ),
    );
    const log2 = toSarif(result([alert(DETECTORS.exec!, { events })]), { limits: { maxEventsPerResult: 12 } });
    const r = run(log2).results[0]!;
    expect(r.relatedLocations).toHaveLength(12);
    expect(r.codeFlows![0]!.threadFlows[0]!.locations).toHaveLength(12);
    expect(links(r.message.text)).toHaveLength(10);
    expect(r.message.text).toContain('and 20 more in the timeline');
  });
});

describe('toSarif: notifications', () => {
  it('reports rejected rows and diagnostics as tool execution notifications', () => {
    const log = toSarif(withRejects());
    const notes = run(log).invocations[0]!.toolExecutionNotifications!;
    expect(notes.map((n) => [n.descriptor.id, n.level])).toEqual([
      ['tripline/input-rejected', 'warning'],
      ['tripline/input-rejected', 'warning'],
      ['tripline/input-rejected', 'warning'],
      ['tripline/input-rejected', 'warning'],
      ['tripline/diagnostic', 'error'],
      ['tripline/diagnostic', 'warning'],
      ['tripline/diagnostic', 'note'],
    ]);
    expect(notes[0]!.message.text).toBe(
      '4 of 57 input rows were rejected and not analysed; 3 are listed in the analysis result.',
    );
    expect(notes[1]!.message.text).toBe(
      'Input row rejected (malformed-json) at events.ndjson line 4: Unexpected token } in JSON at position 17.',
    );
    expect(notes[3]!.properties).toEqual({ source: 'export.csv', record: 3, code: 'missing-timestamp' });
    expect(notes[4]!.associatedRule).toEqual({
      id: 'defender/exec-process-replacement',
      index: run(log).tool.driver.rules.findIndex((r) => r.id === 'defender/exec-process-replacement'),
    });
    for (const n of notes) expect(run(log).tool.driver.notifications![n.descriptor.index]!.id).toBe(n.descriptor.id);
  });

  it('lists at most maxNotifications and counts the rest', () => {
    const notes = run(toSarif(withRejects(), { limits: { maxNotifications: 2 } })).invocations[0]!
      .toolExecutionNotifications!;
    expect(notes).toHaveLength(4);
    expect(notes[3]!.descriptor.id).toBe('tripline/notifications-cut');
    expect(notes[3]!.message.text).toBe(
      '4 more notifications are not listed (1 rejected rows, 3 diagnostics); see the JSON report.',
    );
  });

  it('writes an empty run as a valid log with rules and no results', () => {
    const log = toSarif(empty());
    expect(run(log).results).toEqual([]);
    expect(run(log).artifacts).toBeUndefined();
    expect(run(log).tool.driver.rules).toHaveLength(5);
    expect(run(log).invocations[0]!.toolExecutionNotifications).toBeUndefined();
  });
});

describe('toSarif: limits and the cut', () => {
  it('keeps the highest severities when there are more alerts than maxResults, and says what was left out', () => {
    const input = manyDevices(30); // severities cycle critical, high, medium, low, informational: 6 each
    const log = toSarif(input, { limits: { maxResults: 10 } });
    expect(run(log).results).toHaveLength(10);
    expect(run(log).artifacts).toHaveLength(10);
    expect(new Set(run(log).results.map((r) => (r.properties!.tripline as { severity: string }).severity))).toEqual(
      new Set(['critical', 'high']),
    );
    const cut = run(log).invocations[0]!.toolExecutionNotifications![0]!;
    expect(cut.descriptor.id).toBe('tripline/results-cut');
    expect(cut.level).toBe('warning');
    expect(cut.message.text).toBe(
      '20 of 30 alerts were left out of this SARIF log (limit of 10 results per run); the 10 kept are the highest severity, then earliest. Left out: 2 high, 6 medium, 6 low, 6 informational. The JSON and Markdown reports list every alert.',
    );
    expect(cut.properties).toMatchObject({
      total: 30,
      kept: 10,
      dropped: 20,
      droppedBySeverity: { high: 2, medium: 6, low: 6, informational: 6 },
    });
    expect(run(log).properties?.tripline).toMatchObject({ alertsInLog: 10, alertsLeftOut: 20 });
  });

  it('cuts to the gzip size limit with the largest prefix that fits', () => {
    const input = manyDevices(40);
    const limit = 6_000;
    const log = toSarif(input, { limits: { maxGzipBytes: limit } });
    const kept = run(log).results.length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(40);
    expect(gzipSync(stringifySarif(log)).length).toBeLessThanOrEqual(limit);
    // The survivors are the severity-ordered prefix, and a larger budget keeps more of them.
    expect(run(log).results.map((r) => r.partialFingerprints.primaryLocationLineHash)).toEqual(
      run(toSarif(input))
        .results.slice(0, kept)
        .map((r) => r.partialFingerprints.primaryLocationLineHash),
    );
    expect(run(toSarif(input, { limits: { maxGzipBytes: limit * 2 } })).results.length).toBeGreaterThan(kept);
    expect(run(log).invocations[0]!.toolExecutionNotifications![0]!.message.text).toMatch(
      /limit of 6000 bytes of gzip-compressed SARIF/,
    );
  });

  it('leaves a run within the limits untouched', () => {
    const log = toSarif(manyDevices(30));
    expect(run(log).results).toHaveLength(30);
    expect(run(log).invocations[0]!.toolExecutionNotifications).toBeUndefined();
  });
});

describe('toSarif: hostile text', () => {
  const log = toSarif(hostile());
  const all = strings(log);

  it('leaves no control, bidi, zero-width or lone-surrogate character anywhere in the output', () => {
    const bad = all.filter(([, s]) => /[\p{Cc}\p{Cf}\p{Cs}]/u.test(s.replace(/\n/g, '')));
    expect(bad).toEqual([]);
  });

  it('lets only our own evidence links through in every message', () => {
    const r = run(log).results[0]!;
    expect(links(r.message.text)).toEqual(['1', '2']);
    const messages = all.filter(
      ([p]) =>
        /\.(message|description)\.text$/.test(p) ||
        p.endsWith('.shortDescription.text') ||
        p.endsWith('.fullDescription.text'),
    );
    expect(messages.length).toBeGreaterThan(10);
    for (const [path, text] of messages) {
      if (path === '$.runs[0].results[0].message.text') continue;
      expect([path, links(text)]).toEqual([path, []]);
    }
  });

  it('keeps help.markdown free of injected links, images and HTML', () => {
    for (const rule of run(log).tool.driver.rules) {
      const tree = unified().use(remarkParse).use(remarkGfm).parse(rule.help!.markdown!) as Root;
      const found: string[] = [];
      visit(tree, (node) => {
        if (node.type === 'html' || node.type === 'image') found.push(node.type);
        if (node.type === 'link' && !/^https:\/\/(attack\.mitre\.org|example\.com)\//.test(node.url))
          found.push(`link ${node.url}`);
      });
      expect(found).toEqual([]);
      expect(rule.help!.markdown).not.toMatch(/(?<!\\)<script/);
    }
  });

  it('caps long values with a visible marker and keeps URIs to safe relative paths', () => {
    const r = run(log).results[0]!;
    expect(r.message.text).toMatch(/… \(\+\d+ chars\)/);
    expect(r.message.text.length).toBeLessThan(1500);
    const uri = r.locations[0]!.physicalLocation.artifactLocation.uri;
    expect(uri).toMatch(/^tripline\/devices\/[A-Za-z0-9._-]+\/alerts\/[A-Za-z0-9._-]+\.timeline\.txt$/);
    expect(uri.split('/')).not.toContain('..');
  });

  it('omits times that are not valid date-times instead of writing invalid SARIF', () => {
    const flow = run(log).results[0]!.codeFlows![0]!.threadFlows[0]!.locations;
    expect(flow.filter((l) => l.executionTimeUtc === undefined)).toHaveLength(1);
  });
});

describe('stringifySarif', () => {
  it('is deterministic: same result → byte-identical output', () => {
    expect(stringifySarif(toSarif(wazuh1()))).toBe(stringifySarif(toSarif(wazuh1())));
    expect(stringifySarif(toSarif(hostile()))).toBe(stringifySarif(toSarif(hostile())));
  });

  it('does not depend on the order of alerts or detectors in the input', () => {
    const a = wazuh1();
    const shuffled = { ...a, alerts: [...a.alerts].reverse(), detectors: [...a.detectors].reverse() };
    expect(stringifySarif(toSarif(shuffled))).toBe(stringifySarif(toSarif(a)));
  });

  it('orders keys in SARIF reading order, indents by 2 and ends with a newline', () => {
    const text = stringifySarif({ runs: [], version: '2.1.0', $schema: 's' } as SarifLog);
    expect(text).toBe('{\n  "$schema": "s",\n  "version": "2.1.0",\n  "runs": []\n}\n');
  });

  it('matches the committed wazuh1 golden file', async () => {
    await expect(stringifySarif(toSarif(wazuh1()))).toMatchFileSnapshot('./golden/wazuh1.sarif');
  });
});
