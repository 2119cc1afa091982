import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { AnyDetector } from '../detector/types.js';
import { ERROR_CODES, TriplineError } from '../errors.js';
import { ruleToDetector } from './compile.js';
import { RuleProblem } from './predicate.js';
import { type Rule, ruleSchema } from './schema.js';

/** A rule file compiled: the rule as validated and its detector. */
export interface LoadedRule {
  /** The file (as given) the rule was read from. */
  readonly file: string;
  readonly rule: Rule;
  readonly detector: AnyDetector;
}

/** Where a load error is: 1-based line and column, and the rule field (`where.FileName.regex`). */
export interface RulePosition {
  readonly line: number;
  readonly column: number;
  readonly field: string;
}

/** Extensions read as rule files in a folder. */
export const RULE_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

/** `<rule>.fires.<name>.json` / `<rule>.ignores.<name>.json`: fixture files beside a rule file. */
const FIXTURE_FILE_RE = /\.(?:fires|ignores)\.[^/\\]+\.json$/;

function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.') || '(top level)';
}

/** The node at `path` (or the deepest existing ancestor); with `key`, the key node of that entry. */
function nodeAt(root: unknown, path: readonly PropertyKey[], key?: string): Node | undefined {
  let node = root as Node | undefined;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) return node;
      node = pair.value as Node | undefined;
      if (node === null || node === undefined) return pair.key as Node;
    } else if (isSeq(node)) {
      const item = node.items[Number(step)] as Node | undefined;
      if (!item) return node;
      node = item;
    } else return node;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
    if (pair) return pair.key as Node;
  }
  return node;
}

/**
 * Parse and compile the text of one rule file (YAML or JSON: JSON is read by the same YAML 1.2
 * parser, so both give positions). Throws a `detector-invalid` {@link TriplineError} whose message is
 * `file:line:column: field: reason` and whose details hold `file`, `line`, `column` and `field`.
 */
export function parseRule(text: string, file: string): LoadedRule {
  const lineCounter = new LineCounter();
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const fail = (offset: number, field: string, reason: string): never => {
    const { line, col } = lineCounter.linePos(offset);
    throw new TriplineError(ERROR_CODES.DETECTOR_INVALID, `${file}:${line}:${col}: ${field}: ${reason}`, {
      details: { file, line, column: col, field },
    });
  };
  const yamlError = doc.errors[0];
  if (yamlError) {
    const reason = (yamlError.message.split('\n')[0] ?? yamlError.message).replace(/ at line \d+, column \d+:?$/, '');
    fail(yamlError.pos[0], '(syntax)', reason);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    fail(0, '(syntax)', error instanceof Error ? error.message : String(error));
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    fail(0, '(top level)', 'a rule file holds one rule: a mapping with id, title, source, where, messages…');
  const at = (path: readonly PropertyKey[], key?: string): number => nodeAt(doc.contents, path, key)?.range?.[0] ?? 0;
  const parsed = ruleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0]!;
      fail(
        at(issue.path, key),
        fieldName([...issue.path, key]),
        `unknown key "${key}" (a typo would silently change what the rule does)`,
      );
    }
    fail(at(issue.path), fieldName(issue.path), issue.message);
  }
  const rule = parsed.data as Rule;
  let detector: AnyDetector;
  try {
    detector = ruleToDetector(rule);
  } catch (error) {
    if (error instanceof RuleProblem) {
      const offset = error.atKey ? at(error.path.slice(0, -1), String(error.path.at(-1))) : at(error.path);
      fail(offset, fieldName(error.path), error.message);
    }
    throw error;
  }
  return { file, rule, detector };
}

/** Read and compile one rule file. */
export function loadRuleFile(file: string): LoadedRule {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new TriplineError(
      ERROR_CODES.DETECTOR_INVALID,
      `cannot read rule file ${file}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory' : error instanceof Error ? error.message : String(error)}`,
      { details: { file }, cause: error },
    );
  }
  return parseRule(text, file);
}

/** Files of a package or tool beside the rules, never rules: `package.json`, `tsconfig.json`, … */
const NOT_RULES_RE = /^(?:package(?:-lock)?\.json|tsconfig(?:\.[^.]+)?\.json|biome\.json|\.?[^.]*rc\.json)$/;

/** True for a name a folder scan reads as a rule file (not a fixture, a dotfile or a package's own JSON). */
export function isRuleFileName(name: string): boolean {
  return (
    RULE_EXTENSIONS.includes(extname(name).toLowerCase()) &&
    !FIXTURE_FILE_RE.test(name) &&
    !name.startsWith('.') &&
    !NOT_RULES_RE.test(name)
  );
}

/**
 * The rule files of a path: the file itself, or every `.yaml`/`.yml`/`.json` file under a folder
 * (recursively, sorted; fixture files `<rule>.fires.*.json`, `<rule>.ignores.*.json`, `fixtures/`
 * and `<rule>.fixtures/` folders, `node_modules`, dotfiles and `package.json`/`tsconfig.json` are skipped). A folder without rule files is an error: a wrong path must not
 * load nothing silently.
 */
export function ruleFiles(path: string): string[] {
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path);
  } catch (error) {
    throw new TriplineError(ERROR_CODES.DETECTOR_INVALID, `cannot read rules ${path}: no such file or directory`, {
      details: { file: path },
      cause: error,
    });
  }
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.endsWith('.fixtures') && entry.name !== 'fixtures') walk(full);
      } else if (isRuleFileName(entry.name)) out.push(full);
    }
  };
  walk(path);
  if (out.length === 0)
    throw new TriplineError(
      ERROR_CODES.DETECTOR_INVALID,
      `${path}: no rule files (.yaml, .yml, .json) in this folder`,
      {
        details: { file: path },
      },
    );
  return out;
}

/** Load every rule of each path (a file or a folder), in order. */
export function loadRules(paths: string | readonly string[]): LoadedRule[] {
  return (typeof paths === 'string' ? [paths] : paths).flatMap((p) => ruleFiles(p).map(loadRuleFile));
}

/**
 * The fixture files of a rule file, sorted: `<rule>.fires.<name>.json` and `<rule>.ignores.<name>.json`
 * beside it, and `fires.*.json` / `ignores.*.json` in a folder `<rule>.fixtures/` beside it.
 */
export function ruleFixtureFiles(file: string): { fires: string[]; ignores: string[] } {
  const dir = dirname(file);
  const base = basename(file, extname(file));
  const fires: string[] = [];
  const ignores: string[] = [];
  const names = readdirSync(dir).sort();
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const rest = name.slice(base.length + 1);
    if (/^fires\.[^/\\]+\.json$/.test(rest)) fires.push(join(dir, name));
    else if (/^ignores\.[^/\\]+\.json$/.test(rest)) ignores.push(join(dir, name));
  }
  const folder = join(dir, `${base}.fixtures`);
  let inFolder: string[] = [];
  try {
    if (statSync(folder).isDirectory()) inFolder = readdirSync(folder).sort();
  } catch {
    inFolder = [];
  }
  for (const name of inFolder) {
    if (/^fires\.[^/\\]+\.json$/.test(name)) fires.push(join(folder, name));
    else if (/^ignores\.[^/\\]+\.json$/.test(name)) ignores.push(join(folder, name));
  }
  return { fires, ignores };
}
