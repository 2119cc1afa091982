import type { RejectCode } from '../catalog.js';
import { isTableName, SERVICE_COLUMNS, TABLE_COLUMNS, TABLE_NAMES, type TableName } from '../model/tables.js';

/**
 * Table inference for rows that arrive without an envelope naming their table (advanced hunting API
 * and Graph results, portal CSV exports, JSON Lines of result rows).
 *
 * Rules, in order (first that applies wins):
 * 1. A naming column (`Type`, `TableName`, `Table`, `$table`, `SourceTable`, or a `union withsource=`
 *    column discovered per input) holding a table name decides. A supported table is used; a known
 *    or Defender-looking foreign name (`IdentityLogonEvents`, `EmailEvents`, …) → `unsupported-table`.
 *    Other values (`PrimaryResult` from the az CLI) are ignored.
 * 2. Non-empty columns that exist in none of the nine supported tables but in a known foreign table
 *    (Identity*, CloudAppEvents, Email*, Alert*, DeviceFileCertificateInfo, DeviceTvm*, …) →
 *    `unsupported-table`, naming the foreign table with most such columns (ties broken by how many of
 *    the row's non-empty columns the table has, then by how many of the table's columns the row carries
 *    as keys at all: `union` results carry every column of every united table). Two such columns are needed when the ActionType is a known Device one, so a
 *    query that `extend`s one odd column does not lose its rows.
 * 3. `ActionType` decides: ProcessCreated/OpenProcess → DeviceProcessEvents; File{Created,Deleted,
 *    Modified,Renamed} → DeviceFileEvents; Logon{Success,Failed,Attempted} → DeviceLogonEvents; the
 *    network list of the reference note (§5) and anything ending in `Inspected` → DeviceNetworkEvents;
 *    `Registry*` → DeviceRegistryEvents; ImageLoaded → DeviceImageLoadEvents; any other ActionType →
 *    DeviceEvents (the catch-all table).
 * 4. No ActionType: NetworkAdapterName/MacAddress → DeviceNetworkInfo; OS/agent inventory columns
 *    (OSPlatform, LoggedOnUsers, PublicIP, ClientVersion, DeviceType, …) → DeviceInfo.
 * 5. Otherwise the tables whose catalog holds every recognised non-empty column are candidates; one
 *    candidate wins, several are narrowed by columns exclusive to one table, and what stays tied is
 *    `ambiguous-table` (reason lists the candidates). No candidate at all: the table with most
 *    exclusive columns, else `unknown-table`.
 *
 * Everything is precomputed at module scope; a row costs one Map lookup per non-empty key.
 */

/** Columns whose value, when it is a table name, names the row's table. */
export const NAMING_COLUMNS = ['Type', 'TableName', 'Table', '$table', 'SourceTable', 'table'] as const;

/** Suffixes `union` adds to a column whose type differs between the united tables. */
const UNION_SUFFIXES: ReadonlySet<string> = new Set([
  'long',
  'string',
  'dynamic',
  'int',
  'real',
  'datetime',
  'bool',
  'boolean',
  'guid',
  'timespan',
  'decimal',
]);

