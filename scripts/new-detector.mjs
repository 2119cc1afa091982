#!/usr/bin/env node
/**
 * Scaffolds a detector of the Defender pack: a small working detector, its test and two fixtures of
 * realistic rows, registered in the preset (packages/detectors-defender/src/index.ts).
 *
 *   npm run new:detector -- <name> [--table DeviceProcessEvents] [--severity low] [--root DIR]
 *
 * <name> is the folder and the id after `defender/`: lower-case letters and digits in dash-separated
 * words (`curl-to-dev-shm`). --root is the repository to write into (default: this repository).
 * Exit status: 0 written, 1 refused (the name is taken), 2 usage error.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAME_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'];

/** Tenant, device and process facts shared by the generated rows. */
const TENANT = '3f6d2b8e-5c41-4a9f-b7e2-1d0c9a8e6f53';
const DEVICE = { DeviceId: '4be1d9c07a2f3e5b6c8d9e0f1a2b3c4d5e6f7a8b', DeviceName: 'web03.contoso-hosting.net' };
const ROOT_USER =
  '{"Sid":"S-1-5-18","Name":"root","DomainName":"web03","LogonId":0,"PosixUserId":0,"PrimaryPosixGroup":{"Name":"root","PosixGroupId":0}}';

/**
 * What the generated detector looks for, per table: one condition on one column (`startsWith` or
 * `equals`), one more column declared as evidence (its distinct values per alert), and a row that
 * matches and one that does not.
 */
