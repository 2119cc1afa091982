/**
 * Analysis results for the SARIF reporter's tests: the wazuh1 scenario is the real engine's golden
 * record (test/golden/wazuh1.report.json); what real data lacks — many devices, an empty run, rejected
 * rows and diagnostics — is built by hand and read through the report schema (`parseJsonReport`), so
 * each is a valid record; hostile text in every field an attacker controls is built by hand too, some
 * of it breaking the schema's constraints on purpose.
 */

import { createHash } from 'node:crypto';
import type {
  Alert,
  AnalysisResult,
  DetectorInfo,
  EvidenceEvent,
  FieldValue,
  Severity,
  TableName,
} from '@tripline/core';
import { compareSeverity, parseJsonReport, REPORT_SCHEMA_VERSION } from '@tripline/core';
import { fleetFindings } from '@tripline/core/unstable';
import { goldenResult } from '../../../test/golden/golden.js';

const WAZUH = 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net';
const WAZUH_ID = '875524232b2377b606ca585f2a6692b5be921b94';

/** Detector metadata as core reports it for the detectors the fixtures use. */
export const DETECTORS: Readonly<Record<string, DetectorInfo>> = {
  exec: {
    id: 'defender/exec-process-replacement',
    title: 'Shell replaced by the command it ran (exec)',
    summary:
      "A process event whose ProcessId equals its InitiatingProcessId while the image differs: a shell exec'd the command it was asked to run.",
    rationale:
      '`sh -c "cmd"` replaces the shell with the command by design; attackers use the same mechanism to hide a tool behind a shell. The event is reported so the command and its chain can be reviewed.',
    severity: 'medium',
    severityNotes:
      'High when the new image or command line is itself suspicious (network tools, reverse shells, binaries in /tmp).',
    category: 'Execution',
    mitre: [{ id: 'T1059.004', name: 'Command and Scripting Interpreter: Unix Shell' }],
    references: ['https://man7.org/linux/man-pages/man3/exec.3.html'],
    falsePositives: ["Agents and scripts that run commands through `sh -c` (Defender's own scans do)."],
    tables: ['DeviceProcessEvents'],
    actionTypes: ['ProcessCreated'],
  },
  login: {
    id: 'defender/anomalous-logged-on-user',
    title: 'Anomalous logged-on user name',
    summary:
      'A LoggedOnUsers entry that is not a plausible account name (generic or placeholder names such as LOGIN, admin, test).',
    rationale:
      'Placeholder names can hide who is on a device. On Linux, LOGIN is also the utmp record agetty writes for a terminal waiting at a login prompt.',
    severity: 'high',
    severityNotes: 'Medium for the utmp LOGIN placeholder alone.',
    category: 'Identity and Access',
    mitre: [{ id: 'T1078', name: 'Valid Accounts' }],
    references: ['https://man7.org/linux/man-pages/man5/utmp.5.html'],
    falsePositives: ['A getty on the serial console (ttyS0) of an Azure VM writes a LOGIN record.'],
    tables: ['DeviceInfo', 'DeviceLogonEvents'],
  },
  adapter: {
    id: 'defender/duplicate-adapter-address',
    title: 'Duplicate adapter address',
    summary: 'Two or more network adapters on one device report the same MAC or IPv6 link-local address.',
    rationale:
      'Duplicate addresses cause network conflicts and can indicate spoofing; Azure Accelerated Networking pairs a synthetic adapter with its SR-IOV function by design.',
    severity: 'medium',
    category: 'Network Configuration',
    mitre: [],
    mitreNotes:
      'A configuration finding, not an attacker technique; ARP spoofing (T1557.002) is the risk it would enable.',
    references: ['https://learn.microsoft.com/azure/virtual-network/accelerated-networking-overview'],
    falsePositives: ['Azure VMs with Accelerated Networking (eth0 paired with enP<n>s<m>).'],
    tables: ['DeviceNetworkInfo'],
  },
  sysstat: {
    id: 'defender/sysstat-collection',
    title: 'sysstat activity collection',
    summary: "Script content of sysstat's sa1 collector run by cron.",
    rationale: 'Benign scheduled performance collection; reported low so that look-alike scripts stand out.',
    severity: 'low',
    category: 'System Monitoring',
    mitre: [{ id: 'T1053.003', name: 'Scheduled Task/Job: Cron' }],
    references: [],
    falsePositives: [],
    tables: ['DeviceEvents'],
    actionTypes: ['ScriptContent'],
  },
  unassigned: {
    id: 'defender/unassigned-machine-group',
    title: 'Device in the unassigned machine group',
    summary: 'A device reported in MachineGroup UnassignedGroup.',
    rationale: 'Unassigned devices may miss the policies of their real group.',
    severity: 'medium',
    category: 'Asset Management',
    mitre: [],
    references: [],
    falsePositives: [],
    tables: ['DeviceInfo', 'DeviceNetworkInfo'],
  },
};

