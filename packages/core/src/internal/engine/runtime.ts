/**
 * Detectors as the engine runs them: validated once, their metadata, hooks, window and evidence plan
 * read at load, and an index that routes each event only to the detectors of its table and ActionType.
 */
import { DISTINCT_CAP, templateUses, validateDetector } from '../detector/define.js';
import type { AnyDetector, DetectorContext, DetectorMeta, EvidenceDecl, WindowSpec } from '../detector/types.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import type { MdeEvent } from '../model/event.js';
import type { TableName } from '../model/tables.js';
import type { Severity } from '../severity.js';
import type { ResolvedConfig } from './config.js';
import type { EvidencePlan } from './group.js';
import { readWindow } from './guards.js';

/** A detector as the engine runs it: its metadata and hooks read once, when it is loaded. */
export interface Runtime {
  readonly detector: AnyDetector;
  readonly id: string;
  /** Frozen copy of the detector's metadata (validated). */
  readonly meta: DetectorMeta;
  readonly match: AnyDetector['match'];
  readonly render: AnyDetector['render'];
  readonly onDevice: AnyDetector['onDevice'];
  readonly correlate: AnyDetector['correlate'];
  /** Placeholders of each variant's templates, for the unfilled-placeholder check. */
  readonly placeholders: ReadonlyMap<string, readonly (readonly [field: string, names: readonly string[]])[]>;
  readonly ctx: DetectorContext<unknown>;
  readonly window: WindowSpec | undefined;
  readonly keepTimeline: boolean;
  readonly severityOverride: Severity | undefined;
  /** Declared evidence, compiled (empty for a detector that declares none). */
  readonly plan: EvidencePlan;
  /** Columns evidence events keep; undefined: whole rows. */
  readonly keepColumns: ReadonlySet<string> | undefined;
  /** Failures so far (diagnostics beyond a cap are counted, not listed). */
  failures: number;
}

/** Columns every evidence event keeps, whatever the detector declared. */
const IDENTITY_COLUMNS: readonly string[] = ['Timestamp', 'DeviceId', 'DeviceName', 'ActionType', 'ReportId'];

/** Validate every detector (metadata, unique ids); the answer is sorted by id, the order detectors run in. */
export function validateDetectors(detectors: readonly AnyDetector[]): (readonly [AnyDetector, DetectorMeta])[] {
  const metas = new Map<AnyDetector, DetectorMeta>();
  const ids = new Set<string>();
  for (const detector of detectors) {
    const meta = validateDetector(detector);
    if (ids.has(meta.id)) {
      throw new TriplineError(ERROR_CODES.DETECTOR_DUPLICATE, `two detectors share the id ${meta.id}`, {
        details: { detectorId: meta.id },
      });
    }
    ids.add(meta.id);
    metas.set(detector, meta);
  }
  return [...metas].sort(([, a], [, b]) => (a.id < b.id ? -1 : 1));
}

/** The runtimes of the enabled detectors, in id order, with their configuration applied. */
export function loadRuntimes(
  loaded: readonly (readonly [AnyDetector, DetectorMeta])[],
  resolved: ResolvedConfig,
  fullRows: boolean,
): Runtime[] {
  const cfg = resolved.config;
  const runtimes: Runtime[] = [];
  for (const [detector, meta] of loaded) {
    const dc = cfg.detectors?.[meta.id];
    if (dc?.enabled === false) continue;
    const opts = resolved.options.get(meta.id);
    const severity = dc?.severity ?? meta.severity;
    const window = readWindow(detector, meta.id, opts);
    const placeholders = new Map<string, [string, readonly string[]][]>();
    for (const [variant, field, names] of templateUses(meta.messages)) {
      if (names.length === 0) continue;
      const list = placeholders.get(variant) ?? [];
      list.push([field, names]);
      placeholders.set(variant, list);
    }
    runtimes.push({
      detector,
      id: meta.id,
      meta,
      match: detector.match,
      render: detector.render,
      onDevice: detector.onDevice,
      correlate: detector.correlate,
      placeholders,
      ctx: Object.freeze({ options: opts, severity }),
      window,
      keepTimeline: window !== undefined || detector.timeline === true,
      severityOverride: dc?.severity,
      plan: compilePlan(meta.evidence ?? {}),
      keepColumns: fullRows ? undefined : declaredColumns(meta),
      failures: 0,
    });
  }
  return runtimes;
}

/** A detector's evidence declaration compiled into parallel arrays (read once, at load). */
function compilePlan(evidence: EvidenceDecl): EvidencePlan {
  const names = Object.keys(evidence);
  const fields = names.map((n) => evidence[n]!);
  return Object.freeze({
    names,
    columns: fields.map((f) => (typeof f.from === 'string' ? f.from : undefined)),
    fns: fields.map((f) => (typeof f.from === 'function' ? (f.from as (event: MdeEvent) => unknown) : undefined)),
    combines: fields.map((f) => f.combine),
    caps: fields.map((f) => f.cap ?? DISTINCT_CAP),
    labels: fields.map((f) => (f.hidden ? undefined : (f.label ?? (f.from as string)))),
    index: new Map(names.map((n, i) => [n, i])),
  });
}

/**
 * Columns an evidence event keeps: identity columns plus the columns the detector declared
 * (`evidence[*].from` columns and `meta.columns`).
 */
export function declaredColumns(meta: DetectorMeta): ReadonlySet<string> {
  const keep = new Set(IDENTITY_COLUMNS);
  for (const f of Object.values(meta.evidence ?? {})) if (typeof f.from === 'string') keep.add(f.from);
  for (const c of meta.columns ?? []) keep.add(c);
  return keep;
}

const EMPTY_RUNTIMES: readonly Runtime[] = Object.freeze([]);

/**
 * Which detectors see an event. Indexed once: a detector costs nothing for the rows of tables it does
 * not subscribe to; the list per table and ActionType is built on first use and kept.
 */
export class DetectorRoutes {
  private readonly byTable = new Map<TableName, { any: Runtime[]; byAction: Map<string, Runtime[]> }>();
  private readonly routes = new Map<TableName, Map<string, readonly Runtime[]>>();

  constructor(runtimes: readonly Runtime[]) {
    for (const rt of runtimes) {
      if (!rt.match) continue;
      for (const table of rt.meta.tables) {
        let entry = this.byTable.get(table);
        if (!entry) {
          entry = { any: [], byAction: new Map() };
          this.byTable.set(table, entry);
        }
        if (rt.meta.actionTypes) {
          for (const action of rt.meta.actionTypes) {
            const list = entry.byAction.get(action) ?? [];
            list.push(rt);
            entry.byAction.set(action, list);
          }
        } else entry.any.push(rt);
      }
    }
  }

  /** The detectors that match `event`, in id order. */
  of(event: MdeEvent): readonly Runtime[] {
    // Two map lookups on strings the event already holds: no key is built per event.
    let byAction = this.routes.get(event.table);
    if (!byAction) {
      byAction = new Map();
      this.routes.set(event.table, byAction);
    }
    const action = event.actionType ?? '';
    let list = byAction.get(action);
    if (!list) {
      const entry = this.byTable.get(event.table);
      list = entry ? [...entry.any, ...(entry.byAction.get(action) ?? [])] : EMPTY_RUNTIMES;
      if (list.length > 1) list = [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
      byAction.set(action, list);
    }
    return list;
  }
}
