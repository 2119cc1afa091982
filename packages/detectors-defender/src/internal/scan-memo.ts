/**
 * {@link scan}'s answers remembered per text. A fleet runs the same agent scripts and command lines on
 * every host, so most texts recur thousands of times; `scan` is pure, so its answer for a text can be
 * reused as long as the context it read is the same.
 *
 * The context is read lazily (callers may pass getters that parse the row), and what `scan` reads
 * depends only on the text and on the context values read before. So an entry records the reads in
 * the order they happened, and a later call replays them in that order: when every one gives the same
 * value, `scan` would take the same path and give the same answer; at the first difference the text is
 * scanned again. A context field the scan never read is never read here either.
 */
import { type Finding, type ScanContext, scan } from './behaviours.js';

/** Texts remembered at most. */
export const SCAN_MEMO_ENTRIES = 512;
/** Characters of remembered texts at most (a text longer than this alone is never remembered). */
export const SCAN_MEMO_CHARS = 4_000_000;

/** One context read of a scan: which field, and the value it gave. */
type Read = readonly ['packageHook' | 'root', boolean];

interface Entry {
  readonly reads: readonly Read[];
  readonly findings: readonly Finding[];
}

const memo = new Map<string, Entry>();
let chars = 0;

/**
 * `scan(text, ctx)`, remembered. The findings are shared between the calls that get them: frozen,
 * read them only (a finding's `mitre` set included).
 */
export function scanOnce(text: string, ctx: ScanContext): readonly Finding[] {
  const known = memo.get(text);
  if (known !== undefined && replays(known.reads, ctx)) return known.findings;
  const reads: Read[] = [];
  let hook: boolean | undefined;
  let root: boolean | undefined;
  const findings = scan(text, {
    get packageHook() {
      if (hook === undefined) {
        hook = ctx.packageHook;
        reads.push(['packageHook', hook]);
      }
      return hook;
    },
    get root() {
      if (root === undefined) {
        root = ctx.root;
        reads.push(['root', root]);
      }
      return root;
    },
  });
  for (const f of findings) {
    Object.freeze(f.lines);
    Object.freeze(f);
  }
  Object.freeze(findings);
  if (text.length <= SCAN_MEMO_CHARS) {
    if (known === undefined) {
      if (memo.size >= SCAN_MEMO_ENTRIES || chars + text.length > SCAN_MEMO_CHARS) {
        memo.clear();
        chars = 0;
      }
      chars += text.length;
    }
    memo.set(text, { reads, findings });
  }
  return findings;
}

/** The context gives every recorded read the same value (read in the recorded order, stopping at the first difference). */
function replays(reads: readonly Read[], ctx: ScanContext): boolean {
  for (const [field, value] of reads) if (ctx[field] !== value) return false;
  return true;
}

/** Texts remembered now (for tests). */
export function scanMemoSize(): number {
  return memo.size;
}
