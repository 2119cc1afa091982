import { EventEmitter } from 'eventemitter3';
import { diagnostic } from '../catalog.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { ingest } from '../ingest/index.js';
import { timeZoneOption } from '../ingest/ingest.js';
import type { IngestProgress, IngestStats, InputSource, RejectedRow } from '../ingest/types.js';
import { MdeEvent } from '../model/event.js';
import type { Alert, AnalysisResult, Diagnostic } from '../report/types.js';
import { engineStateWrite, type SourcePosition, StreamState } from '../state/engine-state.js';
import { StreamLifecycle } from '../state/lifecycle.js';
import type { AlertChange } from '../state/types.js';
import { Allowlist } from './allowlist.js';
import { assembleResult, RunCounts, TABLE_INDEX } from './assemble.js';
import { type ResolvedConfig, validateRunConfig } from './config.js';
import { DedupeWindow } from './dedupe.js';
import { validateDetectors } from './detectors.js';
import { DeviceAcc } from './device.js';
import { aboveMinSeverity, closingDiagnostics, Diagnostics } from './diagnostics.js';
import { Dispatch } from './dispatch.js';
import { GroupMap } from './group-map.js';
import { localTimeDiagnostics } from './local-time.js';
import { evidenceOption, inCallingThread, isInputError } from './options.js';
import { DeviceStates, type PhaseContext, renderAlerts, runCorrelation, runDevicePhase } from './phases.js';
import { DetectorRoutes, loadFamilies, loadRuntimes, type Runtime } from './runtime.js';
import type { AnalyzeOptions } from './types.js';

export { describeError } from './guards.js';
export { alertId } from './render.js';
export { declaredColumns } from './runtime.js';

/** Events an {@link Analyzer} emits. */
export interface AnalyzerEvents {
  /** A final alert (emitted by `finish`, in result order: grouping makes alerts final only at the end). */
  alert: [alert: Alert];
  /** A row that could not be analysed, as soon as it is read. */
  rejected: [row: RejectedRow];
  /** Reading progress, now and then. */
  progress: [progress: AnalyzerProgress];
  /** A detector failure or another notice, as soon as it happens. */
  diagnostic: [diagnostic: Diagnostic];
  /** The run is complete. */
  end: [result: AnalysisResult];
}

/** Cumulative progress of a run. */
export interface AnalyzerProgress extends IngestProgress {
  readonly eventsAnalyzed: number;
  readonly eventsRejected: number;
}

/** Evidence events kept per alert by default (`evidence.sample`). */
const DEFAULT_EVIDENCE_SAMPLE = 5;
const DEFAULT_REJECTED_LISTED = 10_000;
const DEFAULT_DEDUPE_WINDOW = 200_000;

/**
 * A streaming analysis: push inputs (or events) into it, then `finish()`. Memory stays flat: it keeps
 * per-device state and, per alert, counts plus a capped evidence sample — never the events themselves.
 *
 * The class orchestrates; the work lives beside it: detector loading and routing (`runtime.ts`),
 * output guards (`guards.ts`), declared evidence (`evidence.ts`), rendering and severity policy
 * (`render.ts`), the device and correlation phases (`phases.ts`), the allowlist (`allowlist.ts`) and
 * report assembly (`assemble.ts`).
 */
export class Analyzer extends EventEmitter<AnalyzerEvents> {
  private readonly runtimes: readonly Runtime[];
  private readonly resolved: ResolvedConfig;
  /** Zone of local times in the inputs (canonical IANA name). */
  private readonly timezone: string | undefined;
  private readonly maxRejectedListed: number;
  private readonly allowlist: Allowlist;
  /** Identities of recent rows, for duplicate detection (undefined: turned off). */
  private dedupe: DedupeWindow | undefined;

  private devices = new Map<string, DeviceAcc>();
  private groups: GroupMap;
  private readonly diagnostics = new Diagnostics((d) => this.emit('diagnostic', d));
  private readonly rejectedRows: RejectedRow[] = [];
  private readonly inputs: AnalysisResult['inputs'][number][] = [];
  private readonly counts = new RunCounts();
  private finished: FinishedResult | undefined;
  /** The alert lifecycle of the stream (with `options.state`). */
  private readonly lifecycle: StreamLifecycle | undefined;
  /** `commit()` has written this batch. */
  private committed: Promise<void> | undefined;
  private dispatch: Dispatch;
  /** The stream's saved state (undefined: a run on its own). */
  private readonly state: StreamState | undefined;
  /** Rows rejected in this batch (the counts of a stream with state include earlier batches). */
  private rejectedHere = 0;

