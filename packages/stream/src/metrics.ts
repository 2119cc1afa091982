/**
 * The runtime's figures (`StreamMetrics`): counted as batches commit, read as a snapshot, written as
 * OpenMetrics text for a scrape endpoint.
 */
import type { StreamMetrics } from './types.js';

/** Counters of one `runPartitioned` run. */
export class MetricsCounter {
  rows = 0;
  batches = 0;
  notifications = 0;
  redelivered = 0;
  readonly #alerts = new Map<string, number>();
  readonly #committed = new Map<string, string | undefined>();
  #lag: ReadonlyMap<string, number> = new Map();
  readonly #started: number;

  constructor(private readonly clock: () => number = Date.now) {
    this.#started = clock();
  }

  owned(partition: string, committed: string | undefined): void {
    this.#committed.set(partition, committed);
  }

  /** The partition is no longer owned; its alerts stay counted as of its last commit here. */
  released(partition: string): void {
    this.#committed.delete(partition);
  }

  committed(partition: string, position: string, alerts: number): void {
    this.#committed.set(partition, position);
    this.#alerts.set(partition, alerts);
  }

  lag(lag: ReadonlyMap<string, number>): void {
    this.#lag = lag;
  }

  snapshot(): StreamMetrics {
    const seconds = (this.clock() - this.#started) / 1000;
    const partitions = new Map<string, { lag?: number; committed?: string }>();
    for (const p of [...this.#committed.keys()].sort(comparePartitions)) {
      const lag = this.#lag.get(p);
      const committed = this.#committed.get(p);
      partitions.set(p, {
        ...(lag !== undefined ? { lag } : {}),
        ...(committed !== undefined ? { committed } : {}),
      });
    }
    let alerts = 0;
    for (const n of this.#alerts.values()) alerts += n;
    return {
      rows: this.rows,
      rowsPerSecond: seconds > 0 ? Math.round(this.rows / seconds) : 0,
      batches: this.batches,
      alerts,
      notifications: this.notifications,
      redelivered: this.redelivered,
      partitions,
    };
  }
}

/** Partition names in numeric order when they are numbers (`2` before `10`), else in code-unit order. */
export function comparePartitions(a: string, b: string): number {
  const x = /^\d+$/.test(a) ? Number(a) : Number.NaN;
  const y = /^\d+$/.test(b) ? Number(b) : Number.NaN;
  if (!Number.isNaN(x) && !Number.isNaN(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A label value of OpenMetrics text: backslash, double quote and line feed escaped. */
function label(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/**
 * The metrics as OpenMetrics text (`application/openmetrics-text; version=1.0.0`), ending with `# EOF`.
 * Counters since start: `tripline_stream_rows`, `_batches`, `_notifications`, `_redelivered`; gauges:
 * `tripline_stream_rows_per_second`, `tripline_stream_alerts`, and per owned partition
 * `tripline_stream_partition_lag` (when the source tells) and `tripline_stream_partition_committed`.
 */
export function openMetrics(m: StreamMetrics, source: string): string {
  const s = `source="${label(source)}"`;
  const lines: string[] = [];
  const counter = (name: string, help: string, value: number): void => {
    lines.push(`# TYPE tripline_stream_${name} counter`, `# HELP tripline_stream_${name} ${help}`);
    lines.push(`tripline_stream_${name}_total{${s}} ${value}`);
  };
  const gauge = (name: string, help: string, values: [string, number][]): void => {
    lines.push(`# TYPE tripline_stream_${name} gauge`, `# HELP tripline_stream_${name} ${help}`);
    for (const [labels, v] of values) lines.push(`tripline_stream_${name}{${labels}} ${v}`);
  };
  counter('rows', 'Rows read from the broker since start.', m.rows);
  counter('batches', 'Batches committed since start.', m.batches);
  counter('notifications', 'Notifications delivered since start.', m.notifications);
  counter('redelivered', 'Records dropped as at or before the committed position.', m.redelivered);
  gauge('rows_per_second', 'Rows per second since start.', [[s, m.rowsPerSecond]]);
  gauge('alerts', 'Alerts of the partitions this consumer committed, as of its last commit of each.', [[s, m.alerts]]);
  const lag: [string, number][] = [];
  const committed: [string, number][] = [];
  for (const [p, v] of m.partitions) {
    const l = `${s},partition="${label(p)}"`;
    if (v.lag !== undefined) lag.push([l, v.lag]);
    if (v.committed !== undefined) committed.push([l, Number(v.committed)]);
  }
  gauge('partition_lag', 'Records behind the head of an owned partition.', lag);
  gauge('partition_committed', 'Last committed position of an owned partition.', committed);
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}
