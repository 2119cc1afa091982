/**
 * Detectors as the engine runs them: validated once, their metadata, hooks, window and evidence plan
 * read at load, and an index that routes each event only to the detectors of its table and ActionType.
 */
import { DISTINCT_CAP, templateUses } from '../detector/define.js';
import type { DetectorFamily } from '../detector/family.js';
import type { AnyDetector, DetectorContext, DetectorMeta, EvidenceDecl, WindowSpec } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import type { TableName } from '../model/tables.js';
import type { Severity } from '../severity.js';
import type { ResolvedConfig } from './config.js';
import type { LoadedDetectors, LoadedFamily } from './detectors.js';
import type { EvidencePlan, GroupAcc } from './group.js';
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
  /**
   * The detector's groups by device id, then key, in the group map that last looked them up (`owner`):
   * kept here so that a match finds them without a lookup by the detector's id (see `GroupMap.ensure`).
   */
  groups?: { readonly owner: object; readonly byDevice: Map<string, Map<string, GroupAcc>> } | undefined;
}

/** Columns every evidence event keeps, whatever the detector declared. */
const IDENTITY_COLUMNS: readonly string[] = ['Timestamp', 'DeviceId', 'DeviceName', 'ActionType', 'ReportId'];

/**
 * A family as one event runs it: its members' runtimes by member index (undefined: the member is
 * disabled). `id` and `failures` name the family in diagnostics when `matchAll` itself fails.
 */
export interface FamilyRuntime {
  readonly family: DetectorFamily;
  readonly id: string;
  readonly matchAll: DetectorFamily['matchAll'];
  readonly tables: readonly TableName[];
  readonly actionTypes: readonly string[] | undefined;
  readonly members: readonly (Runtime | undefined)[];
  failures: number;
}

/**
 * The families of a run with at least one enabled member, and the set of runtimes they serve (those
 * are never routed one by one: their family's `matchAll` stands for their `match`).
 */
export function loadFamilies(
  families: readonly LoadedFamily[],
  runtimes: readonly Runtime[],
): { readonly families: readonly FamilyRuntime[]; readonly served: ReadonlySet<Runtime> } {
  const byDetector = new Map(runtimes.map((rt) => [rt.detector, rt]));
  const served = new Set<Runtime>();
  const out: FamilyRuntime[] = [];
  for (const f of families) {
    const members = f.members.map((d) => byDetector.get(d));
    for (const rt of members) if (rt) served.add(rt);
    if (!members.some((rt) => rt?.match)) continue;
    out.push({
      family: f.family,
      id: f.id,
      matchAll: f.matchAll,
      tables: f.tables,
      actionTypes: f.actionTypes,
      members,
      failures: 0,
    });
  }
  return { families: out, served };
}

/** The runtimes of the enabled detectors, in id order, with their configuration applied. */
export function loadRuntimes(loaded: LoadedDetectors, resolved: ResolvedConfig, fullRows: boolean): Runtime[] {
  const cfg = resolved.config;
  const runtimes: Runtime[] = [];
  for (const [detector, meta] of loaded.detectors) {
    const dc = cfg.detectors?.[meta.id];
    if (dc?.enabled === false) continue;
    const opts = resolved.options.get(meta.id);
    const severity = dc?.severity ?? meta.severity;
    const window = readWindow(detector, meta.id, opts);
    runtimes.push({
      detector,
      id: meta.id,
      meta,
      match: detector.match,
      render: detector.render,
      onDevice: detector.onDevice,
      correlate: detector.correlate,
      placeholders: placeholdersOf(meta),
      ctx: Object.freeze({ options: opts, severity }),
      window,
      keepTimeline: window !== undefined || detector.timeline === true,
      severityOverride: dc?.severity,
      plan: planOf(meta.evidence),
      keepColumns: fullRows ? undefined : keptColumnsOf(meta),
      failures: 0,
      groups: undefined,
    });
  }
  return runtimes;
}

type Placeholders = Runtime['placeholders'];

/*
 * What the engine compiles from a detector's metadata depends on nothing else, and validated metadata is
 * frozen, with equal evidence records and lists shared (`detector/shared-forms.ts`): the compiled forms
 * are kept per record, so the detectors of a rule set that declare the same evidence share one plan and
 * one column set (a SigmaHQ set: 1,800 detectors, a handful of each).
 */
const NO_EVIDENCE: EvidenceDecl = Object.freeze({});
const NO_COLUMNS: readonly string[] = Object.freeze([]);
const plans = new WeakMap<EvidenceDecl, EvidencePlan>();
const keptColumns = new WeakMap<EvidenceDecl, WeakMap<readonly string[], ReadonlySet<string>>>();
/** Placeholder lists by their content (templates differ from rule to rule, their placeholders seldom do). */
const placeholderMaps = new Map<string, Placeholders>();
const PLACEHOLDER_MAPS_KEPT = 256;
/** The same, by validated metadata (frozen; one copy per process for a settled detector). */
const placeholdersByMeta = new WeakMap<DetectorMeta, Placeholders>();

function planOf(evidence: EvidenceDecl | undefined): EvidencePlan {
  const decl = evidence ?? NO_EVIDENCE;
  let plan = plans.get(decl);
  if (plan === undefined) {
    plan = compilePlan(decl);
    plans.set(decl, plan);
  }
  return plan;
}