/** Tables tripline does not analyse, with the columns that identify them (Microsoft's reference pages). */
const FOREIGN_TABLES: Readonly<Record<string, readonly string[]>> = {
  IdentityDirectoryEvents: [
    'Timestamp',
    'ActionType',
    'Application',
    'TargetAccountUpn',
    'TargetAccountDisplayName',
    'TargetDeviceName',
    'DestinationDeviceName',
    'DestinationIPAddress',
    'DestinationPort',
    'Protocol',
    'AccountName',
    'AccountDomain',
    'AccountUpn',
    'AccountSid',
    'AccountObjectId',
    'AccountDisplayName',
    'DeviceName',
    'IPAddress',
    'Port',
    'Location',
    'ISP',
    'ReportId',
    'AdditionalFields',
  ],
  IdentityLogonEvents: [
    'Timestamp',
    'ActionType',
    'Application',
    'LogonType',
    'Protocol',
    'FailureReason',
    'AccountName',
    'AccountDomain',
    'AccountUpn',
    'AccountSid',
    'AccountObjectId',
    'AccountDisplayName',
    'DeviceName',
    'DeviceType',
    'OSPlatform',
    'IPAddress',
    'Port',
    'DestinationDeviceName',
    'DestinationIPAddress',
    'DestinationPort',
    'TargetDeviceName',
    'TargetAccountDisplayName',
    'Location',
    'ISP',
    'ReportId',
    'AdditionalFields',
  ],
  IdentityQueryEvents: [
    'Timestamp',
    'ActionType',
    'Application',
    'QueryType',
    'QueryTarget',
    'Query',
    'Protocol',
    'AccountName',
    'AccountDomain',
    'AccountUpn',
    'AccountSid',
    'AccountObjectId',
    'AccountDisplayName',
    'DeviceName',
    'IPAddress',
    'Port',
    'DestinationDeviceName',
    'DestinationIPAddress',
    'DestinationPort',
    'TargetDeviceName',
    'TargetAccountUpn',
    'TargetAccountDisplayName',
    'Location',
    'ReportId',
    'AdditionalFields',
  ],
  IdentityInfo: [
    'AccountObjectId',
    'AccountUpn',
    'OnPremSid',
    'CloudSid',
    'GivenName',
    'Surname',
    'AccountDisplayName',
    'Department',
    'JobTitle',
    'AccountName',
    'AccountDomain',
    'EmailAddress',
    'SipProxyAddress',
    'City',
    'Country',
    'IsAccountEnabled',
    'Manager',
    'Phone',
    'CreatedDateTime',
    'SourceProvider',
    'ChangeSource',
    'BlastRadius',
    'CompanyName',
    'DeletedDateTime',
    'DistinguishedName',
    'EmployeeId',
    'OnPremObjectId',
    'Tags',
  ],
  CloudAppEvents: [
    'Timestamp',
    'ActionType',
    'Application',
    'ApplicationId',
    'AccountObjectId',
    'AccountId',
    'AccountDisplayName',
    'IsAdminOperation',
    'DeviceType',
    'OSPlatform',
    'IPAddress',
    'IsAnonymousProxy',
    'CountryCode',
    'City',
    'ISP',
    'Isp',
    'UserAgent',
    'ActivityType',
    'ActivityObjects',
    'ObjectName',
    'ObjectType',
    'ObjectId',
    'ReportId',
    'AppInstanceId',
    'AccountType',
    'IsExternalUser',
    'IsImpersonated',
    'IPTags',
    'IPCategory',
    'UserAgentTags',
    'RawEventData',
    'AdditionalFields',
    'LastSeenForUser',
    'UncommonForUser',
    'AuditSource',
    'SessionData',
    'OAuthAppId',
  ],
  EmailEvents: [
    'Timestamp',
    'NetworkMessageId',
    'InternetMessageId',
    'SenderMailFromAddress',
    'SenderFromAddress',
    'SenderDisplayName',
    'SenderObjectId',
    'SenderMailFromDomain',
    'SenderFromDomain',
    'SenderIPv4',
    'SenderIPv6',
    'RecipientEmailAddress',
    'RecipientObjectId',
    'Subject',
    'EmailClusterId',
    'EmailDirection',
    'DeliveryAction',
    'DeliveryLocation',
    'ThreatTypes',
    'ThreatNames',
    'DetectionMethods',
    'ConfidenceLevel',
    'BulkComplaintLevel',
    'EmailAction',
    'EmailActionPolicy',
    'EmailActionPolicyGuid',
    'AuthenticationDetails',
    'AttachmentCount',
    'UrlCount',
    'EmailLanguage',
    'Connectors',
    'OrgLevelAction',
    'OrgLevelPolicy',
    'UserLevelAction',
    'UserLevelPolicy',
    'ReportId',
    'AdditionalFields',
    'LatestDeliveryLocation',
    'LatestDeliveryAction',
  ],
  EmailAttachmentInfo: [
    'Timestamp',
    'NetworkMessageId',
    'SenderFromAddress',
    'SenderDisplayName',
    'SenderObjectId',
    'RecipientEmailAddress',
    'RecipientObjectId',
    'FileName',
    'FileType',
    'SHA256',
    'FileSize',
    'ThreatTypes',
    'ThreatNames',
    'DetectionMethods',
    'ReportId',
  ],
  EmailUrlInfo: ['Timestamp', 'NetworkMessageId', 'Url', 'UrlDomain', 'UrlLocation', 'ReportId'],
  EmailPostDeliveryEvents: [
    'Timestamp',
    'NetworkMessageId',
    'InternetMessageId',
    'Action',
    'ActionType',
    'ActionTrigger',
    'ActionResult',
    'RecipientEmailAddress',
    'DeliveryLocation',
    'ThreatTypes',
    'DetectionMethods',
    'ReportId',
  ],
  UrlClickEvents: [
    'Timestamp',
    'Url',
    'ActionType',
    'AccountUpn',
    'Workload',
    'NetworkMessageId',
    'ThreatTypes',
    'DetectionMethods',
    'IPAddress',
    'IsClickedThrough',
    'UrlChain',
    'ReportId',
  ],
  AlertInfo: [
    'Timestamp',
    'AlertId',
    'Title',
    'Category',
    'Severity',
    'ServiceSource',
    'DetectionSource',
    'AttackTechniques',
  ],
  AlertEvidence: [
    'Timestamp',
    'AlertId',
    'Title',
    'Categories',
    'AttackTechniques',
    'ServiceSource',
    'DetectionSource',
    'EntityType',
    'EvidenceRole',
    'EvidenceDirection',
    'ThreatFamily',
    'DeviceId',
    'DeviceName',
    'FileName',
    'FolderPath',
    'SHA1',
    'SHA256',
    'RemoteIP',
    'RemoteUrl',
    'AccountName',
    'AccountDomain',
    'AccountSid',
    'AccountObjectId',
    'AccountUpn',
    'ProcessCommandLine',
    'AdditionalFields',
    'RegistryKey',
    'RegistryValueName',
    'RegistryValueData',
    'ApplicationId',
    'Application',
    'OAuthApplicationId',
    'EmailSubject',
    'NetworkMessageId',
  ],
  // Defender for Cloud (multicloud workloads); CloudStorageAggregatedEvents is known by its name.
  CloudProcessEvents: [
    'Timestamp',
    'AzureResourceId',
    'AwsResourceName',
    'GcpFullResourceName',
    'ContainerImageName',
    'KubernetesNamespace',
    'KubernetesPodName',
    'KubernetesResource',
    'ContainerName',
    'ContainerId',
    'ActionType',
    'FileName',
    'FolderPath',
    'ProcessId',
    'ProcessName',
    'ParentProcessName',
    'ParentProcessId',
    'ProcessCommandLine',
    'ProcessCreationTime',
    'ProcessCurrentWorkingDirectory',
    'AccountName',
    'AdditionalFields',
  ],
  CloudAuditEvents: [
    'Timestamp',
    'DataSource',
    'ActionType',
    'OperationName',
    'AzureResourceId',
    'AwsResourceName',
    'GcpFullResourceName',
    'IPAddress',
    'RawEventData',
    'AdditionalFields',
  ],
  DeviceFileCertificateInfo: [
    'Timestamp',
    'DeviceId',
    'DeviceName',
    'SHA1',
    'IsSigned',
    'SignatureType',
    'Signer',
    'SignerHash',
    'Issuer',
    'IssuerHash',
    'CertificateSerialNumber',
    'CrlDistributionPointUrls',
    'CertificateCreationTime',
    'CertificateExpirationTime',
    'CertificateCountersignatureTime',
    'IsTrusted',
    'IsRootSignerMicrosoft',
    'ReportId',
  ],
  DeviceTvmSoftwareInventory: [
    'DeviceId',
    'DeviceName',
    'OSPlatform',
    'OSVersion',
    'OSArchitecture',
    'SoftwareVendor',
    'SoftwareName',
    'SoftwareVersion',
    'EndOfSupportStatus',
    'EndOfSupportDate',
    'ProductCodeCpe',
  ],
  DeviceTvmSoftwareVulnerabilities: [
    'DeviceId',
    'DeviceName',
    'OSPlatform',
    'OSVersion',
    'OSArchitecture',
    'SoftwareVendor',
    'SoftwareName',
    'SoftwareVersion',
    'CveId',
    'VulnerabilitySeverityLevel',
    'RecommendedSecurityUpdate',
    'RecommendedSecurityUpdateId',
    'CveTags',
    'CveMitigationStatus',
  ],
};