/** One evidence event with the columns Defender would send; its ReportId (beyond 2^53, as in Defender) follows from its line. */
export function event(
  table: TableName,
  timestamp: string,
  actionType: string | undefined,
  fields: Record<string, FieldValue>,
  line = 1,
  source = 'events.ndjson',
): EvidenceEvent {
  const reportId = (639199803770463703n + BigInt(line)).toString();
  return {
    table,
    timestamp,
    ...(actionType !== undefined ? { actionType } : {}),
    reportId,
    source: { source, line },
    fields: { Timestamp: timestamp, DeviceId: WAZUH_ID, DeviceName: WAZUH, ReportId: reportId, ...fields },
  };
}

/** An alert with sensible defaults; tests override what they exercise. */
export function alert(
  detector: DetectorInfo,
  over: Partial<Alert> & { events: readonly EvidenceEvent[]; keyComponents?: Alert['evidence']['keyComponents'] },
): Alert {
  const { events, keyComponents = {}, ...rest } = over;
  const times = events.map((e) => e.timestamp).sort();
  return {
    id: `${detector.id}:${WAZUH_ID}:${rest.key ?? ''}`,
    detectorId: detector.id,
    title: detector.title,
    severity: detector.severity,
    category: detector.category,
    mitre: detector.mitre,
    description: detector.summary,
    riskAssessment: detector.rationale,
    device: { id: WAZUH_ID, name: WAZUH },
    firstSeen: times[0] ?? '2025-11-07T06:46:02.9561661Z',
    lastSeen: times[times.length - 1] ?? '2025-11-07T06:46:02.9561661Z',
    evidence: { eventCount: events.length, keyComponents, events },
    key: '',
    relatedAlerts: [],
    message: {
      templates: { title: detector.title, description: detector.summary, riskAssessment: detector.rationale },
      values: {},
    },
    ...rest,
  };
}

function bySeverity(alerts: readonly Alert[]): Record<Severity, number> {
  const out: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, informational: 0 };
  for (const a of alerts) out[a.severity] += 1;
  return out;
}

/** A hand-built result, read through the report schema: it throws, naming the field, unless it is a valid record. */
export function valid(result: AnalysisResult): AnalysisResult {
  return parseJsonReport({ schemaVersion: REPORT_SCHEMA_VERSION, ...result });
}

/**
 * Wraps alerts into a complete result with a consistent summary. Not checked against the schema: the
 * hostile cases break its constraints on purpose (an ATT&CK id that is no technique id, no evidence),
 * since `toSarif` takes any typed result; the scenarios below are checked with {@link valid}.
 */
export function result(alerts: readonly Alert[], over: Partial<AnalysisResult> = {}): AnalysisResult {
  const sorted = [...alerts].sort(
    (a, b) =>
      compareSeverity(b.severity, a.severity) || a.firstSeen.localeCompare(b.firstSeen) || a.id.localeCompare(b.id),
  );
  const devices = [...new Map(alerts.map((a) => [a.device.id, a.device])).values()];
  const detectorIds = new Set(alerts.map((a) => a.detectorId));
  const highest = sorted[0]?.severity ?? null;
  const eventsAnalyzed = alerts.reduce((n, a) => n + a.evidence.eventCount, 0);
  return {
    tool: { name: 'tripline', version: '0.1.0' },
    generatedAt: '2025-11-12T09:00:36Z',
    summary: {
      eventsRead: eventsAnalyzed,
      eventsAnalyzed,
      eventsRejected: 0,
      duplicateEvents: 0,
      alertCount: alerts.length,
      highestSeverity: highest,
      bySeverity: bySeverity(alerts),
      devices: devices.length,
      timeRange: sorted.length ? { start: '2025-11-07T06:40:04.393268Z', end: '2025-11-07T06:55:01.964973Z' } : null,
      byTable: {},
    },
    alerts: sorted,
    rejected: [],
    diagnostics: [],
    devices: devices.map((d) => ({
      id: d.id,
      name: d.name,
      eventCount: 1,
      firstSeen: '2025-11-07T06:40:04.393268Z',
      lastSeen: '2025-11-07T06:55:01.964973Z',
      osPlatform: 'Linux',
      alertCount: alerts.filter((a) => a.device.id === d.id).length,
      highestSeverity: highest,
    })),
    detectors: Object.values(DETECTORS)
      .filter((d) => detectorIds.has(d.id))
      .sort((a, b) => a.id.localeCompare(b.id)),
    findings: fleetFindings(sorted, Object.values(DETECTORS)),
    inputs: [
      { source: 'events.ndjson', format: 'ndjson', rowsRead: eventsAnalyzed, events: eventsAnalyzed, rejected: 0 },
    ],
    ...over,
  };
}

