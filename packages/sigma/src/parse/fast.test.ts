import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { differential } from '../../test/support/yaml-differential.js';
import { fastLoad } from './fast.js';
import { resolvePlain } from './scalars.js';

const RULES = join(dirname(fileURLToPath(import.meta.url)), '../../../sigmahq/rules');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yml') ? [join(dir, e.name)] : [],
    )
    .sort();
}

/** The differential over texts: every difference, and how many the fast loader took. */
function check(texts: readonly string[]): { diffs: string[]; fast: number } {
  const diffs: string[] = [];
  let fast = 0;
  for (const t of texts) {
    const d = differential(t);
    if (d.fast) fast++;
    if (d.diff) diffs.push(`${JSON.stringify(t).slice(0, 300)}: ${d.diff.slice(0, 400)}`);
  }
  return { diffs, fast };
}

describe('the fast YAML loader', () => {
  const corpus = yamlFiles(RULES).map((f) => readFileSync(f, 'utf8'));

  it('reads the vendored SigmaHQ rules exactly as the yaml package does (tree, offsets, values, documents)', () => {
    const { diffs, fast } = check(corpus);
    expect(diffs).toEqual([]);
    // The point of the loader: nearly every rule file is in its subset (emoji, homoglyphs and flow
    // sequences are left to `yaml`).
    expect(corpus.length).toBeGreaterThan(1000);
    expect(fast / corpus.length).toBeGreaterThan(0.99);
  }, 300_000);

  it('takes the YAML Sigma rules use, with the same result', () => {
    const texts = [
      'a: 1\nb:\nc: x\n',
      '# c\n\na: 1\n',
      'a:\n  b:\n',
      'a:\n- x\n- y: 1\n  z: 2\nb: 3\n',
      'a:\n    - x\n    -\n    - \n    - "q"\n',
      'a: |\n  x\n  y\n\nb: >-\n  p\n  q\n\n  r\n',
      'a: |-\n    x\n\n      y\n  # c\nb: |\n\n  x\n\n\n',
      "a: 'it''s'  # c\nb: \"\\\\x\\\"\\n\\t\\r\\/\" # d\n",
      '\'|all\':\n  - x\n"k y": 2\n',
      'sel: # comment\n  Image|endswith: x\n  - a\n'.replace('  - a\n', ''),
      'a: x # c\nb: x#y\nc: http://x:80/a\nd: -enc\nf: ?x\ng: :x\nh: a, [b] {c}\n',
      'a: ~\nb: null\nc: Null\nd: TRUE\ne: false\nf: 007\ng: 2024-01-31\nh: 123456789012345\n',
      'constructor: 1\ntoString: 2\nhasOwnProperty: 3\n',
      '  a: 1\n  b: 2\n',
      '- a\n- b: 1\n',
      'a:\n  b:\n    c:\n      - d\n  e: f\n',
      'a:\n\n  # c\n  b: 1',
      'a: é ü 中文 ´ 😀\n',
      'a:\n  - "\\u0410" # А\n  - "\\x41\\ud800"\n',
      '# a\tcomment\n  #\t\na: 1 # c\n',
      'a:\n  - b:\n    - x\n    c: 1\n',
    ];
    const { diffs, fast } = check(texts);
    expect(diffs).toEqual([]);
    expect(fast).toBe(texts.length);
  });

  it('leaves everything else to the yaml package', () => {
    const texts = [
      '',
      '# only a comment\n',
      '---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      'a: 1\n...\n',
      '%YAML 1.2\n---\na: 1\n',
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: [x, y]\n',
      'a: {x: 1}\n',
      'a: x\n  y\n',
      "a: 'x\n  y'\n",
      'a: "x\n  y"\n',
      'a: 1\na: 2\n',
      '? a\n: 1\n',
      '<<: {a: 1}\n',
      'a:\tb\n',
      'a: 1\r\nb: 2\r\n',
      '\ufeffa: 1\n',
      'a: "\\U0001F600"\n',
      'a: "\\u041"\n',
      'a: "\\xZZ"\n',
      'a: \ud83d\n',
      'a: \ude00x\n',
      'a: 1 # c\tc\n',
      'a:\t1\n',
      'a: "\\q"\n',
      'a: |+\n  x\n\n',
      'a: |2\n  x\n',
      'a: >\n  x\n    y\n',
      'a: |\n  x',
      'a: b: c\n',
      'a: x:\n',
      '1: x\n',
      'true: x\n',
      'null: x\n',
      'a: 0x1F\n',
      'a: -1\n',
      'a: 1.5\n',
      'a: 1234567890123456\n',
      'a: -\n',
      'a: .inf\n',
      'a: 1e3\n',
      'a: @x\n',
      'a: `x\n',
      'a: %x\n',
      '- - a\n',
      'a:\n  - x\n b: 1\n',
      'a:\n  b: 1\n c: 2\n',
      'a: 1\n  b: 2\n',
      'a: # c\nb: 1\n',
      'a:    \nb: 1\n',
      '-    \n- x\n',
      "a: 'x'y\n",
      'a: |\n  \n   \n  x\n',
      `${'k'.repeat(1100)}: 1\n`,
    ];
    const { diffs } = check(texts);
    expect(diffs).toEqual([]);
    for (const t of texts) expect(fastLoad(t), JSON.stringify(t)).toBeUndefined();
  });

  it('resolves plain scalars as the YAML 1.2 core schema', () => {
    expect(resolvePlain('007')).toBe(7);
    expect(resolvePlain('-enc')).toBe('-enc');
    expect(resolvePlain('.exe')).toBe('.exe');
    expect(resolvePlain('2024-01-31')).toBe('2024-01-31');
    expect(resolvePlain('Null')).toBeNull();
    expect(resolvePlain('FALSE')).toBe(false);
    expect(() => resolvePlain('1.5')).toThrow();
    expect(() => resolvePlain('+1')).toThrow();
  });

  it('agrees with the yaml package on rule files with characters inserted, deleted or replaced', () => {
    const pieces = [' ', '  ', '\n', '\n  ', '\n- ', ':', ': ', '- ', '#', ' #', "'", '"', '\\', '|', '>', '-', '|-'];
    const more = ['&a', '*a', '!', '[', ']', '{', '}', ',', '?', '~', '%', '@', '`', '\t', '\r', '1', '0x', '.', 'é'];
    const odd = ['😀', '\ud83d', '\\u0410', '\\x4', '\\U0001F600', '# \t', '\n---', '\n...', '\n%'];
    const piece = fc.constantFrom(...pieces, ...more, ...odd);
    const edit = fc.record({ at: fc.nat(), drop: fc.nat({ max: 3 }), insert: fc.array(piece, { maxLength: 3 }) });
    let fast = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.nat({ max: corpus.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 4 }), (i, edits) => {
        let t = corpus[i]!;
        for (const e of edits) {
          const at = e.at % (t.length + 1);
          t = t.slice(0, at) + e.insert.join('') + t.slice(at + e.drop);
        }
        const d = differential(t);
        runs++;
        if (d.fast) fast++;
        if (d.diff) throw new Error(`${JSON.stringify(t)}\n${d.diff}`);
      }),
      { numRuns: 600, seed: 16 },
    );
    // Many of the edited files are still in the subset: the property says something about the loader.
    expect(fast).toBeGreaterThan(runs / 4);
  }, 300_000);

  it('agrees with the yaml package on generated block YAML', () => {
    const word = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.|*\\/-]{0,7}$/);
    const clean = fc.array(word, { minLength: 1, maxLength: 3 }).map((a) => a.join(' '));
    const nasty = fc
      .array(
        fc.constantFrom('a', 'B', '1', '0', '-', '.', ' ', ':', '#', "'", '"', '\\', '*', '|', '>', 'é', ',', '['),
        {
          minLength: 1,
          maxLength: 10,
        },
      )
      .map((a) => a.join(''));
    const plain = fc.oneof({ arbitrary: clean, weight: 6 }, { arbitrary: nasty, weight: 1 });
    const scalar = fc.oneof(
      plain,
      plain.map((s) => `'${s.replaceAll("'", "''")}'`),
      plain.map((s) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`),
      fc.constantFrom('', '~', 'null', 'true', 'False', '12', '0012', '1.0', '-1', '2024-01-31', "''", '""'),
    );
    type Tree = { scalar: string } | { map: [string, Tree][] } | { seq: Tree[] };
    const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        scalar.map((s) => ({ scalar: s })),
        fc.array(fc.tuple(word, tie('tree')), { minLength: 1, maxLength: 4 }).map((m) => ({ map: m })),
        fc.array(tie('tree'), { minLength: 1, maxLength: 4 }).map((s) => ({ seq: s })),
      ),
    }));
    const style = fc.record({
      step: fc.integer({ min: 1, max: 4 }),
      sameIndentSeq: fc.boolean(),
      comments: fc.boolean(),
      block: fc.constantFrom('|', '|-', '>', '>-'),
    });
    const render = (
      t: Tree,
      indent: number,
      s: { step: number; sameIndentSeq: boolean; comments: boolean; block: string },
    ): string[] => {
      const pad = ' '.repeat(indent);
      if ('scalar' in t) return [t.scalar];
      const lines: string[] = [];
      if ('map' in t)
        for (const [k, v] of t.map) {
          if ('scalar' in v) {
            if (v.scalar.includes('\\') && !v.scalar.startsWith('"'))
              lines.push(`${pad}${k}: ${s.block}`, `${pad}${' '.repeat(s.step)}${v.scalar}`, '');
            else lines.push(`${pad}${k}: ${v.scalar}${s.comments ? ' # c' : ''}`);
          } else {
            const inner = 'seq' in v && s.sameIndentSeq ? indent : indent + s.step;
            lines.push(`${pad}${k}:${s.comments ? ' # c' : ''}`, ...render(v, inner, s));
          }
        }
      else
        for (const v of t.seq) {
          if ('scalar' in v) lines.push(`${pad}- ${v.scalar}`);
          else {
            const inner = render(v, indent + 2, s);
            lines.push(`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1));
            if (s.comments) lines.push(`${pad}# between`);
          }
        }
      return lines;
    };
    let fast = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(word, tree), { minLength: 1, maxLength: 5 }), style, (root, s) => {
        const text = `${render({ map: root }, 0, s).join('\n')}\n`;
        const d = differential(text);
        runs++;
        if (d.fast) fast++;
        if (d.diff) throw new Error(`${JSON.stringify(text)}\n${d.diff}`);
      }),
      { numRuns: 600, seed: 17 },
    );
    // Nested sequences (`- - x`) and numbers other than integers are left to `yaml`: a tenth at least is read fast.
    expect(fast).toBeGreaterThan(runs / 10);
  }, 300_000);
});
