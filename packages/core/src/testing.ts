/**
 * @packageDocumentation
 * `@tripline/core/testing`: helpers for detector authors. Fixtures are realistic Defender rows —
 * streaming-API records exactly as a Defender export holds them — checked against the table schemas,
 * so a typo in a column name or a wrongly typed value fails the test instead of passing silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DetectorOrFamily } from './internal/detector/family.js';
import type { AnyDetector, EvidenceDecl } from './internal/detector/types.js';
import { declaredColumns } from './internal/engine/analyze.js';
import { validateRunConfig } from './internal/engine/config.js';
import { analyzeEvents } from './internal/engine/entry.js';
import type { RunConfig } from './internal/engine/types.js';
import { ERROR_CODES, TriplineError } from './internal/errors.js';
import { parseJsonExact } from './internal/json/exact.js';
import { MdeEvent } from './internal/model/event.js';
import { normalizeRow } from './internal/model/normalize.js';
import { tableSchema } from './internal/model/schemas.js';
import { isTableName, SERVICE_COLUMNS, TABLE_COLUMNS, type TableName } from './internal/model/tables.js';
import type { Alert, AnalysisResult } from './internal/report/types.js';
import { loadRuleFile, ruleFixtureFiles } from './internal/rules/load.js';
import { isSeverity, type Severity } from './internal/severity.js';

// The load-time checks `analyze` runs on every detector, for a vendor's pack test (formerly on the root entry).
export { validateDetector } from './internal/detector/define.js';

/** A streaming-API record: `category` names the table, `properties` is the row. */
export interface FixtureRecord {
  readonly category: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly [envelopeKey: string]: unknown;
}

/** What a fixture expects of the detector under test. */
export interface FixtureExpectation {
  /** Alerts of the detector under test (default: at least one for `fires`, none for `ignores`). */
  readonly alerts?: number;
  /** Severity of every alert of the detector. */
  readonly severity?: Severity;
  /** Key components every alert must have (subset match; arrays must contain the listed values). */
  readonly keyComponents?: Readonly<Record<string, string | readonly string[]>>;
  /** Evidence event count of the (first) alert. */
  readonly eventCount?: number;
}

/** A fixture file: a description, the records, and what is expected. */
export interface Fixture {
  readonly name: string;
  readonly description: string;
  readonly records: readonly FixtureRecord[];
  readonly expect?: FixtureExpectation;
  /** Extra run configuration for this fixture (options, severity overrides). */
  readonly config?: RunConfig;
}

/** Columns that may appear on a fixture row although they are not table columns. */
const EXTRA_OK = new Set([...SERVICE_COLUMNS]);

/**
 * Build an event from a realistic row of `table` (raw values as Defender exports them). Throws a
 * `fixture-invalid` error when a column is not one of the table's or a value has the wrong type.
 */
