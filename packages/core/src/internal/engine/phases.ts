/**
 * The phases that run at the end of the input: device detectors (`onDevice`, once per device with its
 * final state) and correlators (`correlate`, over the alerts of the other detectors and the devices).
 * Their matches join the groups like per-event matches do.
 */
import { diagnostic } from '../catalog.js';
import type { AlertSummary, DeviceState } from '../detector/types.js';
import type { Alert, Diagnostic } from '../report/types.js';
import type { DeviceAcc } from './device.js';
import type { DetectorFailed } from './diagnostics.js';
import { combineEvidence } from './evidence.js';
import { type GroupAcc, TIMELINE_CAP } from './group.js';
import type { GroupMap } from './group-map.js';
import { describeError, readStateList, readStateMatch } from './guards.js';
import { renderGroup } from './render.js';
import type { Runtime } from './runtime.js';

/** What the end-of-input phases work on. */
export interface PhaseContext {
  /** Every detector of the run, in id order. */
  readonly runtimes: readonly Runtime[];
  readonly devices: ReadonlyMap<string, DeviceAcc>;
  readonly groups: GroupMap;
  readonly detectorFailed: DetectorFailed;
  /** Where run diagnostics go (a capped window timeline). */
  readonly diagnostic?: (d: Diagnostic) => void;
}

/**
 * One `window-timeline-capped` warning per windowed detector some of whose groups had more matches than
 * their timeline keeps: the window of each such group saw only the first ones read.
 */
function reportCappedWindows(run: PhaseContext, rt: Runtime, groups: Iterable<GroupAcc>): void {
  if (!rt.window || !run.diagnostic) return;
  let subjects = 0;
  let dropped = 0;
  for (const g of groups) {
    if (g.timelineDropped === 0) continue;
    subjects++;
    dropped += g.timelineDropped;
  }
  if (subjects === 0) return;
  run.diagnostic(
    diagnostic('window-timeline-capped', {
      message: `${subjects} alert subject(s) of ${rt.id} had more than ${TIMELINE_CAP.toLocaleString('en-US')} matches: their window saw the first ${TIMELINE_CAP.toLocaleString('en-US')} read, not the other ${dropped.toLocaleString('en-US')}`,
      detectorId: rt.id,
    }),
  );
}

/** Device states, each built once, when first needed (the order they are built in is the map's order). */
export class DeviceStates {
  readonly map = new Map<string, DeviceState>();

  constructor(private readonly devices: ReadonlyMap<string, DeviceAcc>) {}

  get(id: string): DeviceState | undefined {
    let s = this.map.get(id);
    if (!s) {
      const acc = this.devices.get(id);
      if (!acc) return undefined;
      s = acc.state();
      this.map.set(id, s);
    }
    return s;
  }
}

/** Run every device detector on every device (ids in order); their matches join the groups. */
export function runDevicePhase(run: PhaseContext, states: DeviceStates, deviceIds: readonly string[]): void {
  for (const rt of run.runtimes) {
    if (!rt.onDevice) continue;
    for (const id of deviceIds) {
      const state = states.get(id)!;
      let matches: unknown;
      try {
        matches = rt.onDevice.call(rt.detector, state, rt.ctx);
      } catch (error) {
        run.detectorFailed(rt, 'detector-threw', `onDevice threw on device ${state.name}: ${describeError(error)}`);
        continue;
      }
      addStateMatches(run, rt, id, matches, 'onDevice');
    }
  }
}

/** The alerts of every detector but the correlators, detector by detector, each one's groups in subject order. */
export function renderAlerts(run: PhaseContext, states: DeviceStates): Alert[] {
  const alerts: Alert[] = [];
  for (const rt of run.runtimes) {
    if (rt.correlate) continue;
    const groups = run.groups.sorted(rt.id);
    for (const g of groups) {
      const alert = renderGroup(run.detectorFailed, rt, g, states.get(g.deviceId)!);
      if (alert) alerts.push(alert);
    }
    reportCappedWindows(run, rt, groups);
  }
  return alerts;
}

/** Run the correlators over `alerts` and the devices; the answer is the correlators' own alerts. */
export function runCorrelation(
  run: PhaseContext,
  states: DeviceStates,
  deviceIds: readonly string[],
  alerts: readonly Alert[],
): Alert[] {
  const correlators = run.runtimes.filter((rt) => rt.correlate);
  if (!correlators.length) return [];
  const summaries: AlertSummary[] = alerts.map((a) => {
    const g = run.groups.get(a.detectorId, a.device.id, a.key)!;
    return Object.freeze({
      id: a.id,
      detectorId: a.detectorId,
      title: a.title,
      severity: a.severity,
      deviceId: a.device.id,
      key: a.key,
      firstSeen: a.firstSeen,
      lastSeen: a.lastSeen,
      events: Object.freeze([...g.events]),
    });
  });
  for (const id of deviceIds) states.get(id);
  const input = Object.freeze({
    alerts: Object.freeze(summaries),
    devices: states.map as ReadonlyMap<string, DeviceState>,
  });
  const out: Alert[] = [];
  for (const rt of correlators) {
    let matches: unknown;
    try {
      matches = rt.correlate!.call(rt.detector, input, rt.ctx);
    } catch (error) {
      run.detectorFailed(rt, 'detector-threw', `correlate threw: ${describeError(error)}`);
      continue;
    }
    addStateMatches(run, rt, '', matches, 'correlate');
    const groups = run.groups.sorted(rt.id);
    for (const g of groups) {
      const alert = renderGroup(run.detectorFailed, rt, g, states.get(g.deviceId)!);
      if (alert) out.push(alert);
    }
    reportCappedWindows(run, rt, groups);
  }
  return out;
}

/** Read what `onDevice`/`correlate` returned and add each match (with its events) to its group. */
function addStateMatches(run: PhaseContext, rt: Runtime, deviceId: string, result: unknown, what: string): void {
  const matches = readStateList(result, what);
  if (matches === undefined) return;
  if (typeof matches === 'string') {
    run.detectorFailed(rt, 'detector-malformed-match', matches);
    return;
  }
  for (const m of matches) {
    const cm = readStateMatch(m, what, rt);
    if (typeof cm === 'string') {
      run.detectorFailed(rt, 'detector-malformed-match', cm);
      continue;
    }
    const target = what === 'correlate' ? cm.deviceId : deviceId;
    if (typeof target !== 'string' || !run.devices.has(target)) {
      run.detectorFailed(rt, 'detector-malformed-match', `${what} match names an unknown device`);
      continue;
    }
    const g = run.groups.ensure(rt, target, cm.key ?? '');
    g.add(cm, cm.events);
    combineEvidence(run.detectorFailed, rt, g, cm, undefined, cm.events);
    for (const r of cm.relatedAlerts ?? []) g.related.add(r);
  }
}
