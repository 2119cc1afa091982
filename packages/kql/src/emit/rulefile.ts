/**
 * tripline rule files → KQL: the `where` condition of a validated rule (`@tripline/core`'s `Rule`) with
 * the meaning `packages/core/src/internal/rules/predicate.ts` gives it, on each table of its source,
 * with its ActionTypes; a `window` becomes `summarize count() … bin(Timestamp, size)` per device and
 * key. What KQL cannot express with the same meaning is refused: keys inside JSON columns (a list
 * there is tested element by element, which the subset cannot write), whole JSON and datetime columns
 * compared as text, numbers compared on text columns, a `threshold` without a window.
 */
import { type Rule, TABLE_COLUMNS, type TableName } from '@tripline/core';
import { RE2JS } from 're2js';
import type { ExportedRule, ExportSource, KqlRefusal, KqlWarning } from '../ir.js';
import { cidrCondition } from './cidr.js';
import { kqlTimespan } from './correlation.js';
import { kqlNumber, kqlString, kqlStringList } from './literal.js';
import { IDENTITY_COLUMNS } from './sigma.js';

const TEXT_OPS = ['equals', 'contains', 'startswith', 'endswith', 'regex', 'cidr'] as const;
const NUMERIC_OPS = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

type Scalar = string | number | boolean;

class RuleEmitter {
  readonly refusals: KqlRefusal[] = [];
  readonly columns: string[] = [];

  constructor(readonly table: TableName) {}

  refuse(code: KqlRefusal['code'], message: string, at: readonly (string | number)[]): string {
    const where = at.join('.');
    if (!this.refusals.some((r) => r.message === message && r.at === where))
      this.refusals.push({ code, message, at: where });
    return 'false';
  }

