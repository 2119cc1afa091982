/**
 * Logsource → MDE table and ActionTypes, and the sentence for every logsource MDE has no table for.
 */
import type { TableName } from '@tripline/core';
import { INBOUND_ACTION_TYPES, OUTBOUND_ACTION_TYPES, type Platform } from './fields.js';

/** One routed `product` + `category`. */
export interface RouteSpec {
  readonly product: Platform;
  readonly category: string;
  readonly table: TableName;
  readonly actionTypes: readonly string[];
  /** What the reader must know about the route. */
  readonly note: string;
}

/** The connection ActionTypes a Sysmon network connection event is (both directions, and found ones). */
export const CONNECTION_ACTION_TYPES: readonly string[] = [
  ...OUTBOUND_ACTION_TYPES,
  ...INBOUND_ACTION_TYPES,
  'ConnectionFound',
];

const FILE_WRITTEN = ['FileCreated', 'FileModified'];

function both(
  category: string,
  table: TableName,
  actionTypes: readonly string[],
  note: string,
  linuxNote = note,
): RouteSpec[] {
  return [
    { product: 'windows', category, table, actionTypes, note },
    { product: 'linux', category, table, actionTypes, note: linuxNote },
  ];
}

export const ROUTES: readonly RouteSpec[] = [
  ...both(
    'process_creation',
    'DeviceProcessEvents',
    ['ProcessCreated'],
    'Sysmon event 1. The created process is the row’s process; its parent is the initiating process.',
    'Sysmon for Linux event 1 (or auditd execve). Paths are spelled with `/`.',
  ),
  ...both(
    'file_event',
    'DeviceFileEvents',
    FILE_WRITTEN,
    'Sysmon event 11 (file created, also on overwrite): `FileCreated` and `FileModified` rows.',
  ),
  ...both('file_delete', 'DeviceFileEvents', ['FileDeleted'], 'Sysmon events 23 and 26 (file deleted).'),
  ...both(
    'file_rename',
    'DeviceFileEvents',
    ['FileRenamed'],
    'Kernel-File rename events: `FileRenamed` rows, the old path in `PreviousFolderPath`/`PreviousFileName`.',
  ),
  ...both(
    'file_change',
    'DeviceFileEvents',
    ['FileModified'],
    'Sysmon event 2 (file creation time changed) has no DeviceFileEvents counterpart: the nearest, `FileModified`, is used, so a rule fires on a write by the process rather than on a time stamp change.',
  ),
  {
    product: 'windows',
    category: 'file_executable_detected',
    table: 'DeviceFileEvents',
    actionTypes: FILE_WRITTEN,
    note: 'Sysmon event 29 (an executable file written): MDE does not tell executables apart on DeviceFileEvents rows, so every created or modified file is offered to the rule and its own conditions (the file name) select.',
  },
  ...both(
    'network_connection',
    'DeviceNetworkEvents',
    CONNECTION_ACTION_TYPES,
    'Sysmon event 3: outbound (`ConnectionSuccess`, `ConnectionAttempt`, `ConnectionFailed`, `ConnectionRequest`, `ConnectionAcknowledged`), inbound (`InboundConnectionAccepted`) and `ConnectionFound` rows; listening sockets and the `*Inspected` rows are not connections.',
  ),
  {
    product: 'windows',
    category: 'registry_set',
    table: 'DeviceRegistryEvents',
    actionTypes: ['RegistryValueSet'],
    note: 'Sysmon event 13 (value set).',
  },
  {
    product: 'windows',
    category: 'registry_add',
    table: 'DeviceRegistryEvents',
    actionTypes: ['RegistryKeyCreated'],
    note: 'Sysmon event 12 with `EventType: CreateKey`.',
  },
  {
    product: 'windows',
    category: 'registry_delete',
    table: 'DeviceRegistryEvents',
    actionTypes: ['RegistryKeyDeleted', 'RegistryValueDeleted'],
    note: 'Sysmon event 12 with `EventType: DeleteKey` or `DeleteValue`.',
  },
  {
    product: 'windows',
    category: 'registry_event',
    table: 'DeviceRegistryEvents',
    actionTypes: [
      'RegistryKeyCreated',
      'RegistryKeyDeleted',
      'RegistryValueSet',
      'RegistryValueDeleted',
      'RegistryKeyRenamed',
    ],
    note: 'Sysmon events 12, 13 and 14: every registry row.',
  },
];

