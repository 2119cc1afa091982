/**
 * The candidate index never drops a rule that matches: for random rules and random Defender rows,
 * evaluating only the candidates gives exactly the matches of evaluating every rule of the route.
 * The rules here are hand-built IR with a reference evaluator (the real compiler's rules go through
 * the same index in the shared-data test of the SigmaHQ corpus).
 */
import type { MdeEvent } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it, vi } from 'vitest';
import { createEvalContext } from '../eval.js';
import type {
  CompiledRegex,
  EvalContext,
  EventPlatform,
  Expr,
  FieldView,
  Pred,
  SigmaRoute,
  StringPattern,
} from '../ir.js';
import { platformAccepts } from '../mapping/platform.js';
import { CandidateIndex, DEFAULT_MEMO, type IndexIds } from './candidates.js';
import { PlaceMemo } from './memo.js';
import { indexFold, witnessOf } from './witness.js';

/** A view reading `column` (`fileColumn` in DeviceFileEvents, which has no ProcessCommandLine). */
const view = (field: string, column: string, fileColumn = column): FieldView => ({
  field,
  key: `DeviceProcessEvents.${field}`,
  columns: [column],
  get: (e: MdeEvent) => {
    const v = e.get(e.table === 'DeviceFileEvents' ? fileColumn : column);
    return typeof v === 'string' || typeof v === 'number' ? v : undefined;
  },
});
const CMD = view('CommandLine', 'ProcessCommandLine', 'InitiatingProcessCommandLine');
const IMAGE = view('Image', 'FolderPath');
const PARENT = view('ParentImage', 'InitiatingProcessFolderPath');
const VIEWS = [CMD, IMAGE, PARENT];

const dashes = (s: string) => s.replace(/[/\u2013\u2014\u2015]/g, '-');

function ctxOf(event: MdeEvent): EvalContext {
  const text = (v: FieldView) => {
    const x = v.get(event);
    return x === undefined || x === null || x === '' ? undefined : String(x);
  };
  return { event, value: (v) => v.get(event), text, folded: (v) => text(v)?.toLowerCase() };
}

/** A `ProcessCreated` row of one device with `columns` (which may set another ActionType). */
function processRow(columns: Readonly<Record<string, unknown>>): MdeEvent {
  return makeEvent('DeviceProcessEvents', {
    Timestamp: '2025-11-07T06:46:38.299848Z',
    DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
    DeviceName: 'ws-fin-07.contoso.local',
    ActionType: 'ProcessCreated',
    ReportId: 3321,
    ...columns,
  });
}

type Mode = { cased: boolean; windash: boolean };
const foldFor = (m: Mode) => (s: string) => {
  const f = m.cased ? s : s.toLowerCase();
  return m.windash ? dashes(f) : f;
};

function pattern(anchor: StringPattern['anchor'], written: string, m: Mode): StringPattern {
  const text = foldFor(m)(written);
  return { anchor, text, literals: text ? [text] : [] };
}

function matchPattern(p: StringPattern, v: string): boolean {
  switch (p.anchor) {
    case 'exact':
      return v === p.text;
    case 'prefix':
      return v.startsWith(p.text);
    case 'suffix':
      return v.endsWith(p.text);
    default:
      return v.includes(p.text);
  }
}

/** A regex `a.*b` (literal runs escaped) with its literals, lower-cased as the compiler gives them. */
function regex(parts: readonly string[], i: boolean): CompiledRegex {
  const source = parts.map((p) => RE2JS.quote(p)).join('.*');
  const re = RE2JS.compile(source, i ? RE2JS.CASE_INSENSITIVE : 0);
  return {
    source,
    flags: { i, m: false, s: false },
    literals: parts.filter((p) => p).map((p) => p.toLowerCase()),
    test: (t) => re.matcher(t).find(),
  };
}

/** The reference: the rule's expression evaluated directly. */
function evaluate(e: Expr, ctx: EvalContext): boolean {
  switch (e.kind) {
    case 'and':
      return e.args.every((a) => evaluate(a, ctx));
    case 'or':
      return e.args.some((a) => evaluate(a, ctx));
    case 'not':
      return !evaluate(e.arg, ctx);
    case 'const':
      return e.value;
    case 'pred':
      return evalPred(e.pred, ctx);
  }
}

