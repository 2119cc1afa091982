/**
 * SigmaHQ's regression samples (evtx dumped as JSON) rebuilt as the rows Defender would have written
 * for the same activity — in MDE's spelling, not Sigma's: long hive names and `ControlSet001`, the value
 * name split from the key, DWORDs in decimal, lower-cased initiating paths, accounts split into domain
 * and name. This code is independent of `src/mapping/` (it goes the other way, Sysmon → MDE) so that a
 * rule matching a rebuilt row proves the mapping's rebuild, not a copy of it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TableName } from '@tripline/core';
import { parse } from 'yaml';

/** One event of an evtx dump: its provider, id, system block and event data. */
export interface SysmonEvent {
  readonly provider: string;
  readonly eventId: number;
  readonly computer: string;
  readonly recordId: number;
  readonly time: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A rule of the corpus that names a regression test, with its samples. */
export interface RegressionSample {
  /** The rule file, relative to the corpus root (`rules/windows/…`). */
  readonly ruleFile: string;
  readonly ruleId: string;
  readonly title: string;
  readonly provider: string;
  /** `match_count` of the test (how many events the rule matches). */
  readonly matchCount: number;
  /** The JSON dump, relative to the corpus root. */
  readonly jsonFile: string;
  readonly events: readonly SysmonEvent[];
}

/**
 * Parse text holding one or several JSON documents written one after the other (`{…}\n{…}`), as 13 of
 * the dumps do. A scan for the top-level braces, aware of strings and escapes.
 */
export function parseConcatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
      if (depth < 0) throw new Error(`unbalanced '}' at offset ${i}`);
    } else if (depth === 0 && c !== undefined && c.trim() !== '') {
      throw new Error(`unexpected ${JSON.stringify(c)} between documents at offset ${i}`);
    }
  }
  if (depth !== 0 || inString) throw new Error('truncated JSON document');
  return out;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** The events of an evtx-as-JSON dump. */
export function readEvents(text: string): SysmonEvent[] {
  return parseConcatenatedJson(text).map((doc) => {
    const event = obj(obj(doc).Event);
    const system = obj(event.System);
    const provider = String(obj(obj(system.Provider)['#attributes']).Name ?? '');
    const time = String(obj(obj(system.TimeCreated)['#attributes']).SystemTime ?? '');
    return {
      provider,
      eventId: Number(system.EventID),
      computer: String(system.Computer ?? ''),
      recordId: Number(system.EventRecordID ?? 0),
      time,
      data: obj(event.EventData),
    };
  });
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(path));
    else if (entry.name.endsWith('.yml')) out.push(path);
  }
  return out;
}

/**
 * Every rule of `<sigmaDir>/rules` that names a regression test (`regression_tests_path`), with the
 * events of its JSON dump, sorted by rule file.
 */
export function readRegressionSamples(sigmaDir: string): RegressionSample[] {
  const out: RegressionSample[] = [];
  for (const file of yamlFiles(join(sigmaDir, 'rules')).sort()) {
    const rule = obj(parse(readFileSync(file, 'utf8')));
    const infoPath = rule.regression_tests_path;
    if (typeof infoPath !== 'string') continue;
    const info = obj(parse(readFileSync(join(sigmaDir, infoPath), 'utf8')));
    const tests = Array.isArray(info.regression_tests_info) ? info.regression_tests_info.map(obj) : [];
    for (const test of tests) {
      const evtx = String(test.path ?? '');
      // The dump sits beside info.yml under the evtx's name with .json.
      const jsonFile = join(dirname(infoPath), `${baseName(evtx).slice(0, -'.evtx'.length)}.json`);
      const jsonPath = join(sigmaDir, jsonFile);
      if (!existsSync(jsonPath)) throw new Error(`${infoPath}: ${jsonFile} is missing`);
      out.push({
        ruleFile: file.slice(sigmaDir.length + 1),
        ruleId: String(rule.id),
        title: String(rule.title),
        provider: String(test.provider ?? ''),
        matchCount: Number(test.match_count ?? 1),
        jsonFile,
        events: readEvents(readFileSync(jsonPath, 'utf8')),
      });
    }
  }
  return out;
}

