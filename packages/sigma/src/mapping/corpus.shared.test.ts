/**
 * The mapping against the SigmaHQ corpus in ../shared/data/sigma/rules: every logsource is routed or
 * refused with a sentence, and every field any rule names is mapped or refused with its own reason
 * (never the catch-all "not a field this mapping knows").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { SigmaLogsource } from '../ir.js';
import { mdeMapping } from './index.js';

const rulesDir = fileURLToPath(new URL('../../../../../shared/data/sigma/rules', import.meta.url));

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(path));
    else if (entry.name.endsWith('.yml')) out.push(path);
  }
  return out.sort();
}

/** Field names of a detection (keyword lists have none). */
function fieldsOf(detection: Record<string, unknown>): Set<string> {
  const fields = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) visit(x);
    else if (v !== null && typeof v === 'object') {
      for (const key of Object.keys(v)) {
        const field = key.split('|')[0] ?? '';
        if (field !== '') fields.add(field);
      }
    }
  };
  for (const [name, value] of Object.entries(detection)) if (name !== 'condition' && name !== 'timeframe') visit(value);
  return fields;
}

const mapping = mdeMapping();
const rules = yamlFiles(rulesDir).map((file) => {
  const doc = parse(readFileSync(file, 'utf8')) as { logsource: SigmaLogsource; detection: Record<string, unknown> };
  return { file: file.slice(rulesDir.length + 1), logsource: doc.logsource, fields: fieldsOf(doc.detection) };
});

describe('the MDE mapping on the SigmaHQ corpus', () => {
  it('reads all 1,879 rules', () => {
    expect(rules.length).toBe(1879);
  });

  it('routes 1,797 rules (the 1,804 of MDE tables but the 7 file_access rules) and refuses 82 with a sentence', () => {
    let routed = 0;
    const refused = new Map<string, number>();
    for (const r of rules) {
      const result = mapping.route(r.logsource);
      if (result.ok) routed++;
      else {
        expect(result.reason.code).toBe('logsource-unroutable');
        refused.set(result.reason.message, (refused.get(result.reason.message) ?? 0) + 1);
      }
    }
    // file_access (7 rules) is refused on purpose: MDE does not record plain reads.
    expect({ routed, refused: rules.length - routed }).toEqual({ routed: 1797, refused: 82 });
    expect([...refused.keys()].sort()).toMatchSnapshot();
  });

  it('maps or refuses, with its own reason, every field every routed rule names', () => {
    const unknown: string[] = [];
    const refusedFields = new Map<string, string>();
    let mapped = 0;
    for (const r of rules) {
      const result = mapping.route(r.logsource);
      if (!result.ok) continue;
      for (const field of r.fields) {
        const f = mapping.field(result.route, field);
        if (f.ok) mapped++;
        else if (f.reason.message.includes('not a field this mapping knows')) unknown.push(`${r.file}: ${field}`);
        else refusedFields.set(`${r.logsource.product}/${r.logsource.category} ${field}`, f.reason.message);
      }
    }
    expect(unknown).toEqual([]);
    expect(mapped).toBeGreaterThan(4000);
    expect(Object.fromEntries([...refusedFields].sort())).toMatchSnapshot();
  });
});
