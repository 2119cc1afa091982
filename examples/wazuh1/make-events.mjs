#!/usr/bin/env node
// Generates examples/wazuh1/events.ndjson: the raw Microsoft Defender for Endpoint rows behind
// the reference report (seed-report.md), as Streaming-API storage-blob records.
//
//   node make-events.mjs          write events.ndjson
//   node make-events.mjs --check  exit 1 when events.ndjson differs from what this script writes
//
// Deterministic: no clock, no randomness except a fixed-seed generator. No dependencies.
// The script bodies of the ScriptContent rows live in ./scripts/ (our own text).

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'events.ndjson');

// ---------------------------------------------------------------------------------------------
// Constants of the scenario
// ---------------------------------------------------------------------------------------------

const TENANT_ID = '5d0c7f3e-8a21-4b6e-9f14-c3a7e2b95d68';
const DEVICE_ID = '875524232b2377b606ca585f2a6692b5be921b94';
const DEVICE_NAME = 'wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net';
const HOST = 'wazuh1'; // AccountDomain / DomainName on Linux = short host name
const MACHINE_GROUP = 'UnassignedGroup';
const DAY = '2025-11-07';
const BOOT_DAY = '2025-11-03';
const SID_PREFIX = 'S-1-5-21-1795336421-2961827051-4139870176';