const TABLES = {
  DeviceProcessEvents: {
    actionType: 'ProcessCreated',
    column: 'FolderPath',
    test: 'startsWith',
    value: '/tmp/',
    keyLabel: 'Folder Path',
    collectColumn: 'AccountName',
    collectName: 'accounts',
    collectLabel: 'Accounts',
    title: 'Process started from /tmp',
    what: 'a process whose image lies under /tmp',
    category: 'Execution',
    mitre: [],
    mitreNotes:
      'No technique mapped: a binary run from /tmp says where the code came from, not what it does. Map the technique your detection covers.',
    rationale:
      '/tmp is writable by every account and mounted executable on most distributions, so droppers stage and start their payloads there; packages install their binaries under /usr, /opt or /snap.',
    falsePositives: ['Installers and self-extracting archives that unpack a helper into /tmp and run it'],
    reference: 'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceprocessevents-table',
    row: (image, account, reportId, time) => ({
      Timestamp: time,
      ...DEVICE,
      ReportId: reportId,
      MachineGroup: 'Linux web servers',
      ActionType: 'ProcessCreated',
      FileName: image.slice(image.lastIndexOf('/') + 1),
      FolderPath: image,
      SHA256: 'a3f1c9e27b5d4086e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8',
      ProcessId: 81244,
      ProcessCommandLine: image,
      ProcessCreationTime: time,
      AccountName: account,
      AccountDomain: 'web03',
      AccountSid: account === 'root' ? 'S-1-5-18' : 'S-1-5-21-2034561234-1122334455-3344556677-33',
      InitiatingProcessFileName: 'bash',
      InitiatingProcessFolderPath: '/usr/bin/bash',
      InitiatingProcessCommandLine: 'bash -i',
      InitiatingProcessId: 81230,
      InitiatingProcessCreationTime: '2025-11-18T02:14:51.20334Z',
      InitiatingProcessParentId: 81201,
      InitiatingProcessParentFileName: 'sshd',
      InitiatingProcessAccountName: account,
      InitiatingProcessAccountDomain: 'web03',
      InitiatingProcessLogonId: 0,
      InitiatingProcessSHA256: '1d71866135f850f925dbe27d0e2f35a2d9640ce533eef1b3b14ea4a68442ede2',
    }),
    fires: ['/tmp/.X11-unix/kdevtmpfsi', 'www-data'],
    ignores: ['/usr/bin/ls', 'www-data'],
  },
  DeviceFileEvents: {
    actionType: 'FileCreated',
    column: 'FolderPath',
    test: 'startsWith',
    value: '/etc/cron.d/',
    keyLabel: 'Folder Path',
    collectColumn: 'InitiatingProcessFileName',
    collectName: 'writers',
    collectLabel: 'Written By',
    title: 'File created in /etc/cron.d',
    what: 'a file created in /etc/cron.d',
    category: 'Persistence',
    mitre: ['T1053.003'],
    mitreNotes: 'T1053.003 Scheduled Task/Job: Cron: a file in /etc/cron.d is a cron job run by the cron daemon.',
    rationale:
      'Every file in /etc/cron.d is a cron job that the daemon runs on schedule, often as root; a new one outside a package installation is how intruders keep access after a reboot.',
    falsePositives: [
      'Package installations (dpkg, rpm) and configuration management (Ansible, Puppet) adding their cron jobs',
    ],
    reference: 'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicefileevents-table',
    row: (path, writer, reportId, time) => ({
      Timestamp: time,
      ...DEVICE,
      ReportId: reportId,
      MachineGroup: 'Linux web servers',
      ActionType: 'FileCreated',
      FileName: path.slice(path.lastIndexOf('/') + 1),
      FolderPath: path,
      SHA256: '5c2e8a1f9b3d7046e2a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3',
      FileSize: 61,
      InitiatingProcessFileName: writer,
      InitiatingProcessFolderPath: `/usr/bin/${writer}`,
      InitiatingProcessCommandLine: writer === 'tee' ? `tee ${path}` : `${writer} ${path}`,
      InitiatingProcessId: 90412,
      InitiatingProcessCreationTime: '2025-11-18T02:20:13.7711Z',
      InitiatingProcessParentId: 90398,
      InitiatingProcessParentFileName: 'bash',
      InitiatingProcessAccountName: 'root',
      InitiatingProcessAccountDomain: 'web03',
      InitiatingProcessAccountSid: 'S-1-5-18',
      InitiatingProcessLogonId: 0,
      InitiatingProcessSHA256: 'fce82f1a38cfded56d5eecd9905361733822523bb70b525ac9f34a1b5ec0e2fa',
      AdditionalFields: `{"InitiatingProcessPosixEffectiveUser":${ROOT_USER},"InitiatingProcessCurrentWorkingDirectory":"/root"}`,
    }),
    fires: ['/etc/cron.d/.sysupdate', 'tee'],
    ignores: ['/etc/logrotate.d/nginx', 'dpkg'],
  },
  DeviceLogonEvents: {
    actionType: 'LogonSuccess',
    column: 'AccountName',
    test: 'equals',
    value: 'root',
    keyLabel: 'Account Name',
    collectColumn: 'RemoteIP',
    collectName: 'remoteAddresses',
    collectLabel: 'Remote IP',
    title: 'Successful root logon',
    what: 'a successful logon of the root account',
    category: 'Initial Access',
    mitre: ['T1078.003'],
    mitreNotes: 'T1078.003 Valid Accounts: Local Accounts: the root account is the local account with every right.',
    rationale:
      'Administrators log on with their own accounts and use sudo, which leaves a trail per person; a direct root logon hides who it was and is what a stolen root password or key looks like.',
    falsePositives: [
      'Break-glass access through the serial console, and hosts where policy still allows root SSH logons',
    ],
    reference: 'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicelogonevents-table',
    row: (account, remoteIp, reportId, time) => ({
      Timestamp: time,
      ...DEVICE,
      ReportId: reportId,
      MachineGroup: 'Linux web servers',
      ActionType: 'LogonSuccess',
      LogonType: 'Network',
      AccountName: account,
      AccountDomain: 'web03',
      AccountSid: account === 'root' ? 'S-1-5-18' : 'S-1-5-21-2034561234-1122334455-3344556677-1001',
      Protocol: 'SSH',
      RemoteIP: remoteIp,
      RemoteIPType: 'Private',
      RemotePort: 51522,
      InitiatingProcessFileName: 'sshd',
      InitiatingProcessFolderPath: '/usr/sbin/sshd',
      InitiatingProcessCommandLine: `sshd: ${account} [priv]`,
      InitiatingProcessId: 77310,
      InitiatingProcessCreationTime: time,
      InitiatingProcessParentId: 1187,
      InitiatingProcessParentFileName: 'sshd',
      InitiatingProcessAccountName: 'root',
      InitiatingProcessAccountDomain: 'web03',
      InitiatingProcessAccountSid: 'S-1-5-18',
      AdditionalFields: `{"Terminal":"ssh","PosixUserId":${account === 'root' ? 0 : 1001}}`,
    }),
    fires: ['root', '10.20.4.17'],
    ignores: ['deploy', '10.20.4.17'],
  },
};