/** Table names that look like Defender/Sentinel tables but are not supported (used for naming columns). */
const FOREIGN_NAME_RE =
  /^(?:Device|Identity|Email|Cloud|Alert|Url|AAD|Aad|Entra|Behavior|Exposure|Campaign|Message|OAuth|Graph|Security|Sign)[A-Za-z]*$/;

const ACTION_TABLE: ReadonlyMap<string, TableName> = new Map<string, TableName>([
  ['ProcessCreated', 'DeviceProcessEvents'],
  ['OpenProcess', 'DeviceProcessEvents'],
  ['FileCreated', 'DeviceFileEvents'],
  ['FileDeleted', 'DeviceFileEvents'],
  ['FileModified', 'DeviceFileEvents'],
  ['FileRenamed', 'DeviceFileEvents'],
  ['LogonSuccess', 'DeviceLogonEvents'],
  ['LogonFailed', 'DeviceLogonEvents'],
  ['LogonAttempted', 'DeviceLogonEvents'],
  ['ImageLoaded', 'DeviceImageLoadEvents'],
  ...[
    'ConnectionFailed',
    'ConnectionFound',
    'ConnectionRequest',
    'ConnectionSuccess',
    'ConnectionAttempt',
    'FtpConnectionInspected',
    'HttpConnectionInspected',
    'IcmpConnectionInspected',
    'InboundConnectionAccepted',
    'InboundInternetScanInspected',
    'ListeningConnectionCreated',
    'NetworkSignatureInspected',
    'SmtpConnectionInspected',
    'SshConnectionInspected',
    'DnsConnectionInspected',
    'SslConnectionInspected',
    'NtlmAuthenticationInspected',
  ].map((a) => [a, 'DeviceNetworkEvents'] as [string, TableName]),
]);

