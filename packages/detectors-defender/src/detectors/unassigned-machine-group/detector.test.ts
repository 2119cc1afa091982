import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { isUnassignedGroup } from '../../internal/device-info.js';
import { detector } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const fixture = (name: string) => [...fixtures.fires, ...fixtures.ignores].find((f) => f.name === `${name}.json`)!;

describe('defender/unassigned-machine-group', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('reports one alert per device with DeviceInfo and DeviceNetworkInfo as evidence', async () => {
    const result = await runFixture(detector, fixture('fires.wazuh1-info-and-network'));
    expect(result.alerts).toHaveLength(1);
    const alert = result.alerts[0]!;
    expect(alert.severity).toBe('medium');
    expect(alert.mitre).toEqual([]);
    expect(new Set(alert.evidence.events.map((e) => e.table))).toEqual(new Set(['DeviceInfo', 'DeviceNetworkInfo']));
    expect(alert.message.values).toMatchObject({
      machineGroup: 'UnassignedGroup',
      osPlatform: 'Linux',
      sources: 'DeviceInfo and DeviceNetworkInfo',
    });
    expect(alert.evidence.keyComponents.NetworkAdapterName).toEqual(['eth0', 'enP28238s1', 'lo']);
  });

  it('recognises the group name only', () => {
    expect(isUnassignedGroup('UnassignedGroup')).toBe(true);
    expect(isUnassignedGroup('unassignedgroup')).toBe(true);
    expect(isUnassignedGroup('Linux Servers')).toBe(false);
    expect(isUnassignedGroup(undefined)).toBe(false);
    expect(isUnassignedGroup('')).toBe(false);
  });
});