  condition(cond: unknown, at: readonly (string | number)[]): string {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(cond as Record<string, unknown>)) {
      const here = [...at, key];
      if (key === 'all' || key === 'any') {
        const subs = (value as unknown[]).map((c, i) => this.condition(c, [...here, i]));
        parts.push(subs.length === 1 ? subs[0]! : `(${subs.join(key === 'all' ? ' and ' : ' or ')})`);
      } else if (key === 'not') parts.push(`not(${this.condition(value, here)})`);
      else parts.push(this.predicate(key, value, here));
    }
    return parts.length === 1 ? parts[0]! : `(${parts.join(' and ')})`;
  }

  predicate(field: string, spec: unknown, at: readonly (string | number)[]): string {
    if (field.includes('.')) {
      return this.refuse(
        'construct-unsupported',
        `${field}: a key inside a JSON column may hold a list, which the local engine tests element by element; the exported KQL subset has no element-wise test, so the meaning could not be kept`,
        at,
      );
    }
    const p = (spec === null || typeof spec !== 'object' || Array.isArray(spec) ? { equals: spec } : spec) as Record<
      string,
      unknown
    >;
    const type = (TABLE_COLUMNS[this.table] as Record<string, string | undefined>)[field];
    const cased = p.caseSensitive === true;
    const all = p.match === 'all';
    const parts: string[] = [];
    if (type !== undefined && !this.columns.includes(field)) this.columns.push(field);
    for (const op of TEXT_OPS) {
      const given = p[op];
      if (given === undefined) continue;
      const needles = (Array.isArray(given) ? given : [given]) as Scalar[];
      // A column the table does not have holds no value: no text test holds.
      if (type === undefined) {
        parts.push('false');
        continue;
      }
      if (type === 'json' || type === 'datetime') {
        parts.push(
          this.refuse(
            'construct-unsupported',
            `${field}: a ${type} column compared as text (the local engine reads its own spelling of the value)`,
            at,
          ),
        );
        continue;
      }
      const x = type === 'string' ? field : `tostring(${field})`;
      const checks = needles.map((n) => this.textCheck(op, x, String(n), cased, [...at, op]));
      if (!all && op === 'equals' && needles.length > 1) {
        parts.push(`${x} ${cased ? 'in' : 'in~'} ${kqlStringList(needles.map(String))}`);
      } else parts.push(checks.length === 1 ? checks[0]! : `(${checks.join(all ? ' and ' : ' or ')})`);
    }
    for (const [op, sym] of Object.entries(NUMERIC_OPS)) {
      const limit = p[op];
      if (typeof limit !== 'number') continue;
      if (type === undefined) {
        parts.push('false');
        continue;
      }
      if (type !== 'long' && type !== 'int') {
        parts.push(
          this.refuse(
            'construct-unsupported',
            `${field}: a numeric comparison on a ${type} column (the local engine reads numbers in JavaScript's spelling)`,
            at,
          ),
        );
        continue;
      }
      const lit = kqlNumber(limit);
      if (lit === undefined) {
        parts.push(this.refuse('construct-unsupported', `${limit} has no exact Kusto spelling`, [...at, op]));
        continue;
      }
      parts.push(`iff(isnull(${field}), false, ${field} ${sym} ${lit})`);
    }
    if (typeof p.exists === 'boolean') {
      if (type === undefined) parts.push(p.exists ? 'false' : 'true');
      else if (type === 'json') {
        parts.push(
          this.refuse(
            'construct-unsupported',
            `${field}: exists on a JSON column (an empty list or object counts as no value locally)`,
            at,
          ),
        );
      } else {
        const present = type === 'string' ? `isnotempty(${field})` : `isnotnull(${field})`;
        parts.push(p.exists ? present : `not(${present})`);
      }
    }
    return parts.length === 1 ? parts[0]! : `(${parts.join(' and ')})`;
  }

  textCheck(
    op: (typeof TEXT_OPS)[number],
    x: string,
    needle: string,
    cased: boolean,
    at: readonly (string | number)[],
  ) {
    const cs = cased ? '_cs' : '';
    const guard = (cond: string, empty: boolean): string => (empty ? `(isnotempty(${x}) and ${cond})` : cond);
    switch (op) {
      case 'equals':
        return guard(`${x} ${cased ? '==' : '=~'} ${kqlString(needle)}`, needle === '');
      case 'contains':
        return guard(`${x} contains${cs} ${kqlString(needle)}`, needle === '');
      case 'startswith':
        return guard(`${x} startswith${cs} ${kqlString(needle)}`, needle === '');
      case 'endswith':
        return guard(`${x} endswith${cs} ${kqlString(needle)}`, needle === '');
      case 'regex': {
        let empty: boolean;
        try {
          empty = RE2JS.compile(needle, cased ? 0 : RE2JS.CASE_INSENSITIVE)
            .matcher('')
            .find();
        } catch {
          return this.refuse('regex-untranslatable', `${JSON.stringify(needle)} does not compile in RE2`, at);
        }
        if (/\(\?<(?![=!])/.test(needle)) {
          return this.refuse(
            'regex-untranslatable',
            `${JSON.stringify(needle)}: a named group written (?<name>…): older RE2 builds accept only (?P<name>…)`,
            at,
          );
        }
        return guard(`${x} matches regex ${kqlString(`${cased ? '' : '(?i)'}${needle}`)}`, empty);
      }
      case 'cidr':
        return cidrCondition(x, needle);
    }
  }
}

function ruleSource(rule: Rule, file?: string): ExportSource {
  return {
    id: rule.id,
    kind: 'rule-file',
    title: rule.title,
    description: rule.description,
    severity: rule.severity,
    techniques: rule.mitre,
    references: rule.references,
    falsePositives: rule.falsePositives,
    ...(file !== undefined ? { file } : {}),
  };
}

