import { loadFixtures, makeEvent, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector, locateScript, recogniseContent } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const SA1 =
  '#!/bin/sh\n# /usr/lib/sysstat/sa1\n#@(#) sa1: Collect and store binary data in system activity data file.\nSA_DIR=/var/log/sysstat\nSYSCONFIG_DIR=/etc/sysstat\nexec ${ENDIR}/sadc -F -L ${SADC_OPTIONS} 1 1 ${SA_DIR}\n';

describe('defender/sysstat-collection', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('names no launcher when the row names neither the interpreter nor its parent', async () => {
    const timer = fixtures.fires.find((f) => f.name === 'fires.sa1-systemd-timer.json')!;
    const records = timer.records.map((r) => {
      const { InitiatingProcessFileName: _f, InitiatingProcessParentFileName: _p, ...rest } = r.properties;
      return { ...r, properties: rest };
    });
    const { alerts } = await runFixture(detector, { ...timer, records });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.description).toContain('launched here by an interpreter not named in the event');
    expect(alerts[0]!.evidence.keyComponents['Launched By']).toBeUndefined();
  });

  it('recognises sa1 and debian-sa1 by content, and nothing else', () => {
    expect(recogniseContent(SA1)).toMatchObject({
      kind: 'sa1',
      purpose: 'Collect and store binary data in system activity data file',
      dataDirectory: '/var/log/sysstat',
    });
    expect(
      recogniseContent(
        '#!/bin/sh\nDEFAULT=/etc/default/sysstat\nENABLED=false\n. "$DEFAULT"\nexec /usr/lib/sysstat/sa1 "$@"\n',
      )?.kind,
    ).toBe('debian-sa1');
    expect(recogniseContent('')).toBeUndefined();
    expect(recogniseContent('#!/bin/sh\n#@(#) sa1: Collect and store binary data\necho hi\n')).toBeUndefined();
    expect(
      recogniseContent('#!/bin/sh\n# mentions /etc/default/sysstat and ENABLED but runs nothing\n'),
    ).toBeUndefined();
  });

  it('takes the path from the columns, then the command line (relative names via the working directory), then the header', () => {
    const base = {
      Timestamp: '2025-11-07T06:40:09.38102Z',
      DeviceId: 'd',
      DeviceName: 'h',
      ReportId: 1,
      ActionType: 'ScriptContent',
    };
    const cols = makeEvent('DeviceEvents', { ...base, FolderPath: '/usr/lib/sysstat/sa1', FileName: 'sa1' });
    expect(locateScript(cols, 'sa1', SA1)).toEqual({ path: '/usr/lib/sysstat/sa1', source: 'FolderPath' });
    const rel = makeEvent('DeviceEvents', {
      ...base,
      InitiatingProcessCommandLine: '/bin/sh ./sa1 1 1',
      AdditionalFields: JSON.stringify({ InitiatingProcessCurrentWorkingDirectory: '/usr/lib/sysstat' }),
    });
    expect(locateScript(rel, 'sa1', SA1)).toEqual({ path: '/usr/lib/sysstat/sa1', source: 'command line' });
    const none = makeEvent('DeviceEvents', base);
    expect(locateScript(none, 'sa1', SA1)).toEqual({ path: '/usr/lib/sysstat/sa1', source: 'script header' });
    expect(locateScript(none, 'debian-sa1', '#!/bin/sh\n')).toBeUndefined();
  });

  it('does not fire on an sa1 body without any path evidence', () => {
    const event = makeEvent('DeviceEvents', {
      Timestamp: '2025-11-07T06:40:09.38102Z',
      DeviceId: 'd',
      DeviceName: 'h',
      ReportId: 1,
      ActionType: 'ScriptContent',
      AdditionalFields: JSON.stringify({ ScriptContent: SA1.replace('# /usr/lib/sysstat/sa1\n', '') }),
    });
    expect(detector.match!(event, { options: {}, severity: 'low' })).toBeUndefined();
  });

  it('maps no technique, and never T1070.003', () => {
    expect(detector.meta.mitre).toEqual([]);
    expect(detector.meta.mitreNotes).toContain('T1070.003');
  });
});
