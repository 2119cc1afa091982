import { createHash } from 'node:crypto';
import { type Alert, type AnalysisResult, SEVERITIES } from '@tripline/core';
import { numbersIn } from './numbers.js';

/** One fact of a fact sheet: a stable id, the value, and the line the model is given. */
export interface Fact {
  /** Stable id: `F1`… for run facts, `A1.count`, `A1.value.userName`… for the narrated alerts. */
  readonly id: string;
  /** The value as the result holds it (a string from event data is kept as written, capped). */
  readonly value: string | number;
  /** The line the model is given: `id = <value as JSON>` (strings JSON-encoded, `<`, `>`, `&` and non-ASCII as `\u` escapes). */
  readonly text: string;
  /** Every number the value states (digit runs, decimals, thousands-grouped numbers), for the validator. */
  readonly numbers: readonly number[];
}

/** The alerts a fact sheet narrates, with the label the model uses for each (`A1`…). */
export interface FactSheetAlert {
  readonly label: string;
  readonly alertId: string;
}

/** The deterministic fact sheet of a result: what a model is given, and what the validator checks against. */
export interface FactSheet {
  readonly facts: readonly Fact[];
  /** The ids of the run facts by name (`events analysed` → `F2`), for the template summary. */
  readonly run: Readonly<Record<string, string>>;
  /** The narrated alerts, in report order (the first `maxAlerts`). */
  readonly alerts: readonly FactSheetAlert[];
  /** The marker that opens and closes the data block (derived from the facts' bytes, so no value can predict it). */
  readonly marker: string;
  /** The data block as the prompt carries it: the marker line, one fact per line, the marker line. */
  readonly block: string;
}

/** Options of {@link buildFactSheet}. */
export interface FactSheetOptions {
  /** How many alerts (in report order: highest severity first) get facts of their own. Default 20. */
  readonly maxAlerts?: number;
  /** Longest string value given, in characters (longer ones are cut and end with `…`). Default 300. */
  readonly maxValueChars?: number;
  /** Most `message.values` entries given per alert (in the alert's own order). Default 12. */
  readonly maxValuesPerAlert?: number;
}

const DEFAULT_MAX_ALERTS = 20;
/** Highest first: core's order reversed. */
const SEVERITY_ORDER = [...SEVERITIES].reverse();
/** Values the alert facts already state under their own id. */
const REDUNDANT_VALUES = new Set(['count', 'device', 'firstSeen', 'lastSeen', 'deviceId']);

/**
 * JSON-encodes a value for the data block: `JSON.stringify`, and every character outside printable
 * ASCII, and `<`, `>`, `&`, as a `\uXXXX` escape. A value then holds no newline, no chat-template token
 * (`<|im_start|>` becomes `\u003c|im_start|\u003e`) and no invisible character, and cannot end the block.
 */
export function encodeValue(value: string | number): string {
  const json = JSON.stringify(value);
  let out = '';
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x3c || c === 0x3e || c === 0x26) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += json[i];
  }
  return out;
}

function cap(value: string, max: number): string {
  if (value.length <= max) return value;
  // never cut a surrogate pair in two
  let end = max;
  const c = value.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${value.slice(0, end)}…`;
}

function checkCount(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer of at least ${min} (got ${String(value)})`);
  }
  return value;
}

