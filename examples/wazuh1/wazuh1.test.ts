/**
 * The reference scenario: running the Defender preset on the raw events behind `seed-report.md`
 * covers every one of its sixteen findings (ALERT-001 … ALERT-016), with the corrections that
 * DETECTORS.md makes, and nothing the reference did not see.
 */
import { type Alert, type AnalysisResult, analyze, fromFile, stringifyReport } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { beforeAll, describe, expect, it } from 'vitest';

const EVENTS = new URL('./events.ndjson', import.meta.url).pathname;
const DEVICE = 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net';

let result: AnalysisResult;
beforeAll(async () => {
  result = await analyze(fromFile(EVENTS), { detectors: defenderDetectors, generatedAt: '2025-11-12T09:00:36Z' });
});

function one(detectorId: string, key?: string): Alert {
  const found = result.alerts.filter((a) => a.detectorId === detectorId && (key === undefined || a.key === key));
  expect(found, `${detectorId} ${key ?? ''}`).toHaveLength(1);
  return found[0]!;
}

const kc = (a: Alert, label: string): string | readonly string[] | undefined => a.evidence.keyComponents[label];
const mitre = (a: Alert) => a.mitre.map((m) => m.id);

/** Each reference finding → the alert that covers it, and the key components the reference shows. */
const REFERENCE: Record<string, () => void> = {
  'ALERT-001 sysstat sa1': () => {
    const a = one('defender/sysstat-collection', '/usr/lib/sysstat/sa1');
    expect(a.severity).toBe('low');
    expect(kc(a, 'Script Path')).toContain('/usr/lib/sysstat/sa1');
    expect(kc(a, 'Purpose')).toBe('Collect and store binary data in system activity data file');
    expect(a.firstSeen).toBe('2025-11-07T06:40:09.38102Z');
    expect(mitre(a)).not.toContain('T1070.003');
  },
  'ALERT-002 get_jar_data_list.py': () => {
    const a = one('defender/edr-inventory-script', '/opt/microsoft/mdatp/conf/scripts/get_jar_data_list.py');
    expect(kc(a, 'Script Name')).toBe('get_jar_data_list.py');
    expect(kc(a, 'Jar Search Path')).toBe(
      '/usr/sap/*/*/j2ee/cluster/apps/sap.com/devserver_metadataupload_ear/servlet_jsp/developmentserver/root/WEB-INF/lib/devserver_metadataupload_war.jar',
    );
    expect(kc(a, 'Manifest Keys Collected')).toContain('implementation-version');
    expect(a.firstSeen).toBe('2025-11-07T06:46:37.049669Z');
    expect(mitre(a)).toEqual(['T1518']);
  },
  'ALERT-003 find_python_package.py': () => {
    const a = one('defender/edr-inventory-script', '/opt/microsoft/mdatp/conf/scripts/find_python_package.py');
    expect(kc(a, 'Search Directories')).toBe('/home/user/envs,/opt/venvs');
    expect(kc(a, 'Global Directories')).toBe('/usr/local/lib,/tmp/venv/lib');
    expect(a.firstSeen).toBe('2025-11-07T06:46:37.247243Z');
  },
  'ALERT-004 open_files.py log4j scan': () => {
    const a = one('defender/edr-log4j-scan');
    expect(kc(a, 'Scan ID')).toBe('log4j_handlersV2');
    expect(kc(a, 'Filter Name')).toBe('log4j,LOG4J,spring-core');
    expect(kc(a, 'Marker Path')).toBe('/var/opt/microsoft/mdatp/wdavedr/log4jMitigationApplied');
    expect(kc(a, 'Collect Dirlist')).toBe('/log4j/core/lookup/JndiLookup.class,log4j-,spring-core-');
    expect(mitre(a).sort()).toEqual(['T1083', 'T1518']);
  },
  'ALERT-005 debian-sa1 helper': () => {
    const a = one('defender/sysstat-collection', '/usr/lib/sysstat/debian-sa1');
    expect(String(kc(a, 'Purpose'))).toContain('/usr/lib/sysstat/sa1');
    expect(String(kc(a, 'Configuration Check'))).toContain('/etc/default/sysstat');
    expect(a.firstSeen).toBe('2025-11-07T06:55:01.964973Z');
  },
  'ALERT-006 Lucene segment deletions': () => {
    const a = one('defender/search-index-segment-deletion');
    expect(kc(a, 'Initiating Process')).toBe('/usr/share/wazuh-indexer/jdk/bin/java');
    expect(kc(a, 'Initiating Account')).toBe('wazuh-indexer (uid 998)');
    expect(a.evidence.eventCount).toBe(14);
    expect(a.firstSeen).toBe('2025-11-07T06:40:04.393268Z');
  },
  'ALERT-007 EDR agent recon': () => {
    const a = one('defender/edr-agent-recon');
    expect(kc(a, 'Processes Observed')).toEqual(expect.arrayContaining(['python3.10', 'osqueryi', 'ps', 'lsof']));
    expect(kc(a, 'InitiatingProcessPosixEffectiveGroup')).toBe('mdatp (gid 997)');
    expect(a.firstSeen).toBe('2025-11-07T06:46:36.992885Z');
    expect(mitre(a).sort()).toEqual(['T1057', 'T1082']);
  },
  'ALERT-008 dash → lsof exec': () => {
    const a = one('defender/exec-process-replacement');
    expect(a.severity).toBe('medium');
    expect(kc(a, 'ProcessId')).toEqual(expect.arrayContaining(['415044', '415059']));
    expect(kc(a, 'InitiatingProcessCreationTime')).toEqual(
      expect.arrayContaining(['2025-11-07T06:46:38.296951Z', '2025-11-07T06:46:39.28427Z']),
    );
    expect(kc(a, 'ProcessCreationTime')).toEqual(
      expect.arrayContaining(['2025-11-07T06:46:38.29932Z', '2025-11-07T06:46:39.284641Z']),
    );
    expect(mitre(a)).toEqual(['T1059.004']);
  },
  'ALERT-009 unknown signature': () => {
    const a = one('defender/unknown-signature');
    expect(kc(a, 'Affected Binaries')).toEqual(
      expect.arrayContaining(['/usr/bin/dash', '/usr/bin/python3.10', '/usr/bin/lsof']),
    );
    expect(a.firstSeen).toBe('2025-11-07T06:45:01.892722Z');
    expect(a.mitre).toEqual([]);
  },
  'ALERT-010 root cron logons': () => {
    const a = one('defender/root-cron-logon');
    expect(a.evidence.eventCount).toBe(4);
    expect(kc(a, 'InitiatingProcessCommandLine')).toEqual(['/usr/sbin/cron -f -P']);
    expect(kc(a, 'PosixUserId')).toBe('0');
    expect(kc(a, 'Interval')).toBe('about every 5 minutes');
  },
  'ALERT-011 LOGIN in LoggedOnUsers (corrected: utmp placeholder, medium)': () => {
    const a = one('defender/anomalous-logged-on-user', 'LOGIN');
    expect(a.severity).toBe('medium');
    expect(kc(a, 'LoggedOnUser')).toBe('LOGIN');
    expect(kc(a, 'DeviceId')).toBe('875524232b2377b606ca585f2a6692b5be921b94');
    expect(a.description).toMatch(/utmp|getty/i);
  },
  'ALERT-012 + ALERT-015 unassigned machine group (one alert, both sources)': () => {
    const a = one('defender/unassigned-machine-group');
    expect(a.severity).toBe('medium');
    expect(kc(a, 'Sources Seen')).toEqual(['DeviceInfo', 'DeviceNetworkInfo']);
    expect(kc(a, 'AzureResourceId')).toBe(
      '/subscriptions/03149062-a982-4abf-b406-7e0d9ca2f1ca/resourceGroups/SentinelSOC/providers/Microsoft.Compute/virtualMachines/Wazuh1',
    );
  },
  'ALERT-013 exposed unmanaged device': () => {
    const a = one('defender/exposed-unmanaged-device');
    expect(a.severity).toBe('high');
    expect(kc(a, 'PublicIP')).toBe('52.186.168.241');
    expect(kc(a, 'MachineGroup')).toBe('UnassignedGroup');
    expect(mitre(a)).toEqual(['T1133']);
    const login = one('defender/anomalous-logged-on-user', 'LOGIN');
    expect(a.relatedAlerts).toContain(login.id);
  },
  'ALERT-014 workstation type on an Azure server': () => {
    const a = one('defender/device-type-mismatch');
    expect(kc(a, 'DeviceType')).toBe('Workstation');
    expect(String(kc(a, 'Cloud VM'))).toContain('Azure');
  },
  'ALERT-016 duplicate MAC (corrected: Accelerated Networking, low)': () => {
    const a = one('defender/duplicate-adapter-address');
    expect(a.severity).toBe('low');
    expect(kc(a, 'Duplicate MAC Address')).toEqual(['00-22-48-2E-A8-6C']);
    expect(kc(a, 'Duplicate IPv6 Link-Local Address')).toEqual(['fe80::222:48ff:fe2e:a86c']);
    expect(kc(a, 'Network Adapters Involved')).toEqual(['eth0', 'enP28238s1']);
    expect(mitre(a)).not.toContain('T1016');
  },
};

