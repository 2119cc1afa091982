/**
 * The KQL form of every field view of the Defender mapping (`@tripline/sigma`'s `mdeMapping()`), keyed
 * by `FieldView.key`: the `extend` steps that rebuild Sysmon's spelling from MDE's columns, written to
 * give the same value as the view's `get` on every row (an absent value is `""` for strings, null for
 * numbers, as the local engine treats an empty column as absent), and the platform filter of the
 * mapping's `eventPlatform`/`platformAccepts`.
 */
import { TABLE_COLUMNS, type TableName } from '@tripline/core';
import type { SigmaRoute } from '@tripline/sigma';
import { kqlString, kqlStringList } from './literal.js';

/** How a view is read in KQL. */
export interface ViewKql {
  /** Columns to extend before the predicate, in order (`[name, expression]`); shared names have one expression. */
  readonly extend: readonly (readonly [string, string])[];
  /** The expression that is the view's value (a table column or an extended one). */
  readonly value: string;
  /** `string`: `""` when absent; `long`: null when absent. */
  readonly type: 'string' | 'long';
  /** What the KQL form cannot reproduce exactly, when anything (said in the docs). */
  readonly caveat?: string;
}

export type ViewForm = { readonly ok: true; readonly kql: ViewKql } | { readonly ok: false; readonly reason: string };

const BS = kqlString('\\');
const OUTBOUND = [
  'ConnectionSuccess',
  'ConnectionAttempt',
  'ConnectionFailed',
  'ConnectionRequest',
  'ConnectionAcknowledged',
];
const INBOUND = ['InboundConnectionAccepted'];
const INB = `ActionType == ${kqlString('InboundConnectionAccepted')}`;

const col = (name: string): ViewKql => ({ extend: [], value: name, type: 'string' });
const num = (name: string): ViewKql => ({ extend: [], value: name, type: 'long' });
const ext = (name: string, expr: string, before: readonly (readonly [string, string])[] = []): ViewKql => ({
  extend: [...before, [name, expr]],
  value: name,
  type: 'string',
});

/** `joinPath(folder, name)` of the mapping's values module. */
function joinPath(folder: string, name: string): string {
  const sep = `iff(${folder} contains "/" and ${folder} !contains ${BS}, "/", ${BS})`;
  return `iff(isempty(${folder}), "", iff(isempty(${name}) or ${folder} =~ ${name} or ${folder} endswith strcat(${sep}, ${name}), ${folder}, strcat(${folder}, iff(${folder} endswith ${sep}, "", ${sep}), ${name})))`;
}

/** `domainUser(domain, name)`: `DOMAIN\name`, the name alone without a domain. */
function domainUser(domain: string, name: string): string {
  return `iff(isempty(${name}), "", iff(isempty(${domain}), ${name}, strcat(${domain}, ${BS}, ${name})))`;
}

/** `\` or `/` + the parent's file name, unless MDE wrote a path. */
function parentFromBaseName(sep: '\\' | '/'): ViewKql {
  const p = 'InitiatingProcessParentFileName';
  return ext(
    'ParentImage',
    `iff(isempty(${p}), "", iff(${p} contains ${BS} or ${p} contains "/", ${p}, strcat(${kqlString(sep)}, ${p})))`,
  );
}

const HASHES = ext(
  'Hashes',
  `substring(strcat(${[
    ['SHA1', 'SHA1'],
    ['MD5', 'MD5'],
    ['SHA256', 'SHA256'],
  ]
    .map(([c, n]) => `iff(isempty(${c}), "", strcat(",${n}=", toupper(${c})))`)
    .join(', ')}), 1)`,
);

/** MDE's hive spellings → Sysmon's, then `ControlSet001` → `CurrentControlSet` (`sysmonRegistryKey`). */
function sysmonRegistryKey(prefix: string, key: string): (readonly [string, string])[] {
  const hives: [string, string][] = [
    ['HKEY_LOCAL_MACHINE', 'HKLM'],
    ['HKEY_CURRENT_USER', 'HKU'],
    ['HKEY_USERS', 'HKU'],
    ['HKEY_CLASSES_ROOT', 'HKCR'],
    ['\\REGISTRY\\MACHINE', 'HKLM'],
    ['\\REGISTRY\\USER', 'HKU'],
  ];
  const k = `${prefix}0`;
  const hive = `case(${hives
    .map(
      ([long, short]) =>
        `${k} =~ ${kqlString(long)} or ${k} startswith ${kqlString(`${long}\\`)}, strcat(${kqlString(short)}, substring(${k}, ${long.length}))`,
    )
    .join(', ')}, ${k})`;
  const cs = 'HKLM\\SYSTEM\\ControlSet001';
  const h = `${prefix}1`;
  const controlSet = `iff(${h} =~ ${kqlString(cs)} or ${h} startswith ${kqlString(`${cs}\\`)}, strcat(substring(${h}, 0, ${'HKLM\\SYSTEM\\'.length}), "CurrentControlSet", substring(${h}, ${cs.length})), ${h})`;
  return [
    [k, key],
    [h, hive],
    [prefix, controlSet],
  ];
}

