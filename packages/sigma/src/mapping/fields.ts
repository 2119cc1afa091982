/**
 * The field views of the MDE mapping, per table and platform: each Sigma field as the columns MDE
 * holds it in, with the rebuild that gives Sysmon's spelling back, or a refusal with its reason.
 */
import type { MdeEvent, TableName } from '@tripline/core';
import type { FieldView, SigmaFieldValue } from '../ir.js';
import {
  domainUser,
  hexLogonId,
  imphashReason,
  isIpv6,
  joinPath,
  memoSysmonHashes,
  plainIp,
  REGISTRY_EVENT_IDS,
  REGISTRY_EVENT_TYPES,
  registryValuePath,
  sysmonProtocol,
  sysmonRegistryDetails,
  sysmonRegistryKey,
  urlHost,
} from './values.js';

export type Platform = 'windows' | 'linux';

/** A mapped field: the view plus what the documentation says about it. */
export interface FieldSpec {
  readonly field: string;
  readonly columns: readonly string[];
  /** How the value is built, one sentence. */
  readonly rebuild: string;
  /** What the reader must know (differences from Sysmon), when anything. */
  readonly caveat?: string;
  readonly get: (event: MdeEvent) => SigmaFieldValue;
  readonly lowercased?: boolean;
  readonly degraded?: string;
  readonly neverMatches?: (value: string) => string | undefined;
  /** Searched by keyword (field-less) values. */
  readonly keyword?: boolean;
}

/** A Sigma field the mapping refuses, with the reason. */
export interface RefusedField {
  readonly field: string;
  readonly reason: string;
}

/** All fields of one table on one platform. */
export interface TableFields {
  readonly table: TableName;
  readonly platform: Platform;
  readonly fields: readonly FieldSpec[];
  readonly refused: readonly RefusedField[];
}

const s = (e: MdeEvent, column: string): string | undefined => e.str(column);

/** A field that is one string column as MDE writes it, searched by keyword values too. */
function column(field: string, name: string): FieldSpec {
  return { field, columns: [name], rebuild: `\`${name}\``, get: (e) => s(e, name), keyword: true };
}

const LOWERCASED_NOTE =
  'MDE writes the initiating process path lower-cased: case-insensitive modifiers are unaffected, a case-sensitive comparison (`cased`, `re` without `i`) is degraded';

// ───────────── views shared by the tables whose rows name an initiating process ─────────────

/** `Image` of the process that did the file, network or registry action. */
const initiatingImage: FieldSpec = {
  field: 'Image',
  columns: ['InitiatingProcessFolderPath', 'InitiatingProcessFileName'],
  rebuild:
    '`InitiatingProcessFolderPath`, with `InitiatingProcessFileName` appended when the column holds the folder only',
  caveat: LOWERCASED_NOTE,
  get: (e) => joinPath(s(e, 'InitiatingProcessFolderPath'), s(e, 'InitiatingProcessFileName')),
  lowercased: true,
  keyword: true,
};

const initiatingCommandLine: FieldSpec = {
  field: 'CommandLine',
  columns: ['InitiatingProcessCommandLine'],
  rebuild: '`InitiatingProcessCommandLine` (the command line of the process that did the action)',
  get: (e) => s(e, 'InitiatingProcessCommandLine'),
  keyword: true,
};

const initiatingProcessId: FieldSpec = {
  field: 'ProcessId',
  columns: ['InitiatingProcessId'],
  rebuild: '`InitiatingProcessId`',
  get: (e) => e.num('InitiatingProcessId'),
};

const initiatingUser: FieldSpec = {
  field: 'User',
  columns: ['InitiatingProcessAccountDomain', 'InitiatingProcessAccountName'],
  rebuild: '`InitiatingProcessAccountDomain\\InitiatingProcessAccountName` (the name alone without a domain)',
  caveat: 'MDE may write the account of the initiating process lower-cased (`nt authority\\system`)',
  get: (e) => domainUser(s(e, 'InitiatingProcessAccountDomain'), s(e, 'InitiatingProcessAccountName')),
};

