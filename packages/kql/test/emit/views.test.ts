import { TABLE_COLUMNS } from '@tripline/core';
import { mdeMapping, mdeMappingTable, type SigmaRoute } from '@tripline/sigma';
import { describe, expect, it } from 'vitest';
import { platformFilter, viewForm, viewKeys } from '../../src/emit/views.js';

/** Every route × field the mapping knows, as the generated mapping page enumerates them. */
function everyView(): { key: string; route: SigmaRoute; field: string }[] {
  const mapping = mdeMapping();
  const table = mdeMappingTable();
  const out: { key: string; route: SigmaRoute; field: string }[] = [];
  for (const r of table.routes) {
    const routed = mapping.route({ product: r.product, category: r.category });
    if (!routed.ok) throw new Error(`${r.product}/${r.category} does not route`);
    const fields = table.tables.find((t) => t.table === r.table && t.platform === r.product)!.fields;
    for (const f of fields) {
      const view = mapping.field(routed.route, f.field);
      if (!view.ok) throw new Error(`${f.field} does not map`);
      out.push({ key: view.view.key, route: routed.route, field: f.field });
    }
    for (const k of mapping.keywordViews(routed.route)) out.push({ key: k.key, route: routed.route, field: k.field });
  }
  return out;
}

describe('the KQL form of every view of the Defender mapping', () => {
  const views = everyView();

  it('enumerates the whole mapping', () => {
    expect(new Set(views.map((v) => v.key)).size).toBeGreaterThan(90);
  });

  it('has a KQL form (or an explicit refusal) for every route × field', () => {
    const missing = views.filter((v) => !viewForm(v.key).ok).map((v) => v.key);
    expect(missing).toEqual([]);
  });

  it('knows no view the mapping does not have', () => {
    const known = new Set(views.map((v) => v.key));
    expect(viewKeys().filter((k) => !known.has(k))).toEqual([]);
  });

  it('reads only columns of the table and extends no name a column of the table already has', () => {
    for (const v of views) {
      const form = viewForm(v.key);
      if (!form.ok) continue;
      const columns = TABLE_COLUMNS[v.route.table];
      for (const [name] of form.kql.extend)
        expect(Object.hasOwn(columns, name), `${v.key} extends ${name}`).toBe(false);
    }
  });

  it('mirrors the platform filter: Windows routes drop POSIX rows, Linux routes Windows rows, the registry needs none', () => {
    const mapping = mdeMapping();
    const route = (product: string, category: string): SigmaRoute => {
      const r = mapping.route({ product, category });
      if (!r.ok) throw new Error('unroutable');
      return r.route;
    };
    expect(platformFilter(route('windows', 'process_creation'))?.where).toBe('tl_Platform != "posix"');
    expect(platformFilter(route('linux', 'network_connection'))?.where).toBe('tl_Platform != "windows"');
    expect(platformFilter(route('windows', 'registry_set'))).toBeUndefined();
    const any = mapping.route({ category: 'process_creation' });
    expect(any.ok && platformFilter(any.route)).toBeUndefined();
    // DeviceNetworkEvents has no FolderPath: only the columns the table has are read.
    expect(platformFilter(route('windows', 'network_connection'))!.extend[1]).not.toContain(' FolderPath ');
  });
});
