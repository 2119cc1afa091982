/**
 * Two devices that share a DeviceName (a re-imaged or cloned host, a name reused elsewhere) are two
 * subjects: wherever the report names one of them, a DeviceId prefix tells it from the other.
 */
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/index.js';
import { alert, ev, result } from './fixtures/build.js';
import { codeBlocks, parse, raggedTables } from './support/mdast.js';

const NAME = 'web1.contoso.com';
const FIRST = { id: '3f1c7a9e0b6d4e2f8a5c1b7d9e3f2a6c4b8d0e1f', name: NAME };
const SECOND = { id: '9b2e4d6f8a0c1e3b5d7f9a1c3e5b7d9f0a2c4e6b', name: NAME };
const OTHER = { id: '5d7f9a1c3e5b7d9f0a2c4e6b9b2e4d6f8a0c1e3b', name: 'db1.contoso.com' };

function exposed(id: string, device: { id: string; name: string }, line: number) {
  return alert({
    id,
    detectorId: 'defender/exposed-unmanaged-device',
    severity: 'high',
    category: 'Network Exposure / Compromise',
    device,
    templates: {
      title: 'Exposed device {deviceName} in the unassigned group',
      description: 'Device {deviceName} is reachable from the Internet.',
      riskAssessment: 'Check {deviceName}.',
    },
    values: { deviceName: device.name },
    events: [
      ev(
        'DeviceInfo',
        `2025-11-07T06:46:${String(line).padStart(2, '0')}.297778Z`,
        undefined,
        {
          DeviceName: device.name,
          PublicIP: '52.186.168.241',
          MachineGroup: 'UnassignedGroup',
        },
        line,
      ),
    ],
  });
}

const run = () =>
  result({
    alerts: [exposed('a1', FIRST, 1), exposed('a2', SECOND, 2), exposed('a3', OTHER, 3)],
    eventsAnalyzed: 3,
    timeRange: { start: '2025-11-07T06:46:01Z', end: '2025-11-07T06:46:03Z' },
  });

describe('devices that share a DeviceName', () => {
  const md = renderMarkdown(run());

  it('tells them apart by a DeviceId prefix in the overview, the device table, headings, titles and fields', () => {
    expect(raggedTables(parse(md))).toEqual([]);
    // Overview rows and titles (short names: the DNS domain is dropped, no other device is called web1).
    expect(md).toContain('| Exposed device `web1` (id `3f1c7a9e`) in the unassigned group | `web1` (id `3f1c7a9e`) |');
    expect(md).toContain('| Exposed device `web1` (id `9b2e4d6f`) in the unassigned group | `web1` (id `9b2e4d6f`) |');
    // The device table keeps the full name.
    expect(md).toContain(`| \`${NAME}\` (id \`3f1c7a9e\`) | — |`);
    expect(md).toContain(`| \`${NAME}\` (id \`9b2e4d6f\`) | — |`);
    // Per-device headings and each alert's DeviceName field.
    expect(md).toContain('### 🖥️ Device `web1` (id `3f1c7a9e`) (1 alert)');
    expect(md).toContain('### 🖥️ Device `web1` (id `9b2e4d6f`) (1 alert)');
    expect(md).toContain(`- **DeviceName:** \`${NAME}\` (id \`3f1c7a9e\`)`);
    expect(md).toContain(`- **DeviceName:** \`${NAME}\` (id \`9b2e4d6f\`)`);
    expect(md).toContain('Device `web1` (id `9b2e4d6f`) is reachable from the Internet.');
    // A name no other device has gets no suffix.
    expect(md).toContain('| Exposed device `db1` in the unassigned group | `db1` |');
    expect(md).toContain('### 🖥️ Device `db1` (1 alert)');
    expect(md).toContain('- **DeviceName:** `db1.contoso.com`\n');
  });

  it('names every device of a compact report the same way', () => {
    const compact = renderMarkdown(run(), { compact: true });
    expect(compact).toContain('· `web1` (id `3f1c7a9e`) ·');
    expect(compact).toContain('· `web1` (id `9b2e4d6f`) ·');
  });

  it('uses a longer prefix when the first 8 characters of the DeviceIds are the same too', () => {
    const twin = { id: '3f1c7a9e77777777777777777777777777777777', name: NAME };
    const md = renderMarkdown(result({ alerts: [exposed('a1', FIRST, 1), exposed('a2', twin, 2)], eventsAnalyzed: 2 }));
    expect(md).toContain('(id `3f1c7a9e0`)');
    expect(md).toContain('(id `3f1c7a9e7`)');
  });

  it('keeps the full name when two devices have the same host name in different domains', () => {
    const md = renderMarkdown(
      result({
        alerts: [exposed('a1', FIRST, 1), exposed('a2', { id: 'x2', name: 'web1.fabrikam.com' }, 2)],
        eventsAnalyzed: 2,
      }),
    );
    expect(md).toContain('| Exposed device `web1.contoso.com` in the unassigned group | `web1.contoso.com` |');
    expect(md).toContain('| Exposed device `web1.fabrikam.com` in the unassigned group | `web1.fabrikam.com` |');
    expect(codeBlocks(parse(md), 'mermaid')).toHaveLength(1);
  });
});