const REGISTRY_EVENT_TYPES: Readonly<Record<string, string>> = {
  RegistryKeyCreated: 'CreateKey',
  RegistryKeyDeleted: 'DeleteKey',
  RegistryValueSet: 'SetValue',
  RegistryValueDeleted: 'DeleteValue',
  RegistryKeyRenamed: 'RenameKey',
};
const REGISTRY_EVENT_IDS: Readonly<Record<string, number>> = {
  RegistryKeyCreated: 12,
  RegistryKeyDeleted: 12,
  RegistryValueDeleted: 12,
  RegistryValueSet: 13,
  RegistryKeyRenamed: 14,
};

const REGISTRY_KEY = sysmonRegistryKey(
  'tl_RegistryKey',
  `iff(ActionType == "RegistryKeyRenamed" and isnotempty(PreviousRegistryKey), PreviousRegistryKey, RegistryKey)`,
);
const NEW_KEY = sysmonRegistryKey('tl_NewRegistryKey', 'RegistryKey');
const MASK32 = '4294967295';
const DWORD_TEXT = String.raw`\A-?[0-9]{1,18}\z`;

function details(): string {
  const data = 'RegistryValueData';
  const type = 'RegistryValueType';
  const n = `tolong(${data})`;
  const integer = `${data} matches regex ${kqlString(DWORD_TEXT)}`;
  const built = `case(${type} =~ "Binary", "Binary Data", isempty(${data}), iff(isempty(${type}) or ${type} in~ ("String", "ExpandString", "MultiString", "None"), "(Empty)", ""), ${type} in~ ("Dword", "DwordBigEndian") and ${integer}, strcat("DWORD (0x", tohex(binary_and(${n}, ${MASK32}), 8), ")"), ${type} =~ "Qword" and ${integer}, strcat("QWORD (0x", tohex(binary_and(binary_shift_right(${n}, 32), ${MASK32}), 8), "-0x", tohex(binary_and(${n}, ${MASK32}), 8), ")"), ${data})`;
  return `iff(isempty(ActionType) or ActionType == "RegistryValueSet", ${built}, "")`;
}

/** `urlHost(RemoteUrl)`: scheme, path, user info, brackets and port removed. */
const REMOTE_HOST: (readonly [string, string])[] = [
  [
    'tl_RemoteHost0',
    `iff(RemoteUrl contains "://", extract(${kqlString('(?s)\\A.*?://(.*)\\z')}, 1, RemoteUrl), RemoteUrl)`,
  ],
  ['tl_RemoteHost1', `extract(${kqlString('^[^/?#]*')}, 0, tl_RemoteHost0)`],
  ['tl_RemoteHost2', `extract(${kqlString('[^@]*$')}, 0, tl_RemoteHost1)`],
  [
    'tl_RemoteHost',
    `iff(tl_RemoteHost2 startswith "[", iff(tl_RemoteHost2 contains "]", extract(${kqlString('\\A\\[([^\\]]*)\\]')}, 1, tl_RemoteHost2), tl_RemoteHost2), iff(tl_RemoteHost2 matches regex ${kqlString('\\A[^:]*:[^:]*\\z')}, extract(${kqlString('\\A([^:]*):')}, 1, tl_RemoteHost2), tl_RemoteHost2))`,
  ],
];

/** `plainIp` of one side's address column pair (`RemoteIP`, `LocalIP` on inbound rows). */
function address(name: string, outbound: string, inbound: string): (readonly [string, string])[] {
  const raw = `${name}Raw`;
  return [
    [raw, `iff(${INB}, ${inbound}, ${outbound})`],
    [name, `iff(${raw} startswith "::ffff:" and substring(${raw}, 7) contains ".", substring(${raw}, 7), ${raw})`],
  ];
}
const DEST_IP = address('DestinationIp', 'RemoteIP', 'LocalIP');
const SRC_IP = address('SourceIp', 'LocalIP', 'RemoteIP');
const isIpv6 = (ip: string): string => `iff(isempty(${ip}), "", iff(${ip} contains ":", "true", "false"))`;

const initiatingImage = (): ViewKql =>
  ext('Image', joinPath('InitiatingProcessFolderPath', 'InitiatingProcessFileName'));

type Platform = 'windows' | 'linux';

