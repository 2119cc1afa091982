import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMdeMappingDoc } from './doc.js';
import { mdeMappingTable } from './index.js';

const page = renderMdeMappingDoc();

describe('docs/sigma-mapping.md', () => {
  it('is the page the mapping data renders (regenerate: npm run build && node scripts/gen-sigma-mapping.mjs)', () => {
    const committed = readFileSync(new URL('../../../../docs/sigma-mapping.md', import.meta.url), 'utf8');
    expect(committed).toBe(page);
  });

  it('documents every route, every field with its columns, and every refusal', () => {
    const m = mdeMappingTable();
    expect(page).toContain(`version \`${m.version}\``);
    for (const r of m.routes) expect(page).toContain(`| ${r.product} | ${r.category} | ${r.table} |`);
    for (const category of Object.keys(m.unroutableCategories)) expect(page).toContain(`| ${category} |`);
    for (const t of m.tables) {
      const at = page.indexOf(`### ${t.table} (${t.platform === 'linux' ? 'Linux' : 'Windows'})`);
      expect(at).toBeGreaterThan(0);
      const section = page.slice(at, page.indexOf('\n### ', at + 1) >>> 0);
      for (const f of t.fields)
        expect(section).toContain(`| ${f.field} | ${f.columns.map((c) => `\`${c}\``).join(', ')} |`);
      for (const r of t.refused) expect(section).toContain(`| ${r.field} |`);
    }
  });

  it('escapes a pipe in a cell', () => {
    expect(page).not.toMatch(/[^\\]\|\|/);
  });
});