  constructor(private readonly options: AnalyzeOptions) {
    super();
    if (!options || !Array.isArray(options.detectors)) {
      throw new TriplineError(
        ERROR_CODES.OPTION_INVALID,
        'options.detectors must be an array of detectors and detector families',
      );
    }
    const loaded = validateDetectors(options.detectors);
    this.resolved = validateRunConfig(options.config, loaded.flat);
    const cfg = this.resolved.config;
    const timezone = options.timezone ?? cfg.timezone;
    this.timezone = timezone === undefined ? undefined : timeZoneOption(timezone).name;
    const ev = evidenceOption(options.evidence);
    const evidenceLimit = ev.sample ?? cfg.evidence?.sample ?? cfg.evidenceLimit ?? DEFAULT_EVIDENCE_SAMPLE;
    const fullRows = (ev.rows ?? cfg.evidence?.rows ?? 'declared') === 'full';
    this.maxRejectedListed = options.maxRejectedListed ?? DEFAULT_REJECTED_LISTED;
    const dedupeWindow = options.dedupeWindow ?? DEFAULT_DEDUPE_WINDOW;
    this.dedupe = dedupeWindow <= 0 ? undefined : new DedupeWindow(dedupeWindow);
    this.allowlist = new Allowlist(cfg.allowlist ?? []);
    this.runtimes = loadRuntimes(loaded, this.resolved, fullRows);
    this.groups = new GroupMap(evidenceLimit, this.runtimes);
    const { families, served } = loadFamilies(loaded.families, this.runtimes);
    this.dispatch = new Dispatch(
      new DetectorRoutes(this.runtimes, families, served),
      families,
      this.groups,
      this.diagnostics.detectorFailed,
    );
    this.state = StreamState.attach(this, options, {
      runtimes: this.runtimes,
      groups: this.groups,
      devices: this.devices,
      dedupe: this.dedupe,
      counts: this.counts,
      settings: { sample: evidenceLimit, full: fullRows },
      diagnostic: (d) => this.diagnostics.add(d),
    });
    this.lifecycle = this.state && options.state ? new StreamLifecycle(options.state, this.state.stream) : undefined;
  }

  /**
   * Load the stream's saved state (`options.state`; the store must be open): the engine's and the
   * alerts' lifecycle records and suppressions. `push` awaits it itself; `pushEvent`, `pushRejected`
   * and `finish` throw until it resolved. Rejects with `state-schema-newer` (saved by a newer tripline)
   * or `state-unreadable` (damaged). Without state it resolves at once.
   */
  ready(): Promise<void> {
    if (!this.state || !this.lifecycle) return Promise.resolve();
    return Promise.all([this.state.load(), this.lifecycle.load()]).then(() => undefined);
  }

  /**
   * Read one input to its end; rows become events or rejected rows. Rejects on an input that cannot be
   * read (`input-unreadable`, `input-format-unknown`); the failure is recorded in the result all the
   * same (an `input-failed` diagnostic and an `inputs` entry with `error`), with the rows read before it.
   */
  async push(source: InputSource): Promise<IngestStats> {
    this.assertOpen();
    if (this.state) await this.ready();
    this.assertOpen();
    const before = { analyzed: this.counts.eventsAnalyzed, rejected: this.counts.eventsRejected };
    // A source an earlier batch of the stream read (by name): its rows up to the saved position are
    // skipped, so that a batch read again after a crash is not counted twice.
    const position = this.state ? this.state.openSource(source) : { name: undefined, skip: 0, skipped: 0 };
    const stats = await this.ingestInput(source, position).catch((error: unknown) => {
      this.inputFailed(source, error, before);
      // The rows read before the failure are analysed: the position moves past them.
      if (isInputError(error)) this.state?.sourceFailed(position, this.counts, before);
      throw error;
    });
    const skipped = this.state?.sourceRead(position, stats);
    if (skipped) this.diagnostics.add(skipped);
    for (const d of localTimeDiagnostics(stats.source, stats.localTime)) this.diagnostics.add(d);
    this.inputs.push({
      source: stats.source,
      format: stats.format,
      rowsRead: stats.rowsRead,
      events: stats.events,
      rejected: stats.rejected,
    });
    return stats;
  }