/** Sysmon for Linux writes the user name alone (MDE's account domain there is the host name). */
const initiatingUserLinux: FieldSpec = {
  field: 'User',
  columns: ['InitiatingProcessAccountName'],
  rebuild: '`InitiatingProcessAccountName` (Sysmon for Linux writes the user name alone)',
  get: (e) => s(e, 'InitiatingProcessAccountName'),
};

const initiatingIntegrity: FieldSpec = {
  field: 'IntegrityLevel',
  columns: ['InitiatingProcessIntegrityLevel'],
  rebuild: '`InitiatingProcessIntegrityLevel`',
  get: (e) => s(e, 'InitiatingProcessIntegrityLevel'),
};

/** `ParentImage` where MDE has only the parent's file name (file, network, registry rows). */
function parentFromBaseName(sep: '\\' | '/'): FieldSpec {
  return {
    field: 'ParentImage',
    columns: ['InitiatingProcessParentFileName'],
    rebuild: `\`${sep}\` + \`InitiatingProcessParentFileName\` (a full path when MDE wrote one)`,
    caveat:
      'MDE keeps only the parent file name on these rows: `endswith` a file name works, a folder in the value can never match',
    get: (e) => {
      const name = s(e, 'InitiatingProcessParentFileName');
      if (name === undefined) return undefined;
      return name.includes('\\') || name.includes('/') ? name : sep + name;
    },
    degraded: 'ParentImage is rebuilt from the parent file name only (MDE has no parent path on these rows)',
  };
}

const noParentCommandLine: RefusedField = {
  field: 'ParentCommandLine',
  reason: 'MDE has no parent command line on file, network and registry rows',
};

/** Fields no MDE table has. */
const COMMON_REFUSED: readonly RefusedField[] = [
  {
    field: 'ProcessGuid',
    reason: 'Sysmon process GUIDs do not exist in MDE (it has InitiatingProcessUniqueId, another key)',
  },
  { field: 'ParentProcessGuid', reason: 'Sysmon process GUIDs do not exist in MDE' },
  { field: 'LogonGuid', reason: 'MDE has no logon GUID' },
  { field: 'RuleName', reason: 'the name of the Sysmon configuration rule that logged the event: MDE has none' },
  { field: 'Provider_Name', reason: 'the ETW provider of the source event: MDE rows have none' },
  { field: 'Imphash', reason: 'MDE computes no import hash (IMPHASH)' },
];

/**
 * The hash fields of a process or file table. Each call has its own memo of `Hashes` values (see
 * {@link memoSysmonHashes}): a mapping's views share nothing with another mapping's.
 */
function fileHashes(): readonly FieldSpec[] {
  const hashes = memoSysmonHashes();
  return [
    { field: 'md5', columns: ['MD5'], rebuild: '`MD5`', get: (e) => s(e, 'MD5') },
    { field: 'sha1', columns: ['SHA1'], rebuild: '`SHA1`', get: (e) => s(e, 'SHA1') },
    { field: 'sha256', columns: ['SHA256'], rebuild: '`SHA256`', get: (e) => s(e, 'SHA256') },
    {
      field: 'Hashes',
      columns: ['SHA1', 'MD5', 'SHA256'],
      rebuild: '`SHA1=…,MD5=…,SHA256=…` from the three columns (upper-case hex, the ones present)',
      caveat: 'MDE computes no IMPHASH: a value naming `IMPHASH=` can never match (`selection-never-matches`)',
      get: (e) => hashes(s(e, 'SHA1'), s(e, 'MD5'), s(e, 'SHA256')),
      neverMatches: imphashReason,
    },
  ];
}

// ───────────── DeviceProcessEvents ─────────────

