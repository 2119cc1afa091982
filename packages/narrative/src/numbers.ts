/**
 * Numbers in text, found by one linear scan (no regular expression): the numbers a fact states, and
 * the number words a sentence may use instead of digits.
 */

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;

/** True when the character at `i` glues a digit run into a word (`log4j`, `3a5a2c`, `python3`). */
function gluing(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (!isLetter(c)) return false;
  // the T and Z of a timestamp (2025-11-07T06:46:02Z) separate numbers
  if (c === 0x54) return !(isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1)));
  if (c === 0x5a) return !(isDigit(text.charCodeAt(i - 1)) && !isLetter(text.charCodeAt(i + 1)));
  return true;
}

/**
 * Every number a fact's value states, generously: each run of digits (`2025-11-07` gives 2025, 11 and
 * 7), each decimal (`2.5`), each thousands-grouped number (`1,234` gives 1234 as well as 1 and 234).
 * Digits glued to letters are part of a name, not a number: `log4j`, `python3.10`, `T1059.004` and
 * the hex of an id state none. A sentence number is supported when it equals one of them.
 */
export function numbersIn(text: string): number[] {
  const out: number[] = [];
  let i = 0;
  let glued = false; // the previous run was part of a name: a run joined to it by `.` is too
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i))) {
      if (text[i] !== '.' || !isDigit(text.charCodeAt(i + 1))) glued = false;
      i++;
      continue;
    }
    let j = i;
    while (j < text.length && isDigit(text.charCodeAt(j))) j++;
    const joined: boolean = glued && text[i - 1] === '.';
    glued = joined || gluing(text, i - 1) || gluing(text, j);
    if (glued) {
      i = j;
      continue;
    }
    const run = text.slice(i, j);
    out.push(Number(run));
    // a decimal part
    if (text[j] === '.' && isDigit(text.charCodeAt(j + 1))) {
      let k = j + 1;
      while (k < text.length && isDigit(text.charCodeAt(k))) k++;
      out.push(Number(text.slice(i, k)));
    }
    // thousands groups: 1,234,567
    if (run.length <= 3) {
      let k = j;
      let grouped = run;
      while (
        text[k] === ',' &&
        isDigit(text.charCodeAt(k + 1)) &&
        isDigit(text.charCodeAt(k + 2)) &&
        isDigit(text.charCodeAt(k + 3)) &&
        !isDigit(text.charCodeAt(k + 4))
      ) {
        grouped += text.slice(k + 1, k + 4);
        k += 4;
      }
      if (grouped !== run) out.push(Number(grouped));
    }
    i = j;
  }
  return out;
}

/**
 * The value of a word a sentence writes as a number in digits: `40`, `40.0`, `1,234`, `12.5%` (a
 * percentage is its number: `40%` states 40). Undefined when the word is not such a number.
 */
export function digitNumber(word: string): number | undefined {
  let text = word;
  if (text.endsWith('%')) text = text.slice(0, -1);
  if (text.length === 0 || text.length > 40) return undefined;
  let i = 0;
  let intPart = '';
  let groups = 0;
  while (i < text.length && isDigit(text.charCodeAt(i))) intPart += text[i++];
  if (intPart.length === 0) return undefined;
  while (text[i] === ',') {
    const group = text.slice(i + 1, i + 4);
    if (group.length !== 3 || ![...group].every((c) => isDigit(c.charCodeAt(0)))) return undefined;
    if (groups === 0 && intPart.length > 3) return undefined;
    intPart += group;
    groups++;
    i += 4;
  }
  let fraction = '';
  if (text[i] === '.') {
    i++;
    while (i < text.length && isDigit(text.charCodeAt(i))) fraction += text[i++];
    if (fraction.length === 0) return undefined;
  }
  if (i !== text.length) return undefined;
  return Number(fraction ? `${intPart}.${fraction}` : intPart);
}

const UNITS: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  once: 1,
  twice: 2,
  thrice: 3,
  dozen: 12,
  hundred: 100,
  thousand: 1000,
  million: 1_000_000,
  billion: 1_000_000_000,
};
const TENS: Readonly<Record<string, number>> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

/**
 * The value of an English number word (`one` … `nineteen`, the tens, `forty-two`, `hundred`,
 * `thousand`, `million`, `billion`, `dozen`, `once`, `twice`, `thrice`; case-insensitive). Each word is a
 * number of its own: `three hundred` states 3 and 100, and is supported only when a cited fact states
 * both — write numbers in digits.
 */
export function wordNumber(word: string): number | undefined {
  const w = word.toLowerCase();
  if (Object.hasOwn(UNITS, w)) return UNITS[w];
  if (Object.hasOwn(TENS, w)) return TENS[w];
  const dash = w.indexOf('-');
  if (dash > 0) {
    const tens = w.slice(0, dash);
    const unit = w.slice(dash + 1);
    if (Object.hasOwn(TENS, tens) && Object.hasOwn(UNITS, unit) && (UNITS[unit] ?? 0) > 0 && (UNITS[unit] ?? 0) < 10) {
      return (TENS[tens] ?? 0) + (UNITS[unit] ?? 0);
    }
  }
  return undefined;
}