const NETWORK_INFO_SIGNS: readonly string[] = ['NetworkAdapterName', 'MacAddress'];
const DEVICE_INFO_SIGNS: readonly string[] = [
  'OSPlatform',
  'LoggedOnUsers',
  'PublicIP',
  'ClientVersion',
  'DeviceType',
  'OSVersion',
  'OSBuild',
  'OSArchitecture',
  'OnboardingStatus',
  'SensorHealthState',
  'DeviceCategory',
  'ExposureLevel',
  'OSDistribution',
  'JoinType',
];

/** What the catalog knows about one column name; built once. */
interface ColumnInfo {
  /** Bit i set: supported table TABLE_NAMES[i] has the column. */
  readonly tables: number;
  /** Index of the only supported table with the column, or -1. */
  readonly exclusive: number;
  /** Foreign tables with the column, when no supported table has it. */
  readonly foreign: readonly string[] | undefined;
}

const COLUMN_INFO = new Map<string, ColumnInfo>();
{
  const masks = new Map<string, number>();
  TABLE_NAMES.forEach((t, i) => {
    for (const c of Object.keys(TABLE_COLUMNS[t])) masks.set(c, (masks.get(c) ?? 0) | (1 << i));
  });
  const foreign = new Map<string, string[]>();
  for (const [t, cols] of Object.entries(FOREIGN_TABLES)) {
    for (const c of cols) {
      if (masks.has(c) || SERVICE_COLUMNS.has(c)) continue;
      const list = foreign.get(c) ?? [];
      list.push(t);
      foreign.set(c, list);
    }
  }
  for (const [c, mask] of masks) {
    if (SERVICE_COLUMNS.has(c)) continue;
    const single = (mask & (mask - 1)) === 0;
    COLUMN_INFO.set(c, { tables: mask, exclusive: single ? Math.log2(mask) : -1, foreign: undefined });
  }
  for (const [c, tables] of foreign) COLUMN_INFO.set(c, { tables: 0, exclusive: -1, foreign: tables });
}

const FOREIGN_COLUMN_SETS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(FOREIGN_TABLES).map(([t, cols]) => [t, new Set(cols)]),
);

const TABLE_BY_LOWER: ReadonlyMap<string, TableName> = new Map(TABLE_NAMES.map((t) => [t.toLowerCase(), t]));

/** How a table name given by an envelope, `Type` or a withsource column resolves. */
export type NamedTable = { readonly table: TableName } | { readonly foreign: string } | undefined;