// JSON cannot carry these as numbers through JSON.stringify: emitted via a placeholder.
const BIG_REPORT_IDS = {
  deviceInfo: '639199803770463703',
  eth0: '639199916335081329',
  vf: '639199916335094211',
};

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** Fixed-seed linear congruential generator (Numerical Recipes constants), values in [0, 1). */
let seed = 20251107;
function rand() {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
function randInt(lo, hi) {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** ISO time with 0–7 fractional digits, trailing zeros dropped (as Defender writes them). */
function iso(date, hms) {
  const [whole, frac = ''] = hms.split('.');
  const f = frac.replace(/0+$/, '');
  return `${date}T${whole}${f ? `.${f}` : ''}Z`;
}
const t = (hms) => iso(DAY, hms);
const boot = (hms) => iso(BOOT_DAY, hms);

/** ISO string -> 100 ns ticks since the Unix epoch (BigInt), exact to 7 digits. */
function toTicks(s) {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z$/.exec(s);
  if (!m) throw new Error(`bad time ${s}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 10000n + BigInt((m[2] ?? '').padEnd(7, '0'));
}
/** Ticks -> ISO string with exactly 7 fractional digits (envelope style). */
function fromTicks(ticks) {
  const secs = ticks / 10000000n;
  const frac = (ticks % 10000000n).toString().padStart(7, '0');
  return `${new Date(Number(secs) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}

/** Ticks -> event-style ISO string (trailing zeros of the fraction dropped). */
const eventTime = (ticks) => fromTicks(ticks).replace(/\.?0+Z$/, 'Z');

const hex = (algo, text) => createHash(algo).update(text, 'utf8').digest('hex');

// ---------------------------------------------------------------------------------------------
// Accounts, groups, binaries
// ---------------------------------------------------------------------------------------------

const G = {
  root: { Name: 'root', PosixGroupId: 0 },
  mdatp: { Name: 'mdatp', PosixGroupId: 997 },
  indexer: { Name: 'wazuh-indexer', PosixGroupId: 998 },
  wazuh: { Name: 'wazuh', PosixGroupId: 996 },
  dashboard: { Name: 'wazuh-dashboard', PosixGroupId: 995 },
  azureuser: { Name: 'azureuser', PosixGroupId: 1000 },
};
function account(name, uid, group) {
  return { name, uid, group, sid: uid === 0 ? 'S-1-5-18' : `${SID_PREFIX}-${uid}` };
}
const U = {
  root: account('root', 0, G.root),
  indexer: account('wazuh-indexer', 998, G.indexer),
  wazuh: account('wazuh', 996, G.wazuh),
  dashboard: account('wazuh-dashboard', 995, G.dashboard),
  azureuser: account('azureuser', 1000, G.azureuser),
};
function posixUser(a) {
  return {
    Sid: a.sid,
    Name: a.name,
    DomainName: HOST,
    LogonId: 0,
    PosixUserId: a.uid,
    PrimaryPosixGroup: a.group,
  };
}

// On-disk sizes of the binaries (plausible for Ubuntu 22.04 packages). The hashes are NOT the
// real package hashes: they are derived from the path so that the file is self-consistent.
const SIZES = {
  '/usr/lib/systemd/systemd': 1849992,
  '/usr/sbin/cron': 55392,
  '/usr/bin/dash': 125688,
  '/usr/bin/python3.10': 5912968,
  '/opt/microsoft/mdatp/sbin/wdavdaemon': 9837568,
  '/opt/microsoft/mdatp/sbin/osqueryi': 24983712,
  '/usr/bin/ps': 137688,
  '/usr/bin/lsof': 183112,
  '/usr/bin/df': 88336,
  '/usr/bin/mawk': 133872,
  '/usr/bin/watch': 27016,
  '/usr/bin/bash': 1396520,
  '/usr/share/wazuh-indexer/jdk/bin/java': 12328,
  '/var/ossec/bin/wazuh-remoted': 1130264,
  '/usr/share/wazuh-dashboard/node/bin/node': 97148856,
};
function bin(path) {
  const size = SIZES[path];
  if (size === undefined) throw new Error(`no size for ${path}`);
  const label = `tripline-example-wazuh1:${path}`;
  return { sha1: hex('sha1', label), sha256: hex('sha256', label), md5: hex('md5', label), size };
}

// ---------------------------------------------------------------------------------------------
// Processes. `parent` is the process object that Defender reports as the parent: the real
// parent after fork+exec; after a bare exec (sh -c "cmd") the pre-exec image with the same PID.
// ---------------------------------------------------------------------------------------------

function proc(p) {
  return {
    cwd: '/',
    pgid: p.pid,
    sid: p.pid,
    group: p.user.group,
    realUser: p.user,
    ...p,
    file: p.path.split('/').pop(),
  };
}

const systemd = proc({
  pid: 1,
  created: boot('09:12:31.118204'),
  path: '/usr/lib/systemd/systemd',
  cmd: '/sbin/init',
  user: U.root,
});
const cron = proc({
  pid: 611,
  created: boot('09:12:36.405172'),
  path: '/usr/sbin/cron',
  cmd: '/usr/sbin/cron -f -P',
  user: U.root,
  parent: systemd,
});
const wdav = proc({
  pid: 1029,
  created: boot('09:12:50.713349'),
  path: '/opt/microsoft/mdatp/sbin/wdavdaemon',
  cmd: '/opt/microsoft/mdatp/sbin/wdavdaemon',
  user: U.root,
  group: G.mdatp,
  parent: systemd,
});
const wdavEdr = proc({
  pid: 1311,
  created: boot('09:12:53.28841'),
  path: '/opt/microsoft/mdatp/sbin/wdavdaemon',
  cmd: '/opt/microsoft/mdatp/sbin/wdavdaemon edr 12 11 --log_level info',
  user: U.root,
  group: G.mdatp,
  pgid: 1029,
  sid: 1029,
  parent: wdav,
});
const indexerJava = proc({
  pid: 1402,
  created: boot('09:12:41.97115'),
  path: '/usr/share/wazuh-indexer/jdk/bin/java',
  cmd: [
    '/usr/share/wazuh-indexer/jdk/bin/java',
    '-Xshare:auto -Dopensearch.networkaddress.cache.ttl=60 -Dopensearch.networkaddress.cache.negative.ttl=10',
    '-XX:+AlwaysPreTouch -Xss1m -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Djna.nosys=true',
    '-XX:-OmitStackTraceInFastThrow -XX:+ShowCodeDetailsInExceptionMessages -Dio.netty.noUnsafe=true',
    '-Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0',
    '-Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Djava.locale.providers=SPI,COMPAT',
    '-Xms4g -Xmx4g -XX:+UseG1GC -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30',
    '-Djava.io.tmpdir=/var/log/wazuh-indexer/tmp -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/var/lib/wazuh-indexer',
    '-XX:ErrorFile=/var/log/wazuh-indexer/hs_err_pid%p.log',
    '-Xlog:gc*,gc+age=trace,safepoint:file=/var/log/wazuh-indexer/gc.log:utctime,pid,tags:filecount=32,filesize=64m',
    '-XX:MaxDirectMemorySize=2147483648 -Dopensearch.path.home=/usr/share/wazuh-indexer',
    '-Dopensearch.path.conf=/etc/wazuh-indexer -Dopensearch.distribution.type=deb -Dopensearch.bundled_jdk=true',
    '-cp /usr/share/wazuh-indexer/lib/* org.opensearch.bootstrap.OpenSearch -p /run/wazuh-indexer/wazuh-indexer.pid --quiet',
  ].join(' '),
  user: U.indexer,
  parent: systemd,
});
const remoted = proc({
  pid: 1745,
  created: boot('09:13:02.60431'),
  path: '/var/ossec/bin/wazuh-remoted',
  cmd: '/var/ossec/bin/wazuh-remoted',
  user: U.wazuh,
  cwd: '/var/ossec',
  parent: systemd,
});
const dashboardNode = proc({
  pid: 1602,
  created: boot('09:12:58.177092'),
  path: '/usr/share/wazuh-dashboard/node/bin/node',
  cmd: '/usr/share/wazuh-dashboard/node/bin/node --no-warnings --max-http-header-size=65536 --unhandled-rejections=warn /usr/share/wazuh-dashboard/src/cli/dist -c /etc/wazuh-dashboard/opensearch_dashboards.yml',
  user: U.dashboard,
  cwd: '/usr/share/wazuh-dashboard',
  parent: systemd,
});
// azureuser left a tmux window running `watch` on the indexer's disk (no login session open).
const tmuxBash = proc({
  pid: 397960,
  created: t('05:57:09.880263'),
  path: '/usr/bin/bash',
  cmd: '-bash',
  user: U.azureuser,
  cwd: '/home/azureuser',
  tty: '/dev/pts/1',
});
const watch = proc({
  pid: 398112,
  created: t('05:58:41.220417'),
  path: '/usr/bin/watch',
  cmd: 'watch -x -n 300 df -h /var/lib/wazuh-indexer',
  user: U.azureuser,
  cwd: '/home/azureuser',
  tty: '/dev/pts/1',
  pgid: 398112,
  sid: 397960,
  parent: tmuxBash,
});
tmuxBash.parent = proc({
  pid: 397958,
  created: t('05:57:09.861007'),
  path: '/usr/bin/bash',
  cmd: 'tmux new -s ops',
  user: U.azureuser,
});

// ---------------------------------------------------------------------------------------------
// Row builders
// ---------------------------------------------------------------------------------------------

function posixSide(prefix, p) {
  const out = {
    [`${prefix}PosixEffectiveUser`]: posixUser(p.user),
    [`${prefix}PosixEffectiveGroup`]: p.group,
    [`${prefix}PosixProcessGroupId`]: p.pgid,
    [`${prefix}PosixSessionId`]: p.sid,
    [`${prefix}CurrentWorkingDirectory`]: p.cwd,
    [`${prefix}PosixRealUser`]: posixUser(p.realUser),
  };
  if (p.tty) out[`${prefix}PosixAttachedTerminal`] = p.tty;
  return out;
}
/** AdditionalFields of a process row: the initiating process's POSIX identity, and the created one's. */
function posixFields(initiating, created) {
  const fields = posixSide('InitiatingProcess', initiating);
  if (created) {
    const side = posixSide('Process', created);
    for (const [k, v] of Object.entries(side)) fields[k] = v;
  }
  return JSON.stringify(fields);
}

function initiatingColumns(p) {
  const b = bin(p.path);
  return {
    InitiatingProcessId: p.pid,
    InitiatingProcessCreationTime: p.created,
    InitiatingProcessFileName: p.file,
    InitiatingProcessFolderPath: p.path.toLowerCase(),
    InitiatingProcessCommandLine: p.cmd,
    InitiatingProcessSHA1: b.sha1,
    InitiatingProcessSHA256: b.sha256,
    InitiatingProcessMD5: b.md5,
    InitiatingProcessFileSize: b.size,
    InitiatingProcessAccountName: p.user.name,
    InitiatingProcessAccountDomain: HOST,
    InitiatingProcessAccountSid: p.user.sid,
    InitiatingProcessParentId: p.parent?.pid,
    InitiatingProcessParentFileName: p.parent?.file,
    InitiatingProcessParentCreationTime: p.parent?.created,
  };
}

const rows = [];
function add(table, timestamp, properties) {
  rows.push({ table, timestamp, properties });
}

/** DeviceProcessEvents ProcessCreated: `child` started (or exec'd) by `parent`. */
function processCreated(timestamp, parent, child) {
  const b = bin(child.path);
  add('DeviceProcessEvents', timestamp, {
    ActionType: 'ProcessCreated',
    FileName: child.file,
    FolderPath: child.path,
    ProcessCommandLine: child.cmd,
    ProcessId: child.pid,
    ProcessCreationTime: child.created,
    SHA1: b.sha1,
    SHA256: b.sha256,
    MD5: b.md5,
    FileSize: b.size,
    AccountName: child.user.name,
    AccountDomain: HOST,
    AccountSid: child.user.sid,
    LogonId: 0,
    ProcessTokenElevation: 'None',
    ...initiatingColumns(parent),
    InitiatingProcessLogonId: 0,
    InitiatingProcessTokenElevation: 'None',
    InitiatingProcessSignerType: 'Unknown',
    InitiatingProcessSignatureStatus: 'Unknown',
    IsInitiatingProcessRemoteSession: false,
    IsProcessRemoteSession: false,
    AdditionalFields: posixFields(parent, child),
  });
}

const scriptText = (name) => readFileSync(join(HERE, 'scripts', name), 'utf8');

/** DeviceEvents ScriptContent: the interpreter `p` read the script `name`. */
function scriptContent(timestamp, p, name) {
  const body = scriptText(name);
  add('DeviceEvents', timestamp, {
    ActionType: 'ScriptContent',
    ...initiatingColumns(p),
    InitiatingProcessLogonId: 0,
    // Python-style spacing after the colon, as seen in real ScriptContent rows.
    AdditionalFields: `{"ScriptContent": ${JSON.stringify(body)}}`,
    SHA256: hex('sha256', body),
    IsInitiatingProcessRemoteSession: false,
    IsProcessRemoteSession: false,
  });
}

function fileDeleted(timestamp, folder, fileName) {
  add('DeviceFileEvents', timestamp, {
    ActionType: 'FileDeleted',
    FileName: fileName,
    FolderPath: `${folder}/${fileName}`,
    ...initiatingColumns(indexerJava),
    InitiatingProcessTokenElevation: 'None',
    AdditionalFields: posixFields(indexerJava),
    IsInitiatingProcessRemoteSession: false,
  });
}

/** DeviceLogonEvents: the PAM session cron opens for a root job (no tty: PAM_TTY is "cron"). */
function cronLogon(timestamp, cronChild) {
  add('DeviceLogonEvents', timestamp, {
    ActionType: 'LogonSuccess',
    LogonType: 'Local',
    AccountName: 'root',
    AccountDomain: HOST,
    AccountSid: 'S-1-5-18',
    RemoteIP: '',
    ...initiatingColumns(cronChild),
    InitiatingProcessTokenElevation: 'None',
    AdditionalFields: JSON.stringify({
      Terminal: 'cron',
      PosixUserId: 0,
      PosixPrimaryGroupName: 'root',
      PosixPrimaryGroupId: 0,
      PosixSecondaryGroups: [],
    }),
    IsInitiatingProcessRemoteSession: false,
  });
}

function network(timestamp, action, p, c) {
  add('DeviceNetworkEvents', timestamp, {
    ActionType: action,
    RemoteIP: c.remoteIp,
    RemotePort: c.remotePort,
    LocalIP: c.localIp,
    LocalPort: c.localPort,
    Protocol: 'Tcp',
    LocalIPType: c.localType,
    RemoteIPType: c.remoteType,
    ...initiatingColumns(p),
    InitiatingProcessTokenElevation: 'None',
    AdditionalFields: posixFields(p),
    IsInitiatingProcessRemoteSession: false,
  });
}

// ---------------------------------------------------------------------------------------------
// The scenario, in event-time order
// ---------------------------------------------------------------------------------------------

// A cron tick: cron (611) forks a child, the child opens a PAM session for root (logon row) and
// runs `/bin/sh -c "<job>"`. For a job that is a single command dash execs it (same PID).
function cronChild(pid, created) {
  return proc({ pid, created, path: '/usr/sbin/cron', cmd: '/usr/sbin/cron -f -P', user: U.root, parent: cron });
}
function jobShell(pid, created, child, job) {
  return proc({ pid, created, path: '/usr/bin/dash', cmd: `/bin/sh -c "${job}"`, user: U.root, parent: child });
}
const SYSSTAT_JOB = 'command -v debian-sa1 > /dev/null && debian-sa1 1 1';

// 06:40 — root cron job /etc/cron.d/indexer-disk-check (*/10). Only its logon is in the export.
const cron0640 = cronChild(414418, t('06:40:01.542106'));
cronLogon(t('06:40:01.587341'), cron0640);

// 06:40:04 — OpenSearch merged segments: the indexer JVM deletes the merged-away files.
const IDX = '/var/lib/wazuh-indexer/nodes/0/indices';
const idxA = `${IDX}/pQ3xv7RkT9e2Lm0aZcW4Yg/0/index`; // wazuh-alerts-4.x-2025.11.07
const idxB = `${IDX}/Hk8sNw1uRzOq5VbJd6tE2A/0/index`; // wazuh-monitoring-2025.45w
const idxC = `${IDX}/c2LrY0mXSf-7dQeKa9uB3w/2/index`; // wazuh-statistics-2025.45w
{
  let tk = toTicks(t('06:40:04.393268'));
  const files = [
    [idxA, '_2kq_Lucene912_0.doc'],
    [idxA, '_2kq_Lucene912_0.tim'],
    [idxA, '_2kq_Lucene912_0.tip'],
    [idxA, '_2kq_Lucene912_0.tmd'],
    [idxA, '_2kq_Lucene912_0.pos'],
    [idxA, '_2kq_Lucene90_0.dvd'],
    [idxB, '_9c_Lucene912_0.doc'],
    [idxB, '_9c_Lucene912_0.tim'],
    [idxB, '_9c_Lucene912_0.tip'],
    [idxB, '_9c_Lucene912_0.tmd'],
  ];
  for (const [folder, name] of files) {
    fileDeleted(eventTime(tk), folder, name);
    tk += BigInt(randInt(60, 900)) * 10n; // 60–900 µs apart
  }
}

// 06:40:09 — sysstat-collect.service (timer *:00/10) runs /usr/lib/sysstat/sa1 1 1 under dash.
const sa1 = proc({
  pid: 414447,
  created: t('06:40:09.36774'),
  path: '/usr/bin/dash',
  cmd: '/bin/sh /usr/lib/sysstat/sa1 1 1',
  user: U.root,
  parent: systemd,
});
scriptContent(t('06:40:09.38102'), sa1, 'sa1');

// Background: azureuser's watch runs df every 300 s (non-root, fork+exec, no shell).
function watchDf(pid, created) {
  const df = proc({
    pid,
    created,
    path: '/usr/bin/df',
    cmd: 'df -h /var/lib/wazuh-indexer',
    user: U.azureuser,
    cwd: '/home/azureuser',
    tty: '/dev/pts/1',
    pgid: 398112,
    sid: 397960,
    parent: watch,
  });
  processCreated(created, watch, df);
}
watchDf(414530, t('06:43:41.63522'));

// 06:45 — /etc/cron.d/sysstat (5-55/10): debian-sa1 1 1. On systemd it exits at once.
{
  const child = cronChild(414571, t('06:45:01.892722'));
  processCreated(child.created, cron, child); // earliest root process row with Unknown signature
  cronLogon(t('06:45:01.943018'), child);
  const sh = jobShell(414572, t('06:45:01.951377'), child, SYSSTAT_JOB);
  processCreated(sh.created, child, sh);
  const helper = proc({
    pid: 414572,
    created: t('06:45:01.953504'),
    path: '/usr/bin/dash',
    cmd: '/bin/sh /usr/lib/sysstat/debian-sa1 1 1',
    user: U.root,
    parent: sh,
  });
  processCreated(helper.created, sh, helper); // exec, same PID, same image (dash -> dash)
}

// 06:46:02 — device snapshot (DeviceInfo + one DeviceNetworkInfo row per adapter).
const SNAPSHOT = t('06:46:02.9561661');
add('DeviceInfo', SNAPSHOT, {
  ClientVersion: '101.25092.0003',
  PublicIP: '52.186.168.241',
  OSArchitecture: '64-bit',
  OSPlatform: 'Linux',
  OSVersion: '22.04',
  OSDistribution: 'Ubuntu',
  OSVersionInfo: '22.04',
  IsAzureADJoined: false,
  LoggedOnUsers: JSON.stringify([{ UserName: 'LOGIN' }]),
  AdditionalFields: null,
  MergedDeviceIds: '',
  MergedToDeviceId: '',
  Vendor: 'Microsoft Corporation',
  Model: 'Virtual Machine',
  OnboardingStatus: 'Onboarded',
  DeviceCategory: 'Endpoint',
  DeviceType: 'Workstation',
  DeviceSubtype: 'Workstation',
  SensorHealthState: 'Active',
  IsExcluded: false,
  ExposureLevel: 'Medium',
  HardwareUuid: '9c8a2d4f-613b-074e-9a5c-81d2e6f0b7a3',
  AzureVmId: '4f2d8a9c-3b61-4e07-9a5c-81d2e6f0b7a3',
  AzureVmSubscriptionId: '03149062-a982-4abf-b406-7e0d9ca2f1ca',
  CloudPlatforms: JSON.stringify(['Azure']),
  ConnectivityType: 'Streamlined',
  AzureResourceId:
    '/subscriptions/03149062-a982-4abf-b406-7e0d9ca2f1ca/resourceGroups/SentinelSOC/providers/Microsoft.Compute/virtualMachines/Wazuh1',
  IsTransient: false,
  ReportId: `__BIG__${BIG_REPORT_IDS.deviceInfo}__`,
});
const LINK_LOCAL = { IPAddress: 'fe80::222:48ff:fe2e:a86c', SubnetPrefix: 64, AddressType: 'Private' };
add('DeviceNetworkInfo', SNAPSHOT, {
  ReportId: `__BIG__${BIG_REPORT_IDS.eth0}__`,
  NetworkAdapterName: 'eth0',
  NetworkAdapterType: 'Ethernet',
  NetworkAdapterStatus: 'Up',
  TunnelType: 'None',
  ConnectedNetworks: null,
  DnsAddresses: JSON.stringify(['168.63.129.16']),
  DefaultGateways: JSON.stringify(['10.0.0.1']),
  MacAddress: '00-22-48-2E-A8-6C',
  IPv4Dhcp: '168.63.129.16',
  IPv6Dhcp: null,
  IPAddresses: JSON.stringify([{ IPAddress: '10.0.0.4', SubnetPrefix: 24, AddressType: 'Private' }, LINK_LOCAL]),
  NetworkAdapterVendor: 'Microsoft',
});
add('DeviceNetworkInfo', SNAPSHOT, {
  ReportId: `__BIG__${BIG_REPORT_IDS.vf}__`,
  NetworkAdapterName: 'enP28238s1',
  NetworkAdapterType: 'Ethernet',
  NetworkAdapterStatus: 'Up',
  TunnelType: 'None',
  ConnectedNetworks: null,
  DnsAddresses: null,
  DefaultGateways: null,
  MacAddress: '00-22-48-2E-A8-6C',
  IPv4Dhcp: null,
  IPv6Dhcp: null,
  IPAddresses: JSON.stringify([LINK_LOCAL]),
  NetworkAdapterVendor: 'Mellanox Technologies',
});

// 06:46:36 — Defender's EDR runs its inventory and log4j scripts (root, egid mdatp).
const SCRIPTS = '/opt/microsoft/mdatp/conf/scripts';
const JAR_PATH =
  '/usr/sap/*/*/j2ee/cluster/apps/sap.com/devserver_metadataupload_ear/servlet_jsp/developmentserver/root/WEB-INF/lib/devserver_metadataupload_war.jar';
const mdatpProc = (p) => proc({ user: U.root, group: G.mdatp, pgid: 1029, sid: 1029, ...p });
const pyJar = mdatpProc({
  pid: 415012,
  created: t('06:46:36.992885'),
  path: '/usr/bin/python3.10',
  cmd: `/bin/python3 ${SCRIPTS}/get_jar_data_list.py --jar-path ${JAR_PATH} --manifest-keys implementation-version,implementation-vendor`,
  parent: wdavEdr,
});
processCreated(pyJar.created, wdavEdr, pyJar);
scriptContent(t('06:46:37.049669'), pyJar, 'get_jar_data_list.py');

const pyPkg = mdatpProc({
  pid: 415019,
  created: t('06:46:37.19163'),
  path: '/usr/bin/python3.10',
  cmd: `/bin/python3 ${SCRIPTS}/find_python_package.py --search-dirs /home/user/envs,/opt/venvs --global-dirs /usr/local/lib,/tmp/venv/lib`,
  parent: wdavEdr,
});
processCreated(pyPkg.created, wdavEdr, pyPkg);
scriptContent(t('06:46:37.247243'), pyPkg, 'find_python_package.py');

const osq = mdatpProc({
  pid: 415027,
  created: t('06:46:37.604419'),
  path: '/opt/microsoft/mdatp/sbin/osqueryi',
  cmd: `/opt/microsoft/mdatp/sbin/osqueryi --config_path=/dev/null --disable_extensions --json "select pid, name, path, cmdline, uid from processes where name in ('java', 'javaw')"`,
  parent: wdavEdr,
});
processCreated(osq.created, wdavEdr, osq);

const pyOpen = mdatpProc({
  pid: 415036,
  created: t('06:46:38.101852'),
  path: '/usr/bin/python3.10',
  cmd: `/bin/python3 ${SCRIPTS}/open_files.py --scan-id log4j_handlersV2 --filter-names log4j,LOG4J,spring-core --marker-path /var/opt/microsoft/mdatp/wdavedr/log4jMitigationApplied --process-filter java,javaw --filter-env LOG4J_FORMAT_MSG_NO_LOOKUPS=true --collect-dirlist /log4j/core/lookup/JndiLookup.class,log4j-,spring-core-`,
  parent: wdavEdr,
});
processCreated(pyOpen.created, wdavEdr, pyOpen);
scriptContent(t('06:46:38.168331'), pyOpen, 'open_files.py');

const ps = mdatpProc({
  pid: 415041,
  created: t('06:46:38.214096'),
  path: '/usr/bin/ps',
  cmd: '/bin/ps -A -o comm,pid,ppid,uid,args',
  parent: pyOpen,
});
processCreated(ps.created, pyOpen, ps);

// open_files.py runs lsof through the shell (subprocess shell=True): python forks /bin/sh -c,
// dash execs lsof (same PID, image dash -> lsof), lsof forks its helper child.
function lsofPass(rowTime, shPid, shCreated, lsofCreated, helperCreated, selector) {
  const cmd = `lsof -a -c java -c javaw ${selector} -F pn`;
  const sh = mdatpProc({
    pid: shPid,
    created: shCreated,
    path: '/usr/bin/dash',
    cmd: `/bin/sh -c "${cmd}"`,
    parent: pyOpen,
  });
  processCreated(rowTime, pyOpen, sh);
  const lsof = mdatpProc({ pid: shPid, created: lsofCreated, path: '/usr/bin/lsof', cmd, parent: sh });
  processCreated(lsofCreated, sh, lsof);
  const helper = mdatpProc({ pid: shPid + 1, created: helperCreated, path: '/usr/bin/lsof', cmd, parent: lsof });
  processCreated(helperCreated, lsof, helper);
}
lsofPass(t('06:46:38.297778'), 415044, t('06:46:38.296951'), t('06:46:38.29932'), t('06:46:38.301566'), '-d mem');
lsofPass(t('06:46:39.284402'), 415059, t('06:46:39.28427'), t('06:46:39.284641'), t('06:46:39.286907'), '-d 3-65535');

// 06:47:12 — a Wazuh agent (10.0.0.5) connects to the manager's remoted on 1514/tcp.
network(t('06:47:12.508433'), 'InboundConnectionAccepted', remoted, {
  localIp: '10.0.0.4',
  localPort: 1514,
  remoteIp: '10.0.0.5',
  remotePort: 50412,
  localType: 'Private',
  remoteType: 'Private',
});

watchDf(415208, t('06:48:41.64117'));

// 06:50 — root cron job /etc/cron.d/indexer-disk-check (*/10): a local admin script.
{
  const child = cronChild(415331, t('06:50:01.672048'));
  processCreated(child.created, cron, child);
  cronLogon(t('06:50:01.71952'), child);
  const sh = jobShell(415332, t('06:50:01.729915'), child, '/usr/local/sbin/indexer-disk-check');
  processCreated(sh.created, child, sh);
  const script = proc({
    pid: 415332,
    created: t('06:50:01.731206'),
    path: '/usr/bin/dash',
    cmd: '/bin/sh /usr/local/sbin/indexer-disk-check',
    user: U.root,
    parent: sh,
  });
  processCreated(script.created, sh, script);
  const df = proc({
    pid: 415334,
    created: t('06:50:01.735588'),
    path: '/usr/bin/df',
    cmd: 'df -P /var/lib/wazuh-indexer',
    user: U.root,
    parent: script,
  });
  processCreated(df.created, script, df);
  const awk = proc({
    pid: 415335,
    created: t('06:50:01.735901'),
    path: '/usr/bin/mawk',
    cmd: 'awk "NR==2 {print $5+0}"',
    user: U.root,
    parent: script,
  });
  processCreated(awk.created, script, awk);
}

// 06:50:04 — another merge, in the statistics index (shard 2).
{
  let tk = toTicks(t('06:50:04.810774'));
  for (const name of ['_h1_Lucene912_0.doc', '_h1_Lucene912_0.tim', '_h1_Lucene912_0.tip', '_h1_Lucene912_0.pos']) {
    fileDeleted(eventTime(tk), idxC, name);
    tk += BigInt(randInt(60, 900)) * 10n;
  }
}

// 06:52:40 — the Wazuh dashboard queries the indexer over loopback.
network(t('06:52:40.117305'), 'ConnectionSuccess', dashboardNode, {
  localIp: '127.0.0.1',
  localPort: 41876,
  remoteIp: '127.0.0.1',
  remotePort: 9200,
  localType: 'Loopback',
  remoteType: 'Loopback',
});

watchDf(415560, t('06:53:41.64598'));

// 06:55 — sysstat cron again; this time the sensor also reports the helper's script content.
{
  const child = cronChild(415611, t('06:55:01.891406'));
  processCreated(child.created, cron, child);
  cronLogon(t('06:55:01.93412'), child);
  const sh = jobShell(415612, t('06:55:01.950873'), child, SYSSTAT_JOB);
  processCreated(sh.created, child, sh);
  const helper = proc({
    pid: 415612,
    created: t('06:55:01.952219'),
    path: '/usr/bin/dash',
    cmd: '/bin/sh /usr/lib/sysstat/debian-sa1 1 1',
    user: U.root,
    parent: sh,
  });
  processCreated(helper.created, sh, helper);
  scriptContent(t('06:55:01.964973'), helper, 'debian-sa1');
}

// ---------------------------------------------------------------------------------------------
// Envelopes and output
// ---------------------------------------------------------------------------------------------

// Per-device event ReportIds: small increasing integers in event-time order.
rows.sort((a, b) =>
  toTicks(a.timestamp) < toTicks(b.timestamp) ? -1 : toTicks(a.timestamp) > toTicks(b.timestamp) ? 1 : 0,
);
let reportId = 71842;
for (const r of rows) {
  if (r.properties.ReportId === undefined) {
    reportId += randInt(1, 5);
    r.properties.ReportId = reportId;
  }
  // Service receipt 40–170 s after the event; the blob record is written 60–110 s later.
  const received = toTicks(r.timestamp) + BigInt(randInt(40_000, 170_000)) * 10000n + BigInt(randInt(0, 9999));
  r.received = received;
  r.time = received + BigInt(randInt(60_000, 110_000)) * 10000n + BigInt(randInt(0, 9999));
}

// Streaming-API storage writes one container per table; the export is those hour-06 PT1H.json
// blobs concatenated (tables in container-name order, records in blob order = write order).
rows.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : a.time < b.time ? -1 : a.time > b.time ? 1 : 0));

function record(r) {
  const props = {
    DeviceId: DEVICE_ID,
    DeviceName: DEVICE_NAME,
    ...r.properties,
    Timestamp: r.timestamp,
    MachineGroup: MACHINE_GROUP,
  };
  for (const k of Object.keys(props)) if (props[k] === undefined) delete props[k];
  return {
    time: fromTicks(r.time),
    tenantId: TENANT_ID,
    operationName: 'Publish',
    category: `AdvancedHunting-${r.table}`,
    _TimeReceivedBySvc: fromTicks(r.received),
    properties: props,
    Tenant: 'DefaultTenant',
  };
}

const text = rows
  .map((r) => JSON.stringify(record(r)).replace(/"__BIG__(\d+)__"/g, '$1'))
  .map((line) => `${line}\r\n`)
  .join('');

if (process.argv.includes('--check')) {
  const current = readFileSync(OUT, 'utf8');
  if (current !== text) {
    console.error('events.ndjson is out of date: run node make-events.mjs');
    process.exit(1);
  }
  console.log(`events.ndjson is up to date (${rows.length} records)`);
} else {
  writeFileSync(OUT, text);
  console.log(`wrote ${OUT} (${rows.length} records, ${text.length} bytes)`);
}