/** The view forms of one table on one platform, by Sigma field. */
function formsOf(table: TableName, platform: Platform): Readonly<Record<string, ViewKql>> {
  const sep = platform === 'linux' ? '/' : '\\';
  const windowsUser = ext('User', domainUser('InitiatingProcessAccountDomain', 'InitiatingProcessAccountName'));
  const initiatingUser = platform === 'linux' ? col('InitiatingProcessAccountName') : windowsUser;
  const hashes = {
    md5: col('MD5'),
    sha1: col('SHA1'),
    sha256: col('SHA256'),
    Hashes: HASHES,
  };
  switch (table) {
    case 'DeviceProcessEvents': {
      const common: Record<string, ViewKql> = {
        Image: ext('Image', joinPath('FolderPath', 'FileName')),
        CommandLine: col('ProcessCommandLine'),
        OriginalFileName: col('ProcessVersionInfoOriginalFileName'),
        Description: col('ProcessVersionInfoFileDescription'),
        Product: col('ProcessVersionInfoProductName'),
        Company: col('ProcessVersionInfoCompanyName'),
        FileVersion: col('ProcessVersionInfoProductVersion'),
        ParentImage: ext('ParentImage', joinPath('InitiatingProcessFolderPath', 'InitiatingProcessFileName')),
        ParentCommandLine: col('InitiatingProcessCommandLine'),
        ProcessId: num('ProcessId'),
        ParentProcessId: num('InitiatingProcessId'),
        ...hashes,
      };
      if (platform === 'linux') {
        return {
          ...common,
          User: col('AccountName'),
          ParentUser: col('InitiatingProcessAccountName'),
          LogonId: { extend: [], value: 'tostring(LogonId)', type: 'string' },
          CurrentDirectory: ext(
            'CurrentDirectory',
            'tostring(parse_json(tostring(AdditionalFields)).ProcessCurrentWorkingDirectory)',
          ),
        };
      }
      return {
        ...common,
        User: ext('User', domainUser('AccountDomain', 'AccountName')),
        ParentUser: ext('ParentUser', domainUser('InitiatingProcessAccountDomain', 'InitiatingProcessAccountName')),
        LogonId: ext(
          'SigmaLogonId',
          'iff(isnull(LogonId), "", iff(LogonId < 0, tostring(LogonId), strcat("0x", tohex(LogonId))))',
        ),
        IntegrityLevel: col('ProcessIntegrityLevel'),
      };
    }
    case 'DeviceFileEvents':
      return {
        TargetFilename: ext('TargetFilename', joinPath('FolderPath', 'FileName')),
        SourceFilename: ext('SourceFilename', joinPath('PreviousFolderPath', 'PreviousFileName')),
        Image: initiatingImage(),
        CommandLine: col('InitiatingProcessCommandLine'),
        ParentImage: parentFromBaseName(sep),
        ProcessId: num('InitiatingProcessId'),
        User: initiatingUser,
        IntegrityLevel: col('InitiatingProcessIntegrityLevel'),
        ...hashes,
      };
    case 'DeviceNetworkEvents':
      return {
        Image: initiatingImage(),
        CommandLine: col('InitiatingProcessCommandLine'),
        ParentImage: parentFromBaseName(sep),
        ProcessId: num('InitiatingProcessId'),
        User: initiatingUser,
        Initiated: ext(
          'Initiated',
          `case(ActionType in ${kqlStringList(OUTBOUND)}, "true", ActionType in ${kqlStringList(INBOUND)}, "false", "")`,
        ),
        DestinationIp: { extend: DEST_IP, value: 'DestinationIp', type: 'string' },
        DestinationPort: {
          extend: [['DestinationPort', `iff(${INB}, LocalPort, RemotePort)`]],
          value: 'DestinationPort',
          type: 'long',
        },
        DestinationHostname: ext('DestinationHostname', `iff(${INB}, DeviceName, tl_RemoteHost)`, REMOTE_HOST),
        DestinationIsIpv6: ext('DestinationIsIpv6', isIpv6('DestinationIp'), DEST_IP),
        SourceIp: { extend: SRC_IP, value: 'SourceIp', type: 'string' },
        SourcePort: {
          extend: [['SourcePort', `iff(${INB}, RemotePort, LocalPort)`]],
          value: 'SourcePort',
          type: 'long',
        },
        SourceHostname: ext('SourceHostname', `iff(${INB}, tl_RemoteHost, DeviceName)`, REMOTE_HOST),
        SourceIsIpv6: ext('SourceIsIpv6', isIpv6('SourceIp'), SRC_IP),
        Protocol: ext('SigmaProtocol', `replace_regex(tolower(Protocol), ${kqlString('v[46]\\z')}, "")`),
      };
    case 'DeviceRegistryEvents':
      return {
        TargetObject: ext(
          'TargetObject',
          `iff(isempty(tl_RegistryKey), "", iff(ActionType in ("RegistryValueSet", "RegistryValueDeleted") or (isempty(ActionType) and isnotempty(RegistryValueName)), strcat(tl_RegistryKey, iff(tl_RegistryKey endswith ${BS}, "", ${BS}), iff(isempty(RegistryValueName), "(Default)", RegistryValueName)), tl_RegistryKey))`,
          REGISTRY_KEY,
        ),
        Details: {
          ...ext('Details', details()),
          caveat:
            'a DWORD or QWORD value is rebuilt when MDE wrote it in decimal with at most 18 digits (MDE writes decimal); the local engine also reads hexadecimal and 19–20 digit values',
        },
        EventType: ext(
          'EventType',
          `case(${Object.entries(REGISTRY_EVENT_TYPES)
            .map(([a, t]) => `ActionType == ${kqlString(a)}, ${kqlString(t)}`)
            .join(', ')}, "")`,
        ),
        EventID: {
          extend: [
            [
              'EventID',
              `case(${Object.entries(REGISTRY_EVENT_IDS)
                .map(([a, id]) => `ActionType == ${kqlString(a)}, ${id}`)
                .join(', ')}, tolong(""))`,
            ],
          ],
          value: 'EventID',
          type: 'long',
        },
        NewName: ext('NewName', `iff(ActionType == "RegistryKeyRenamed", tl_NewRegistryKey, "")`, NEW_KEY),
        Image: initiatingImage(),
        ParentImage: parentFromBaseName('\\'),
        ProcessId: num('InitiatingProcessId'),
        User: windowsUser,
      };
    default:
      return {};
  }
}