const D = DETECTORS as Record<'exec' | 'login' | 'adapter' | 'sysstat' | 'unassigned', DetectorInfo>;

function execEvent(ts: string, pid: number, line: number): EvidenceEvent {
  return event(
    'DeviceProcessEvents',
    ts,
    'ProcessCreated',
    {
      FileName: 'lsof',
      FolderPath: '/usr/bin/lsof',
      ProcessId: pid,
      ProcessCommandLine: 'lsof -a -c java -c javaw',
      AccountName: 'root',
      InitiatingProcessFileName: 'dash',
      InitiatingProcessId: pid,
      InitiatingProcessCommandLine: '/bin/sh -c "lsof -a -c java -c javaw"',
      InitiatingProcessParentFileName: 'python3.10',
      InitiatingProcessParentId: pid - 3,
    },
    line,
  );
}

/**
 * The reference device, as the real engine and the Defender preset report it: the shared golden record
 * of examples/wazuh1 (test/golden/wazuh1.report.json, `npm run gen` rewrites it).
 */
export function wazuh1(): AnalysisResult {
  return goldenResult();
}

/** `n` devices with one alert each, each a finding of its own (its own subject key), severities cycling through the scale. */
export function manyDevices(n: number): AnalysisResult {
  const severities: Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];
  const alerts: Alert[] = [];
  for (let i = 0; i < n; i++) {
    const id = `dev-${String(i).padStart(4, '0')}`;
    const name = `host-${String(i).padStart(4, '0')}.corp.example`;
    const ts = `2025-11-07T06:${String(10 + (i % 50)).padStart(2, '0')}:00Z`;
    alerts.push(
      alert(D.exec, {
        id: `defender/exec-process-replacement:${id}:lsof`,
        key: `dash:/usr/bin/lsof:${1000 + i}`,
        severity: severities[i % severities.length]!,
        device: { id, name },
        title: `dash replaced by lsof on ${name}`,
        events: [execEvent(ts, 1000 + i, i + 1)],
      }),
    );
  }
  return valid(result(alerts));
}

/** A device of a fleet: a DeviceId as Defender writes them (40 hex digits) and a name. */
export function fleetDevice(i: number): { id: string; name: string } {
  const name = `web-${String(i).padStart(4, '0')}.contoso.internal`;
  return { id: createHash('sha1').update(name).digest('hex'), name };
}

/**
 * A dense fleet: `n` Linux servers that all run the same agent scripts, so every server raises the same
 * two findings (a shell exec'd into lsof, medium; the unassigned machine group, medium), and one server
 * also has an anomalous logged-on user (high, a single-device alert).
 */
export function fleet(n: number): AnalysisResult {
  const alerts: Alert[] = [];
  for (let i = 0; i < n; i++) {
    const device = fleetDevice(i);
    const minute = String(10 + (i % 40)).padStart(2, '0');
    const ts = `2025-11-07T06:${minute}:${String(i % 60).padStart(2, '0')}.1234567Z`;
    const on = (e: EvidenceEvent): EvidenceEvent => ({
      ...e,
      fields: { ...e.fields, DeviceId: device.id, DeviceName: device.name },
    });
    alerts.push(
      alert(D.exec, {
        id: `defender/exec-process-replacement:${device.id}:dash:/usr/bin/lsof`,
        key: 'dash:/usr/bin/lsof',
        device,
        title: 'dash replaced by lsof with the same ProcessId',
        events: [on(execEvent(ts, 4000 + i, 2 * i + 1))],
      }),
      alert(D.unassigned, {
        id: `defender/unassigned-machine-group:${device.id}:UnassignedGroup`,
        key: 'UnassignedGroup',
        device,
        title: `${device.name} is in the unassigned machine group`,
        events: [
          on(
            event(
              'DeviceInfo',
              `2025-11-07T06:${minute}:00Z`,
              undefined,
              { MachineGroup: 'UnassignedGroup', OSPlatform: 'Linux', OnboardingStatus: 'Onboarded' },
              2 * i + 2,
            ),
          ),
        ],
      }),
    );
  }
  const device = fleetDevice(0);
  alerts.push(
    alert(D.login, {
      id: `defender/anomalous-logged-on-user:${device.id}:LOGIN`,
      key: 'LOGIN',
      device,
      title: `Anomalous logged-on user LOGIN on ${device.name}`,
      events: [
        event(
          'DeviceInfo',
          '2025-11-07T06:45:00Z',
          undefined,
          {
            DeviceId: device.id,
            DeviceName: device.name,
            LoggedOnUsers: '[{"UserName":"LOGIN","DomainName":"","Sid":null}]',
          },
          2 * n + 1,
        ),
      ],
    }),
  );
  return valid(result(alerts));
}

