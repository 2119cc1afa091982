import { type AnyDetector, techniqueName } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { type CliIo, writeStdout } from './io.js';
import { terminalText } from './text.js';

/** A detector as `tripline detectors --json` lists it. */
export interface DetectorListing {
  readonly id: string;
  readonly title: string;
  readonly severity: string;
  readonly category: string;
  readonly mitre: readonly { readonly id: string; readonly name: string }[];
  readonly tables: readonly string[];
  readonly actionTypes?: readonly string[];
}

function listing(detector: AnyDetector): DetectorListing {
  const m = detector.meta;
  return {
    id: m.id,
    title: m.title,
    severity: m.severity,
    category: m.category,
    mitre: m.mitre.map((id) => ({ id, name: techniqueName(id) ?? id })),
    tables: [...m.tables],
    ...(m.actionTypes !== undefined ? { actionTypes: [...m.actionTypes] } : {}),
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

/** `tripline detectors`: the loaded detectors, sorted by id, as a table or (`--json`) as JSON. */
export async function detectorsCommand(options: { readonly json?: boolean }, io: CliIo): Promise<0> {
  const list = [...defenderDetectors].map(listing).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (options.json) {
    await writeStdout(io.stdout, `${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  const rows = list.map((d) => [
    terminalText(d.id),
    d.severity,
    techniqueList(d.mitre.map((t) => t.id)),
    terminalText(d.tables.join(', ')) || '-',
  ]);
  await writeStdout(io.stdout, `${table(['ID', 'SEVERITY', 'ATT&CK', 'TABLES'], rows)}\n`);
  return 0;
}