function evalPred(p: Pred, ctx: EvalContext): boolean {
  switch (p.kind) {
    case 'string': {
      const t = ctx.text(p.view);
      if (t === undefined) return false;
      const v = foldFor(p)(t);
      return p.all ? p.patterns.every((x) => matchPattern(x, v)) : p.patterns.some((x) => matchPattern(x, v));
    }
    case 'keyword':
      return p.all
        ? p.patterns.every((x) => p.views.some((w) => matchPattern(x, ctx.folded(w) ?? '\u0000')))
        : p.patterns.some((x) => p.views.some((w) => matchPattern(x, ctx.folded(w) ?? '\u0000')));
    case 'regex': {
      const t = ctx.text(p.view);
      if (t === undefined) return false;
      return p.all ? p.regexes.every((r) => r.test(t)) : p.regexes.some((r) => r.test(t));
    }
    case 'null':
      return ctx.text(p.view) === undefined;
    case 'never':
      return false;
    default:
      throw new Error(`not generated: ${p.kind}`);
  }
}

// Text from an alphabet where folding matters: case, every windash dash, long s, final sigma, Kelvin sign.
const unit = fc.constantFrom(
  'a',
  'B',
  's',
  'S',
  '\u017f',
  '-',
  '/',
  '\u2013',
  '\\',
  '.',
  'σ',
  'Σ',
  'ς',
  'k',
  '\u212a',
  ' ',
  'É',
  'é',
  'β',
  'ϐ',
);
const word = fc.string({ unit, minLength: 0, maxLength: 4 });
const value = fc.string({ unit, maxLength: 24 });
const mode = fc.record({ cased: fc.boolean(), windash: fc.boolean() });
const anchor = fc.constantFrom<StringPattern['anchor']>('exact', 'prefix', 'suffix', 'contains');
const origin = { selection: 'selection', item: 'x', position: { file: 'r.yml', line: 1, column: 1 } };

const pred: fc.Arbitrary<Expr> = fc.oneof(
  fc
    .record({
      view: fc.constantFrom(...VIEWS),
      m: mode,
      pats: fc.array(fc.tuple(anchor, word), { minLength: 1, maxLength: 3 }),
      all: fc.boolean(),
    })
    .map(({ view, m, pats, all }) => ({
      kind: 'pred' as const,
      pred: { kind: 'string' as const, view, all, ...m, patterns: pats.map(([a, w]) => pattern(a, w, m)) },
      origin,
    })),
  fc
    .record({
      view: fc.constantFrom(...VIEWS),
      res: fc.array(fc.tuple(fc.array(word, { minLength: 1, maxLength: 2 }), fc.boolean()), {
        minLength: 1,
        maxLength: 2,
      }),
      all: fc.boolean(),
    })
    .map(({ view, res, all }) => ({
      kind: 'pred' as const,
      pred: { kind: 'regex' as const, view, all, regexes: res.map(([parts, i]) => regex(parts, i)) },
      origin,
    })),
  fc
    .record({ pats: fc.array(fc.tuple(anchor, word), { minLength: 1, maxLength: 2 }), all: fc.boolean() })
    .map(({ pats, all }) => ({
      kind: 'pred' as const,
      pred: {
        kind: 'keyword' as const,
        views: [CMD, IMAGE],
        all,
        patterns: pats.map(([a, w]) => pattern(a, w, { cased: false, windash: false })),
      },
      origin,
    })),
  fc.constantFrom<Expr>(
    { kind: 'pred', pred: { kind: 'null', view: PARENT }, origin },
    { kind: 'pred', pred: { kind: 'never', reason: 'IMPHASH' }, origin },
    { kind: 'const', value: true },
    { kind: 'const', value: false },
  ),
);
const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    pred,
    fc.record({
      kind: fc.constantFrom('and' as const, 'or' as const),
      args: fc.array(tie('e'), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant('not' as const), arg: tie('e') }),
  ),
})).e;

