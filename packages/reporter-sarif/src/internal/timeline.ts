import type { Alert, EvidenceEvent, FieldValue, TableName } from '@tripline/core';
import { cleanText } from './text.js';

/** Longest value shown for one field in a timeline line. */
const FIELD_MAX = 160;
/** Longest timeline line (the region's snippet); the rest stays in the event's own properties. */
const LINE_MAX = 1000;

/**
 * Fields worth a glance per table, in display order (vendor spelling). The process chain is rendered
 * separately as `parent[pid] -> child[pid]`, so process names are not repeated here.
 */
const FIELDS: Readonly<Record<TableName, readonly string[]>> = {
  DeviceProcessEvents: ['AccountName', 'ProcessCommandLine', 'FolderPath', 'SHA256'],
  DeviceEvents: [
    'FileName',
    'FolderPath',
    'ProcessCommandLine',
    'AccountName',
    'RemoteIP',
    'RemotePort',
    'AdditionalFields',
  ],
  DeviceFileEvents: ['FolderPath', 'FileName', 'InitiatingProcessAccountName', 'PreviousFileName'],
  DeviceLogonEvents: [
    'AccountName',
    'LogonType',
    'RemoteIP',
    'RemoteDeviceName',
    'FailureReason',
    'InitiatingProcessCommandLine',
  ],
  DeviceNetworkEvents: [
    'RemoteIP',
    'RemotePort',
    'RemoteUrl',
    'LocalIP',
    'LocalPort',
    'Protocol',
    'InitiatingProcessCommandLine',
  ],
  DeviceInfo: ['OSPlatform', 'DeviceType', 'MachineGroup', 'PublicIP', 'LoggedOnUsers', 'OnboardingStatus'],
  DeviceNetworkInfo: ['NetworkAdapterName', 'MacAddress', 'IPAddresses', 'NetworkAdapterType', 'MachineGroup'],
  DeviceRegistryEvents: ['RegistryKey', 'RegistryValueName', 'RegistryValueData', 'PreviousRegistryValueData'],
  DeviceImageLoadEvents: ['FolderPath', 'FileName', 'SHA256'],
};

/** How a process is written: `lsof[415044]` in logical locations, `lsof (pid 415044)` in text (no brackets to escape). */
type ProcStyle = 'name[pid]' | 'text';

function proc(name: FieldValue | undefined, pid: FieldValue | undefined, style: ProcStyle): string | undefined {
  if (name === undefined || name === null || name === '') return undefined;
  const n = cleanText(name, { max: 80 });
  if (pid === undefined || pid === null || pid === '') return n;
  const p = cleanText(pid, { max: 24 });
  return style === 'text' ? `${n} (pid ${p})` : `${n}[${p}]`;
}

/**
 * The process chain an event shows, outermost first: the initiating process's parent, the initiating
 * process, and — for `DeviceProcessEvents` — the process it created. Empty when the event has no process.
 */
export function processChain(event: EvidenceEvent, style: ProcStyle = 'name[pid]'): string[] {
  const f = event.fields;
  const chain = [
    proc(f.InitiatingProcessParentFileName, f.InitiatingProcessParentId, style),
    proc(f.InitiatingProcessFileName, f.InitiatingProcessId, style),
    event.table === 'DeviceProcessEvents' ? proc(f.FileName, f.ProcessId, style) : undefined,
  ];
  return chain.filter((p): p is string => p !== undefined);
}

/**
 * JSON columns (`LoggedOnUsers`, `IPAddresses`, `AdditionalFields`) as readable text rather than JSON
 * with escaped quotes: arrays of one-key objects become their values, objects `key=value` pairs.
 */
