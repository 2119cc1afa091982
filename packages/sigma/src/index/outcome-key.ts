/**
 * Keys of the family's memo of outcomes (`family.ts`): a rule, the platform code of the row (0 when
 * the rule does not read it) and the ids of the values of the views the rule reads, as one number
 * when the ids are small enough, else as a string of the same parts.
 *
 * A number is built without allocating (a string key is concatenated, then hashed whole by the map,
 * on every visit of a rule that reads two views or more). Numbers and strings never equal one another
 * in a `Map`, and within each kind the key is one-to-one:
 *
 * - number: `((ids in base radix) * 4 + platform) * ruleCount + rule`, every id below the radix of its
 *   arity, the platform code below 4 and the rule below `ruleCount`. The rule is the key modulo
 *   `ruleCount`, and a rule always reads the same number of views, so keys of two rules never meet;
 *   the radix is chosen so that every key stays below 2^52 (exact in a double).
 * - string: `rule.platform.id1.id2…`, used when an id reaches the radix.
 */

/** Bits of a number key left for the ids once the platform (2 bits) and the rule are in. */
function idBits(ruleCount: number): number {
  return 50 - Math.ceil(Math.log2(Math.max(ruleCount, 2)));
}

export class OutcomeKeys {
  /** Radix of the ids of a key of `n` views, by `n` (0 unused). */
  private readonly radix: Float64Array;

  /** `maxViews`: the most views a memoised rule reads. */
  constructor(
    readonly ruleCount: number,
    maxViews: number,
  ) {
    const bits = idBits(ruleCount);
    this.radix = new Float64Array(maxViews + 1);
    for (let n = 1; n <= maxViews; n++) this.radix[n] = 2 ** Math.max(0, Math.floor(bits / n));
  }

  /** The key of rule `rule` with platform code `platform` (0 to 3) and the first `n` ids of `ids`. */
  key(rule: number, platform: number, ids: ArrayLike<number>, n: number): number | string {
    const k = this.numberKey(rule, platform, ids, n);
    return k >= 0 ? k : stringKey(rule, platform, ids, n);
  }

  /**
   * The key as a number, or -1 when an id reaches the radix (the key is then {@link stringKey}'s).
   * Always a number: a caller that keeps it in a typed array never boxes it.
   */
  numberKey(rule: number, platform: number, ids: ArrayLike<number>, n: number): number {
    const r = this.radix[n]!;
    let combined = 0;
    for (let k = 0; k < n; k++) {
      const id = ids[k]!;
      if (id >= r) return -1;
      combined = combined * r + id;
    }
    return (combined * 4 + platform) * this.ruleCount + rule;
  }
}

/** The key as a string, `rule.platform.id1.id2…` (when an id reaches the radix of a number key). */
export function stringKey(rule: number, platform: number, ids: ArrayLike<number>, n: number): string {
  let key = `${rule}.${platform}`;
  for (let k = 0; k < n; k++) key += `.${ids[k]!}`;
  return key;
}