const ROUTES: SigmaRoute[] = [
  { table: 'DeviceProcessEvents', actionTypes: ['ProcessCreated'], platform: 'windows' },
  { table: 'DeviceProcessEvents', platform: 'windows' },
  { table: 'DeviceFileEvents', actionTypes: ['FileCreated'], platform: 'windows' },
];

const event = fc
  .record({
    cmd: value,
    image: value,
    parent: fc.option(value, { nil: undefined }),
    table: fc.constantFrom('DeviceProcessEvents' as const, 'DeviceFileEvents' as const),
    action: fc.constantFrom('ProcessCreated', 'FileCreated', 'OpenProcessApiCall'),
  })
  .map((r) =>
    makeEvent(r.table, {
      Timestamp: '2025-11-07T06:46:38.299848Z',
      DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
      DeviceName: 'ws-fin-07.contoso.local',
      ActionType: r.action,
      ReportId: 3321,
      [r.table === 'DeviceFileEvents' ? 'InitiatingProcessCommandLine' : 'ProcessCommandLine']: r.cmd,
      FolderPath: r.image,
      ...(r.parent !== undefined ? { InitiatingProcessFolderPath: r.parent } : {}),
    }),
  );

function routeMatches(route: SigmaRoute, e: MdeEvent): boolean {
  return route.table === e.table && (!route.actionTypes || route.actionTypes.includes(e.actionType ?? ''));
}

