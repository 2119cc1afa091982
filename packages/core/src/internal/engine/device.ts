import type { DeviceState } from '../detector/types.js';
import type { MdeEvent } from '../model/event.js';
import { TABLE_NAMES, type TableName } from '../model/tables.js';
import { compareInstants } from '../model/time.js';
import type { DeviceRecord, EncodedEvent } from '../state/engine-state.js';
import { LAST, TimeSpan } from './span.js';

/** Distinct process image names remembered per device. */
const PROCESS_NAME_CAP = 2000;
/** A table's position in the catalog: events are counted per table in a small array. */
const TABLE_SLOT: ReadonlyMap<TableName, number> = new Map(TABLE_NAMES.map((t, i) => [t, i]));

/** Per-device state the engine keeps while events stream by: counts, latest snapshots, a few names. */
export class DeviceAcc {
  name: string;
  eventCount = 0;
  /** Events per table (catalog order), and the tables in the order this device first showed them. */
  readonly #tableCounts = new Float64Array(TABLE_NAMES.length);
  readonly #tablesSeen: TableName[] = [];
  readonly span = new TimeSpan();
  info: MdeEvent | undefined;
  readonly adapters = new Map<string, MdeEvent>();
  readonly processNames = new Set<string>();
  /** Image names as written, already folded into `processNames`: most rows repeat a known name. */
  readonly #seenNames = new Set<string>();

  constructor(
    readonly id: string,
    name: string,
    /** Order of first appearance in the run (0, 1, …): a small number standing for the device. */
    readonly index: number,
  ) {
    this.name = name;
  }

  add(event: MdeEvent): void {
    this.eventCount++;
    const slot = TABLE_SLOT.get(event.table)!;
    const seen = this.#tableCounts[slot]!;
    this.#tableCounts[slot] = seen + 1;
    if (seen === 0) this.#tablesSeen.push(event.table);
    // A device's name can change (rename, FQDN vs short name): the newest row wins.
    if (this.span.add(event) & LAST) this.name = event.deviceName;
    switch (event.table) {
      case 'DeviceInfo':
        if (!this.info || compareInstants(event.time, event.ticks, this.info.time, this.info.ticks) >= 0)
          this.info = event;
        break;
      case 'DeviceNetworkInfo': {
        const adapter = event.str('NetworkAdapterName') ?? event.str('MacAddress') ?? '';
        const current = this.adapters.get(adapter);
        if (!current || compareInstants(event.time, event.ticks, current.time, current.ticks) >= 0) {
          this.adapters.set(adapter, event);
        }
        break;
      }
      case 'DeviceProcessEvents': {
        this.rememberProcess(event.str('FileName'));
        this.rememberProcess(event.str('InitiatingProcessFileName'));
        break;
      }
      default:
        if (this.processNames.size < PROCESS_NAME_CAP) this.rememberProcess(event.str('InitiatingProcessFileName'));
    }
  }

  private rememberProcess(name: string | undefined): void {
    if (name === undefined || this.#seenNames.has(name) || this.processNames.size >= PROCESS_NAME_CAP) return;
    // Bounded like processNames: spellings of a name differ only in case, a handful per name.
    if (this.#seenNames.size < 4 * PROCESS_NAME_CAP) this.#seenNames.add(name);
    this.processNames.add(name.toLowerCase());
  }

  /** What a later batch needs to go on with this device (`state/engine-state.ts`). */
  save(encode: (event: MdeEvent) => EncodedEvent): DeviceRecord {
    const r: DeviceRecord = {
      i: this.index,
      n: this.name,
      c: this.eventCount,
      t: this.#tablesSeen.map((t) => [t, this.#tableCounts[TABLE_SLOT.get(t)!]!]),
      sp: this.span.save(),
    };
    if (this.info) r.f = encode(this.info);
    if (this.adapters.size) r.a = [...this.adapters].map(([k, e]) => [k, encode(e)]);
    if (this.processNames.size) r.p = [...this.processNames];
    return r;
  }

  /** A device as {@link save} left it; `decode` builds its snapshot events again. */
  static restore(id: string, r: DeviceRecord, decode: (e: EncodedEvent) => MdeEvent): DeviceAcc {
    const d = new DeviceAcc(id, r.n, r.i);
    d.eventCount = r.c;
    for (const [t, n] of r.t) {
      const slot = TABLE_SLOT.get(t);
      if (slot === undefined) continue;
      d.#tableCounts[slot] = n;
      d.#tablesSeen.push(t);
    }
    d.span.restore(r.sp);
    if (r.f) d.info = decode(r.f);
    for (const [k, e] of r.a ?? []) d.adapters.set(k, decode(e));
    for (const p of r.p ?? []) d.processNames.add(p);
    return d;
  }

  /** Events per table, keyed in the order the tables first appeared on this device. */
  get byTable(): Partial<Record<TableName, number>> {
    const out: Partial<Record<TableName, number>> = {};
    for (const t of this.#tablesSeen) out[t] = this.#tableCounts[TABLE_SLOT.get(t)!]!;
    return out;
  }

  /** Frozen view for detectors. */
  state(): DeviceState {
    const adapters = [...this.adapters.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
    return Object.freeze({
      id: this.id,
      name: this.name,
      info: this.info,
      adapters: Object.freeze(adapters),
      eventCount: this.eventCount,
      byTable: Object.freeze(this.byTable),
      firstSeen: this.span.first,
      lastSeen: this.span.last,
      processNames: new Set(this.processNames) as ReadonlySet<string>,
    });
  }
}