  private inputFailed(source: InputSource, error: unknown, before: { analyzed: number; rejected: number }): void {
    if (!isInputError(error)) return;
    let name: string;
    try {
      name = String(source.name);
    } catch {
      name = 'input';
    }
    const events = this.counts.eventsAnalyzed - before.analyzed;
    const rejected = this.counts.eventsRejected - before.rejected;
    const rows = events + rejected;
    this.inputs.push({
      source: name,
      format: 'unknown',
      rowsRead: rows,
      events,
      rejected,
      error: { code: error.code, message: error.message },
    });
    this.diagnostics.addListed(
      diagnostic('input-failed', {
        message:
          rows > 0
            ? `${error.message} (after ${rows} row(s); those are analysed, the rest of this input is not)`
            : `${error.message} (nothing of this input is analysed)`,
        source: name,
      }),
    );
  }

  private ingestInput(source: InputSource, position: SourcePosition): Promise<IngestStats> {
    return ingest(
      source,
      {
        event: (event) => {
          if (position.skipped < position.skip) {
            position.skipped++;
            return;
          }
          this.counts.eventsRead++;
          this.analyzeEvent(event);
        },
        rejected: (row) => {
          if (position.skipped < position.skip) {
            position.skipped++;
            return;
          }
          this.counts.eventsRead++;
          this.reject(row);
        },
        notice: (n) =>
          this.diagnostics.add(
            diagnostic(n.code, {
              message: n.message,
              source: n.source,
              ...(n.line !== undefined ? { line: n.line } : {}),
            }),
          ),
        progress: (p) =>
          this.emit('progress', {
            ...p,
            eventsAnalyzed: this.counts.eventsAnalyzed,
            eventsRejected: this.counts.eventsRejected,
          }),
      },
      {
        ...(this.options.inputFormat ? { format: this.options.inputFormat } : {}),
        ...(this.options.maxLineBytes ? { maxLineBytes: this.options.maxLineBytes } : {}),
        ...(this.options.table ? { table: this.options.table } : {}),
        ...(this.timezone ? { timezone: this.timezone } : {}),
      },
    );
  }