function processFields(platform: Platform): TableFields {
  const linux = platform === 'linux';
  const fields: FieldSpec[] = [
    {
      field: 'Image',
      columns: ['FolderPath', 'FileName'],
      rebuild: '`FolderPath` (MDE holds the full path there), with `FileName` appended when it holds the folder only',
      get: (e) => joinPath(s(e, 'FolderPath'), s(e, 'FileName')),
      keyword: true,
    },
    column('CommandLine', 'ProcessCommandLine'),
    column('OriginalFileName', 'ProcessVersionInfoOriginalFileName'),
    column('Description', 'ProcessVersionInfoFileDescription'),
    column('Product', 'ProcessVersionInfoProductName'),
    column('Company', 'ProcessVersionInfoCompanyName'),
    {
      field: 'FileVersion',
      columns: ['ProcessVersionInfoProductVersion'],
      rebuild: '`ProcessVersionInfoProductVersion`',
      caveat:
        'MDE keeps the product version, not the file version: Sysmon’s `10.0.19041.1 (WinBuild.160101.0800)` is `10.0.19041.1` here',
      get: (e) => s(e, 'ProcessVersionInfoProductVersion'),
      degraded: 'FileVersion is read from the product version (MDE keeps no file version string)',
    },
    {
      field: 'ParentImage',
      columns: ['InitiatingProcessFolderPath', 'InitiatingProcessFileName'],
      rebuild:
        '`InitiatingProcessFolderPath`, with `InitiatingProcessFileName` appended when the column holds the folder only',
      caveat: LOWERCASED_NOTE,
      get: (e) => joinPath(s(e, 'InitiatingProcessFolderPath'), s(e, 'InitiatingProcessFileName')),
      lowercased: true,
      keyword: true,
    },
    column('ParentCommandLine', 'InitiatingProcessCommandLine'),
    {
      field: 'ProcessId',
      columns: ['ProcessId'],
      rebuild: '`ProcessId`',
      get: (e) => e.num('ProcessId'),
    },
    {
      field: 'ParentProcessId',
      columns: ['InitiatingProcessId'],
      rebuild: '`InitiatingProcessId`',
      get: (e) => e.num('InitiatingProcessId'),
    },
    ...fileHashes(),
  ];
  if (linux) {
    fields.push(
      {
        field: 'User',
        columns: ['AccountName'],
        rebuild: '`AccountName` (Sysmon for Linux writes the user name alone; MDE’s `AccountDomain` is the host name)',
        get: (e) => s(e, 'AccountName'),
        keyword: true,
      },
      {
        field: 'ParentUser',
        columns: ['InitiatingProcessAccountName'],
        rebuild: '`InitiatingProcessAccountName`',
        get: (e) => s(e, 'InitiatingProcessAccountName'),
      },
      {
        field: 'LogonId',
        columns: ['LogonId'],
        rebuild: '`LogonId`, decimal as Sysmon for Linux writes it',
        get: (e) => e.str('LogonId'),
      },
      {
        field: 'CurrentDirectory',
        columns: ['AdditionalFields'],
        rebuild: '`ProcessCurrentWorkingDirectory` of `AdditionalFields` (or the column of that name)',
        get: (e) => e.posix.process.workingDirectory,
      },
    );
  } else {
    fields.push(
      {
        field: 'User',
        columns: ['AccountDomain', 'AccountName'],
        rebuild: '`AccountDomain\\AccountName` (the name alone without a domain)',
        get: (e) => domainUser(s(e, 'AccountDomain'), s(e, 'AccountName')),
        keyword: true,
      },
      {
        field: 'ParentUser',
        columns: ['InitiatingProcessAccountDomain', 'InitiatingProcessAccountName'],
        rebuild: '`InitiatingProcessAccountDomain\\InitiatingProcessAccountName`',
        caveat: 'MDE may write the initiating account lower-cased (`nt authority\\system`)',
        get: (e) => domainUser(s(e, 'InitiatingProcessAccountDomain'), s(e, 'InitiatingProcessAccountName')),
      },
      {
        field: 'LogonId',
        columns: ['LogonId'],
        rebuild: '`LogonId` in hexadecimal (`999` → `0x3e7`), as Sysmon writes it',
        get: (e) => hexLogonId(e.str('LogonId')),
      },
      {
        field: 'IntegrityLevel',
        columns: ['ProcessIntegrityLevel'],
        rebuild: '`ProcessIntegrityLevel` (`Low`, `Medium`, `High`, `System`, as Sysmon)',
        get: (e) => s(e, 'ProcessIntegrityLevel'),
      },
    );
  }
  const refused: RefusedField[] = [...COMMON_REFUSED];
  if (!linux) {
    refused.push({
      field: 'CurrentDirectory',
      reason: 'MDE records no working directory for Windows processes',
    });
  } else {
    refused.push({ field: 'IntegrityLevel', reason: 'MDE writes no integrity level for Linux processes' });
  }
  refused.push(
    { field: 'TerminalSessionId', reason: 'MDE has no terminal session id for processes' },
    {
      field: 'GrandParentImage',
      reason: 'MDE names the parent of the initiating process by file name only, not as the grandparent’s image',
    },
  );
  return { table: 'DeviceProcessEvents', platform, fields, refused };
}