/** Resolve a table name (case-insensitively); foreign names that look like Defender/Sentinel tables are reported as such. */
export function resolveTableName(name: string): NamedTable {
  if (isTableName(name)) return { table: name };
  const t = TABLE_BY_LOWER.get(name.toLowerCase());
  if (t) return { table: t };
  if (Object.hasOwn(FOREIGN_TABLES, name) || FOREIGN_NAME_RE.test(name)) return { foreign: name };
  return undefined;
}

/** True for a column name no table of the catalog (supported or foreign) knows: a candidate withsource column. */
export function isUncataloguedColumn(name: string): boolean {
  return !COLUMN_INFO.has(name) && !SERVICE_COLUMNS.has(name) && !Object.hasOwn(FOREIGN_TABLES, name);
}

/** The base column of a `union` type-split column (`ReportId_long` → `ReportId`), or undefined. */
export function unionBase(key: string): string | undefined {
  const us = key.lastIndexOf('_');
  if (us <= 0 || us === key.length - 1) return undefined;
  return UNION_SUFFIXES.has(key.slice(us + 1)) ? key.slice(0, us) : undefined;
}

/** Outcome of inference: a table, or the reject code and reason. */
export type Inference =
  | { readonly table: TableName; readonly unionSuffixes: boolean }
  | {
      readonly code: Extract<RejectCode, 'unsupported-table' | 'ambiguous-table' | 'unknown-table'>;
      readonly reason: string;
      readonly unionSuffixes: boolean;
    };

const isEmpty = (v: unknown): boolean => v === undefined || v === null || v === '';

/**
 * Infer the table of a bare row from its ActionType and non-empty columns (rules in the module
 * comment). `noneIsNull` makes the az CLI's `"None"` count as empty.
 */
export function inferTable(row: Readonly<Record<string, unknown>>, noneIsNull = false): Inference {
  let foreignHits: Map<string, number> | undefined;
  let unionSuffixes = false;
  for (const key in row) {
    const v = row[key];
    if (isEmpty(v) || (noneIsNull && v === 'None')) continue;
    let info = COLUMN_INFO.get(key);
    if (info === undefined) {
      const base = unionBase(key);
      if (base === undefined) continue;
      unionSuffixes = true;
      info = COLUMN_INFO.get(base);
      if (info === undefined) continue;
    }
    if (info.foreign !== undefined) {
      foreignHits ??= new Map();
      for (const t of info.foreign) foreignHits.set(t, (foreignHits.get(t) ?? 0) + 1);
    }
  }

  const action = row.ActionType;
  const actionType =
    typeof action === 'string' && action !== '' && !(noneIsNull && action === 'None') ? action : undefined;
  let byAction: TableName | undefined;
  if (actionType !== undefined) {
    byAction =
      ACTION_TABLE.get(actionType) ??
      (actionType.startsWith('Registry')
        ? 'DeviceRegistryEvents'
        : actionType.endsWith('Inspected')
          ? 'DeviceNetworkEvents'
          : undefined);
  }

  if (foreignHits !== undefined) {
    let best = 0;
    for (const n of foreignHits.values()) if (n > best) best = n;
    if (best >= 2 || byAction === undefined) {
      const name = bestForeign(row, foreignHits, best);
      return {
        code: 'unsupported-table',
        reason: `row belongs to ${name}, which tripline does not analyse`,
        unionSuffixes,
      };
    }
  }

  if (actionType !== undefined) return { table: byAction ?? 'DeviceEvents', unionSuffixes };

  for (const c of NETWORK_INFO_SIGNS) if (!isEmpty(row[c])) return { table: 'DeviceNetworkInfo', unionSuffixes };
  for (const c of DEVICE_INFO_SIGNS) if (!isEmpty(row[c])) return { table: 'DeviceInfo', unionSuffixes };
  return byColumns(row, noneIsNull, unionSuffixes);
}