/** Categories MDE has no table (or ActionType) for in this mapping, with the reason. */
export const UNROUTABLE_CATEGORIES: Readonly<Record<string, string>> = Object.freeze({
  file_access:
    'MDE does not record plain file reads (DeviceFileEvents holds creations, changes, renames and deletions; DeviceEvents `SensitiveFileRead` only reads of files Defender itself deems sensitive, and is not mapped in this version); routing a read rule to write rows would change its meaning, so it is not loaded',
  image_load: 'image loads (DeviceImageLoadEvents) are not mapped in this version',
  pipe_created: 'named pipes (DeviceEvents NamedPipeEvent) are not mapped in this version',
  process_access: 'process access (DeviceEvents OpenProcessApiCall) is not mapped in this version',
  create_remote_thread: 'remote threads (DeviceEvents CreateRemoteThreadApiCall) are not mapped in this version',
  driver_load: 'driver loads (DeviceEvents DriverLoad) are not mapped in this version',
  dns_query: 'DNS queries (DeviceEvents DnsQueryResponse) are not mapped in this version',
  ps_script:
    'not mapped in this version: MDE keeps no Script Block Logging events (DeviceEvents PowerShellCommand holds command names, ScriptContent whole scripts)',
  ps_module: 'MDE keeps no PowerShell module logging events',
  ps_classic_start: 'MDE keeps no PowerShell engine state events',
  wmi_event: 'WMI subscriptions (DeviceEvents Wmi* ActionTypes) are not mapped in this version',
  create_stream_hash: 'alternate data stream hashes (Sysmon event 15) are not mapped in this version',
  raw_access_thread: 'raw disk access (Sysmon event 9) is not mapped in this version',
  process_tampering: 'process image tampering (Sysmon event 25) is not mapped in this version',
  sysmon_status: 'Sysmon’s own service events have no MDE counterpart',
  sysmon_error: 'Sysmon’s own service events have no MDE counterpart',
  clipboard_capture:
    'clipboard captures (Sysmon event 24; DeviceEvents GetClipboardData) are not mapped in this version',
  process_termination: 'process termination (Sysmon event 5) is not mapped in this version',
});

/** Linux log sources (`service`) MDE does not collect, with the reason. */
const LINUX_SERVICES: Readonly<Record<string, string>> = Object.freeze({
  auditd:
    'auditd records (syscalls, paths, execve arguments) are not in MDE: its Linux sensor writes processes, files and connections into its own tables',
  syslog: 'MDE does not collect syslog messages',
  sshd: 'MDE does not collect sshd log lines (its logons are DeviceLogonEvents rows, not the messages these rules search)',
  cron: 'MDE does not collect cron log lines',
  sudo: 'MDE does not collect sudo log lines',
  auth: 'MDE does not collect auth.log lines',
  clamav: 'MDE does not collect ClamAV logs',
  guacamole: 'MDE does not collect Apache Guacamole logs',
  vsftpd: 'MDE does not collect vsftpd logs',
});

/** The sentence for a logsource this mapping does not route. */
export function unroutableReason(
  product: string | undefined,
  category: string | undefined,
  service: string | undefined,
): string {
  const where = [product && `product ${product}`, category && `category ${category}`, service && `service ${service}`]
    .filter(Boolean)
    .join(', ');
  const say = (why: string): string => `${where || 'an empty logsource'}: ${why}`;
  if (product !== undefined && product !== 'windows' && product !== 'linux') {
    return say('this mapping covers Windows and Linux devices only');
  }
  if (service !== undefined) {
    if (product === 'linux' || LINUX_SERVICES[service] !== undefined) {
      return say(LINUX_SERVICES[service] ?? `MDE does not collect ${service} logs`);
    }
    return say(`MDE does not ship Windows event log records (channel ${service})`);
  }
  if (category === undefined) {
    return say(
      product === 'linux'
        ? 'a Linux rule without a category searches log files (syslog, auth.log, …), which MDE does not collect'
        : 'no category: MDE has no table for it',
    );
  }
  if (product === 'linux' && category.startsWith('registry_')) return say('Linux has no registry');
  return say(UNROUTABLE_CATEGORIES[category] ?? 'MDE has no table for this category in this mapping');
}