  /** Analyse one already-normalised event (for callers that build events themselves). */
  pushEvent(event: MdeEvent): void {
    this.assertReady('pushEvent');
    if (!(event instanceof MdeEvent))
      throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'pushEvent expects an MdeEvent');
    this.counts.eventsRead++;
    this.analyzeEvent(event);
  }

  /** Record a row the caller could not turn into an event. */
  pushRejected(row: RejectedRow): void {
    this.assertReady('pushRejected');
    this.counts.eventsRead++;
    this.reject(row);
  }

  private assertOpen(): void {
    if (this.finished)
      throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'this analyzer has finished; create a new one');
  }

  /** `assertOpen`, and the stream's state loaded (for the calls that cannot wait for it). */
  private assertReady(what: string): void {
    this.assertOpen();
    if (this.state && !this.state.loaded)
      throw new TriplineError(
        ERROR_CODES.OPTION_INVALID,
        `${what}: the state of stream ${JSON.stringify(this.state.stream)} is not loaded yet; await analyzer.ready() first`,
      );
  }

  private reject(row: RejectedRow): void {
    this.counts.eventsRejected++;
    this.rejectedHere++;
    if (this.rejectedRows.length < this.maxRejectedListed) this.rejectedRows.push(row);
    this.emit('rejected', row);
  }

  private analyzeEvent(event: MdeEvent): void {
    this.counts.eventsAnalyzed++;
    this.counts.tableCounts[TABLE_INDEX.get(event.table)!]!++;
    this.counts.span.add(event);
    let device = this.devices.get(event.deviceId);
    if (!device) {
      device = new DeviceAcc(event.deviceId, event.deviceName, this.devices.size);
      this.devices.set(event.deviceId, device);
    }
    // Identity: device, table, instant of Timestamp, ReportId — compared exactly, stored compactly.
    if (event.reportId !== undefined && this.dedupe) {
      const table = TABLE_INDEX.get(event.table)!;
      if (this.dedupe.seen(device.index, table, event.time, event.ticks, event.reportId)) {
        this.counts.duplicates++;
        return;
      }
      this.state?.remembered(device.index, table, event.time, event.ticks, event.reportId);
    }
    this.state?.analysed(event, device);
    device.add(event);
    // Every detector has seen it: evidence keeps a projection of the row, not the row.
    if (this.dispatch.run(event)) this.groups.settle(event);
  }

  /**
   * End the run: device and correlation detectors run, groups become alerts, the result is built and
   * emitted. With `options.state`, the result also has `changes` (what the alert lifecycle made of this
   * batch: new, updated, escalated, …; a property that is not enumerable, so the result is still the
   * JSON report's record), and `commit()` saves the batch.
   */
  finish(): FinishedResult {
    if (this.finished) return this.finished;
    this.assertReady('finish');
    if (this.lifecycle && !this.lifecycle.loaded)
      throw new TriplineError(
        ERROR_CODES.OPTION_INVALID,
        `finish: the state of stream ${JSON.stringify(this.lifecycle.stream)} is not loaded yet; await analyzer.ready() first`,
      );
    // What a later batch needs is taken now: the device and correlation phases run again then.
    this.state?.freeze();
    const phase: PhaseContext = {
      runtimes: this.runtimes,
      devices: this.devices,
      groups: this.groups,
      detectorFailed: this.diagnostics.detectorFailed,
      diagnostic: (d) => this.diagnostics.add(d),
    };
    const states = new DeviceStates(this.devices);
    const deviceIds = [...this.devices.keys()].sort();
    runDevicePhase(phase, states, deviceIds);
    const alerts = renderAlerts(phase, states);
    alerts.push(...runCorrelation(phase, states, deviceIds, alerts));
    const allowed = this.allowlist.apply(alerts);
    for (const d of allowed.diagnostics) this.diagnostics.add(d);
    const kept = aboveMinSeverity(this.resolved.config.minSeverity, this.diagnostics, allowed.kept);
    closingDiagnostics(this.diagnostics, {
      duplicates: this.counts.duplicates,
      late: this.state?.lateDiagnostic(),
      rejected: this.rejectedHere,
      listed: this.rejectedRows.length,
    });
    const result = assembleResult({
      counts: this.counts,
      alerts: kept,
      devices: this.devices,
      deviceIds,
      runtimes: this.runtimes,
      rejected: this.rejectedRows,
      diagnostics: this.diagnostics.close(),
      inputs: this.inputs,
      generatedAt: this.options.generatedAt,
    });
    this.finished = this.lifecycle
      ? Object.freeze(
          Object.defineProperty({ ...result }, 'changes', {
            value: Object.freeze([...this.lifecycle.changes(result.alerts)]),
            enumerable: false,
          }),
        )
      : result;
    // Without state nothing reads the groups, devices, duplicate window and routes again: a host that keeps
    // the analyzer (the CLI while it writes the report) must not keep them (on a dense fleet, the result's size).
    if (!this.state) this.release();
    for (const alert of result.alerts) this.emit('alert', alert);
    this.emit('end', this.finished);
    return this.finished;
  }

  private release(): void {
    this.devices = new Map();
    this.groups = this.groups.released();
    this.dedupe = undefined;
    this.dispatch = new Dispatch(new DetectorRoutes([]), [], this.groups, this.diagnostics.detectorFailed);
  }

  /**
   * Save the batch (after `finish()`): the engine's state, the alerts' lifecycle records and the
   * notifications of the notifying changes (the outbox) in ONE `store.write` — all of it or none of it.
   * Deliver the outbox afterwards with `deliver(store, send)`. Calling it again returns the first call's
   * promise; a failed write can be retried by calling it on a new analyzer over the same batch (the same
   * input gives the same changes). Rejects with `option-invalid` without `options.state` or before `finish()`.
   */
  commit(): Promise<void> {
    if (!this.lifecycle)
      return Promise.reject(
        new TriplineError(ERROR_CODES.OPTION_INVALID, 'commit: this analyzer has no options.state'),
      );
    if (!this.finished)
      return Promise.reject(new TriplineError(ERROR_CODES.OPTION_INVALID, 'commit: call finish() first'));
    if (!this.committed) {
      const engine = engineStateWrite(this);
      const life = this.lifecycle.write();
      this.committed = this.lifecycle.store.write({
        ...engine,
        put: [...(engine.put ?? []), ...life.put],
        outbox: [...(engine.outbox ?? []), ...life.outbox],
      });
    }
    return this.committed;
  }
}

/** What `finish()` returns: the result, and with `options.state` the batch's alert changes. */
export type FinishedResult = AnalysisResult & {
  /** With `options.state`: what changed in this batch (not enumerable: not part of the JSON report). */
  readonly changes?: readonly AlertChange[];
};

/** Create a streaming analyzer (push inputs or events, listen to `alert`, `rejected`, `progress`, `diagnostic`, `end`). */
export function createAnalyzer(options: AnalyzeOptions): Analyzer {
  return new Analyzer(inCallingThread(options, 'createAnalyzer() analyses what it is pushed'));
}