class SheetBuilder {
  readonly facts: Fact[] = [];
  readonly #maxChars: number;
  constructor(maxChars: number) {
    this.#maxChars = maxChars;
  }
  add(id: string, raw: string | number): void {
    const value = typeof raw === 'string' ? cap(raw, this.#maxChars) : raw;
    const numbers = typeof value === 'number' ? [value, ...numbersIn(String(value))] : numbersIn(value);
    this.facts.push({ id, value, text: `${id} = ${encodeValue(value)}`, numbers: [...new Set(numbers)] });
  }
}

function runFacts(sheet: SheetBuilder, result: AnalysisResult, narrated: number): Record<string, string> {
  const s = result.summary;
  const ids: Record<string, string> = {};
  let n = 0;
  const add = (name: string, value: string | number) => {
    ids[name] = `F${++n}`;
    sheet.add(`F${n}`, `${name}: ${value}`);
  };
  add('events read', s.eventsRead);
  add('events analysed', s.eventsAnalyzed);
  add('rows rejected (not analysed)', s.eventsRejected);
  add('duplicate events (analysed once)', s.duplicateEvents);
  add('devices', s.devices);
  if (s.timeRange) {
    add('first event at', s.timeRange.start);
    add('last event at', s.timeRange.end);
  }
  add('alerts', s.alertCount);
  add('highest severity', s.highestSeverity ?? 'none');
  for (const severity of SEVERITY_ORDER) add(`${severity} alerts`, s.bySeverity[severity]);
  add('fleet findings (the same detector and subject across devices)', result.findings.length);
  add('alerts described below', narrated);
  return ids;
}

function alertFacts(sheet: SheetBuilder, label: string, alert: Alert, maxValues: number): void {
  const add = (name: string, value: string | number) => sheet.add(`${label}.${name}`, value);
  add('id', alert.id);
  add('title', alert.title);
  add('severity', alert.severity);
  add('detector', alert.detectorId);
  add('category', alert.category);
  for (const [i, m] of alert.mitre.entries()) add(i === 0 ? 'mitre' : `mitre${i + 1}`, `${m.id} ${m.name}`);
  add('device', alert.device.name);
  add('count', alert.evidence.eventCount);
  add('first', alert.firstSeen);
  add('last', alert.lastSeen);
  if (alert.key !== '') add('key', alert.key);
  let given = 0;
  const used = new Set<string>();
  for (const [name, value] of Object.entries(alert.message.values)) {
    if (REDUNDANT_VALUES.has(name) || given >= maxValues) continue;
    // placeholder names are detector-written identifiers; keep the id to plain characters all the same,
    // and unique (`a-b` and `a_b` would otherwise share one)
    const base = `value.${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    add(id, value);
    given++;
  }
  if (alert.relatedAlerts.length > 0) add('related', alert.relatedAlerts.length);
}

/**
 * Builds the fact sheet of a result: numbered run facts (`F1`…: events read, analysed and rejected,
 * devices, time range, alerts by severity) and, for each of the first `maxAlerts` alerts in report
 * order, its facts (`A1.severity`, `A1.count`, `A1.mitre`, `A1.device`, `A1.first`, `A1.last`,
 * `A1.title`, `A1.key`, `A1.value.<name>` for the values of its message). Every value is JSON-encoded
 * inside a data block whose marker is derived from the facts, so text from events is only ever data
 * (spotlighting by encoding). Deterministic: the same result gives the same bytes.
 */
export function buildFactSheet(result: AnalysisResult, options: FactSheetOptions = {}): FactSheet {
  const maxAlerts = checkCount('maxAlerts', options.maxAlerts, DEFAULT_MAX_ALERTS, 0);
  const maxChars = checkCount('maxValueChars', options.maxValueChars, 300, 16);
  const maxValues = checkCount('maxValuesPerAlert', options.maxValuesPerAlert, 12, 0);
  const sheet = new SheetBuilder(maxChars);
  const narrated = result.alerts.slice(0, maxAlerts);
  const run = runFacts(sheet, result, narrated.length);
  const alerts = narrated.map((alert, i) => {
    const label = `A${i + 1}`;
    alertFacts(sheet, label, alert, maxValues);
    return { label, alertId: alert.id };
  });
  const lines = sheet.facts.map((f) => f.text).join('\n');
  const marker = `DATA-${createHash('sha256').update(lines).digest('hex').slice(0, 16)}`;
  const block = `<<<${marker}\n${lines}\n${marker}>>>`;
  return { facts: sheet.facts, run, alerts, marker, block };
}
