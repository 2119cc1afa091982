import { loadFixtures, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector, isLog4jScan } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));

describe('defender/edr-log4j-scan', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('needs a log4j marker in the scan id, the command line or the body', () => {
    expect(isLog4jScan('log4j_handlersV2', undefined, '')).toBe(true);
    expect(isLog4jScan(undefined, 'x --marker-path /var/opt/microsoft/mdatp/wdavedr/log4jMitigationApplied', '')).toBe(
      true,
    );
    expect(isLog4jScan(undefined, undefined, 'if "JndiLookup" in name:')).toBe(true);
    expect(isLog4jScan('ssh_keys_v1', '--filter-proc sshd', 'import os')).toBe(false);
  });

  it('maps T1518 and T1083', () => {
    expect(detector.meta.mitre).toEqual(['T1518', 'T1083']);
  });
});