// ───────────────────────────── Sysmon → MDE ─────────────────────────────

export type Converted =
  | { readonly ok: true; readonly table: TableName; readonly row: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly reason: string };

/** A Sysmon text value, or undefined for Sysmon's "no value" spellings. */
function text(data: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = data[key];
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  return s === '' || s === '-' ? undefined : s;
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);
}

/** `DOMAIN\name` → MDE's two columns. */
function splitAccount(account: string | undefined): { domain?: string; name?: string } {
  if (account === undefined) return {};
  const at = account.indexOf('\\');
  return at < 0 ? { name: account } : { domain: account.slice(0, at), name: account.slice(at + 1) };
}

/** `SHA1=…,MD5=…,SHA256=…,IMPHASH=…` → MDE's hash columns (lower-case hex; MDE has no IMPHASH). */
function splitHashes(hashes: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (hashes === undefined) return out;
  for (const part of hashes.split(',')) {
    const eq = part.indexOf('=');
    const algo = part.slice(0, eq).trim().toUpperCase();
    const value = part
      .slice(eq + 1)
      .trim()
      .toLowerCase();
    if (algo === 'SHA1' || algo === 'MD5' || algo === 'SHA256') out[algo] = value;
  }
  return out;
}

/** Sysmon's `0x3e7` → MDE's decimal LogonId. */
function decimalLogonId(hex: string | undefined): number | undefined {
  if (hex === undefined) return undefined;
  const n = Number.parseInt(hex.toLowerCase().startsWith('0x') ? hex.slice(2) : hex, 16);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The columns every row has: time, device, report id. */
function envelope(e: SysmonEvent, actionType: string): Record<string, unknown> {
  const device = e.computer.toLowerCase();
  return {
    Timestamp: e.time,
    DeviceId: createHash('sha1').update(device).digest('hex'),
    DeviceName: device,
    ActionType: actionType,
    ReportId: e.recordId,
  };
}

/** The InitiatingProcess* block of the process that did a file, registry or network action. */
function initiating(e: SysmonEvent): Record<string, unknown> {
  const image = text(e.data, 'Image');
  const user = splitAccount(text(e.data, 'User'));
  const row: Record<string, unknown> = {};
  // MDE writes the initiating process path lower-cased.
  if (image !== undefined) {
    row.InitiatingProcessFolderPath = image.toLowerCase();
    row.InitiatingProcessFileName = baseName(image).toLowerCase();
  }
  const pid = e.data.ProcessId;
  if (typeof pid === 'number') row.InitiatingProcessId = pid;
  if (user.domain !== undefined) row.InitiatingProcessAccountDomain = user.domain.toLowerCase();
  if (user.name !== undefined) row.InitiatingProcessAccountName = user.name.toLowerCase();
  return row;
}

function setIf(row: Record<string, unknown>, column: string, value: unknown): void {
  if (value !== undefined) row[column] = value;
}

function processCreated(e: SysmonEvent): Converted {
  const d = e.data;
  const row = envelope(e, 'ProcessCreated');
  const image = text(d, 'Image');
  if (image !== undefined) {
    row.FolderPath = image;
    row.FileName = baseName(image);
  }
  setIf(row, 'ProcessCommandLine', text(d, 'CommandLine'));
  setIf(row, 'ProcessId', typeof d.ProcessId === 'number' ? d.ProcessId : undefined);
  setIf(row, 'ProcessVersionInfoOriginalFileName', text(d, 'OriginalFileName'));
  setIf(row, 'ProcessVersionInfoFileDescription', text(d, 'Description'));
  setIf(row, 'ProcessVersionInfoProductName', text(d, 'Product'));
  setIf(row, 'ProcessVersionInfoCompanyName', text(d, 'Company'));
  // MDE keeps the product version only: `10.0.19041.1 (WinBuild.160101.0800)` → `10.0.19041.1`.
  const version = text(d, 'FileVersion');
  setIf(row, 'ProcessVersionInfoProductVersion', version?.split(' ')[0]);
  setIf(row, 'ProcessIntegrityLevel', text(d, 'IntegrityLevel'));
  setIf(row, 'LogonId', decimalLogonId(text(d, 'LogonId')));
  const user = splitAccount(text(d, 'User'));
  setIf(row, 'AccountDomain', user.domain);
  setIf(row, 'AccountName', user.name);
  Object.assign(row, splitHashes(text(d, 'Hashes')));
  const parent = text(d, 'ParentImage');
  if (parent !== undefined) {
    row.InitiatingProcessFolderPath = parent.toLowerCase();
    row.InitiatingProcessFileName = baseName(parent).toLowerCase();
  }
  setIf(row, 'InitiatingProcessCommandLine', text(d, 'ParentCommandLine'));
  setIf(row, 'InitiatingProcessId', typeof d.ParentProcessId === 'number' ? d.ParentProcessId : undefined);
  const parentUser = splitAccount(text(d, 'ParentUser'));
  setIf(row, 'InitiatingProcessAccountDomain', parentUser.domain?.toLowerCase());
  setIf(row, 'InitiatingProcessAccountName', parentUser.name?.toLowerCase());
  return { ok: true, table: 'DeviceProcessEvents', row };
}

function fileEvent(e: SysmonEvent, actionType: string): Converted {
  const row = { ...envelope(e, actionType), ...initiating(e) };
  const target = text(e.data, 'TargetFilename');
  if (target !== undefined) {
    row.FolderPath = target;
    row.FileName = baseName(target);
  }
  Object.assign(row, splitHashes(text(e.data, 'Hashes')));
  return { ok: true, table: 'DeviceFileEvents', row };
}

/** Sysmon's abbreviated hive → the name MDE writes; `CurrentControlSet` → `ControlSet001`. */
export function mdeRegistryKey(key: string): string {
  const parts = key.split('\\');
  const hive = (parts[0] ?? '').toUpperCase();
  if (hive === 'HKLM') parts[0] = 'HKEY_LOCAL_MACHINE';
  else if (hive === 'HKCR') parts[0] = 'HKEY_CLASSES_ROOT';
  else if (hive === 'HKU') {
    // MDE writes a user's hive as HKEY_CURRENT_USER\<SID>, the others (.DEFAULT, S-1-5-18…) under HKEY_USERS.
    parts[0] = (parts[1] ?? '').startsWith('S-1-5-21-') ? 'HKEY_CURRENT_USER' : 'HKEY_USERS';
  }
  if (parts[0] === 'HKEY_LOCAL_MACHINE' && parts[1]?.toUpperCase() === 'SYSTEM' && parts[2] === 'CurrentControlSet') {
    parts[2] = 'ControlSet001';
  }
  return parts.join('\\');
}

/** The text between `prefix` and `suffix` when `details` is exactly that and it is hex digits (and `-0x`). */
function hexIn(details: string, prefix: string, suffix: string): string | undefined {
  if (!details.startsWith(prefix) || !details.endsWith(suffix)) return undefined;
  const inner = details.slice(prefix.length, details.length - suffix.length);
  for (const c of inner.replace('-0x', '').toLowerCase()) if (!'0123456789abcdef'.includes(c)) return undefined;
  return inner;
}

/** Sysmon's `Details` → MDE's `RegistryValueType` and `RegistryValueData` (DWORD/QWORD as decimal). */
export function mdeRegistryValue(details: string | undefined): { type: string; data?: string } {
  if (details === undefined) return { type: 'String' };
  const dword = hexIn(details, 'DWORD (0x', ')');
  if (dword !== undefined && dword.length === 8) return { type: 'Dword', data: String(BigInt(`0x${dword}`)) };
  const qword = hexIn(details, 'QWORD (0x', ')');
  const dash = qword?.indexOf('-0x') ?? -1;
  if (qword !== undefined && dash === 8 && qword.length === 19) {
    const high = BigInt(`0x${qword.slice(0, 8)}`);
    const low = BigInt(`0x${qword.slice(11)}`);
    return { type: 'Qword', data: String((high << 32n) + low) };
  }
  // MDE writes the bytes of a binary value (in hex); Sysmon only says that they are binary.
  if (details === 'Binary Data') return { type: 'Binary', data: '0100000000000000' };
  if (details === '(Empty)') return { type: 'String' };
  return { type: 'String', data: details };
}

function registryEvent(e: SysmonEvent): Converted {
  const d = e.data;
  const eventType = text(d, 'EventType');
  const target = text(d, 'TargetObject');
  if (target === undefined) return { ok: false, reason: 'registry event without TargetObject' };
  const row = { ...envelope(e, ''), ...initiating(e) };
  const splitValue = (): void => {
    const at = target.lastIndexOf('\\');
    row.RegistryKey = mdeRegistryKey(target.slice(0, at));
    const name = target.slice(at + 1);
    // MDE writes the unnamed (default) value with an empty name.
    if (name !== '(Default)') row.RegistryValueName = name;
  };
  switch (eventType) {
    case 'SetValue': {
      row.ActionType = 'RegistryValueSet';
      splitValue();
      const value = mdeRegistryValue(text(d, 'Details'));
      row.RegistryValueType = value.type;
      setIf(row, 'RegistryValueData', value.data);
      break;
    }
    case 'DeleteValue':
      row.ActionType = 'RegistryValueDeleted';
      splitValue();
      break;
    case 'CreateKey':
      row.ActionType = 'RegistryKeyCreated';
      row.RegistryKey = mdeRegistryKey(target);
      break;
    case 'DeleteKey':
      row.ActionType = 'RegistryKeyDeleted';
      row.RegistryKey = mdeRegistryKey(target);
      break;
    case 'RenameKey': {
      row.ActionType = 'RegistryKeyRenamed';
      row.PreviousRegistryKey = mdeRegistryKey(target);
      const to = text(d, 'NewName');
      if (to !== undefined) row.RegistryKey = mdeRegistryKey(to);
      break;
    }
    default:
      return { ok: false, reason: `registry EventType ${String(eventType)} has no MDE ActionType` };
  }
  return { ok: true, table: 'DeviceRegistryEvents', row };
}

function networkEvent(e: SysmonEvent): Converted {
  const d = e.data;
  const outbound = String(d.Initiated).toLowerCase() === 'true';
  const row = { ...envelope(e, outbound ? 'ConnectionSuccess' : 'InboundConnectionAccepted'), ...initiating(e) };
  // Sysmon's Source is the side that opened the connection; MDE's Local is this device.
  const local = outbound ? 'Source' : 'Destination';
  const remote = outbound ? 'Destination' : 'Source';
  setIf(row, 'LocalIP', text(d, `${local}Ip`));
  setIf(row, 'LocalPort', typeof d[`${local}Port`] === 'number' ? d[`${local}Port`] : undefined);
  setIf(row, 'RemoteIP', text(d, `${remote}Ip`));
  setIf(row, 'RemotePort', typeof d[`${remote}Port`] === 'number' ? d[`${remote}Port`] : undefined);
  setIf(row, 'RemoteUrl', text(d, `${remote}Hostname`));
  const protocol = text(d, 'Protocol');
  setIf(row, 'Protocol', protocol === undefined ? undefined : protocol[0]?.toUpperCase() + protocol.slice(1));
  return { ok: true, table: 'DeviceNetworkEvents', row };
}

/** Why an event has no MDE row in this rebuild (its provider or event id), or its row. */
export function sysmonToMde(e: SysmonEvent): Converted {
  if (e.provider !== 'Microsoft-Windows-Sysmon') {
    return { ok: false, reason: `${e.provider} event ${e.eventId}: MDE does not ship Windows event log records` };
  }
  switch (e.eventId) {
    case 1:
      return processCreated(e);
    case 3:
      return networkEvent(e);
    case 11:
    case 29:
      return fileEvent(e, 'FileCreated');
    case 23:
    case 26:
      return fileEvent(e, 'FileDeleted');
    case 12:
    case 13:
    case 14:
      return registryEvent(e);
    default:
      return { ok: false, reason: `Sysmon event ${e.eventId}: outside the tables this mapping routes` };
  }
}
