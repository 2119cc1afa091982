/**
 * The YAML tree the Sigma reader walks: maps, sequences and scalars with the offset each starts at.
 * Two loaders build it — the fast loader of the YAML subset Sigma rules use (`./fast.ts`) and the
 * `yaml` package for everything else (`./load.ts`) — and both give the same tree for the same text.
 */

import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';

/** A scalar: its resolved value (YAML 1.2 core schema) and the offset of its first character. */
export interface YScalar {
  readonly kind: 'scalar';
  readonly offset: number;
  readonly value: unknown;
}

/** One `key: value` of a map; `null` where the `yaml` package has no node. */
export interface YPair {
  readonly key: YNode | null;
  readonly value: YNode | null;
}

export interface YMap {
  readonly kind: 'map';
  readonly offset: number;
  readonly pairs: readonly YPair[];
}

export interface YSeq {
  readonly kind: 'seq';
  readonly offset: number;
  readonly items: readonly (YNode | null)[];
}

/** Any other node (an alias, a key that is a collection): where it starts and how `String()` spells it. */
export interface YOther {
  readonly kind: 'other';
  readonly offset: number | undefined;
  readonly text: string;
}

export type YNode = YScalar | YMap | YSeq | YOther;

/**
 * A string that does not share its characters with the text it was cut from. V8 represents a
 * substring of 13 characters or more as a view into its parent, so one title kept after loading
 * would keep the whole rule file alive; rule sets live as long as the process. Shorter strings are
 * copies already.
 */
export function own(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

/** {@link own} for a resolved scalar value (numbers, booleans and null as they are). */
export function ownValue(v: unknown): unknown {
  return typeof v === 'string' ? own(v) : v;
}

/** The offset a node starts at (undefined for a node the `yaml` package gives no range). */
export function offsetOf(node: YNode | null | undefined): number | undefined {
  return node ? node.offset : undefined;
}

/** `String(key)` as the `yaml` package spells a key: a scalar's value, else the node's text. */
export function keyText(key: YNode | null, nullScalar: string): string {
  if (key === null) return 'null';
  if (key.kind === 'scalar') return key.value === null ? nullScalar : String(key.value);
  return key.kind === 'other' ? key.text : '[collection]';
}

/** The tree of a node of the `yaml` package. */
export function fromYaml(node: unknown): YNode | null {
  if (node === null || node === undefined) return null;
  const n = node as Node;
  const offset = n.range?.[0] as number | undefined;
  if (isScalar(n)) return { kind: 'scalar', offset: offset as number, value: ownValue(n.value) };
  if (isMap(n))
    return {
      kind: 'map',
      offset: offset as number,
      pairs: n.items.map((p) => ({
        key: isScalar(p.key) ? fromYaml(p.key) : p.key === null ? null : other(p.key),
        value: fromYaml(p.value),
      })),
    };
  if (isSeq(n))
    return {
      kind: 'seq',
      offset: offset as number,
      items: n.items.map((x) => (isPair(x) ? other(x) : fromYaml(x))),
    };
  return other(n);
}

function other(n: unknown): YOther {
  return { kind: 'other', offset: (n as Node).range?.[0], text: String(n) };
}

/** The node at `path` (keys of maps, indexes of sequences), as the `yaml` package's `getIn(path, true)`. */
export function nodeAt(root: YNode | null, path: readonly (string | number)[]): YNode | null | undefined {
  let node: YNode | null | undefined = root;
  for (const key of path) {
    if (!node) return undefined;
    if (node.kind === 'map') {
      const pair: YPair | undefined = node.pairs.find((p) => p.key?.kind === 'scalar' && p.key.value === key);
      node = pair ? pair.value : undefined;
    } else if (node.kind === 'seq') {
      const idx = typeof key === 'string' && key ? Number(key) : key;
      node =
        typeof idx === 'number' && Number.isInteger(idx) && idx >= 0 && idx < node.items.length
          ? node.items[idx]
          : undefined;
    } else return undefined;
  }
  return node;
}

/**
 * The plain JavaScript value of a tree built by the fast loader (string keys, scalars, no aliases),
 * exactly as the `yaml` package's `toJS()`: a key an object already has (`constructor`, `toString`…)
 * becomes an own property, never an assignment through the prototype.
 */
export function toPlain(node: YNode | null): unknown {
  if (node === null) return null;
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const p of node.pairs) {
        const k = p.key?.kind === 'scalar' ? String(p.key.value) : keyText(p.key, '');
        const v = toPlain(p.value);
        if (k in out) Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
        else out[k] = v;
      }
      return out;
    }
    default:
      throw new Error('toPlain: a tree of the fast loader has no other nodes');
  }
}