describe('examples/wazuh1 — the reference report, from raw events', () => {
  it('reads every row and rejects none', () => {
    expect(result.summary).toMatchObject({ eventsRead: 53, eventsAnalyzed: 53, eventsRejected: 0, devices: 1 });
    expect(result.devices[0]!.name).toBe(DEVICE);
    expect(result.diagnostics.filter((d) => d.level === 'error')).toEqual([]);
  });

  for (const [finding, check] of Object.entries(REFERENCE)) it(`covers ${finding}`, check);

  it('has the highest severity high, from the exposed-unmanaged-device correlation only', () => {
    expect(result.summary.highestSeverity).toBe('high');
    expect(result.alerts.filter((a) => a.severity === 'high').map((a) => a.detectorId)).toEqual([
      'defender/exposed-unmanaged-device',
    ]);
  });

  it('raises exactly the fifteen alerts behind the sixteen findings (012/015 are one), and no attack detector fires', () => {
    expect(result.alerts).toHaveLength(15);
    const attack = [
      'destructive-deletion',
      'logon-brute-force',
      'public-remote-logon',
      'suspicious-command-line',
      'suspicious-script-content',
    ];
    expect(result.alerts.filter((a) => attack.some((id) => a.detectorId === `defender/${id}`))).toEqual([]);
  });

  it('keeps the 64-bit ReportIds exact in the JSON report', () => {
    const json = stringifyReport(result);
    expect(json).toContain('"reportId": "639199803770463703"');
    expect(json).toContain('"reportId": "639199916335094211"');
  });

  it('is deterministic', async () => {
    const again = await analyze(fromFile(EVENTS), {
      detectors: defenderDetectors,
      generatedAt: '2025-11-12T09:00:36Z',
    });
    expect(stringifyReport(again)).toBe(stringifyReport(result));
  });
});
