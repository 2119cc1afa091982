import { loadFixtures, makeEvent, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector, duplicateClusters, normalizeLinkLocal, normalizeMac } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const fixture = (name: string) => [...fixtures.fires, ...fixtures.ignores].find((f) => f.name === `${name}.json`)!;

const adapter = (name: string, mac: string, ips: string[]) =>
  makeEvent('DeviceNetworkInfo', {
    Timestamp: '2025-11-07T06:46:02.9561661Z',
    DeviceId: 'd1',
    DeviceName: 'host',
    ReportId: 1,
    NetworkAdapterName: name,
    MacAddress: mac,
    IPAddresses: JSON.stringify(ips.map((IPAddress) => ({ IPAddress, SubnetPrefix: 64, AddressType: 'Private' }))),
  });

describe('defender/duplicate-adapter-address', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('reports the Azure Accelerated Networking pair low, with the explanation and no technique', async () => {
    const result = await runFixture(detector, fixture('fires.azure-accelerated-networking'));
    const alert = result.alerts[0]!;
    expect(alert.severity).toBe('low');
    expect(alert.mitre).toEqual([]);
    expect(alert.message.templates).toBe(detector.meta.messages.azureAcceleratedNetworking);
    expect(alert.message.values).toMatchObject({
      adapters: 'eth0, enP28238s1',
      syntheticAdapter: 'eth0',
      vfAdapters: 'enP28238s1',
      macs: '00-22-48-2E-A8-6C',
    });
    expect(alert.key).toBe('eth0+enP28238s1');
    expect(alert.evidence.keyComponents['Network Adapters Involved']).toEqual(['eth0', 'enP28238s1']);
    expect(alert.evidence.keyComponents.NetworkAdapterVendor).toContain('Mellanox Technologies');
    expect(
      alert.evidence.events.map((e) => [e.fields.NetworkAdapterName, e.fields.NetworkAdapterVendor]),
    ).toContainEqual(['enP28238s1', 'Mellanox Technologies']);
  });

  it('keeps any other duplicate medium', async () => {
    for (const name of ['fires.on-prem-two-eth-same-mac', 'fires.enp-pair-not-azure']) {
      const result = await runFixture(detector, fixture(name));
      expect(result.alerts[0]!.severity).toBe('medium');
      expect(result.alerts[0]!.message.templates).toBe(detector.meta.messages.default);
    }
  });

  it('never maps T1016', () => {
    expect(detector.meta.mitre).not.toContain('T1016');
  });

  it('normalises MAC and link-local addresses', () => {
    expect(normalizeMac('00:22:48:2e:a8:6c')).toBe('00-22-48-2E-A8-6C');
    expect(normalizeMac('0022.482e.a86c')).toBe('00-22-48-2E-A8-6C');
    expect(normalizeMac('00-00-00-00-00-00')).toBeUndefined();
    expect(normalizeMac('FF-FF-FF-FF-FF-FF')).toBeUndefined();
    expect(normalizeMac('')).toBeUndefined();
    expect(normalizeLinkLocal('fe80::222:48ff:fe2e:a86c')).toBe('fe80::222:48ff:fe2e:a86c');
    expect(normalizeLinkLocal('FE80::222:48FF:FE2E:A86C%eth0')).toBe('fe80::222:48ff:fe2e:a86c');
    expect(normalizeLinkLocal('fe80:1e::f6d4:88ff:fe68:3c84')).toBe('fe80::f6d4:88ff:fe68:3c84');
    expect(normalizeLinkLocal('fe80:0:0:0:0:0:0:1')).toBe('fe80::1');
    expect(normalizeLinkLocal('10.0.0.4')).toBeUndefined();
    expect(normalizeLinkLocal('fd7a:115c:a1e0::2b01:6da4')).toBeUndefined();
    expect(normalizeLinkLocal('fe80::1::2')).toBeUndefined();
  });

  it('joins adapters that share a MAC with those that share only a link-local address', () => {
    const clusters = duplicateClusters([
      adapter('eth0', '00-11-22-33-44-55', ['fe80::1']),
      adapter('eth1', '00-11-22-33-44-55', []),
      adapter('eth2', '00-11-22-33-44-66', ['fe80::1']),
      adapter('eth3', '00-11-22-33-44-77', ['fe80::7']),
    ]);
    expect(clusters).toHaveLength(1);
    expect(clusters[0]!.adapters.map((a) => a.str('NetworkAdapterName'))).toEqual(['eth0', 'eth1', 'eth2']);
    expect(clusters[0]!.macs).toEqual(['00-11-22-33-44-55']);
    expect(clusters[0]!.linkLocals).toEqual(['fe80::1']);
  });
});
