/**
 * The differential check of the fast YAML loader, shared by the tests: for one text, the fast loader
 * either gives up or gives exactly what the `yaml` package gives — the tree with every offset, the
 * plain value, every line start, and the parsed Sigma documents.
 */

import { LineCounter, parseAllDocuments } from 'yaml';
import { fastLoad } from '../../src/parse/fast.js';
import { loadYaml } from '../../src/parse/load.js';
import { fromYaml, toPlain } from '../../src/parse/tree.js';
import { parseSigmaStream } from '../../src/parse.js';

/** What the check found: `fast` whether the fast loader took the text; `diff` the first difference. */
export interface Differential {
  readonly fast: boolean;
  readonly diff: string | undefined;
}

function same(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

/** A JSON spelling that keeps Map entries, undefined, prototypes and key order apart. */
function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (x instanceof Map) return { $map: [...x.entries()] };
    if (x === undefined) return { $undefined: true };
    if (typeof x === 'number' && !Number.isFinite(x)) return { $number: String(x) };
    if (x !== null && typeof x === 'object' && !Array.isArray(x) && Object.getPrototypeOf(x) !== Object.prototype)
      return { $proto: String(Object.getPrototypeOf(x)?.constructor?.name), ...x };
    return x;
  });
}

export function differential(text: string, name = 'x.yml'): Differential {
  const fast = fastLoad(text);
  if (!fast) return { fast: false, diff: undefined };
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length !== 1) return { fast: true, diff: `yaml reads ${list.length} documents` };
  const doc = list[0]!;
  if (doc.errors.length) return { fast: true, diff: `yaml reports ${doc.errors[0]!.message}` };
  if (doc.warnings.length) return { fast: true, diff: `yaml warns ${doc.warnings[0]!.message}` };
  const tree = fromYaml(doc.contents);
  if (!same(fast.root, tree)) return { fast: true, diff: `tree ${stable(fast.root)} ≠ ${stable(tree)}` };
  const js = toPlain(fast.root);
  const expected = doc.toJS({ maxAliasCount: 100 });
  if (!same(js, expected)) return { fast: true, diff: `value ${stable(js)} ≠ ${stable(expected)}` };
  if (!same(fast.lineStarts, lineCounter.lineStarts))
    return { fast: true, diff: `line starts ${fast.lineStarts} ≠ ${lineCounter.lineStarts}` };
  const a = parseSigmaStream(loadYaml(text), name);
  const b = parseSigmaStream(loadYaml(text, { fast: false }), name);
  if (!same(a, b)) return { fast: true, diff: `documents ${stable(a)} ≠ ${stable(b)}` };
  return { fast: true, diff: undefined };
}