// ───────────── DeviceFileEvents ─────────────

function fileFields(platform: Platform): TableFields {
  const sep = platform === 'linux' ? '/' : '\\';
  const fields: FieldSpec[] = [
    {
      field: 'TargetFilename',
      columns: ['FolderPath', 'FileName'],
      rebuild: '`FolderPath` (the full path in MDE), with `FileName` appended when it holds the folder only',
      get: (e) => joinPath(s(e, 'FolderPath'), s(e, 'FileName')),
      keyword: true,
    },
    {
      field: 'SourceFilename',
      columns: ['PreviousFolderPath', 'PreviousFileName'],
      rebuild: 'the path before a rename: `PreviousFolderPath` with `PreviousFileName` appended when needed',
      caveat: 'only `FileRenamed` rows have it',
      get: (e) => joinPath(s(e, 'PreviousFolderPath'), s(e, 'PreviousFileName')),
    },
    initiatingImage,
    initiatingCommandLine,
    parentFromBaseName(sep),
    initiatingProcessId,
    platform === 'linux' ? initiatingUserLinux : initiatingUser,
    initiatingIntegrity,
    ...fileHashes(),
  ];
  const refused: RefusedField[] = [
    ...COMMON_REFUSED,
    noParentCommandLine,
    {
      field: 'FileName',
      reason:
        'FileName is the Kernel-File field of file_access events, which MDE does not record; file rules name the path TargetFilename',
    },
    { field: 'CreationUtcTime', reason: 'MDE keeps no file creation time on DeviceFileEvents rows' },
  ];
  return { table: 'DeviceFileEvents', platform, fields, refused };
}

// ───────────── DeviceNetworkEvents ─────────────

/** The outbound connection ActionTypes (Sysmon `Initiated: true`). */
export const OUTBOUND_ACTION_TYPES: readonly string[] = [
  'ConnectionSuccess',
  'ConnectionAttempt',
  'ConnectionFailed',
  'ConnectionRequest',
  'ConnectionAcknowledged',
];
/** The inbound connection ActionTypes (Sysmon `Initiated: false`). */
export const INBOUND_ACTION_TYPES: readonly string[] = ['InboundConnectionAccepted'];

const OUTBOUND = new Set(OUTBOUND_ACTION_TYPES);
const INBOUND = new Set(INBOUND_ACTION_TYPES);
const inbound = (e: MdeEvent): boolean => e.actionType !== undefined && INBOUND.has(e.actionType);

const SIDES =
  'Sysmon names the side that opened the connection Source: on `InboundConnectionAccepted` rows that is the remote side';

