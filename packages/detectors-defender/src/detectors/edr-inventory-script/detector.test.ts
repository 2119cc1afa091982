import { loadFixtures, makeEvent, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector, manifestKeysInContent } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
const ctx = { options: {}, severity: 'low' as const };

function row(over: Record<string, unknown>, additional: Record<string, unknown> = {}) {
  return makeEvent('DeviceEvents', {
    Timestamp: '2025-11-07T06:46:37.049669Z',
    DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
    DeviceName: 'wazuh1',
    ReportId: 7,
    ActionType: 'ScriptContent',
    InitiatingProcessFileName: 'python3.10',
    InitiatingProcessAccountName: 'root',
    InitiatingProcessCommandLine:
      '/bin/python3 /opt/microsoft/mdatp/conf/scripts/get_jar_data_list.py --ScriptName get_jar_data_list.py --jar-paths=/opt/app/lib/*.jar',
    InitiatingProcessParentFileName: 'wdavdaemon',
    AdditionalFields: JSON.stringify({
      ScriptContent: "KEYS = ('Implementation-Version', 'bundle-name')\n",
      InitiatingProcessPosixEffectiveGroup: { Name: 'mdatp', PosixGroupId: 997 },
      InitiatingProcessPosixEffectiveUser: { Name: 'root', PosixUserId: 0 },
      ...additional,
    }),
    ...over,
  });
}

describe('defender/edr-inventory-script', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('keys by script path and reads --flag=value and manifest keys named in the body', () => {
    const m = detector.match!(row({}), ctx);
    expect(m).toMatchObject({
      key: '/opt/microsoft/mdatp/conf/scripts/get_jar_data_list.py',
      variant: 'jar',
      evidence: {
        jarPath: '/opt/app/lib/*.jar',
        manifestKeys: 'implementation-version, bundle-name (named in the script body)',
        group: 'mdatp (gid 997)',
      },
    });
  });

  it('requires all three identity conditions', () => {
    expect(detector.match!(row({ InitiatingProcessParentFileName: 'bash' }), ctx)).toBeUndefined();
    expect(
      detector.match!(
        row({ InitiatingProcessCommandLine: '/bin/python3 /home/bob/get_jar_data_list.py --jar-paths /x' }),
        ctx,
      ),
    ).toBeUndefined();
    expect(
      detector.match!(row({}, { InitiatingProcessPosixEffectiveGroup: { Name: 'bob', PosixGroupId: 1000 } }), ctx),
    ).toBeUndefined();
    // No POSIX group reported and not root: not attributed.
    const bare = makeEvent('DeviceEvents', {
      Timestamp: '2025-11-07T06:46:37Z',
      DeviceId: 'd',
      DeviceName: 'h',
      ReportId: 1,
      ActionType: 'ScriptContent',
      InitiatingProcessAccountName: 'bob',
      InitiatingProcessParentFileName: 'wdavdaemon',
      InitiatingProcessCommandLine: '/bin/python3 /opt/microsoft/mdatp/conf/scripts/find_python_package.py',
    });
    expect(detector.match!(bare, ctx)).toBeUndefined();
  });

  it('maps T1518, not T1518.001', () => {
    expect(detector.meta.mitre).toEqual(['T1518']);
    expect(manifestKeysInContent('\'implementation-vendor\' "Implementation-Vendor"')).toEqual([
      'implementation-vendor',
    ]);
  });
});
