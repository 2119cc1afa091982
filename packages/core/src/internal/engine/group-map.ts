/** The run's alert subjects: one map, detector id → device id → match key → group. */
import { type MdeEvent, projectEvent, releaseParseCaches } from '../model/event.js';
import { GroupAcc } from './group.js';
import type { Runtime } from './runtime.js';

/** Every group of a run, found by detector, device and key without building a key string per match. */
export class GroupMap {
  readonly #byDetector = new Map<string, Map<string, Map<string, GroupAcc>>>();
  /** Groups whose evidence sample took the event being analysed (see {@link settle}). */
  #kept: GroupAcc[] = [];
  readonly #onKept = (g: GroupAcc): void => {
    this.#kept.push(g);
  };

  /**
   * Columns every projection keeps besides those of the groups that kept the row: a correlator's
   * alerts take their evidence from other alerts, and show it with the correlator's own columns.
   * Null: a correlator keeps whole rows, so no row is projected.
   */
  readonly #borrowed: ReadonlySet<string> | null;
  /** Per detector's column set: that set with the borrowed columns (see {@link #keepOf}). */
  readonly #unions = new Map<ReadonlySet<string>, ReadonlySet<string>>();

  /** Groups matched since the batch began (kept only when the run saves state): those are saved. */
  touched: Set<GroupAcc> | undefined;
  /** The runtimes that hold their groups of this map (see {@link restore}). */
  #holders: Runtime[] = [];

  constructor(
    /** Evidence events kept per group. */
    private readonly evidenceLimit: number,
    runtimes: readonly Runtime[] = [],
  ) {
    const borrowed = new Set<string>();
    let whole = false;
    for (const rt of runtimes) {
      if (!rt.correlate) continue;
      if (rt.keepColumns === undefined) whole = true;
      else for (const c of rt.keepColumns) borrowed.add(c);
    }
    this.#borrowed = whole ? null : borrowed;
  }

  /** The group of this subject (a match of `rt` on a device, with its key), created on first use. */
  ensure(rt: Runtime, deviceId: string, key: string): GroupAcc {
    const g = this.restore(rt, deviceId, key);
    this.touched?.add(g);
    return g;
  }

  /** The group of this subject, created empty on first use, without marking it touched (loading state). */
  restore(rt: Runtime, deviceId: string, key: string): GroupAcc {
    // The runtime holds its groups of this map (no lookup by its id per match); another map's are looked up.
    let byDevice = rt.groups?.owner === this ? rt.groups.byDevice : this.#byDetector.get(rt.id);
    if (!byDevice) {
      byDevice = new Map();
      this.#byDetector.set(rt.id, byDevice);
    }
    if (rt.groups?.owner !== this) {
      rt.groups = { owner: this, byDevice };
      this.#holders.push(rt);
    }
    let byKey = byDevice.get(deviceId);
    if (!byKey) {
      byKey = new Map();
      byDevice.set(deviceId, byKey);
    }
    let g = byKey.get(key);
    if (!g) {
      g = new GroupAcc(
        rt.id,
        deviceId,
        key,
        rt.ctx.severity,
        this.evidenceLimit,
        rt.keepTimeline,
        rt.keepColumns,
        this.#onKept,
      );
      byKey.set(key, g);
    }
    return g;
  }

  /**
   * Every detector has seen `event`: the groups that kept it as evidence get one projection of it
   * instead (the columns any of them keeps), so the sample holds neither the
   * whole row nor the parsed copies made on the way. One copy for all of them: a correlator that
   * gathers events from several alerts still finds the same row as the same object. Whole rows
   * (`evidence.rows: 'full'`) and device snapshots are kept as they are, their parse caches dropped.
   */
  settle(event: MdeEvent): void {
    const kept = this.#kept;
    if (kept.length === 0) return;
    this.#kept = [];
    if (event.table === 'DeviceInfo' || event.table === 'DeviceNetworkInfo') {
      // Snapshots: the device state holds them whole and `onDevice` hands them back as evidence, so
      // a copy would save nothing and make one row two objects (a few per device).
      releaseParseCaches(event);
      return;
    }
    const keep = this.#keepOf(kept);
    if (keep === undefined) {
      releaseParseCaches(event);
      return;
    }
    const copy = projectEvent(event, keep);
    for (const g of kept) g.replaceEvidence(event, copy);
  }

  /**
   * The columns a projection for `kept` keeps (undefined: whole rows). Most rows are kept by the
   * groups of one detector: that union is built once per detector, not once per row.
   */
  #keepOf(kept: readonly GroupAcc[]): ReadonlySet<string> | undefined {
    const borrowed = this.#borrowed;
    if (borrowed === null) return undefined;
    const first = kept[0]!.keepColumns;
    let same = first !== undefined;
    for (let i = 1; same && i < kept.length; i++) same = kept[i]!.keepColumns === first;
    if (same) {
      let union = this.#unions.get(first!);
      if (union === undefined) {
        union = new Set([...borrowed, ...first!]);
        this.#unions.set(first!, union);
      }
      return union;
    }
    const keep = new Set(borrowed);
    for (const g of kept) {
      if (g.keepColumns === undefined) return undefined;
      for (const c of g.keepColumns) keep.add(c);
    }
    return keep;
  }

  /**
   * An empty map to use instead of this one once a run is over (nothing reads its groups again): the
   * runtimes let go of their groups of this map, which a host that keeps the analyzer must not keep.
   */
  released(): GroupMap {
    for (const rt of this.#holders) if (rt.groups?.owner === this) rt.groups = undefined;
    this.#holders = [];
    return new GroupMap(0);
  }

  /** The group of this subject, if there is one. */
  get(detectorId: string, deviceId: string, key: string): GroupAcc | undefined {
    return this.#byDetector.get(detectorId)?.get(deviceId)?.get(key);
  }

  /**
   * A detector's groups by device id, then key, compared as a pair: concatenating them would tie
   * ("a"+"bc" = "ab"+"c").
   */
  sorted(detectorId: string): GroupAcc[] {
    const out: GroupAcc[] = [];
    for (const byKey of this.#byDetector.get(detectorId)?.values() ?? []) for (const g of byKey.values()) out.push(g);
    return out.sort(compareSubjects);
  }
}

function compareSubjects(a: GroupAcc, b: GroupAcc): number {
  if (a.deviceId !== b.deviceId) return a.deviceId < b.deviceId ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