function flatten(value: FieldValue, depth = 0): string {
  // Event data may nest without limit; the text is a short summary, so deep levels become "…".
  if (depth > FLATTEN_DEPTH && value !== null && typeof value === 'object') return '…';
  if (Array.isArray(value)) {
    return value
      .map((v) =>
        v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1
          ? flatten(Object.values(v)[0]!, depth + 1)
          : flatten(v, depth + 1),
      )
      .join(', ');
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${flatten(v, depth + 1)}`)
      .join('; ');
  }
  return value === null ? '' : String(value);
}

/** Nesting shown in an event's one-line summary before the rest is elided. */
const FLATTEN_DEPTH = 16;

function fieldText(name: string, value: FieldValue): string {
  const text = cleanText(flatten(value), { max: FIELD_MAX });
  return /[\s"=]/.test(text) || text === '' ? `${name}="${text.replace(/["\\]/g, '\\$&')}"` : `${name}=${text}`;
}

/** The facts of one event after its time and action: `dash (pid 1) → lsof (pid 1) AccountName=root ProcessCommandLine="lsof -i"`. */
export function eventFacts(event: EvidenceEvent): string {
  const parts: string[] = [];
  const chain = processChain(event, 'text');
  if (event.table === 'DeviceProcessEvents' && chain.length > 1) parts.push(chain.slice(-2).join(' \u2192 '));
  else if (chain.length > 0) parts.push(`by ${chain[chain.length - 1]}`);
  for (const name of FIELDS[event.table] ?? []) {
    const value = event.fields[name];
    if (value === undefined || value === null || value === '') continue;
    parts.push(fieldText(name, value));
  }
  return parts.join(' ');
}

/** One timeline line: time, table, action and facts, then where the row came from. */
export function eventLine(event: EvidenceEvent): string {
  const where =
    event.source.line !== undefined
      ? `:${event.source.line}`
      : event.source.record !== undefined
        ? `#${event.source.record}`
        : '';
  const head = `${cleanText(event.timestamp, { max: 40 })} ${event.table} ${cleanText(event.actionType ?? '-', { max: 60 })}`;
  const facts = eventFacts(event);
  const line = `${head}${facts ? ` ${facts}` : ''} (${cleanText(event.source.source, { max: 120 })}${where})`;
  return cleanText(line, { max: LINE_MAX });
}

/** Evidence events in time order (stable: equal times keep the alert's order). */
export function eventsInTimeOrder(alert: Alert): EvidenceEvent[] {
  return alert.evidence.events
    .map((event, at) => ({ event, at }))
    .sort((a, b) =>
      a.event.timestamp < b.event.timestamp ? -1 : a.event.timestamp > b.event.timestamp ? 1 : a.at - b.at,
    )
    .map((x) => x.event);
}

/** The rendered timeline of one alert: a header, then one line per kept event. */
export interface Timeline {
  readonly text: string;
  readonly lines: readonly string[];
  /** 1-based line of each event, in {@link eventsInTimeOrder} order. */
  readonly eventLines: readonly number[];
  /** 1-based line the primary region points at when the alert kept no events. */
  readonly headerLine: number;
}

/**
 * Renders an alert's evidence as plain text, one event per line, so viewers that open embedded
 * artifacts (VS Code, Azure DevOps) show the whole story and GitHub has a stable line to point at.
 */
export function renderTimeline(alert: Alert, events: readonly EvidenceEvent[]): Timeline {
  const header = [
    `# tripline evidence timeline for alert ${cleanText(alert.id, { max: 200 })}`,
    `# ${cleanText(alert.title, { max: 300 })}`,
    `# detector ${cleanText(alert.detectorId, { max: 120 })}, severity ${cleanText(alert.severity, { max: 20 })}`,
    `# device ${cleanText(alert.device.name, { max: 255 })} (id ${cleanText(alert.device.id, { max: 120 })})`,
    `# ${alert.evidence.eventCount} event(s) from ${cleanText(alert.firstSeen, { max: 40 })} to ${cleanText(alert.lastSeen, { max: 40 })}, ${events.length} shown`,
  ];
  const lines = [...header, ...events.map(eventLine)];
  return {
    text: `${lines.join('\n')}\n`,
    lines,
    eventLines: events.map((_, i) => header.length + i + 1),
    headerLine: 1,
  };
}