const usage = `usage: npm run new:detector -- <name> [--table ${Object.keys(TABLES).join('|')}] [--severity ${SEVERITIES.join('|')}] [--root DIR]`;

/** Exits with `code` after writing `message` to stderr. */
function fail(code, message) {
  process.stderr.write(`new:detector: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = {
    table: 'DeviceProcessEvents',
    severity: 'medium',
    root: fileURLToPath(new URL('..', import.meta.url)),
  };
  const names = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === '--table' || flag === '--severity' || flag === '--root') {
      const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') fail(2, `${flag} needs a value\n${usage}`);
      opts[flag.slice(2)] = value;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    } else if (arg.startsWith('-')) fail(2, `unknown option ${arg}\n${usage}`);
    else names.push(arg);
  }
  if (names.length !== 1) fail(2, `give exactly one detector name\n${usage}`);
  return { name: names[0], ...opts };
}

const camel = (name) => name.replace(/-([a-z0-9])/g, (_m, c) => c.toUpperCase());

/** The variable the preset imports the detector as: camelCase, made a valid, non-reserved identifier. */
function identifier(name) {
  const c = camel(name);
  const start = /^[0-9]/.test(c) ? `detector${c}` : c;
  try {
    new Function(`let ${start};`);
    return start;
  } catch {
    return `${start}Detector`;
  }
}
const q = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const WIDTH = 120;
const cap = (s) => `${s[0].toUpperCase()}${s.slice(1)}`;

/** `key: code,` at `depth` levels of two spaces, broken after the colon when the line is too long. */
function p(depth, key, code) {
  const pad = '  '.repeat(depth);
  const line = `${pad}${key}: ${code},`;
  return line.length <= WIDTH ? line : `${pad}${key}:\n${pad}  ${code},`;
}

/** `key: [a, b],` at `depth`, one item a line when it does not fit on one. */
function a(depth, key, items) {
  const pad = '  '.repeat(depth);
  const line = `${pad}${key}: [${items.join(', ')}],`;
  return line.length <= WIDTH ? line : `${pad}${key}: [\n${items.map((i) => `${pad}  ${i},`).join('\n')}\n${pad}],`;
}

function detectorSource({ name, severity, table }, t) {
  const condition =
    t.test === 'startsWith'
      ? 'if (value === undefined || !value.startsWith(VALUE)) return undefined;'
      : 'if (value !== VALUE) return undefined;';
  return `import { defineDetector, type MdeEvent } from '@tripline/core';

/**
 * \`defender/${name}\`: ${t.what}.
 *
 * Written by \`npm run new:detector\` as a small detector that works: it fires on its \`fires.*\`
 * fixture and stays silent on its \`ignores.*\` one. Make it yours: change the condition in \`match\`
 * (and the constants below), the metadata (every field is shown on the detector's doc page and in its
 * alerts) and the fixtures, then run its test. docs/writing-a-detector.md explains the contract.
 */

/** The column \`match\` reads, as Microsoft spells it in the ${table} table. */
const COLUMN = ${q(t.column)};
/** The value that column must ${t.test === 'startsWith' ? 'start with' : 'equal'} for the detector to fire. */
const VALUE = ${q(t.value)};

export const detector = defineDetector({
  meta: {
${[
  p(2, 'id', q(`defender/${name}`)),
  p(2, 'title', q(t.title)),
  p(2, 'summary', q(`Reports ${t.what}, one alert per ${t.keyLabel.toLowerCase()} and device.`)),
  p(2, 'rationale', q(t.rationale)),
  p(2, 'severity', q(severity)),
  p(2, 'severityNotes', q(`${cap(severity)} for every alert; match raises one by returning a higher severity.`)),
  p(2, 'category', q(t.category)),
  a(2, 'mitre', t.mitre.map(q)),
  p(2, 'mitreNotes', q(t.mitreNotes)),
  a(2, 'references', [q(t.reference)]),
  a(2, 'falsePositives', t.falsePositives.map(q)),
  a(2, 'tables', [q(table)]),
  a(2, 'actionTypes', [q(t.actionType)]),
].join('\n')}
    // What an alert carries: each name comes from a column (or a function of the event, or match),
    // values combine across the alert's events, and the label is the column name. The engine builds
    // the key components and the template values from it.
    evidence: {
      subject: { from: COLUMN, combine: 'first' },
      ${t.collectName}: { from: ${q(t.collectColumn)}, combine: 'distinct' },
    },
    // Templates, not code: {name} is an evidence name or a built-in value (count, device, firstSeen,
    // lastSeen), checked when the detector is defined, and escaped by every reporter.
    messages: {
      default: {
${[
  p(4, 'title', q(`${t.title}: {subject} on {device}`)),
  p(
    4,
    'description',
    q(
      `${t.title}: {subject}, {count} time(s) between {firstSeen} and {lastSeen}; ${t.collectLabel.toLowerCase()}: {${t.collectName}}.`,
    ),
  ),
  p(4, 'riskAssessment', q(`${cap(severity)}: ${t.rationale[0].toLowerCase()}${t.rationale.slice(1)}`)),
].join('\n')}
      },
    },
  },

  // Called for every event of meta.tables with one of meta.actionTypes. Pure: no I/O, no state.
  match(event: MdeEvent) {
    const value = event.str(COLUMN);
    ${condition}
    // Same key on the same device: one alert.
    return { key: value };
  },

  // Optional: what the evidence cannot say. Here, a text for an alert whose rows had no ${t.collectColumn}.
  render(group) {
    if (group.evidence.${t.collectName}.length) return undefined;
    return { values: { ${t.collectName}: 'not reported' } };
  },
});
`;
}

function testSource({ name }) {
  return `import { loadFixtures, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));

describe('defender/${name}', () => {
  it('fires on its fires.* fixtures and stays silent on its ignores.* fixtures', async () => {
    const report = await testDetector(detector, fixtures);
    expect(report.fixtures.length).toBe(fixtures.fires.length + fixtures.ignores.length);
  });
});
`;
}

function fixture(table, t, description, args, reportId, time, expect) {
  return `${JSON.stringify(
    {
      description,
      records: [
        {
          time: time.replace(/\.(\d+)Z$/, (_m, f) => `.${f.padEnd(7, '0').slice(0, 7)}Z`),
          tenantId: TENANT,
          operationName: 'Publish',
          category: `AdvancedHunting-${table}`,
          properties: t.row(args[0], args[1], reportId, time),
        },
      ],
      expect,
    },
    null,
    2,
  )}\n`;
}

/** The preset's source with the new detector imported, exported and listed; undefined when an anchor is missing. */
function register(source, name, id, what) {
  const lines = source.split('\n');
  const importLine = `import { detector as ${id} } from './detectors/${name}/detector.js';`;
  const imports = lines
    .map((l, i) => [l, i])
    .filter(([l]) => l.startsWith('import { detector as ') && l.includes("from './detectors/"));
  if (imports.length === 0) return undefined;
  const pathOf = (l) => l.slice(l.indexOf("from '"));
  const before = imports.find(([l]) => pathOf(l) > pathOf(importLine));
  lines.splice(before ? before[1] : imports.at(-1)[1] + 1, 0, importLine);

  // The export block that names the preset's own detectors: `export {` … `  linuxThreatDetectors,` … `};`.
  const start = lines.indexOf('export {');
  const end = lines.indexOf('};', start);
  if (start < 0 || end < 0) return undefined;
  const names = [];
  for (let i = start + 1; i < end; i++) {
    const m = /^ {2}([A-Za-z0-9_$]+),$/.exec(lines[i]);
    if (m) names.push([m[1], lines[i - 1].trimStart().startsWith('/**') ? i - 1 : i]);
  }
  if (!names.some(([n]) => n === 'linuxThreatDetectors')) return undefined;
  const next = names.find(([n]) => n.toLowerCase() > id.toLowerCase());
  lines.splice(next ? next[1] : end, 0, `  /** \`defender/${name}\` — ${what}. */`, `  ${id},`);

  const spread = lines.indexOf('    ...linuxThreatDetectors,');
  if (spread < 0) return undefined;
  lines.splice(spread, 0, `    ${id},`);
  return lines.join('\n');
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const { name, table, severity, root } = args;
  if (!NAME_RE.test(name) || name.length > 64)
    fail(
      2,
      `"${name}" is not a detector name: lower-case letters and digits in dash-separated words, at most 64 characters (e.g. curl-to-dev-shm)`,
    );
  const t = TABLES[table];
  if (t === undefined)
    fail(2, `--table ${table} is not one the scaffold writes rows for: ${Object.keys(TABLES).join(', ')}`);
  if (!SEVERITIES.includes(severity)) fail(2, `--severity ${severity} is not one of ${SEVERITIES.join(', ')}`);

  const pack = join(root, 'packages', 'detectors-defender', 'src');
  const index = join(pack, 'index.ts');
  const dir = join(pack, 'detectors', name);
  if (!existsSync(index)) fail(2, `${index} not found: --root must be the repository root`);
  if (existsSync(dir)) fail(1, `defender/${name} exists already (${relative(root, dir)})`);
  const id = identifier(name);
  const indexSource = readFileSync(index, 'utf8');
  if (new RegExp(`\\b${id}\\b`).test(indexSource))
    fail(1, `the preset already has a detector named ${id} (${relative(root, index)})`);
  const registered = register(indexSource, name, id, t.what);

  mkdirSync(join(dir, 'fixtures'), { recursive: true });
  writeFileSync(join(dir, 'detector.ts'), detectorSource(args, t));
  writeFileSync(join(dir, 'detector.test.ts'), testSource(args));
  const firesRow = t.row(t.fires[0], t.fires[1], 0, '');
  writeFileSync(
    join(dir, 'fixtures', 'fires.example.json'),
    fixture(
      table,
      t,
      `Fires: ${t.what} (${t.column} ${firesRow[t.column]}).`,
      t.fires,
      52017,
      '2025-11-18T02:21:07.4410Z',
      {
        alerts: 1,
        severity,
        keyComponents: {
          [t.column]: String(firesRow[t.column]),
          [t.collectColumn]: [String(firesRow[t.collectColumn])],
        },
      },
    ),
  );
  const ignoresRow = t.row(t.ignores[0], t.ignores[1], 0, '');
  writeFileSync(
    join(dir, 'fixtures', 'ignores.example.json'),
    fixture(
      table,
      t,
      `Ignores: the same kind of row with ${t.column} ${ignoresRow[t.column]}.`,
      t.ignores,
      52018,
      '2025-11-18T02:22:40.1180Z',
      {
        alerts: 0,
      },
    ),
  );
  if (registered !== undefined) writeFileSync(index, registered);

  const rel = (p) => relative(root, p);
  const lines = [
    `Wrote ${rel(dir)}/: detector.ts, detector.test.ts, fixtures/fires.example.json, fixtures/ignores.example.json`,
  ];
  if (registered !== undefined) lines.push(`Registered ${id} in ${rel(index)} (import, export, defenderDetectors).`);
  else
    lines.push(
      `Could not find where ${rel(index)} lists its detectors; add by hand:`,
      `  import { detector as ${id} } from './detectors/${name}/detector.js';`,
      `  ${id}, in the export { … } list and in the defenderDetectors array`,
    );
  lines.push(
    'Next:',
    `  npx vitest run packages/detectors-defender/src/detectors/${name}`,
    '  edit detector.ts (condition, metadata, messages) and the fixtures; add fixtures for every case',
    '  npm run build && node scripts/gen-detector-docs.mjs   # writes its page under docs/detectors/',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main();
