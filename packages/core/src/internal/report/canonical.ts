/**
 * The report's alerts checked and put in the contract's key order by hand: what `alertSchema.safeParse`
 * gives for an alert that meets the contract, at a fraction of its cost (a dense fleet writes ten
 * thousand alerts). Anything this check is not sure of — a field of the wrong type, a key too many, a
 * record with a symbol or `__proto__` key, a prototype other than a plain object's — is left to the
 * zod schema (`undefined`), which then reports the fault or gives the value it accepts; so the JSON
 * text is the schema's whenever this answers (`canonical.test.ts` checks that against the schema).
 */
import { TABLE_NAMES } from '../model/tables.js';
import { SEVERITIES } from '../severity.js';
import type { Alert } from './types.js';

type Obj = Record<string, unknown>;

const TABLES: ReadonlySet<unknown> = new Set(TABLE_NAMES);
const SEVERITY_SET: ReadonlySet<unknown> = new Set(SEVERITIES);
const MITRE_ID = /^T\d{4}(\.\d{3})?$/;

const ALERT_KEYS = keys(
  'id detectorId title severity category mitre description riskAssessment device firstSeen lastSeen evidence relatedAlerts key message',
);
const MITRE_KEYS = keys('id name');
const DEVICE_KEYS = keys('id name');
const EVIDENCE_KEYS = keys('eventCount keyComponents events');
const EVENT_KEYS = keys('table timestamp actionType reportId source fields');
const SOURCE_KEYS = keys('source line record');
const MESSAGE_KEYS = keys('templates values');
const TEMPLATE_KEYS = keys('title description riskAssessment');

function keys(list: string): ReadonlySet<string> {
  return new Set(list.split(' '));
}

/** Thrown inside the check to leave the alert to the schema; never escapes {@link canonicalAlert}. */
const UNSURE = Symbol('unsure');

function unsure(): never {
  throw UNSURE;
}

/** A plain object (no class, no symbol keys) whose own keys are all in `allowed`. */
function object(v: unknown, allowed: ReadonlySet<string>): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) unsure();
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) unsure();
  for (const k of Object.keys(v)) if (!allowed.has(k)) unsure();
  if (Object.getOwnPropertySymbols(v).length > 0) unsure();
  return v as Obj;
}

/** A record (any string keys): plain, no symbol keys, no own `__proto__` (the schema drops that one). */
function record(v: unknown): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) unsure();
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) unsure();
  if (Object.hasOwn(v, '__proto__') || Object.getOwnPropertySymbols(v).length > 0) unsure();
  return v as Obj;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : unsure();
}

function int(v: unknown, min: number): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : unsure();
}

function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : unsure();
}

/** Each item of a list through `item`; a hole is an undefined item (the schema rejects it, as `item` does). */
function each<T>(v: unknown, item: (x: unknown) => T): T[] {
  const a = list(v);
  const out: T[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = item(a[i]);
  return out;
}

function strings(v: unknown): string[] {
  return each(v, str);
}

function mitre(v: unknown): { id: string; name: string } {
  const o = object(v, MITRE_KEYS);
  const id = str(o.id);
  if (!MITRE_ID.test(id)) unsure();
  return { id, name: str(o.name) };
}

function evidenceEvent(v: unknown): Obj {
  const o = object(v, EVENT_KEYS);
  const table = o.table;
  if (!TABLES.has(table)) unsure();
  const out: Obj = { table, timestamp: str(o.timestamp) };
  if (o.actionType !== undefined) out.actionType = str(o.actionType);
  if (o.reportId !== undefined) out.reportId = str(o.reportId);
  const s = object(o.source, SOURCE_KEYS);
  const source: Obj = { source: str(s.source) };
  if (s.line !== undefined) source.line = int(s.line, 1);
  if (s.record !== undefined) source.record = int(s.record, 1);
  out.source = source;
  // Values of `fields` are not checked by the contract (any JSON the row held): the record is kept as is.
  out.fields = record(o.fields);
  return out;
}

function keyComponents(v: unknown): Obj {
  const r = record(v);
  const out: Obj = {};
  for (const k of Object.keys(r)) {
    const c = r[k];
    out[k] = typeof c === 'string' ? c : strings(c);
  }
  return out;
}

function values(v: unknown): Obj {
  const r = record(v);
  for (const k of Object.keys(r)) {
    const x = r[k];
    if (typeof x !== 'string' && !(typeof x === 'number' && Number.isFinite(x))) unsure();
  }
  return r;
}

/**
 * The alert with the contract's key order, nested objects included, when it certainly meets the
 * contract; `undefined` when the zod schema must decide. The answer shares the rows' `fields` records
 * and `message.values` with the alert (they are written, never changed).
 */
export function canonicalAlert(v: unknown): Alert | undefined {
  try {
    const a = object(v, ALERT_KEYS);
    const severity = a.severity;
    if (!SEVERITY_SET.has(severity)) unsure();
    const mitreRefs = each(a.mitre, mitre);
    const d = object(a.device, DEVICE_KEYS);
    const e = object(a.evidence, EVIDENCE_KEYS);
    const m = object(a.message, MESSAGE_KEYS);
    const t = object(m.templates, TEMPLATE_KEYS);
    return {
      id: str(a.id),
      detectorId: str(a.detectorId),
      title: str(a.title),
      severity,
      category: str(a.category),
      mitre: mitreRefs,
      description: str(a.description),
      riskAssessment: str(a.riskAssessment),
      device: { id: str(d.id), name: str(d.name) },
      firstSeen: str(a.firstSeen),
      lastSeen: str(a.lastSeen),
      evidence: {
        eventCount: int(e.eventCount, 1),
        keyComponents: keyComponents(e.keyComponents),
        events: each(e.events, evidenceEvent),
      },
      relatedAlerts: strings(a.relatedAlerts),
      key: str(a.key),
      message: {
        templates: { title: str(t.title), description: str(t.description), riskAssessment: str(t.riskAssessment) },
        values: values(m.values),
      },
    } as unknown as Alert;
  } catch (error) {
    if (error === UNSURE) return undefined;
    throw error;
  }
}
