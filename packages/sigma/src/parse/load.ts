/**
 * YAML text → documents as trees with offsets, and offsets → line and column. The fast loader
 * (`./fast.ts`) reads the subset Sigma rules are written in; any other text goes to the `yaml` package
 * (1.2 core schema, unique keys), which both loaders agree with on every text the fast one accepts.
 */

import { LineCounter, parseAllDocuments } from 'yaml';
import { fastLoad } from './fast.js';
import { fromYaml, toPlain, type YNode } from './tree.js';

/** One document: its tree (null when empty), where it starts, its first YAML error, its plain value. */
export interface YamlDocument {
  readonly contents: YNode | null;
  /** The offset of the contents (or of the document when it has none). */
  readonly start: number | undefined;
  readonly error: { readonly offset: number; readonly message: string } | undefined;
  /** The plain JavaScript value (strings for dates); may throw (an alias bomb). */
  toJS(): unknown;
}

export interface YamlStream {
  readonly documents: readonly YamlDocument[];
  /** 1-based line and column of an offset (as the `yaml` package's `LineCounter`). */
  readonly linePos: (offset: number) => { readonly line: number; readonly col: number };
  /** The message when the `yaml` package threw instead of reporting errors. */
  readonly thrown: string | undefined;
}

/** `linePos` over line start offsets, as `LineCounter.linePos`. */
function linePosOf(lineStarts: readonly number[]): (offset: number) => { line: number; col: number } {
  return (offset) => {
    let low = 0;
    let high = lineStarts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (lineStarts[mid]! < offset) low = mid + 1;
      else high = mid;
    }
    if (lineStarts[low] === offset) return { line: low + 1, col: 1 };
    if (low === 0) return { line: 0, col: offset };
    return { line: low, col: offset - lineStarts[low - 1]! + 1 };
  };
}

/**
 * Every document of a YAML text. `fast: false` skips the fast loader (the differential tests compare
 * both ways).
 */
export function loadYaml(text: string, options: { readonly fast?: boolean } = {}): YamlStream {
  if (options.fast !== false) {
    const fast = fastLoad(text);
    if (fast) {
      const root = fast.root;
      return {
        documents: [{ contents: root, start: root.offset, error: undefined, toJS: () => toPlain(root) }],
        linePos: linePosOf(fast.lineStarts),
        thrown: undefined,
      };
    }
  }
  return slowLoad(text);
}

function slowLoad(text: string): YamlStream {
  const lineCounter = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    return { documents: [], linePos: lineCounter.linePos, thrown: String((error as Error).message) };
  }
  const list = Array.isArray(docs) ? docs : [];
  return {
    documents: list.map((doc) => {
      const e = doc.errors[0];
      const contents = e ? null : fromYaml(doc.contents);
      return {
        contents,
        start: doc.contents?.range?.[0] ?? doc.range?.[0],
        error: e ? { offset: e.pos[0], message: e.message } : undefined,
        toJS: () => doc.toJS({ maxAliasCount: 100 }),
      };
    }),
    linePos: lineCounter.linePos,
    thrown: undefined,
  };
}
