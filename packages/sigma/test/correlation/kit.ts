/**
 * A small stand-in for the loader in the correlation unit tests: a column mapping, an evaluation
 * context, and compiled rules written as predicates over the row (the loader's own compiled rules are
 * tested end to end in `correlation.shared.test.ts` and `load.test.ts`).
 */
import type { MdeEvent, TableName } from '@tripline/core';
import type {
  CompiledRule,
  EvalContext,
  FieldView,
  SigmaCorrelation,
  SigmaCorrelationCondition,
  SigmaCorrelationType,
  SigmaMapping,
  SigmaRoute,
} from '../../src/ir.js';

const COLUMNS: Partial<Record<TableName, Record<string, string>>> = {
  DeviceLogonEvents: {
    TargetUserName: 'AccountName',
    User: 'AccountName',
    IpAddress: 'RemoteIP',
    WorkstationName: 'RemoteDeviceName',
    LogonType: 'LogonType',
  },
  DeviceProcessEvents: { User: 'AccountName', Image: 'FolderPath', CommandLine: 'ProcessCommandLine' },
  DeviceFileEvents: { TargetFilename: 'FolderPath', FileSize: 'FileSize', User: 'InitiatingProcessAccountName' },
  DeviceNetworkEvents: {
    SourceIP: 'LocalIP',
    DestinationPort: 'RemotePort',
    User: 'InitiatingProcessAccountName',
  },
};

function columnView(table: TableName, field: string, column: string): FieldView {
  return {
    field,
    key: `${table}.${field}`,
    columns: [column],
    get: (e: MdeEvent) => e.get(column) as string | number | undefined,
  };
}

/** Security log event ids as Defender records the logon: the row's ActionType. */
const LOGON_EVENT_ID: Readonly<Record<string, number>> = { LogonSuccess: 4624, LogonFailed: 4625 };

const ROUTES: Readonly<Record<string, SigmaRoute>> = {
  'windows/security': { table: 'DeviceLogonEvents', actionTypes: ['LogonSuccess', 'LogonFailed'], platform: 'windows' },
  'windows/process_creation': { table: 'DeviceProcessEvents', actionTypes: ['ProcessCreated'], platform: 'windows' },
  'windows/file_event': {
    table: 'DeviceFileEvents',
    actionTypes: ['FileCreated', 'FileModified'],
    platform: 'windows',
  },
  'windows/network_connection': { table: 'DeviceNetworkEvents', platform: 'windows' },
};

/**
 * A test mapping: a few columns per table, and logons (`windows` / `security`, `EventID` 4624/4625 from the
 * ActionType), which the Defender mapping does not route.
 */
export const testMapping: SigmaMapping = {
  name: 'correlation-test',
  version: '1',
  route(logsource) {
    const r = ROUTES[`${logsource.product}/${logsource.service ?? logsource.category}`];
    return r
      ? { ok: true, route: r }
      : { ok: false, reason: { code: 'logsource-unroutable', message: `no table for ${JSON.stringify(logsource)}` } };
  },
  field(route, field) {
    if (route.table === 'DeviceLogonEvents' && field === 'EventID')
      return {
        ok: true,
        view: {
          field,
          key: 'DeviceLogonEvents.EventID',
          columns: ['ActionType'],
          get: (e) => LOGON_EVENT_ID[e.str('ActionType') ?? ''],
        },
      };
    const column = COLUMNS[route.table]?.[field];
    if (column === undefined)
      return { ok: false, reason: { code: 'field-unmapped', message: `no column for ${field} on ${route.table}` } };
    return { ok: true, view: columnView(route.table, field, column) };
  },
  keywordViews: () => [],
};

export function context(event: MdeEvent): EvalContext {
  const text = (view: FieldView) => {
    const v = view.get(event);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  return { event, value: (view) => view.get(event), text, folded: (view) => text(view)?.toLowerCase() };
}

const SOURCE = { file: 'correlation-test.yml', line: 1, column: 1 };

/** A compiled rule that matches rows for which `test` holds (ATT&CK-free, level low). */
export function rule(
  id: string,
  name: string | undefined,
  route: SigmaRoute,
  test: (e: MdeEvent) => boolean,
  author = 'Rule Author',
): CompiledRule {
  return {
    rule: {
      type: 'rule',
      id,
      name,
      title: `Rule ${name ?? id}`,
      status: 'test',
      level: 'low',
      description: undefined,
      author,
      date: undefined,
      modified: undefined,
      tags: [],
      references: [],
      falsepositives: [],
      source: SOURCE,
      logsource: { product: 'windows' },
      selections: new Map(),
      condition: { type: 'id', name: 'selection' },
      conditionText: 'selection',
    },
    detectorId: `sigma/${id}`,
    route,
    expr: { kind: 'const', value: true },
    status: 'loaded',
    reasons: [],
    severity: 'low',
    techniques: [],
    test: (ctx) =>
      test(ctx.event)
        ? [
            {
              selection: 'selection',
              item: 'ActionType',
              field: 'ActionType',
              pattern: 'x',
              value: String(ctx.event.get('ActionType')),
            },
          ]
        : undefined,
  };
}

/** A correlation document as the parser gives it. */
export function correlation(
  type: SigmaCorrelationType,
  rules: readonly string[],
  groupBy: readonly string[],
  timespan: string,
  condition?: SigmaCorrelationCondition,
  more: Partial<SigmaCorrelation['correlation']> & {
    id?: string;
    name?: string;
    tags?: string[];
    level?: SigmaCorrelation['level'];
  } = {},
): SigmaCorrelation {
  const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const { id, name, tags, level, ...rest } = more;
  return {
    type: 'correlation',
    id: id ?? `0e95725d-7320-415d-80f7-${type.length.toString().padStart(12, '0')}`,
    name,
    title: `Correlation ${type}`,
    status: 'test',
    level: level ?? 'high',
    description: undefined,
    author: 'Correlation Author',
    date: '2026-11-01',
    modified: undefined,
    tags: tags ?? [],
    references: [],
    falsepositives: [],
    source: SOURCE,
    correlation: {
      type,
      rules,
      groupBy,
      timespanMs: Number(timespan.slice(0, -1)) * units[timespan.slice(-1)]!,
      timespanText: timespan,
      condition,
      aliases: {},
      generate: false,
      ...rest,
    },
  };
}