describe('CandidateIndex', () => {
  it('indexed evaluation equals the full scan (same rules, same matches)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ expr, route: fc.constantFrom(...ROUTES) }), { minLength: 1, maxLength: 12 }),
        fc.array(event, { minLength: 1, maxLength: 6 }),
        (rules, events) => {
          const index = new CandidateIndex(rules);
          for (const e of events) {
            const ctx = ctxOf(e);
            const full = rules.flatMap((r, i) => (routeMatches(r.route, e) && evaluate(r.expr, ctx) ? [i] : []));
            const candidates: number[] = [];
            index.candidates(e, ctx, (i) => candidates.push(i));
            // Candidates are in rule order, only of the event's route, and contain every match.
            expect(candidates).toEqual([...candidates].sort((a, b) => a - b));
            for (const i of candidates) expect(routeMatches(rules[i]!.route, e)).toBe(true);
            expect(candidates.filter((i) => evaluate(rules[i]!.expr, ctx))).toEqual(full);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('partitioned by platform, indexed evaluation equals the full scan of the rules the row can run', () => {
    const platformRoutes: SigmaRoute[] = [
      ...ROUTES,
      { table: 'DeviceProcessEvents', actionTypes: ['ProcessCreated'], platform: 'linux' },
      { table: 'DeviceProcessEvents', platform: 'macos' },
      { table: 'DeviceProcessEvents', platform: undefined },
    ];
    // The row's platform read from its image path, as the Defender mapping reads it.
    const platformOf = (e: MdeEvent): EventPlatform => {
      const p = e.str('FolderPath') ?? '';
      return p.startsWith('/') ? 'posix' : p.startsWith('\\') ? 'windows' : undefined;
    };
    fc.assert(
      fc.property(
        fc.array(fc.record({ expr, route: fc.constantFrom(...platformRoutes) }), { minLength: 1, maxLength: 12 }),
        fc.array(event, { minLength: 1, maxLength: 6 }),
        (rules, events) => {
          const index = new CandidateIndex(rules, platformOf);
          // Route indexes built ahead (as the family does) answer as those built on first use.
          const prepared = new CandidateIndex(rules, platformOf);
          prepared.prepare(['windows', 'posix']);
          for (const e of events) {
            const ctx = ctxOf(e);
            const runs = (r: { route: SigmaRoute }) =>
              routeMatches(r.route, e) && platformAccepts(r.route, platformOf(e));
            const full = rules.flatMap((r, i) => (runs(r) && evaluate(r.expr, ctx) ? [i] : []));
            const candidates: number[] = [];
            index.candidates(e, ctx, (i) => candidates.push(i));
            expect(candidates).toEqual([...candidates].sort((a, b) => a - b));
            for (const i of candidates) expect(runs(rules[i]!)).toBe(true);
            expect(candidates.filter((i) => evaluate(rules[i]!.expr, ctx))).toEqual(full);
            const ahead: number[] = [];
            prepared.candidates(e, ctx, (i) => ahead.push(i));
            expect(ahead).toEqual(candidates);
          }
        },
      ),
      { numRuns: 800 },
    );
  });

  it('offers a row only the rules of its platform (and those of none)', () => {
    const contains = (w: string): Expr => ({
      kind: 'pred',
      pred: {
        kind: 'string',
        view: CMD,
        all: false,
        cased: false,
        windash: false,
        patterns: [pattern('contains', w, { cased: false, windash: false })],
      },
      origin,
    });
    const rules = [
      { route: { table: 'DeviceProcessEvents', platform: 'windows' }, expr: contains('whoami') },
      { route: { table: 'DeviceProcessEvents', platform: 'linux' }, expr: contains('whoami') },
      { route: { table: 'DeviceProcessEvents', platform: 'macos' }, expr: contains('whoami') },
      { route: { table: 'DeviceProcessEvents', platform: undefined }, expr: contains('whoami') },
    ] as const satisfies readonly { route: SigmaRoute; expr: Expr }[];
    const row = (folder: string) => processRow({ ProcessCommandLine: 'whoami /all', FolderPath: folder });
    const kinds = new Map<string, EventPlatform>([
      ['C:\\Windows\\System32\\whoami.exe', 'windows'],
      ['/usr/bin/whoami', 'posix'],
      ['', undefined],
    ]);
    const index = new CandidateIndex(rules, (e) => kinds.get(e.str('FolderPath') ?? ''));
    const of = (folder: string) => {
      const e = row(folder);
      const out: number[] = [];
      index.candidates(e, ctxOf(e), (i) => out.push(i));
      return out;
    };
    expect(of('C:\\Windows\\System32\\whoami.exe')).toEqual([0, 3]);
    expect(of('/usr/bin/whoami')).toEqual([1, 2, 3]);
    expect(of('')).toEqual([0, 1, 2, 3]);
  });

  it('builds one route index per distinct set of rules (ActionTypes and platforms with the same rules share it)', () => {
    const contains = (w: string): Expr => ({
      kind: 'pred',
      pred: {
        kind: 'string',
        view: CMD,
        all: false,
        cased: false,
        windash: false,
        patterns: [pattern('contains', w, { cased: false, windash: false })],
      },
      origin,
    });
    const rules = [
      { route: { table: 'DeviceProcessEvents', platform: 'windows' }, expr: contains('whoami') },
      { route: { table: 'DeviceProcessEvents', platform: undefined }, expr: contains('net user') },
    ] as const satisfies readonly { route: SigmaRoute; expr: Expr }[];
    const index = new CandidateIndex(rules, (e) => (e.str('FolderPath')?.startsWith('/') ? 'posix' : 'windows'));
    const run = (action: string, folder: string) => {
      const e = processRow({ ActionType: action, ProcessCommandLine: 'whoami & net user', FolderPath: folder });
      const out: number[] = [];
      index.candidates(e, ctxOf(e), (i) => out.push(i));
      return out;
    };
    expect(run('ProcessCreated', 'C:\\Windows\\System32\\cmd.exe')).toEqual([0, 1]);
    expect(run('OpenProcessApiCall', 'C:\\Windows\\System32\\cmd.exe')).toEqual([0, 1]);
    expect(index.builtRouteIndexes()).toBe(1);
    expect(run('ProcessCreated', '/usr/bin/bash')).toEqual([1]);
    expect(run('OpenProcessApiCall', '/usr/bin/bash')).toEqual([1]);
    expect(run('ProcessCreated', 'C:\\Windows\\System32\\cmd.exe')).toEqual([0, 1]);
    expect(index.builtRouteIndexes()).toBe(2);
  });

  it('builds the route indexes of the rules ahead of the first row when prepared', () => {
    const contains = (w: string): Expr => ({
      kind: 'pred',
      pred: {
        kind: 'string',
        view: CMD,
        all: false,
        cased: false,
        windash: false,
        patterns: [pattern('contains', w, { cased: false, windash: false })],
      },
      origin,
    });
    const rules = [
      { route: { table: 'DeviceProcessEvents', platform: 'windows' }, expr: contains('whoami') },
      {
        route: { table: 'DeviceProcessEvents', actionTypes: ['ProcessCreated'], platform: undefined },
        expr: contains('net user'),
      },
      { route: { table: 'DeviceFileEvents', platform: 'linux' }, expr: contains('passwd') },
    ] as const satisfies readonly { route: SigmaRoute; expr: Expr }[];
    const index = new CandidateIndex(rules, (e) => (e.str('FolderPath')?.startsWith('/') ? 'posix' : 'windows'));
    expect(index.builtRouteIndexes()).toBe(0);
    index.prepare(['windows', 'posix']);
    // Windows process rows: rule 0 (any ActionType), rules 0 and 1 (ProcessCreated); POSIX: rule 1
    // (ProcessCreated); POSIX file rows: rule 2. Windows file rows and other POSIX process rows: none.
    expect(index.builtRouteIndexes()).toBe(4);
    const run = (table: 'DeviceProcessEvents' | 'DeviceFileEvents', action: string, folder: string) => {
      const e = makeEvent(table, {
        Timestamp: '2025-11-07T06:46:38.299848Z',
        DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
        DeviceName: 'ws-fin-07.contoso.local',
        ActionType: action,
        ReportId: 3321,
        ...(table === 'DeviceProcessEvents'
          ? { ProcessCommandLine: 'whoami & net user' }
          : { InitiatingProcessCommandLine: 'cat passwd' }),
        FolderPath: folder,
      });
      const out: number[] = [];
      index.candidates(e, ctxOf(e), (i) => out.push(i));
      return out;
    };
    expect(run('DeviceProcessEvents', 'ProcessCreated', 'C:\\Windows\\System32\\cmd.exe')).toEqual([0, 1]);
    expect(run('DeviceProcessEvents', 'OpenProcessApiCall', 'C:\\Windows\\System32\\cmd.exe')).toEqual([0]);
    expect(run('DeviceProcessEvents', 'ProcessCreated', '/usr/bin/bash')).toEqual([1]);
    expect(run('DeviceProcessEvents', 'OpenProcessApiCall', '/usr/bin/bash')).toEqual([]);
    expect(run('DeviceFileEvents', 'FileCreated', '/etc/passwd')).toEqual([2]);
    expect(run('DeviceFileEvents', 'FileCreated', 'C:\\Temp\\passwd')).toEqual([]);
    // Every row met an index built ahead (an ActionType no rule names shares its table's).
    expect(index.builtRouteIndexes()).toBe(4);
  });

  it('indexes an AND by up to three of its parts: a row holding two of them is not a candidate', () => {
    const m = { cased: false, windash: false };
    const str = (v: FieldView, anchor: StringPattern['anchor'], w: string): Expr => ({
      kind: 'pred',
      pred: { kind: 'string', view: v, all: false, cased: false, windash: false, patterns: [pattern(anchor, w, m)] },
      origin,
    });
    const route: SigmaRoute = { table: 'DeviceProcessEvents', platform: undefined };
    const rules = [
      {
        route,
        expr: {
          kind: 'and',
          args: [
            str(IMAGE, 'suffix', '\\whoami.exe'),
            str(PARENT, 'contains', 'powershell'),
            str(CMD, 'contains', '/groups'),
          ],
        },
      },
    ] as const satisfies readonly { route: SigmaRoute; expr: Expr }[];
    const index = new CandidateIndex(rules);
    expect(index.clausesOf(0)).toHaveLength(3);
    const of = (cmd: string) => {
      const e = processRow({
        ProcessCommandLine: cmd,
        FolderPath: 'C:\\Windows\\System32\\whoami.exe',
        InitiatingProcessFolderPath: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      });
      const out: number[] = [];
      index.candidates(e, ctxOf(e), (i) => out.push(i));
      return out;
    };
    expect(of('whoami /all')).toEqual([]);
    expect(of('whoami /groups')).toEqual([0]);
  });

  it('prefers a long needle to a short exact value an enumeration shares (`EventType: SetValue`)', () => {
    const eventType = view('EventType', 'ActionType');
    const details = view('Details', 'RegistryValueData');
    const m = { cased: false, windash: false };
    const str = (v: FieldView, anchor: StringPattern['anchor'], w: string): Expr => ({
      kind: 'pred',
      pred: { kind: 'string', view: v, all: false, cased: false, windash: false, patterns: [pattern(anchor, w, m)] },
      origin,
    });
    const w = witnessOf({
      kind: 'and',
      args: [
        str(eventType, 'exact', 'SetValue'),
        str(details, 'contains', 'Microsoft.HybridConnectionManager.Listener.exe'),
      ],
    });
    expect(w).toEqual([{ kind: 'needle', view: details, text: 'microsoft.hybridconnectionmanager.listener.exe' }]);
    // A long exact value (an identity, not a category) is still preferred to a needle.
    const id = witnessOf({
      kind: 'and',
      args: [str(eventType, 'exact', 'C:\\Windows\\System32\\rundll32.exe'), str(details, 'contains', 'javascript:')],
    });
    expect(id).toEqual([{ kind: 'exact', view: eventType, text: 'c:\\windows\\system32\\rundll32.exe' }]);
  });

  it('lets a row meet only the rules whose witness it holds', () => {
    const m = { cased: false, windash: false };
    const str = (v: FieldView, a: StringPattern['anchor'], ...ws: string[]): Expr => ({
      kind: 'pred',
      pred: { kind: 'string', view: v, all: false, ...m, patterns: ws.map((w) => pattern(a, w, m)) },
      origin,
    });
    const route = ROUTES[0]!;
    const rules = [
      // AND: the long needle of the command line, not the short one of the image.
      {
        route,
        expr: { kind: 'and', args: [str(IMAGE, 'suffix', '\\x.exe'), str(CMD, 'contains', 'invoke-mimikatz')] },
      },
      // OR: either image.
      {
        route,
        expr: {
          kind: 'or',
          args: [str(IMAGE, 'suffix', '\\certutil.exe'), str(IMAGE, 'exact', 'C:\\Windows\\System32\\bitsadmin.exe')],
        },
      },
      // Only a negation: no witness, always evaluated.
      { route, expr: { kind: 'not', arg: str(CMD, 'contains', 'update') } },
      // Never matches: never a candidate.
      { route, expr: { kind: 'and', args: [str(CMD, 'contains', 'x'), { kind: 'const', value: false }] } },
    ] as const satisfies readonly { route: SigmaRoute; expr: Expr }[];
    const index = new CandidateIndex(rules);
    // AND: both parts are clauses, the long command-line needle first; a row must hold both.
    expect(index.clausesOf(0)).toEqual([
      [{ kind: 'needle', view: CMD, text: 'invoke-mimikatz' }],
      [{ kind: 'needle', view: IMAGE, text: '\\x.exe' }],
    ]);
    expect(index.clausesOf(1)!.map((c) => c.map((a) => a.kind))).toEqual([['needle', 'exact']]);
    expect(index.clausesOf(2)).toBeNull();
    expect(index.clausesOf(3)![0]).toEqual([]);
    expect(index.stats()).toMatchObject({
      rules: 4,
      alwaysEvaluated: 1,
      neverMatch: 1,
      twoClauses: 1,
      needles: 3,
      exactValues: 1,
    });
    const at = (cmd: string, image: string) => {
      const e = processRow({ ProcessCommandLine: cmd, FolderPath: image });
      const out: number[] = [];
      index.candidates(e, ctxOf(e), (i) => out.push(i));
      return out;
    };
    expect(at('powershell -enc AAAA', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe')).toEqual([2]);
    expect(at('IEX (Invoke-Mimikatz -DumpCreds)', 'C:\\x.exe')).toEqual([0, 2]);
    // One clause of the AND holds, the other does not: not a candidate.
    expect(at('IEX (Invoke-Mimikatz -DumpCreds)', 'C:\\y.exe')).toEqual([2]);
    expect(at('x.exe', 'C:\\x.exe')).toEqual([2]);
    expect(at('bitsadmin /transfer', 'C:\\WINDOWS\\system32\\BITSADMIN.EXE')).toEqual([1, 2]);
    expect(at('certutil -urlcache', 'C:\\Windows\\System32\\certutil.exe')).toEqual([1, 2]);
  });

  it('folds needles and values alike: case, windash dashes, long s, final sigma', () => {
    expect(indexFold('C:/Windows\u2013X \u017fvc ΟΔΟΣ')).toBe('c:-windows-x svc οδοσ');
    expect(indexFold('a')).toBe('a');
    // A case-insensitive regex only gives ASCII needles (RE2 equates ϐ and β, which lower-casing does not).
    const re = (lits: string[], i: boolean): Expr => ({
      kind: 'pred',
      pred: { kind: 'regex', view: CMD, all: false, regexes: [{ ...regex(['x'], i), literals: lits }] },
      origin,
    });
    expect(witnessOf(re(['ϐeta'], true))).toBeNull();
    expect(witnessOf(re(['ϐeta', 'et'], true))).toEqual([{ kind: 'needle', view: CMD, text: 'et' }]);
    expect(witnessOf(re(['ϐeta'], false))).toEqual([{ kind: 'needle', view: CMD, text: 'ϐeta' }]);
  });

  it('gives the same candidates with its memo of values as without it (rows repeat; a small memo is emptied)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ expr, route: fc.constantFrom(...ROUTES) }), { minLength: 1, maxLength: 12 }),
        fc.array(event, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(3), { minLength: 1, maxLength: 24 }),
        fc.constantFrom({ entries: 2, chars: 30, maxLength: 12 }, { entries: 64, chars: 4096, maxLength: 64 }),
        (rules, pool, order, memo) => {
          const withMemo = new CandidateIndex(rules, undefined, { memo });
          const without = new CandidateIndex(rules, undefined, { memo: false });
          for (const n of order) {
            const e = pool[n % pool.length]!;
            const a: number[] = [];
            const b: number[] = [];
            withMemo.candidates(e, ctxOf(e), (i) => a.push(i));
            without.candidates(e, ctxOf(e), (i) => b.push(i));
            expect(a).toEqual(b);
          }
        },
      ),
      { numRuns: 800 },
    );
  });

  /** An index of one rule (command line contains `mimikatz`), and a process row with a given command line. */
  const mimikatzIndex = () => {
    const m = { cased: false, windash: false };
    const rules = [
      {
        route: ROUTES[0]!,
        expr: {
          kind: 'pred',
          pred: { kind: 'string', view: CMD, all: false, ...m, patterns: [pattern('contains', 'mimikatz', m)] },
          origin,
        },
      },
    ] as const satisfies readonly { route: SigmaRoute; expr: Expr }[];
    return new CandidateIndex(rules);
  };
  const row = (cmd: string) => processRow({ ProcessCommandLine: cmd });

  it('folds and scans a value once: a value seen before is looked up in the memo', () => {
    const index = mimikatzIndex();
    let folds = 0;
    const run = (cmd: string) => {
      const e = row(cmd);
      const base = ctxOf(e);
      const ctx: EvalContext = {
        ...base,
        folded: (v) => {
          folds++;
          return base.folded(v);
        },
      };
      const out: number[] = [];
      index.candidates(e, ctx, (i) => out.push(i));
      return out;
    };
    expect(run('mimikatz.exe privilege::debug')).toEqual([0]);
    expect(run('mimikatz.exe privilege::debug')).toEqual([0]);
    expect(folds).toBe(1);
    expect(run('notepad.exe')).toEqual([]);
    expect(run('notepad.exe')).toEqual([]);
    expect(folds).toBe(2);
    // Longer than the memo keeps: folded each time.
    const long = `mimikatz ${'x'.repeat(DEFAULT_MEMO.maxLength)}`;
    expect(run(long)).toEqual([0]);
    expect(run(long)).toEqual([0]);
    expect(folds).toBe(4);
  });

  it('gives each value its view memo stores an id for the family: the same while it is held, none for a number', () => {
    let next = 10;
    const ids: IndexIds = {
      numberOf: (key) => (key === CMD.key ? 0 : -1),
      fresh: () => next++,
      stamps: new Uint32Array(1),
      ids: new Float64Array(1),
      row: 0,
    };
    const m = { cased: false, windash: false };
    // The command line's view, which reads a value of digits as a number (as a port's view does).
    const digits: FieldView = {
      ...CMD,
      get: (e) => {
        const v = CMD.get(e);
        return typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v;
      },
    };
    const rule = {
      route: ROUTES[0]!,
      expr: {
        kind: 'pred',
        pred: { kind: 'string', view: digits, all: false, ...m, patterns: [pattern('contains', 'mimikatz', m)] },
        origin,
      },
    } as const satisfies { route: SigmaRoute; expr: Expr };
    const index = new CandidateIndex([rule], undefined, { memo: { entries: 2, chars: 1000, maxLength: 12 }, ids });
    const ctx = createEvalContext(row('first'));
    const idOf = (cmd: string | number) => {
      const e = processRow({ ProcessCommandLine: cmd });
      ctx.reset(e);
      ids.row++;
      index.candidates(e, ctx, () => {});
      return ids.stamps[0] === ids.row ? ids.ids[0] : undefined;
    };
    // Rows parse their own strings: equal values are never the same string.
    const a = () => ['a', 'exe'].join('.');
    const b = () => ['b', 'exe'].join('.');
    expect(idOf(a())).toBe(10); // scanned and stored
    expect(idOf(a())).toBe(10); // the previous row's value
    expect(idOf(b())).toBe(11);
    expect(idOf(a())).toBe(10); // from the memo
    expect(idOf(b())).toBe(11);
    // The memo is full and paid: emptied, then `c` stored; `a` was forgotten with it, and is new again.
    expect(idOf('c.exe')).toBe(12);
    expect(idOf(a())).toBe(13);
    expect(idOf('c.exe')).toBe(12);
    // The family started its ids again: the memo's ids are forgotten, and given afresh.
    index.forgetIds();
    expect(idOf(a())).toBe(14);
    expect(idOf(a())).toBe(14);
    // A number the view's text spells, and a value longer than the memo keeps: no id.
    expect(idOf(443)).toBeUndefined();
    expect(idOf('a-very-long-command.exe')).toBeUndefined();
    // Without a context the family reuses, the index gives no id (and finds the same candidates).
    const e = row('mimikatz.exe');
    const out: number[] = [];
    ids.row++;
    index.candidates(e, ctxOf(e), (i) => out.push(i));
    expect(out).toEqual([0]);
    expect(ids.stamps[0]).not.toBe(ids.row);
  });

  it("answers a value equal to the previous row's on its view without a lookup in the memo", () => {
    const index = mimikatzIndex();
    const run = (cmd: string) => {
      const e = row(cmd);
      const out: number[] = [];
      index.candidates(e, ctxOf(e), (i) => out.push(i));
      return out;
    };
    const gets = vi.spyOn(PlaceMemo.prototype, 'get');
    try {
      // Each row's value is a string of its own (as parsed rows give), equal to the previous one.
      expect(run(['mimikatz', 'exe'].join('.'))).toEqual([0]);
      expect(run(['mimikatz', 'exe'].join('.'))).toEqual([0]);
      expect(run(['notepad', 'exe'].join('.'))).toEqual([]);
      expect(gets).toHaveBeenCalledTimes(2);
      // Back to a value seen two rows before: from the memo.
      expect(run(['mimikatz', 'exe'].join('.'))).toEqual([0]);
      expect(gets).toHaveBeenCalledTimes(3);
      expect(gets.mock.results[2]!.value).not.toBeUndefined();
    } finally {
      gets.mockRestore();
    }
  });
});