export function makeEvent(table: TableName, row: Readonly<Record<string, unknown>>, source = 'fixture'): MdeEvent {
  if (!isTableName(table)) throw new TriplineError(ERROR_CODES.FIXTURE_INVALID, `unknown table ${String(table)}`);
  const columns = TABLE_COLUMNS[table];
  for (const key of Object.keys(row)) {
    if (!Object.hasOwn(columns, key) && !EXTRA_OK.has(key)) {
      throw new TriplineError(ERROR_CODES.FIXTURE_INVALID, `${source}: ${key} is not a column of ${table}`, {
        details: { table, column: key },
      });
    }
  }
  if (table !== 'DeviceInfo' && table !== 'DeviceNetworkInfo' && typeof row.ActionType !== 'string') {
    throw new TriplineError(ERROR_CODES.FIXTURE_INVALID, `${source}: a ${table} row needs an ActionType`);
  }
  if (row.ReportId === undefined)
    throw new TriplineError(ERROR_CODES.FIXTURE_INVALID, `${source}: a row needs a ReportId`);
  const event = normalizeRow(row, table, { source });
  if (!(event instanceof MdeEvent)) throw new TriplineError(ERROR_CODES.FIXTURE_INVALID, `${source}: ${event.reason}`);
  const check = tableSchema(table).safeParse(event.toRecord());
  if (!check.success) {
    const issue = check.error.issues[0]!;
    throw new TriplineError(ERROR_CODES.FIXTURE_INVALID, `${source}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return event;
}

/** Build an event from a streaming-API record (`category: "AdvancedHunting-<Table>"`). */
export function eventFromRecord(record: FixtureRecord, source = 'fixture'): MdeEvent {
  const table = typeof record.category === 'string' ? record.category.replace(/^AdvancedHunting-/, '') : '';
  if (!isTableName(table))
    throw new TriplineError(ERROR_CODES.FIXTURE_INVALID, `${source}: unknown category ${String(record.category)}`);
  if (record.properties === null || typeof record.properties !== 'object') {
    throw new TriplineError(ERROR_CODES.FIXTURE_INVALID, `${source}: record has no properties`);
  }
  return makeEvent(table, record.properties, source);
}

/** Parse a fixture file's text (big integers stay exact). */
export function parseFixture(text: string, name: string): Fixture {
  const data = parseJsonExact(text) as Record<string, unknown>;
  if (data === null || typeof data !== 'object' || !Array.isArray(data.records)) {
    throw new TriplineError(
      ERROR_CODES.FIXTURE_INVALID,
      `${name}: a fixture is {"description", "records": [...], "expect"?}`,
    );
  }
  if (typeof data.description !== 'string' || data.description.length < 5) {
    throw new TriplineError(ERROR_CODES.FIXTURE_INVALID, `${name}: a fixture needs a description`);
  }
  const expect = data.expect as FixtureExpectation | undefined;
  if (expect?.severity !== undefined && !isSeverity(expect.severity)) {
    throw new TriplineError(ERROR_CODES.FIXTURE_INVALID, `${name}: expect.severity is not a severity`);
  }
  return {
    name,
    description: data.description,
    records: data.records as FixtureRecord[],
    ...(expect ? { expect } : {}),
    ...(data.config ? { config: data.config as RunConfig } : {}),
  };
}

/** A fixture file name: `fires.<name>.json` (must alert) or `ignores.<name>.json` (must not). */
const FIXTURE_NAME_RE = /^(fires|ignores)\.[^/\\]+\.json$/;

/**
 * Load `fires.*.json` and `ignores.*.json` from a fixtures folder (a path or a `file:` URL). Any other
 * file there (`fire.x.json`, `ignore.x.json`, `fires.x.jsonc`, …) is a `fixture-invalid` error naming it:
 * a misnamed fixture would otherwise never run, and the test would pass without it. Dotfiles
 * (`.DS_Store`, `.gitkeep`) and `README.md` are allowed.
 */
export function loadFixtures(dir: string | URL): { fires: Fixture[]; ignores: Fixture[] } {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const files = readdirSync(path)
    .filter((f) => !f.startsWith('.') && f !== 'README.md')
    .sort();
  const misnamed = files.filter((f) => !FIXTURE_NAME_RE.test(f));
  if (misnamed.length) {
    throw new TriplineError(
      ERROR_CODES.FIXTURE_INVALID,
      `${path}: ${misnamed.map((f) => JSON.stringify(f)).join(', ')} ${misnamed.length === 1 ? 'is' : 'are'} not named fires.<name>.json or ignores.<name>.json, so ${misnamed.length === 1 ? 'it' : 'they'} would never run; rename or remove`,
      { details: { files: misnamed } },
    );
  }
  const read = (f: string) => parseFixture(readFileSync(join(path, f), 'utf8'), f);
  return {
    fires: files.filter((f) => f.startsWith('fires.')).map(read),
    ignores: files.filter((f) => f.startsWith('ignores.')).map(read),
  };
}

/** Run detectors over a fixture's records; the result is a normal {@link AnalysisResult}. */
export async function runFixture(
  detectors: DetectorOrFamily | readonly DetectorOrFamily[],
  fixture: Fixture,
  config?: RunConfig,
): Promise<AnalysisResult> {
  const events = fixture.records.map((r, i) => eventFromRecord(r, `${fixture.name}#${i + 1}`));
  return analyzeEvents(events, {
    detectors: Array.isArray(detectors) ? detectors : [detectors as DetectorOrFamily],
    config: config ?? fixture.config ?? {},
    generatedAt: '2000-01-01T00:00:00.000Z',
  });
}

function subsetProblem(
  alert: Alert,
  expected: Readonly<Record<string, string | readonly string[]>>,
): string | undefined {
  for (const [label, want] of Object.entries(expected)) {
    const got = alert.evidence.keyComponents[label];
    if (got === undefined)
      return `key component "${label}" missing (has: ${Object.keys(alert.evidence.keyComponents).join(', ')})`;
    if (typeof want === 'string') {
      const ok = typeof got === 'string' ? got === want : got.includes(want);
      if (!ok) return `key component "${label}" is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
    } else {
      const have = typeof got === 'string' ? [got] : got;
      const missing = want.filter((w) => !have.includes(w));
      if (missing.length)
        return `key component "${label}" lacks ${JSON.stringify(missing)} (has ${JSON.stringify(have)})`;
    }
  }
  return undefined;
}

/** Event members that read no column, or only identity columns. */
const IDENTITY_MEMBERS = new Set([
  'table',
  'timestamp',
  'timestampRaw',
  'time',
  'ticks',
  'deviceId',
  'deviceName',
  'actionType',
  'reportId',
  'source',
]);

/**
 * An event that records which columns are read through it: `str`/`get`/`num`/`json`/`has` read their
 * column; `additional`/`additionalText`, `additionalFields` and `posix` read `AdditionalFields` (or the
 * key as a column of its own); `columns`/`toRecord`/`toJSON` read every column (`*`).
 */
export function recordingEvent(event: MdeEvent, reads: Set<string>): MdeEvent {
  return new Proxy(event, {
    get(target, prop) {
      switch (prop) {
        case 'str':
        case 'get':
        case 'num':
        case 'json':
        case 'has':
          return (column: string) => {
            reads.add(column);
            return target[prop](column);
          };
        case 'additional':
        case 'additionalText':
          return (key: string) => {
            reads.add(target.has(key) ? key : 'AdditionalFields');
            return target[prop](key);
          };
        case 'additionalFields':
        case 'posix':
          reads.add('AdditionalFields');
          return target[prop];
        case 'columns':
        case 'toRecord':
        case 'toJSON':
          return () => {
            reads.add('*');
            return target[prop]();
          };
      }
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof prop === 'string' && !IDENTITY_MEMBERS.has(prop) && typeof v === 'function') return v.bind(target);
      return v;
    },
  });
}

/**
 * Columns `match` (and the evidence functions) read on a fixture's routed events that the detector
 * declares nowhere: not an identity column, not an `evidence[*].from` column, not in `meta.columns`.
 */
export function undeclaredReads(detector: AnyDetector, fixture: Fixture): string[] {
  const meta = detector.meta;
  const keep = declaredColumns(meta);
  const options = validateRunConfig(fixture.config ?? {}, [detector]).options.get(meta.id);
  const ctx = Object.freeze({ options, severity: meta.severity });
  const reads = new Set<string>();
  fixture.records.forEach((r, i) => {
    const event = eventFromRecord(r, `${fixture.name}#${i + 1}`);
    if (!meta.tables.includes(event.table)) return;
    if (meta.actionTypes && !meta.actionTypes.includes(event.actionType ?? '')) return;
    const recording = recordingEvent(event, reads);
    try {
      detector.match?.call(detector, recording, ctx);
    } catch {
      // The run itself reports what match throws.
    }
    for (const f of Object.values((meta.evidence ?? {}) as EvidenceDecl)) {
      if (typeof f.from !== 'function') continue;
      try {
        f.from(recording);
      } catch {
        // Reported by the run.
      }
    }
  });
  return [...reads].filter((c) => !keep.has(c)).sort();
}

/** Outcome of {@link testDetector}: each fixture with the alerts the detector produced. */
export interface DetectorTestReport {
  readonly detectorId: string;
  readonly fixtures: readonly {
    readonly name: string;
    readonly kind: 'fires' | 'ignores';
    readonly alerts: readonly Alert[];
  }[];
}

/**
 * Check a detector against its fixtures. Requires at least one fixture that fires and one that must
 * not. Throws an Error listing every failed expectation; resolves with what each fixture produced.
 * `context` detectors (or detector families) run alongside (for correlation detectors that build on
 * other alerts).
 */
export async function testDetector(
  detector: AnyDetector,
  fixtures: { readonly fires: readonly Fixture[]; readonly ignores: readonly Fixture[] },
  context: readonly DetectorOrFamily[] = [],
): Promise<DetectorTestReport> {
  const id = detector.meta.id;
  if (fixtures.fires.length === 0 || fixtures.ignores.length === 0) {
    throw new TriplineError(
      ERROR_CODES.FIXTURE_INVALID,
      `${id}: testDetector needs at least one fixture that fires and one that must not (got ${fixtures.fires.length} and ${fixtures.ignores.length})`,
    );
  }
  const problems: string[] = [];
  const out: { name: string; kind: 'fires' | 'ignores'; alerts: Alert[] }[] = [];
  for (const [kind, list] of [
    ['fires', fixtures.fires],
    ['ignores', fixtures.ignores],
  ] as const) {
    for (const fixture of list) {
      const result = await runFixture([detector, ...context], fixture);
      const mine = result.alerts.filter((a) => a.detectorId === id);
      out.push({ name: fixture.name, kind, alerts: mine });
      const where = `${id} ${kind} ${fixture.name}`;
      const stray = undeclaredReads(detector, fixture);
      if (stray.length)
        problems.push(
          `${where}: match reads ${stray.map((c) => (c === '*' ? 'every column' : c)).join(', ')}, declared neither in meta.evidence (from) nor in meta.columns`,
        );
      for (const d of result.diagnostics)
        if (d.level === 'error') problems.push(`${where}: diagnostic ${d.code}: ${d.message}`);
      const e = fixture.expect ?? {};
      if (e.alerts !== undefined) {
        if (mine.length !== e.alerts) problems.push(`${where}: expected ${e.alerts} alert(s), got ${mine.length}`);
      } else if (kind === 'fires' && mine.length === 0) problems.push(`${where}: expected an alert, got none`);
      else if (kind === 'ignores' && mine.length !== 0) {
        problems.push(`${where}: expected no alert, got ${mine.length}: ${mine.map((a) => a.title).join(' | ')}`);
      }
      for (const alert of mine) {
        if (e.severity && alert.severity !== e.severity)
          problems.push(`${where}: severity ${alert.severity}, expected ${e.severity}`);
        if (e.keyComponents) {
          const p = subsetProblem(alert, e.keyComponents);
          if (p) problems.push(`${where}: ${p}`);
        }
      }
      if (e.eventCount !== undefined && mine[0] && mine[0].evidence.eventCount !== e.eventCount) {
        problems.push(`${where}: eventCount ${mine[0].evidence.eventCount}, expected ${e.eventCount}`);
      }
    }
  }
  if (problems.length) throw new Error(`detector ${id} failed its fixtures:\n- ${problems.join('\n- ')}`);
  return { detectorId: id, fixtures: out };
}

/** One fixture of a rule file and what running it gave. */
export interface RuleFixtureOutcome {
  /** The fixture file. */
  readonly file: string;
  readonly kind: 'fires' | 'ignores';
  /** Alerts of the rule on this fixture. */
  readonly alerts: number;
  /** Failed expectations (empty when the fixture passed). */
  readonly problems: readonly string[];
}

/** Outcome of {@link checkRuleFile}. */
export interface RuleCheck {
  readonly file: string;
  readonly id: string;
  readonly ok: boolean;
  readonly fixtures: readonly RuleFixtureOutcome[];
  /** Problems that belong to no one fixture (a missing fires or ignores fixture). */
  readonly problems: readonly string[];
}

/**
 * Load a rule file (YAML or JSON), compile it, and run its fixtures exactly as {@link testDetector}
 * runs a detector's: `<rule>.fires.<name>.json` and `<rule>.ignores.<name>.json` beside the file, or
 * `fires.*.json` / `ignores.*.json` in a folder `<rule>.fixtures/` beside it. A rule that cannot be
 * loaded throws its load error (file:line:column: field: reason); failed fixtures do not throw: they
 * are listed in the result (`ok` false).
 */
export async function checkRuleFile(file: string): Promise<RuleCheck> {
  const { detector } = loadRuleFile(file);
  const id = detector.meta.id;
  const paths = ruleFixtureFiles(file);
  const read = (kind: 'fires' | 'ignores') =>
    paths[kind].map((path) => ({ path, fixture: parseFixture(readFileSync(path, 'utf8'), basename(path)) }));
  const fires = read('fires');
  const ignores = read('ignores');
  const problems: string[] = [];
  let byFixture = new Map<string, string[]>();
  let alerts = new Map<string, number>();
  try {
    const report = await testDetector(detector, {
      fires: fires.map((f) => f.fixture),
      ignores: ignores.map((f) => f.fixture),
    });
    alerts = new Map(report.fixtures.map((f) => [`${f.kind} ${f.name}`, f.alerts.length]));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (fires.length === 0 || ignores.length === 0) {
      problems.push(
        `${id}: a rule needs at least one fixture that fires and one that must not (found ${fires.length} and ${ignores.length}; name them ${basename(file, extname(file))}.fires.<name>.json and ${basename(file, extname(file))}.ignores.<name>.json beside the rule)`,
      );
    } else {
      byFixture = new Map();
      for (const line of message.split('\n- ').slice(1)) {
        const m = /^\S+ (fires|ignores) (.+?): /.exec(line);
        const k = m ? `${m[1]} ${m[2]}` : '';
        if (!byFixture.has(k)) byFixture.set(k, []);
        byFixture.get(k)?.push(line);
      }
      for (const line of byFixture.get('') ?? []) problems.push(line);
      // Count the rule's alerts per fixture for the listing (the run is cheap: fixtures are small).
      for (const [kind, list] of [
        ['fires', fires],
        ['ignores', ignores],
      ] as const) {
        for (const f of list) {
          const result = await runFixture(detector, f.fixture);
          alerts.set(`${kind} ${f.fixture.name}`, result.alerts.filter((a) => a.detectorId === id).length);
        }
      }
    }
  }
  const fixtures: RuleFixtureOutcome[] = [
    ...fires.map((f) => ['fires', f] as const),
    ...ignores.map((f) => ['ignores', f] as const),
  ].map(([kind, f]) => ({
    file: f.path,
    kind,
    alerts: alerts.get(`${kind} ${f.fixture.name}`) ?? 0,
    problems: byFixture.get(`${kind} ${f.fixture.name}`) ?? [],
  }));
  const ok = problems.length === 0 && fixtures.every((f) => f.problems.length === 0);
  return { file, id, ok, fixtures, problems };
}

/**
 * Test a rule file against its fixtures, like {@link testDetector} tests a detector: throws an Error
 * listing every failed expectation (and the load error of a rule that does not compile); resolves
 * with what each fixture produced.
 */
export async function testRuleFile(file: string | URL): Promise<RuleCheck> {
  const check = await checkRuleFile(typeof file === 'string' ? file : fileURLToPath(file));
  if (!check.ok) {
    const lines = [...check.problems, ...check.fixtures.flatMap((f) => f.problems)];
    throw new Error(`rule ${check.id} (${check.file}) failed its fixtures:\n- ${lines.join('\n- ')}`);
  }
  return check;
}