/** A run that found nothing. */
export function empty(): AnalysisResult {
  return valid(result([], { detectors: Object.values(DETECTORS).sort((a, b) => a.id.localeCompare(b.id)) }));
}

/** A run with rejected rows and engine/detector diagnostics. */
export function withRejects(): AnalysisResult {
  const base = wazuh1();
  return valid({
    ...base,
    summary: { ...base.summary, eventsRead: base.summary.eventsRead + 4, eventsRejected: 4 },
    rejected: [
      { source: 'events.ndjson', line: 4, code: 'malformed-json', reason: 'Unexpected token } in JSON at position 17' },
      { source: 'events.ndjson', line: 9, code: 'unknown-table', reason: 'Columns match no supported Defender table' },
      { source: 'export.csv', record: 3, code: 'missing-timestamp', reason: 'Required column Timestamp is missing' },
    ],
    diagnostics: [
      {
        level: 'error',
        code: 'detector-threw',
        message: 'Detector threw TypeError: cannot read properties of undefined',
        detectorId: D.exec.id,
        source: 'events.ndjson',
        line: 12,
      },
      {
        level: 'warning',
        code: 'rejected-list-truncated',
        message: '40 rows were rejected; the first 3 are listed',
      },
      { level: 'info', code: 'duplicate-events', message: '2 duplicate rows were analysed once' },
    ],
    inputs: [
      { source: 'events.ndjson', format: 'ndjson', rowsRead: 14, events: 12, rejected: 2 },
      { source: 'export.csv', format: 'csv', rowsRead: 3, events: 1, rejected: 1 },
    ],
  });
}

/** Text that tries everything: forged SARIF links, Markdown, HTML, bidi overrides, zero-width, controls, length. */
export const HOSTILE = [
  'evil](1) [click me](https://evil.example/x) ![img](https://evil.example/i.png)',
  '**bold** _em_ `code` ~~strike~~ <script>alert(1)</script> <img src=x onerror=alert(1)>',
  '| a | b |\n# heading\n- item\r\n1. list',
  'bidi \u202Etxt.exe\u202C \u2066iso\u2069 zero\u200Bwidth\u200D\uFEFF',
  'ctl \u0000\u0007\u001b[31mred\u001b[0m \u0085\u2028\u2029 lone \uD800 surrogate',
  '\\[escaped\\](2) \\\\ backslashes',
  'A'.repeat(5000),
].join(' ');

/** Hostile text in every attacker-controlled field: device, titles, command lines, key components, ids. */
export function hostile(): AnalysisResult {
  const ev = event(
    'DeviceProcessEvents',
    '2025-11-07T06:46:38.29932Z',
    `ProcessCreated ${HOSTILE.slice(0, 200)}`,
    {
      FileName: `lsof ${HOSTILE}`,
      ProcessId: 1,
      ProcessCommandLine: HOSTILE,
      AccountName: '[root](3)',
      InitiatingProcessFileName: '<b>dash</b>/../../etc',
      InitiatingProcessId: 1,
      AdditionalFields: { nested: HOSTILE },
    },
    7,
    `../../${HOSTILE.slice(0, 100)}.ndjson`,
  );
  const a = alert(D.exec, {
    id: `defender/exec:${HOSTILE.slice(0, 300)}`,
    title: `Replaced by ${HOSTILE}`,
    category: HOSTILE,
    device: { id: `../${HOSTILE.slice(0, 50)}`, name: `../../${HOSTILE}` },
    mitre: [
      { id: 'T1059.004', name: HOSTILE },
      { id: '](javascript:alert(1))', name: 'bad' },
    ],
    events: [ev, { ...ev, timestamp: 'not a time [x](1)', actionType: '`rm -rf /`' }],
    relatedAlerts: [HOSTILE],
    keyComponents: { [HOSTILE.slice(0, 40)]: HOSTILE, list: [HOSTILE, '[x](1)'] },
  });
  const hostileDetector: DetectorInfo = {
    ...D.exec,
    title: `Plugin title ${HOSTILE.slice(0, 300)}`,
    summary: HOSTILE,
    rationale: HOSTILE,
    references: ['javascript:alert(1)', 'https://evil.example/a b)[x](y)', 'https://example.com/ok'],
    falsePositives: [HOSTILE],
    mitreNotes: HOSTILE,
  };
  return result([a], {
    detectors: [hostileDetector],
    rejected: [{ source: HOSTILE.slice(0, 80), line: 1, code: 'malformed-json', reason: HOSTILE }],
    diagnostics: [{ level: 'error', code: 'detector-threw', message: HOSTILE, detectorId: D.exec.id }],
    summary: { ...result([a]).summary, eventsRejected: 1, eventsRead: 2 },
  });
}
