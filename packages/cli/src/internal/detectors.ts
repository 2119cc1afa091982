import { type AnyDetector, type Severity, techniqueName } from '@tripline/core';
import { buildRun } from './analyze.js';
import { type CliIo, writeStdout } from './io.js';
import { type DetectorOrigin, type LoadedDetector, originText } from './sources.js';
import { escapeJsonForTerminal, terminalText } from './text.js';

/** A detector as `tripline detectors --json` lists it. */
export interface DetectorListing {
  readonly id: string;
  readonly title: string;
  readonly severity: string;
  readonly category: string;
  readonly mitre: readonly { readonly id: string; readonly name: string }[];
  readonly tables: readonly string[];
  readonly actionTypes?: readonly string[];
  /** Where it came from: `builtin`, the module as given, or the rule file. */
  readonly origin: string;
  readonly originKind: DetectorOrigin['kind'];
}

function listing({ detector, origin }: LoadedDetector): DetectorListing {
  const m = detector.meta as AnyDetector['meta'];
  return {
    id: m.id,
    title: m.title,
    severity: m.severity,
    category: m.category,
    mitre: m.mitre.map((id) => ({ id, name: techniqueName(id) ?? id })),
    tables: [...m.tables],
    ...(m.actionTypes !== undefined ? { actionTypes: [...m.actionTypes] } : {}),
    origin: originText(origin),
    originKind: origin.kind,
  };
}

/** Techniques shown in the table; `--json` has them all. */
const TECHNIQUES_SHOWN = 3;

/** `T1059.004, T1105, T1021 +5`: a catalogue-style detector can map many techniques; keep the table narrow. */
function techniqueList(ids: readonly string[]): string {
  if (ids.length === 0) return '-';
  const shown = ids.slice(0, TECHNIQUES_SHOWN).join(', ');
  return ids.length > TECHNIQUES_SHOWN ? `${shown} +${ids.length - TECHNIQUES_SHOWN}` : shown;
}

/** Plain aligned columns; the last column is not padded (no trailing spaces). */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Options of `tripline detectors`: the same detector sources as `tripline analyze`. */
export interface DetectorsCommandOptions {
  /** `--json` (kept) is `--format json`. */
  readonly json?: boolean;
  readonly format?: 'table' | 'json';
  readonly config?: string;
  readonly rules?: readonly string[];
  readonly detectors?: readonly string[];
  readonly builtin?: boolean;
  readonly sigmaLevel?: Severity;
  readonly sigmaStatus?: readonly string[];
}

/**
 * `tripline detectors`: the detectors a run with the same options would load (the built-in preset,
 * `--detectors` modules, `--rules` files, and those of `--config`), sorted by id, with where each
 * came from; as a table or (`--format json`) as JSON.
 */
export async function detectorsCommand(options: DetectorsCommandOptions, io: CliIo): Promise<0> {
  const { detectors } = await buildRun(options);
  const list = detectors.map(listing).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (options.json || options.format === 'json') {
    await writeStdout(io.stdout, `${escapeJsonForTerminal(JSON.stringify(list, null, 2))}\n`);
    return 0;
  }
  const rows = list.map((d) => [
    terminalText(d.id),
    d.severity,
    techniqueList(d.mitre.map((t) => t.id)),
    terminalText(d.tables.join(', ')) || '-',
    terminalText(d.origin, 200),
  ]);
  await writeStdout(io.stdout, `${table(['ID', 'SEVERITY', 'ATT&CK', 'TABLES', 'ORIGIN'], rows)}\n`);
  return 0;
}