function keptColumnsOf(meta: DetectorMeta): ReadonlySet<string> {
  const decl = meta.evidence ?? NO_EVIDENCE;
  const columns = meta.columns ?? NO_COLUMNS;
  let byColumns = keptColumns.get(decl);
  if (byColumns === undefined) {
    byColumns = new WeakMap();
    keptColumns.set(decl, byColumns);
  }
  let keep = byColumns.get(columns);
  if (keep === undefined) {
    keep = declaredColumns(meta);
    byColumns.set(columns, keep);
  }
  return keep;
}

/** Placeholders of each variant's templates (variants with none are left out). */
function placeholdersOf(meta: DetectorMeta): Placeholders {
  const known = placeholdersByMeta.get(meta);
  if (known !== undefined) return known;
  const uses = templateUses(meta.messages).filter(([, , names]) => names.length > 0);
  const key = JSON.stringify(uses);
  let map = placeholderMaps.get(key);
  if (map === undefined) {
    const built = new Map<string, [string, readonly string[]][]>();
    for (const [variant, field, names] of uses) {
      const list = built.get(variant) ?? [];
      list.push([field, names]);
      built.set(variant, list);
    }
    map = built;
    if (placeholderMaps.size >= PLACEHOLDER_MAPS_KEPT) placeholderMaps.clear();
    placeholderMaps.set(key, map);
  }
  placeholdersByMeta.set(meta, map);
  return map;
}

/** A detector's evidence declaration compiled into parallel arrays (read once, at load; shared, so frozen). */
function compilePlan(evidence: EvidenceDecl): EvidencePlan {
  const names = Object.keys(evidence);
  const fields = names.map((n) => evidence[n]!);
  return Object.freeze({
    names: Object.freeze(names),
    columns: Object.freeze(fields.map((f) => (typeof f.from === 'string' ? f.from : undefined))),
    fns: Object.freeze(
      fields.map((f) => (typeof f.from === 'function' ? (f.from as (event: MdeEvent) => unknown) : undefined)),
    ),
    combines: Object.freeze(fields.map((f) => f.combine)),
    caps: Object.freeze(fields.map((f) => f.cap ?? DISTINCT_CAP)),
    labels: Object.freeze(fields.map((f) => (f.hidden ? undefined : (f.label ?? (f.from as string))))),
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
const EMPTY_FAMILIES: readonly FamilyRuntime[] = Object.freeze([]);

/** Per table: the units subscribed to every ActionType, and those subscribed to some. */
interface TableEntry<T> {
  readonly any: T[];
  readonly byAction: Map<string, T[]>;
}

function subscribe<T>(
  byTable: Map<TableName, TableEntry<T>>,
  unit: T,
  tables: readonly TableName[],
  actionTypes: readonly string[] | undefined,
): void {
  for (const table of tables) {
    let entry = byTable.get(table);
    if (!entry) {
      entry = { any: [], byAction: new Map() };
      byTable.set(table, entry);
    }
    if (actionTypes) {
      for (const action of actionTypes) {
        const list = entry.byAction.get(action) ?? [];
        if (!list.includes(unit)) list.push(unit);
        entry.byAction.set(action, list);
      }
    } else if (!entry.any.includes(unit)) entry.any.push(unit);
  }
}

/**
 * Which detectors and families see an event. Indexed once: a detector costs nothing for the rows of
 * tables it does not subscribe to; the list per table and ActionType is built on first use and kept.
 * The members of a family are not routed one by one: the family is, once per event.
 */
export class DetectorRoutes {
  private readonly byTable = new Map<TableName, TableEntry<Runtime>>();
  private readonly familyByTable = new Map<TableName, TableEntry<FamilyRuntime>>();
  private readonly routes = new Map<TableName, Map<string, readonly Runtime[]>>();
  private readonly familyRoutes = new Map<TableName, Map<string, readonly FamilyRuntime[]>>();

  constructor(
    runtimes: readonly Runtime[],
    families: readonly FamilyRuntime[] = EMPTY_FAMILIES,
    served: ReadonlySet<Runtime> = new Set(),
  ) {
    for (const rt of runtimes) {
      if (!rt.match || served.has(rt)) continue;
      subscribe(this.byTable, rt, rt.meta.tables, rt.meta.actionTypes);
    }
    for (const f of families) subscribe(this.familyByTable, f, f.tables, f.actionTypes);
  }

  /** The detectors that match `event`, in id order. */
  of(event: MdeEvent): readonly Runtime[] {
    return lookup(this.routes, this.byTable, event, EMPTY_RUNTIMES);
  }

  /** The families that match `event`, in name order. */
  familiesOf(event: MdeEvent): readonly FamilyRuntime[] {
    return lookup(this.familyRoutes, this.familyByTable, event, EMPTY_FAMILIES);
  }
}

function lookup<T extends { readonly id: string }>(
  routes: Map<TableName, Map<string, readonly T[]>>,
  byTable: Map<TableName, TableEntry<T>>,
  event: MdeEvent,
  empty: readonly T[],
): readonly T[] {
  // Two map lookups on strings the event already holds: no key is built per event.
  let byAction = routes.get(event.table);
  if (!byAction) {
    byAction = new Map();
    routes.set(event.table, byAction);
  }
  const action = event.actionType ?? '';
  let list = byAction.get(action);
  if (!list) {
    const entry = byTable.get(event.table);
    list = entry ? [...entry.any, ...(entry.byAction.get(action) ?? []).filter((u) => !entry.any.includes(u))] : empty;
    if (list.length > 1) list = [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    byAction.set(action, list);
  }
  return list;
}
