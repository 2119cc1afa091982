/**
 * The Defender mapping, as data: which MDE table and ActionTypes a Sigma logsource is, and how each
 * Sigma field is rebuilt from MDE columns in Sysmon's spelling. `docs/sigma-mapping.md` is generated
 * from the same data (`mdeMappingTable`, `renderMdeMappingDoc`).
 */
import type { TableName } from '@tripline/core';
import type { FieldResult, FieldView, RouteResult, SigmaLogsource, SigmaMapping, SigmaRoute } from '../ir.js';
import { type FieldSpec, type Platform, type RefusedField, type TableFields, tableFields, toView } from './fields.js';
import { eventPlatform } from './platform.js';
import { ROUTES, type RouteSpec, UNROUTABLE_CATEGORIES, unroutableReason } from './routes.js';

/**
 * The mapping's version. It changes whenever a route or a field's meaning changes (a rebuild, a new
 * ActionType, a refusal), so that a load report says which meaning its rules were loaded with.
 */
export const MDE_MAPPING_VERSION = 'mde-2026.12.1';

export interface MdeMappingOptions {
  /**
   * `ParentImage` on file, network and registry rows, where MDE keeps only the parent's file name:
   * rebuilt as `\` + name and reported as degraded (true, the default), or refused as unmapped (false).
   */
  readonly parentImageFromBaseName?: boolean;
}

/** One field of the documented table. */
export interface MdeFieldEntry {
  readonly field: string;
  readonly columns: readonly string[];
  readonly rebuild: string;
  readonly caveat?: string;
  readonly lowercased: boolean;
  readonly degraded?: string;
  readonly keyword: boolean;
}

/** The whole mapping as data, for documentation and review. */
export interface MdeMappingTable {
  readonly name: string;
  readonly version: string;
  readonly routes: readonly RouteSpec[];
  readonly unroutableCategories: Readonly<Record<string, string>>;
  readonly tables: readonly {
    readonly table: TableName;
    readonly platform: Platform;
    readonly fields: readonly MdeFieldEntry[];
    readonly refused: readonly RefusedField[];
  }[];
}

const BASE_NAME_PARENT_TABLES: ReadonlySet<TableName> = new Set([
  'DeviceFileEvents',
  'DeviceNetworkEvents',
  'DeviceRegistryEvents',
]);

function applyOptions(tables: readonly TableFields[], options: MdeMappingOptions): readonly TableFields[] {
  if (options.parentImageFromBaseName !== false) return tables;
  return tables.map((t) => {
    if (!BASE_NAME_PARENT_TABLES.has(t.table)) return t;
    return {
      ...t,
      fields: t.fields.filter((f) => f.field !== 'ParentImage'),
      refused: [
        ...t.refused,
        {
          field: 'ParentImage',
          reason: 'MDE keeps only the parent file name on these rows (parentImageFromBaseName: false)',
        },
      ],
    };
  });
}

function versionOf(options: MdeMappingOptions): string {
  return options.parentImageFromBaseName === false ? `${MDE_MAPPING_VERSION}+no-parent-basename` : MDE_MAPPING_VERSION;
}

/** The mapping as data (routes, every field with its columns and rebuild, every refusal). */
export function mdeMappingTable(options: MdeMappingOptions = {}): MdeMappingTable {
  const tables = applyOptions(tableFields(), options);
  return {
    name: 'mde',
    version: versionOf(options),
    routes: ROUTES,
    unroutableCategories: UNROUTABLE_CATEGORIES,
    tables: tables.map((t) => ({
      table: t.table,
      platform: t.platform,
      fields: t.fields.map((f: FieldSpec) => {
        const entry: {
          field: string;
          columns: readonly string[];
          rebuild: string;
          caveat?: string;
          lowercased: boolean;
          degraded?: string;
          keyword: boolean;
        } = {
          field: f.field,
          columns: f.columns,
          rebuild: f.rebuild,
          lowercased: f.lowercased === true,
          keyword: f.keyword === true,
        };
        if (f.caveat !== undefined) entry.caveat = f.caveat;
        if (f.degraded !== undefined) entry.degraded = f.degraded;
        return entry;
      }),
      refused: t.refused,
    })),
  };
}

