/**
 * Two devices that share a DeviceName (a re-imaged or cloned host, a name reused elsewhere) are two
 * subjects: every place the log names one of them carries a DeviceId prefix that tells it from the other.
 */
import { describe, expect, it } from 'vitest';
import { toSarif } from '../src/index.js';
import { alert, DETECTORS, event, result } from './fixtures.js';
import { schemaErrors } from './validate.js';

const NAME = 'web1.contoso.com';
const FIRST = { id: '3f1c7a9e0b6d4e2f8a5c1b7d9e3f2a6c4b8d0e1f', name: NAME };
const SECOND = { id: '9b2e4d6f8a0c1e3b5d7f9a1c3e5b7d9f0a2c4e6b', name: NAME };
const OTHER = { id: '5d7f9a1c3e5b7d9f0a2c4e6b9b2e4d6f8a0c1e3b', name: 'db1.contoso.com' };
const exec = DETECTORS.exec!;

function execAlert(device: { id: string; name: string }, line: number) {
  const ts = `2025-11-07T06:46:${String(line).padStart(2, '0')}.297778Z`;
  return alert(exec, {
    id: `${exec.id}:${device.id}:lsof`,
    // A subject of its own per device (a fleet finding on several devices is one result: test/fleet.test.ts).
    key: `dash:/usr/bin/lsof:${4000 + line}`,
    device,
    title: `dash replaced by lsof on ${device.name}`,
    events: [
      event(
        'DeviceProcessEvents',
        ts,
        'ProcessCreated',
        {
          DeviceId: device.id,
          DeviceName: device.name,
          FileName: 'lsof',
          FolderPath: '/usr/bin/lsof',
          ProcessId: 4000 + line,
          InitiatingProcessId: 4000 + line,
          InitiatingProcessFileName: 'dash',
        },
        line,
      ),
    ],
  });
}

describe('devices that share a DeviceName in SARIF', () => {
  const log = toSarif(result([execAlert(FIRST, 1), execAlert(SECOND, 2), execAlert(OTHER, 3)]));
  const results = log.runs[0]!.results!;
  const byId = (id: string) =>
    results.find((r) => (r.properties as { tripline: { device: { id: string } } }).tripline.device.id === id)!;

  it('names each with a DeviceId prefix in the message, the logical locations and the evidence path', () => {
    for (const [device, prefix] of [
      [FIRST, '3f1c7a9e'],
      [SECOND, '9b2e4d6f'],
    ] as const) {
      const r = byId(device.id);
      const label = `${NAME} (DeviceId ${prefix})`;
      expect(r.message.text).toContain(`Device ${label},`);
      expect(r.locations?.[0]?.logicalLocations?.map((l) => l.fullyQualifiedName)).toContain(label);
      expect((r.properties as { tripline: { device: { name: string } } }).tripline.device.name).toBe(label);
      expect(r.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toContain(`/devices/${NAME}-${prefix}/`);
    }
  });

  it('stays valid SARIF 2.1.0', () => {
    expect(schemaErrors(log)).toEqual([]);
  });

  it('leaves a device with a name of its own as it is', () => {
    const r = byId(OTHER.id);
    expect(r.message.text).toContain('Device db1.contoso.com,');
    expect(r.message.text).not.toContain('DeviceId');
    expect(r.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toContain('/devices/db1.contoso.com/');
  });
});