/** A validated rule file (`LoadedRule.rule`) as one KQL query, or the refusals that keep it from being one. */
export function exportRuleFile(rule: Rule, file?: string): ExportedRule {
  const source = ruleSource(rule, file);
  const refusals: KqlRefusal[] = [];
  const warnings: KqlWarning[] = [];
  if (rule.threshold !== undefined && rule.window === undefined) {
    refusals.push({
      code: 'construct-unsupported',
      message:
        'threshold without a window counts over the whole input; a scheduled Kusto query sees only its lookback, so the count would mean something else',
      at: 'threshold',
    });
  }
  for (const [i, k] of rule.key.entries()) {
    if (k.includes('.')) {
      refusals.push({
        code: 'construct-unsupported',
        message: `key ${k}: a key inside a JSON column is not exported (see where)`,
        at: `key.${i}`,
      });
    }
  }
  const members: string[] = [];
  const keyColumns = rule.window ? rule.key : [];
  for (const table of rule.source.tables) {
    const em = new RuleEmitter(table);
    const where = em.condition(rule.where, ['where']);
    refusals.push(...em.refusals.filter((r) => !refusals.some((s) => s.message === r.message && s.at === r.at)));
    const lines: string[] = [table];
    if (rule.source.actionTypes) lines.push(`| where ActionType in ${kqlStringList(rule.source.actionTypes)}`);
    lines.push(`| where ${where}`);
    if (rule.window) {
      for (const [i, k] of keyColumns.entries()) {
        const type = (TABLE_COLUMNS[table] as Record<string, string | undefined>)[k];
        lines.push(`| extend Key_${i} = ${type === undefined ? '""' : type === 'string' ? k : `tostring(${k})`}`);
      }
      lines.push(`| project ${[...IDENTITY_COLUMNS, ...keyColumns.map((_, i) => `Key_${i}`)].join(', ')}`);
    } else {
      const cols = [
        ...IDENTITY_COLUMNS,
        ...em.columns.filter((c) => !(IDENTITY_COLUMNS as readonly string[]).includes(c)),
      ];
      lines.push(`| project ${cols.join(', ')}`);
    }
    members.push(lines.join('\n'));
  }
  if (refusals.length) return { ok: false, source, refusals };
  let text =
    members.length === 1 ? members[0]! : `union\n${members.map((m) => `(${m.split('\n').join('\n  ')})`).join(',\n')}`;
  let columns: string[];
  let windowMs: number | undefined;
  if (rule.window) {
    const m = /^(\d+)([smhd])$/.exec(rule.window.size)!;
    windowMs = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    const span = kqlTimespan(windowMs);
    const keys = ['DeviceId', ...keyColumns.map((_, i) => `Key_${i}`), `tl_Window = bin(Timestamp, ${span})`];
    text += `\n| summarize tl_Count = count(), arg_max(Timestamp, ReportId, DeviceName) by ${keys.join(', ')}`;
    text += `\n| where tl_Count >= ${rule.window.threshold}`;
    columns = [
      'Timestamp',
      'DeviceId',
      'DeviceName',
      'ReportId',
      'tl_Window',
      ...keyColumns.map((_, i) => `Key_${i}`),
      'tl_Count',
    ];
    text += `\n| project ${columns.join(', ')}`;
    warnings.push({
      code: 'fixed-buckets',
      message: `Kusto counts in fixed ${span} buckets (bin(Timestamp, ${span})); the rule's ${rule.window.size} window slides, so events that straddle a bucket boundary are counted locally but not here`,
    });
  } else {
    const last = text.split('\n').at(-1)!;
    columns = last.replace(/^\s*\| project /, '').split(', ');
    if (members.length > 1) {
      columns = [
        ...new Set(
          members.flatMap((m) =>
            m
              .split('\n')
              .at(-1)!
              .replace(/^\| project /, '')
              .split(', '),
          ),
        ),
      ];
    }
  }
  return {
    ok: true,
    source,
    query: {
      text,
      tables: [...rule.source.tables],
      columns,
      ...(windowMs !== undefined ? { windowMs } : {}),
      warnings,
    },
  };
}