function networkFields(platform: Platform): TableFields {
  const sep = platform === 'linux' ? '/' : '\\';
  const fields: FieldSpec[] = [
    initiatingImage,
    initiatingCommandLine,
    parentFromBaseName(sep),
    initiatingProcessId,
    platform === 'linux' ? initiatingUserLinux : initiatingUser,
    {
      field: 'Initiated',
      columns: ['ActionType'],
      rebuild: `\`'true'\` for ${OUTBOUND_ACTION_TYPES.map((a) => `\`${a}\``).join(', ')}; \`'false'\` for \`InboundConnectionAccepted\``,
      caveat: 'other ActionTypes (`ConnectionFound`) have no direction: the field is absent',
      get: (e) => {
        const a = e.actionType;
        if (a === undefined) return undefined;
        if (OUTBOUND.has(a)) return 'true';
        if (INBOUND.has(a)) return 'false';
        return undefined;
      },
    },
    {
      field: 'DestinationIp',
      columns: ['RemoteIP', 'LocalIP'],
      rebuild: '`RemoteIP` (`LocalIP` on inbound rows), an IPv4-mapped address as plain IPv4',
      caveat: SIDES,
      get: (e) => plainIp(s(e, inbound(e) ? 'LocalIP' : 'RemoteIP')),
      keyword: true,
    },
    {
      field: 'DestinationPort',
      columns: ['RemotePort', 'LocalPort'],
      rebuild: '`RemotePort` (`LocalPort` on inbound rows)',
      caveat: SIDES,
      get: (e) => e.num(inbound(e) ? 'LocalPort' : 'RemotePort'),
    },
    {
      field: 'DestinationHostname',
      columns: ['RemoteUrl', 'DeviceName'],
      rebuild: 'the host of `RemoteUrl` (`DeviceName` on inbound rows)',
      caveat: `${SIDES}; MDE fills \`RemoteUrl\` only when it saw the name (Sysmon resolves the address)`,
      get: (e) => (inbound(e) ? s(e, 'DeviceName') : urlHost(s(e, 'RemoteUrl'))),
      keyword: true,
    },
    {
      field: 'DestinationIsIpv6',
      columns: ['RemoteIP', 'LocalIP'],
      rebuild: "`'true'` when the destination address is IPv6 (not IPv4-mapped), else `'false'`",
      get: (e) => isIpv6(s(e, inbound(e) ? 'LocalIP' : 'RemoteIP')),
    },
    {
      field: 'SourceIp',
      columns: ['LocalIP', 'RemoteIP'],
      rebuild: '`LocalIP` (`RemoteIP` on inbound rows), an IPv4-mapped address as plain IPv4',
      caveat: SIDES,
      get: (e) => plainIp(s(e, inbound(e) ? 'RemoteIP' : 'LocalIP')),
    },
    {
      field: 'SourcePort',
      columns: ['LocalPort', 'RemotePort'],
      rebuild: '`LocalPort` (`RemotePort` on inbound rows)',
      caveat: SIDES,
      get: (e) => e.num(inbound(e) ? 'RemotePort' : 'LocalPort'),
    },
    {
      field: 'SourceHostname',
      columns: ['DeviceName', 'RemoteUrl'],
      rebuild: '`DeviceName` (the host of `RemoteUrl` on inbound rows)',
      caveat: SIDES,
      get: (e) => (inbound(e) ? urlHost(s(e, 'RemoteUrl')) : s(e, 'DeviceName')),
    },
    {
      field: 'SourceIsIpv6',
      columns: ['LocalIP', 'RemoteIP'],
      rebuild: "`'true'` when the source address is IPv6 (not IPv4-mapped), else `'false'`",
      get: (e) => isIpv6(s(e, inbound(e) ? 'RemoteIP' : 'LocalIP')),
    },
    {
      field: 'Protocol',
      columns: ['Protocol'],
      rebuild: '`Protocol` lower-cased without an IP version suffix (`TcpV4` → `tcp`)',
      get: (e) => sysmonProtocol(s(e, 'Protocol')),
    },
  ];
  const refused: RefusedField[] = [
    ...COMMON_REFUSED,
    noParentCommandLine,
    { field: 'DestinationPortName', reason: 'MDE keeps no service name for ports' },
    { field: 'SourcePortName', reason: 'MDE keeps no service name for ports' },
  ];
  return { table: 'DeviceNetworkEvents', platform, fields, refused };
}

// ───────────── DeviceRegistryEvents (Windows) ─────────────

/** The key a registry row is about, before the value name: the old key of a rename. */
function registryKey(e: MdeEvent): string | undefined {
  const key =
    e.actionType === 'RegistryKeyRenamed' ? (s(e, 'PreviousRegistryKey') ?? s(e, 'RegistryKey')) : s(e, 'RegistryKey');
  return key === undefined ? undefined : sysmonRegistryKey(key);
}

const VALUE_EVENTS = new Set(['RegistryValueSet', 'RegistryValueDeleted']);