const FORMS = new Map<string, ViewKql>();
for (const [table, platform] of [
  ['DeviceProcessEvents', 'windows'],
  ['DeviceFileEvents', 'windows'],
  ['DeviceNetworkEvents', 'windows'],
  ['DeviceRegistryEvents', 'windows'],
  ['DeviceProcessEvents', 'linux'],
  ['DeviceFileEvents', 'linux'],
  ['DeviceNetworkEvents', 'linux'],
] as const) {
  for (const [field, kql] of Object.entries(formsOf(table, platform))) {
    FORMS.set(`${table}.${field}${platform === 'linux' ? '@linux' : ''}`, kql);
  }
}

/** Every view key this table knows (for the completeness test). */
export function viewKeys(): readonly string[] {
  return [...FORMS.keys()].sort();
}

/** The KQL form of a view, by its key, or why there is none. */
export function viewForm(key: string): ViewForm {
  const kql = FORMS.get(key);
  if (kql !== undefined) return { ok: true, kql };
  return { ok: false, reason: `the view ${key} has no KQL form in this version of the exporter` };
}

/** The view's value as a string expression (numbers as Kusto writes them, which is how the engine spells them too). */
export function stringValue(kql: ViewKql): string {
  return kql.type === 'long' ? `tostring(${kql.value})` : kql.value;
}

/** True when `table` has `column` in core's catalog. */
export function hasColumn(table: TableName, column: string): boolean {
  return Object.hasOwn(TABLE_COLUMNS[table], column);
}

const PATH_COLUMNS = ['FolderPath', 'InitiatingProcessFolderPath', 'PreviousFolderPath'] as const;

/**
 * A POSIX key in `AdditionalFields`: a JSON member name (after `{` or `,`, so never text inside a
 * string value, whose quotes are escaped) that contains `Posix`.
 */
const POSIX_KEY = String.raw`[{,]\s*"(?:[^"\\]|\\.)*Posix(?:[^"\\]|\\.)*"\s*:`;

/**
 * The mapping's `eventPlatform` as one `extend` (`tl_Platform`: `windows`, `posix` or `""`) and the
 * `where` of `platformAccepts` for the route, or undefined when the route accepts every row (no
 * platform, or the registry: always Windows).
 */
export function platformFilter(route: SigmaRoute): { extend: readonly [string, string]; where: string } | undefined {
  if (route.platform === undefined) return undefined;
  if (route.table === 'DeviceRegistryEvents') {
    if (route.platform === 'windows') return undefined;
    return { extend: ['tl_Platform', '"windows"'], where: 'tl_Platform != "windows"' };
  }
  const arms: string[] = [];
  for (const c of PATH_COLUMNS) {
    if (!hasColumn(route.table, c)) continue;
    arms.push(`${c} startswith "/", "posix"`);
    arms.push(`${c} startswith ${BS} or ${c} matches regex ${kqlString(String.raw`\A[A-Za-z]:`)}, "windows"`);
  }
  if (hasColumn(route.table, 'AdditionalFields')) {
    arms.push(`tostring(AdditionalFields) matches regex ${kqlString(POSIX_KEY)}, "posix"`);
  }
  const extend = ['tl_Platform', `case(${arms.join(', ')}, "")`] as const;
  return {
    extend,
    where: route.platform === 'windows' ? 'tl_Platform != "posix"' : 'tl_Platform != "windows"',
  };
}