function bestForeign(row: Readonly<Record<string, unknown>>, hits: ReadonlyMap<string, number>, best: number): string {
  let top = [...hits].filter(([, n]) => n === best).map(([t]) => t);
  // Then: the table whose catalog holds most of the row's non-empty columns (LogonType → IdentityLogonEvents).
  const covered = (t: string): number => {
    const cols = FOREIGN_COLUMN_SETS.get(t);
    let n = 0;
    for (const c in row) if (!isEmpty(row[c]) && cols?.has(unionBase(c) ?? c)) n++;
    return n;
  };
  // Then: a union result carries every column of every united table as a key; a table whose columns are missing was not in it.
  const missing = (t: string): number => {
    let n = 0;
    for (const c of FOREIGN_COLUMN_SETS.get(t) ?? []) if (!(c in row)) n++;
    return -n;
  };
  for (const score of [covered, missing]) {
    if (top.length === 1) break;
    const scored = top.map((t) => [t, score(t)] as const);
    const most = Math.max(...scored.map(([, m]) => m));
    top = scored.filter(([, m]) => m === most).map(([t]) => t);
  }
  return top.length === 1 ? (top[0] as string) : `one of ${top.join(', ')}`;
}

function byColumns(row: Readonly<Record<string, unknown>>, noneIsNull: boolean, unionSuffixes: boolean): Inference {
  const all = (1 << TABLE_NAMES.length) - 1;
  let cover = all;
  let seen = 0;
  const exclusive = new Array<number>(TABLE_NAMES.length).fill(0);
  for (const key in row) {
    const v = row[key];
    if (isEmpty(v) || (noneIsNull && v === 'None')) continue;
    const info = COLUMN_INFO.get(key) ?? COLUMN_INFO.get(unionBase(key) ?? '');
    if (info === undefined || info.tables === 0) continue;
    if (key === 'Timestamp' || key === 'DeviceId' || key === 'DeviceName' || key === 'ReportId') continue;
    seen++;
    cover &= info.tables;
    if (info.exclusive >= 0) exclusive[info.exclusive] = (exclusive[info.exclusive] ?? 0) + 1;
  }
  const names = (mask: number): TableName[] => TABLE_NAMES.filter((_, i) => (mask & (1 << i)) !== 0);
  if (seen === 0) {
    return {
      code: 'unknown-table',
      reason: 'row has no ActionType and no column that identifies a Defender table',
      unionSuffixes,
    };
  }
  const bestExclusive = (mask: number): TableName[] => {
    let best = 0;
    for (let i = 0; i < exclusive.length; i++)
      if ((mask & (1 << i)) !== 0 && (exclusive[i] ?? 0) > best) best = exclusive[i] ?? 0;
    return best === 0 ? [] : names(mask).filter((t) => exclusive[TABLE_NAMES.indexOf(t)] === best);
  };
  if (cover !== 0) {
    const candidates = names(cover);
    if (candidates.length === 1) return { table: candidates[0] as TableName, unionSuffixes };
    const narrowed = bestExclusive(cover);
    if (narrowed.length === 1) return { table: narrowed[0] as TableName, unionSuffixes };
    return {
      code: 'ambiguous-table',
      reason: `row has no ActionType and its columns fit several tables: ${candidates.join(', ')}`,
      unionSuffixes,
    };
  }
  const narrowed = bestExclusive(all);
  if (narrowed.length === 1) return { table: narrowed[0] as TableName, unionSuffixes };
  if (narrowed.length > 1) {
    return {
      code: 'ambiguous-table',
      reason: `row's columns point at several tables: ${narrowed.join(', ')}`,
      unionSuffixes,
    };
  }
  return {
    code: 'unknown-table',
    reason: 'row has no ActionType and its columns fit no single Defender table',
    unionSuffixes,
  };
}

/**
 * Copy of `row` where `union` type-split columns (`ReportId_long`, `AdditionalFields_string`) are
 * folded back into the table's own column when that column is absent or empty.
 */
export function foldUnionColumns(row: Readonly<Record<string, unknown>>, table: TableName): Record<string, unknown> {
  const columns = TABLE_COLUMNS[table];
  const out: Record<string, unknown> = {};
  for (const key in row) {
    if (key === '__proto__') continue;
    const v = row[key];
    const base = key in columns ? undefined : unionBase(key);
    if (base !== undefined && base in columns) {
      if (!isEmpty(v) && isEmpty(out[base]) && isEmpty(row[base])) out[base] = v;
      continue;
    }
    if (!(key in out) || isEmpty(out[key])) out[key] = v;
  }
  return out;
}
