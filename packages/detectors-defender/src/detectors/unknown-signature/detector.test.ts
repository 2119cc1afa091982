import { loadFixtures, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector, platformHint, platformOf } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));

describe('defender/unknown-signature', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  const fixture = (prefix: string) => [...fixtures.fires, ...fixtures.ignores].find((f) => f.name.startsWith(prefix))!;
  const texts = (a: { title: string; description: string; riskAssessment: string }) =>
    `${a.title}\n${a.description}\n${a.riskAssessment}`;

  it('points to package-manager integrity checks and maps no technique', async () => {
    const result = await runFixture(detector, fixture('fires.root-binaries-unknown'));
    const alert = result.alerts[0]!;
    expect(alert.riskAssessment).toContain('debsums');
    expect(alert.riskAssessment).toContain('rpm -Va');
    expect(alert.description).toContain('rarely signed');
    expect(alert.mitre).toEqual([]);
    expect(alert.message.values.binaryCount).toBe('4');
  });

  it('speaks of macOS on a Mac: codesign, spctl, pkgutil — not debsums or rpm', async () => {
    const alert = (await runFixture(detector, fixture('fires.macos-root-binary-unknown'))).alerts[0]!;
    expect(alert.message.templates).toBe(detector.meta.messages.macos);
    expect(texts(alert)).toMatch(/codesign --verify/);
    expect(texts(alert)).toMatch(/spctl --assess/);
    expect(texts(alert)).toMatch(/pkgutil --file-info/);
    expect(texts(alert)).toContain('OSPlatform macOS in DeviceInfo');
    expect(texts(alert)).not.toMatch(/debsums|rpm -V|Linux binaries are rarely signed/);
  });

  it('speaks of Windows on a Windows device: Get-AuthenticodeSignature and sigcheck', async () => {
    const alert = (await runFixture(detector, fixture('fires.windows-system-binary-unknown'))).alerts[0]!;
    expect(alert.message.templates).toBe(detector.meta.messages.windows);
    expect(texts(alert)).toMatch(/Get-AuthenticodeSignature/);
    expect(texts(alert)).toMatch(/sigcheck/);
    expect(texts(alert)).not.toMatch(/debsums|rpm -V|codesign/);
    expect(alert.evidence.keyComponents['Affected Binaries']).toEqual([
      'c:\\program files\\contoso\\backupagent\\cbagent.exe',
    ]);
  });

  it("without DeviceInfo, tells the platform from the binaries' paths", async () => {
    const mac = fixture('fires.macos-root-binary-unknown');
    const noInfo = { ...mac, records: mac.records.filter((r) => r.category !== 'AdvancedHunting-DeviceInfo') };
    const alert = (await runFixture(detector, noInfo)).alerts[0]!;
    expect(alert.message.templates).toBe(detector.meta.messages.macos);
    expect(alert.description).toContain("told by the binaries' paths");
    expect(platformHint('/usr/bin/python3')).toBeUndefined();
    expect(platformHint('/Applications/Slack.app/Contents/MacOS/Slack')).toBe('macos');
    expect(platformHint('C:\\Windows\\System32\\svchost.exe')).toBe('windows');
    expect(platformHint('/snap/core22/1380/usr/bin/python3')).toBe('linux');
    expect(platformOf('WindowsServer2022')).toBe('windows');
    expect(platformOf('macOS')).toBe('macos');
    expect(platformOf('Linux')).toBe('linux');
    expect(platformOf('iOS')).toBe('unknown');
  });
});
