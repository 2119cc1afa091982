import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector, serverNameTokens } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const fixture = (name: string) => [...fixtures.fires, ...fixtures.ignores].find((f) => f.name === `${name}.json`)!;

describe('defender/device-type-mismatch', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('names the signals it used', async () => {
    const result = await runFixture(detector, fixture('fires.azure-linux-vm-workstation'));
    const alert = result.alerts[0]!;
    expect(alert.severity).toBe('low');
    expect(alert.evidence.keyComponents['Cloud VM']).toEqual([
      'Azure VM (/subscriptions/03149062-a982-4abf-b406-7e0d9ca2f1ca/resourceGroups/SentinelSOC/providers/Microsoft.Compute/virtualMachines/Wazuh1)',
    ]);
    expect(alert.evidence.keyComponents['Server-Role Host Name']).toEqual(['wazuh']);
    expect(alert.description).toContain('server-role host name: wazuh');
    expect(alert.evidence.events.map((e) => e.table)).toEqual(['DeviceInfo']);
  });

  it('uses server software seen on the device, and extra names from options', async () => {
    const result = await runFixture(detector, fixture('fires.on-prem-rhel-database'));
    expect(result.alerts[0]!.evidence.keyComponents['Server Software Seen']).toEqual(['mysqld']);
    const laptop = fixture('ignores.windows11-laptop');
    const none = await runFixture(detector, laptop, {
      detectors: { 'defender/device-type-mismatch': { options: { extraServerProcesses: ['mysqld'] } } },
    });
    expect(none.alerts).toEqual([]);
  });

  it('never fires on the host name alone', () => {
    expect(serverNameTokens('wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net')).toEqual(['wazuh']);
    expect(serverNameTokens('sql-prod-02')).toEqual(['sql']);
    expect(serverNameTokens('DESKTOP-7H3K2LM')).toEqual([]);
    expect(serverNameTokens('laptop-7h3k2lm.contoso.com')).toEqual([]);
  });
});