interface CompiledTable {
  readonly views: ReadonlyMap<string, FieldView>;
  readonly refused: ReadonlyMap<string, string>;
  readonly keyword: readonly FieldView[];
}

/**
 * The Microsoft Defender for Endpoint mapping: Sigma logsources of Windows and Linux routed to
 * DeviceProcessEvents, DeviceFileEvents, DeviceNetworkEvents and DeviceRegistryEvents with their
 * ActionTypes; Sigma (Sysmon) fields rebuilt from MDE columns; everything else refused with a sentence.
 */
export function mdeMapping(options: MdeMappingOptions = {}): SigmaMapping {
  const version = versionOf(options);
  const compiled = new Map<string, CompiledTable>();
  for (const t of applyOptions(tableFields(), options)) {
    const suffix = t.platform === 'linux' ? '@linux' : '';
    const views = new Map<string, FieldView>();
    const keyword: FieldView[] = [];
    for (const spec of t.fields) {
      const view = toView(spec, `${t.table}.${spec.field}${suffix}`);
      views.set(spec.field, view);
      if (spec.keyword) keyword.push(view);
    }
    const refused = new Map(t.refused.map((r) => [r.field, r.reason]));
    compiled.set(`${t.table}/${t.platform}`, { views, refused, keyword: Object.freeze(keyword) });
  }
  const routes = new Map<string, SigmaRoute>();
  for (const r of ROUTES) {
    routes.set(
      `${r.product}/${r.category}`,
      Object.freeze({ table: r.table, actionTypes: Object.freeze([...r.actionTypes]), platform: r.product }),
    );
  }
  // A rule without a product: the Windows route of its category, with no platform restriction.
  const anyPlatform = new Map<string, SigmaRoute>();
  for (const r of ROUTES) {
    if (r.product !== 'windows') continue;
    anyPlatform.set(
      r.category,
      Object.freeze({ table: r.table, actionTypes: Object.freeze([...r.actionTypes]), platform: undefined }),
    );
  }

  const tableOf = (route: SigmaRoute): CompiledTable | undefined =>
    compiled.get(`${route.table}/${route.platform === 'linux' ? 'linux' : 'windows'}`);

  return Object.freeze({
    name: 'mde',
    version,
    route(logsource: SigmaLogsource): RouteResult {
      const { product, category, service } = logsource;
      // A category names the events; a service beside it (the log they came from) does not change them.
      if (category !== undefined) {
        const route = product === undefined ? anyPlatform.get(category) : routes.get(`${product}/${category}`);
        if (route !== undefined) return { ok: true, route };
      }
      return {
        ok: false,
        reason: { code: 'logsource-unroutable', message: unroutableReason(product, category, service) },
      };
    },
    field(route: SigmaRoute, field: string): FieldResult {
      const t = tableOf(route);
      const view = t?.views.get(field);
      if (view !== undefined) return { ok: true, view };
      const platform = route.platform === 'linux' ? 'Linux' : 'Windows';
      const why = t?.refused.get(field);
      const message =
        why !== undefined
          ? `${field}: ${why}`
          : t === undefined
            ? `${field}: this mapping has no fields for ${route.table} rows`
            : `${field} is not a field this mapping knows for ${route.table} (${platform}) rows`;
      return { ok: false, reason: { code: 'field-unmapped', message } };
    },
    keywordViews(route: SigmaRoute): readonly FieldView[] {
      return tableOf(route)?.keyword ?? [];
    },
    eventPlatform,
  });
}

export { renderMdeMappingDoc } from './doc.js';
export type { Platform as MdePlatform, RefusedField as MdeRefusedField } from './fields.js';
export { eventPlatform, platformAccepts } from './platform.js';
export type { RouteSpec as MdeRoute } from './routes.js';