function registryFields(): TableFields {
  const fields: FieldSpec[] = [
    {
      field: 'TargetObject',
      columns: ['RegistryKey', 'RegistryValueName', 'PreviousRegistryKey'],
      rebuild:
        '`RegistryKey` with Sysmon’s hive names (`HKEY_LOCAL_MACHINE` → `HKLM`, `HKEY_CURRENT_USER\\<SID>` and `HKEY_USERS\\<SID>` → `HKU\\<SID>`, `HKEY_CLASSES_ROOT` → `HKCR`, `HKLM\\SYSTEM\\ControlSet001` → `HKLM\\SYSTEM\\CurrentControlSet`), plus `\\` + `RegistryValueName` on value events (`(Default)` for the unnamed value); the old key (`PreviousRegistryKey`) on renames',
      caveat:
        'only `ControlSet001` is read as the current control set (the usual one); a key under `ControlSet002` keeps its name',
      get: (e) => {
        const key = registryKey(e);
        if (key === undefined) return undefined;
        const a = e.actionType;
        const valueName = s(e, 'RegistryValueName');
        if ((a !== undefined && VALUE_EVENTS.has(a)) || (a === undefined && valueName !== undefined)) {
          return registryValuePath(key, valueName);
        }
        return key;
      },
      keyword: true,
    },
    {
      field: 'Details',
      columns: ['RegistryValueType', 'RegistryValueData'],
      rebuild:
        '`RegistryValueData` by `RegistryValueType`: `Dword` → `DWORD (0x%08x)` and `Qword` → `QWORD (0x%08x-0x%08x)` from MDE’s decimal, `Binary` → `Binary Data`, an empty string value → `(Empty)`, strings as they are; only on `RegistryValueSet` rows',
      caveat: 'Sysmon writes Details on value-set events only (event 13); other rows have none',
      get: (e) =>
        e.actionType === undefined || e.actionType === 'RegistryValueSet'
          ? sysmonRegistryDetails(s(e, 'RegistryValueType'), s(e, 'RegistryValueData'))
          : undefined,
      keyword: true,
    },
    {
      field: 'EventType',
      columns: ['ActionType'],
      rebuild: `from \`ActionType\`: ${Object.entries(REGISTRY_EVENT_TYPES)
        .map(([a, t]) => `\`${a}\` → \`${t}\``)
        .join(', ')}`,
      get: (e) => (e.actionType === undefined ? undefined : REGISTRY_EVENT_TYPES[e.actionType]),
    },
    {
      field: 'EventID',
      columns: ['ActionType'],
      rebuild:
        'Sysmon’s event id from `ActionType`: 12 for key created/deleted and value deleted, 13 for value set, 14 for rename',
      get: (e) => (e.actionType === undefined ? undefined : REGISTRY_EVENT_IDS[e.actionType]),
    },
    {
      field: 'NewName',
      columns: ['RegistryKey'],
      rebuild: 'on `RegistryKeyRenamed` rows the new key, `RegistryKey` with Sysmon’s hive names',
      get: (e) => {
        if (e.actionType !== 'RegistryKeyRenamed') return undefined;
        const key = s(e, 'RegistryKey');
        return key === undefined ? undefined : sysmonRegistryKey(key);
      },
    },
    initiatingImage,
    parentFromBaseName('\\'),
    initiatingProcessId,
    initiatingUser,
  ];
  const refused: RefusedField[] = [
    ...COMMON_REFUSED,
    noParentCommandLine,
    {
      field: 'CommandLine',
      reason: 'Sysmon registry events carry no command line, so a rule naming one was not written for them',
    },
  ];
  return { table: 'DeviceRegistryEvents', platform: 'windows', fields, refused };
}

/** Every table of the mapping, per platform. */
export function tableFields(): readonly TableFields[] {
  return [
    processFields('windows'),
    fileFields('windows'),
    networkFields('windows'),
    registryFields(),
    processFields('linux'),
    fileFields('linux'),
    networkFields('linux'),
  ];
}

/** A view from a spec; the key names table, field and (for Linux) the platform. */
export function toView(spec: FieldSpec, key: string): FieldView {
  const view: {
    field: string;
    key: string;
    columns: readonly string[];
    get: (event: MdeEvent) => SigmaFieldValue;
    lowercased?: boolean;
    degraded?: string;
    neverMatches?: (value: string) => string | undefined;
  } = { field: spec.field, key, columns: spec.columns, get: spec.get };
  if (spec.lowercased) view.lowercased = true;
  if (spec.degraded !== undefined) view.degraded = spec.degraded;
  if (spec.neverMatches !== undefined) view.neverMatches = spec.neverMatches;
  return Object.freeze(view);
}
