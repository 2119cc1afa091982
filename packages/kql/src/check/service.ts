/**
 * Microsoft's Kusto language service (`@kusto/language-service-next`, the Bridge.NET build of
 * `Kusto.Language`), loaded lazily and once, with table symbols generated from core's column catalog.
 *
 * The package is CommonJS and needs its runtime first: `bridge.min.js` (which defines the globals
 * `Bridge` and `System`), then `Kusto.Language.Bridge.min.js` (the global `Kusto`). Loading takes
 * about a second and 30 MB, so nothing is loaded until the first query is checked or run; the three
 * globals stay defined for the life of the process.
 */
import { createRequire } from 'node:module';
import { type ColumnType, TABLE_COLUMNS, TABLE_NAMES } from '@tripline/core';

/** The parts of the language service's API tripline uses (its own `.d.ts` is a global namespace). */
export interface KList<T> {
  readonly Count: number;
  getItem(index: number): T;
}
export interface KSymbol {
  readonly Name: string;
  readonly Type?: KSymbol | null;
  readonly Kind?: number;
  readonly Columns?: KList<KSymbol>;
}
export interface KElement {
  readonly Kind: number;
  readonly IsToken: boolean;
  readonly IsMissing: boolean;
  readonly ChildCount: number;
  GetChild(index: number): KElement | null;
  readonly NameInParent: string | null;
  readonly TextStart: number;
  readonly Width: number;
  readonly Text?: string;
  readonly ValueText?: string;
  readonly LiteralValue?: unknown;
  readonly ReferencedSymbol?: KSymbol | null;
  readonly ResultType?: KSymbol | null;
  readonly Parent: KElement | null;
}
export interface KDiagnostic {
  readonly Code: string;
  readonly Severity: string;
  readonly Message: string;
  readonly Start: number;
  readonly Length: number;
}
export interface KCode {
  readonly Syntax: KElement;
  readonly ResultType: KSymbol | null;
  GetDiagnostics(): KList<KDiagnostic>;
}
interface KLanguage {
  readonly KustoCode: { ParseAndAnalyze(text: string, globals: unknown): KCode; Parse(text: string): KCode };
  readonly GlobalState: { readonly Default: { WithDatabase(db: unknown): unknown } };
  readonly Symbols: {
    readonly TableSymbol: { $ctor7: new (name: string, schema: string, description: string) => unknown };
    readonly DatabaseSymbol: { ctor: new (name: string, tables: unknown[]) => unknown };
  };
  readonly Syntax: { readonly SyntaxKind: Record<string, number | unknown> };
}

/** Kusto's type for each column type of core's catalog. Advanced hunting holds JSON columns as text. */
export const KUSTO_TYPES: Readonly<Record<ColumnType, string>> = {
  string: 'string',
  long: 'long',
  int: 'int',
  datetime: 'datetime',
  bool: 'bool',
  // `AdditionalFields` and the other JSON columns are `string` in advanced hunting (`dynamic` only in
  // Log Analytics): a query must `parse_json` them, which works on both.
  json: 'string',
};

/** The schema string of one table, `(Timestamp:datetime, DeviceId:string, …)`, in catalog order. */
export function tableSchema(table: keyof typeof TABLE_COLUMNS): string {
  const cols = Object.entries(TABLE_COLUMNS[table]).map(([name, type]) => `${name}:${KUSTO_TYPES[type]}`);
  return `(${cols.join(', ')})`;
}

interface Service {
  readonly language: KLanguage;
  readonly globals: unknown;
  readonly kindNames: ReadonlyMap<number, string>;
}

let service: Service | undefined;

function load(): Service {
  const require = typeof __filename === 'string' ? createRequire(__filename) : createRequire(import.meta.url);
  require('@kusto/language-service-next/bridge.min.js');
  require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  const language = (globalThis as unknown as { Kusto: { Language: KLanguage } }).Kusto.Language;
  const tables = TABLE_NAMES.map((t) => new language.Symbols.TableSymbol.$ctor7(t, tableSchema(t), ''));
  const db = new language.Symbols.DatabaseSymbol.ctor('hunting', tables);
  const globals = language.GlobalState.Default.WithDatabase(db);
  const kindNames = new Map<number, string>();
  for (const [name, value] of Object.entries(language.Syntax.SyntaxKind)) {
    if (typeof value === 'number') kindNames.set(value, name);
  }
  return { language, globals, kindNames };
}

function get(): Service {
  service ??= load();
  return service;
}

let last: { text: string; code: KCode } | undefined;

/**
 * Parse and bind `text` against the nine Defender tables. The last query's analysis is kept, so that
 * checking, subset-checking and running the same query parse it once.
 */
export function analyzeKql(text: string): KCode {
  if (last?.text === text) return last.code;
  const s = get();
  const code = s.language.KustoCode.ParseAndAnalyze(text, s.globals);
  last = { text, code };
  return code;
}

/** The syntax kind's name (`FilterOperator`, `HasExpression`, …). */
export function kindName(element: KElement): string {
  return get().kindNames.get(element.Kind) ?? `SyntaxKind#${element.Kind}`;
}

/** Children of a node that are present (tokens included). */
export function children(element: KElement): KElement[] {
  const out: KElement[] = [];
  for (let i = 0; i < element.ChildCount; i++) {
    const c = element.GetChild(i);
    if (c) out.push(c);
  }
  return out;
}

/** The child a node names `name` (`Left`, `Right`, `Condition`, `Expression`, …). */
export function child(element: KElement, name: string): KElement | undefined {
  for (let i = 0; i < element.ChildCount; i++) {
    const c = element.GetChild(i);
    if (c && c.NameInParent === name) return c;
  }
  return undefined;
}

/** The elements of a separated list (`List` of `SeparatedElement`s), without the commas. */
export function listItems(list: KElement | undefined): KElement[] {
  if (!list) return [];
  const out: KElement[] = [];
  for (const sep of children(list)) {
    if (kindName(sep) === 'SeparatedElement') {
      const first = sep.GetChild(0);
      if (first) out.push(first);
    } else if (!sep.IsToken) out.push(sep);
  }
  return out;
}

/** Every node and token of the tree, depth first, in text order. */
export function* walk(element: KElement): Generator<KElement> {
  yield element;
  for (let i = 0; i < element.ChildCount; i++) {
    const c = element.GetChild(i);
    if (c) yield* walk(c);
  }
}

/** A symbol list as an array. */
export function items<T>(list: KList<T> | null | undefined): T[] {
  const out: T[] = [];
  if (!list) return out;
  for (let i = 0; i < list.Count; i++) out.push(list.getItem(i));
  return out;
}
