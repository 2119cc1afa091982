import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../internal/address.js';
import { detector as identity } from '../anomalous-logged-on-user/detector.js';
import { detector as duplicateAdapter } from '../duplicate-adapter-address/detector.js';
import { detector as unassigned } from '../unassigned-machine-group/detector.js';
import { detector } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const fixture = (name: string) => [...fixtures.fires, ...fixtures.ignores].find((f) => f.name === `${name}.json`)!;
const context = [identity, unassigned, duplicateAdapter];

describe('defender/exposed-unmanaged-device', () => {
  it('passes its fixtures (with the detectors it builds on)', async () => {
    await testDetector(detector, fixtures, context);
  });

  it('correlates the exposure, the unassigned group and the identity anomaly, naming the alerts it builds on', async () => {
    const result = await runFixture([detector, ...context], fixture('fires.wazuh1-public-unassigned-login'));
    const alert = result.alerts.find((a) => a.detectorId === detector.meta.id)!;
    expect(alert.severity).toBe('high');
    expect(alert.mitre.map((m) => m.id)).toEqual(['T1133']);
    const identityAlert = result.alerts.find((a) => a.detectorId === identity.meta.id)!;
    const unassignedAlert = result.alerts.find((a) => a.detectorId === unassigned.meta.id)!;
    expect([...alert.relatedAlerts].sort()).toEqual([identityAlert.id, unassignedAlert.id].sort());
    expect(alert.evidence.keyComponents['Related Alerts']).toEqual([
      `defender/anomalous-logged-on-user (medium) ${identityAlert.id}`,
    ]);
    expect(alert.message.values).toMatchObject({
      machineGroup: 'UnassignedGroup',
      relatedCount: 1,
      loggedOnUsers: 'LOGIN',
    });
    expect(alert.description).toContain('1 other finding(s): defender/anomalous-logged-on-user. Logged-on users');
    // The low Accelerated Networking alert does not qualify: only identity anomalies or medium and above.
    expect(result.alerts.find((a) => a.detectorId === duplicateAdapter.meta.id)?.severity).toBe('low');
  });

  it('does not fire without the detectors it builds on', async () => {
    const result = await runFixture([detector, unassigned], fixture('fires.wazuh1-public-unassigned-login'));
    expect(result.alerts.filter((a) => a.detectorId === detector.meta.id)).toEqual([]);
  });

  it('tells public from private addresses', () => {
    for (const ip of ['52.186.168.241', '3.91.20.5', '2603:1030:20e:3::23c']) expect(isPublicAddress(ip)).toBe(true);
    for (const ip of [
      '10.200.4.17',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      'fe80::1',
      'fd7a:115c:a1e0::1',
      '999.1.1.1',
      'not-an-ip',
    ]) {
      expect(isPublicAddress(ip)).toBe(false);
    }
    expect(isPublicAddress('172.32.0.1')).toBe(true);
  });
});
