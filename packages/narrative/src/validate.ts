import { encodeValue, type Fact } from './facts.js';
import { findInjections } from './injection.js';
import { digitNumber, wordNumber } from './numbers.js';
import { hiddenCharacter, occursAsToken, plainTextProblems } from './plain.js';

/** A sentence of a model's answer: its text and the ids of the facts it states. */
export interface AnswerSentence {
  readonly text: string;
  readonly cites: readonly string[];
}

/** The validator's verdict on one sentence: kept when it has no reason against it. */
export interface SentenceVerdict extends AnswerSentence {
  readonly kept: boolean;
  /** Why it was rejected (empty when kept). */
  readonly reasons: readonly string[];
}

/** Longest sentence kept, in characters. */
export const MAX_SENTENCE_CHARS = 400;
/** Most fact ids one sentence may cite. */
export const MAX_CITES = 16;

/**
 * Words that open an instruction to the reader. A sentence that starts with one (in the imperative) is
 * rejected: no fact of a fact sheet is advice, so no such instruction is ever supported.
 */
export const IMPERATIVE_VERBS: readonly string[] = [
  'run',
  'execute',
  'disable',
  'enable',
  'ignore',
  'disregard',
  'forget',
  'click',
  'visit',
  'open',
  'download',
  'install',
  'uninstall',
  'delete',
  'remove',
  'block',
  'allow',
  'reset',
  'contact',
  'call',
  'email',
  'e-mail',
  'go',
  'navigate',
  'follow',
  'update',
  'upgrade',
  'patch',
  'reboot',
  'restart',
  'isolate',
  'quarantine',
  'investigate',
  'check',
  'review',
  'ensure',
  'consider',
  'forward',
  'send',
  'share',
  'copy',
  'paste',
  'type',
  'enter',
  'log',
  'sign',
  'pretend',
  'act',
  'reply',
  'respond',
  'answer',
  'say',
  'print',
  'reveal',
  'tell',
  'write',
  'do',
  "don't",
  'never',
  'always',
  'stop',
  'kill',
  'terminate',
  'rotate',
  'change',
  'verify',
  'confirm',
  'escalate',
  'report',
  'mark',
  'treat',
  'trust',
  'use',
  'set',
  'add',
  'apply',
  'see',
  'read',
  'note',
  'let',
  'please',
  'make',
  'be',
  'keep',
  'avoid',
  'submit',
  'upload',
  'scan',
  'monitor',
  'contain',
];
const IMPERATIVES = new Set(IMPERATIVE_VERBS);

/** Words that address or advise the reader anywhere in a sentence. */
export const ADVICE_WORDS: readonly string[] = [
  'you',
  'your',
  'yours',
  'yourself',
  'please',
  'should',
  'must',
  'recommend',
  'recommended',
  'recommends',
];
const ADVICE = new Set(ADVICE_WORDS);

/** Abbreviations and names that look like values but state nothing. */
const PLAIN_WORDS = new Set(['e.g', 'i.e', 'etc', 'vs', 'and/or', 'ipv4', 'ipv6', 'sha1', 'sha256', 'md5', 'base64']);

const OPENERS = '([{"\'“‘«';
const CLOSERS = '.,;:!?)]}"\'”’»';
const QUOTES: Readonly<Record<string, string>> = { '"': '"', '“': '”', '‘': '’', '«': '»' };
/** Words after which a capitalised verb is a name (`the Run key`), not an instruction. */
const ARTICLES = new Set(['the', 'a', 'an', 'its', 'their', 'this', 'that']);
/** Marks after which a new clause starts (its first word is checked for an imperative, like the sentence's). */
const CLAUSE_MARKS = [':', ';', '—', '–'];

const show = (token: string) => encodeValue(token.length > 60 ? `${token.slice(0, 60)}…` : token);

interface Cited {
  /** The cited facts' values (as strings) and lines, one per line. */
  readonly haystack: string;
  readonly lower: string;
  readonly numbers: ReadonlySet<number>;
}

function citedOf(cites: readonly Fact[]): Cited {
  const haystack = cites.map((f) => `${String(f.value)}\n${f.text}`).join('\n');
  return { haystack, lower: haystack.toLowerCase(), numbers: new Set(cites.flatMap((f) => f.numbers)) };
}

/** Takes quoted passages out of the text (checking each is verbatim in a cited fact); returns the rest. */
function checkQuotes(text: string, cited: Cited, reasons: string[], openers: string[]): string {
  let rest = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    const prev = i === 0 ? ' ' : (text[i - 1] as string);
    let close: string | undefined = QUOTES[ch];
    // a straight single quote opens a quotation only at the start of a word (not an apostrophe)
    if (ch === "'" && /^[\s([{]$/.test(prev)) close = "'";
    if (close === undefined) {
      rest += ch;
      i++;
      continue;
    }
    const end = text.indexOf(close, i + 1);
    if (end < 0) {
      reasons.push(`unbalanced quotation mark ${show(ch)}`);
      rest += ' ';
      i++;
      continue;
    }
    const quoted = text.slice(i + 1, end);
    openers.push(quoted.trim().split(' ')[0] ?? '');
    if (quoted.trim().length === 0) reasons.push('an empty quotation');
    else if (!cited.haystack.includes(quoted)) {
      reasons.push(`quoted text ${show(quoted)} does not occur in a cited fact`);
    }
    rest += ' ';
    i = end + 1;
  }
  return rest;
}

function strip(word: string): string {
  let a = 0;
  let b = word.length;
  while (a < b && OPENERS.includes(word[a] as string)) a++;
  while (b > a && CLOSERS.includes(word[b - 1] as string) && !(word[b - 1] === ':' && word[b - 2] === ':')) b--;
  let w = word.slice(a, b);
  if (w.endsWith("'s") || w.endsWith('’s')) w = w.slice(0, -2);
  return w;
}

/** What kind of value a word names, when it must occur verbatim in a cited fact. */
function valueKind(w: string): string | undefined {
  const lower = w.toLowerCase();
  if (PLAIN_WORDS.has(lower)) return undefined;
  if (w.includes('://') || lower.startsWith('www.') || lower.startsWith('mailto:')) return 'link';
  if (/^T\d{4}(\.\d{3})?$/.test(w)) return 'ATT&CK id';
  if (w.includes('@')) return 'e-mail address or account';
  let digits = false;
  let dots = 0;
  let letters = false;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits = true;
    else if (c === 0x2e) dots++;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) letters = true;
  }
  if (w.startsWith('/') || w.startsWith('~/') || w.startsWith('\\\\') || /^[A-Za-z]:\\/.test(w)) return 'path';
  if (w.includes('/') || w.includes('\\')) return 'path';
  if (w.includes(':')) return digits && !letters ? 'time' : 'address';
  if (dots === 3 && digits && !letters) return 'IPv4 address';
  if (dots > 0 && letters) return 'host name';
  if (digits || dots > 0 || w.includes('_') || w.includes('=')) return 'value';
  return undefined;
}

/**
 * Checks one sentence against the facts it cites. Returns the reasons it cannot be kept (none: keep
 * it). The rules: the text is one non-empty plain sentence of at most {@link MAX_SENTENCE_CHARS}
 * characters with no hidden character, markup or link syntax; it cites 1–{@link MAX_CITES} ids that all
 * exist; it holds nothing that reads like an instruction to a model; no imperative verb opens it, a
 * clause or a quotation, or stands capitalised inside it, and it does not address or advise the reader;
 * every quoted passage occurs in a cited fact, and every link, ATT&CK id, e-mail address, path, host
 * name, IP address, time and other value with digits or dots occurs in one as a whole value; an alert
 * label (`A4`) is the subject of a cited fact; every number (digits, thousands separators, decimals,
 * percentages, number words) equals a number a cited fact states. Linear in the text: one scan per
 * rule, the injection patterns on RE2.
 */
export function checkSentence(sentence: AnswerSentence, facts: ReadonlyMap<string, Fact>): string[] {
  const reasons: string[] = [];
  const text = typeof sentence.text === 'string' ? sentence.text.trim() : '';
  const cites = Array.isArray(sentence.cites) ? sentence.cites : [];
  if (text.length === 0) return ['the sentence is empty'];
  if (text.length > MAX_SENTENCE_CHARS) return [`the sentence is longer than ${MAX_SENTENCE_CHARS} characters`];
  if (cites.length === 0) reasons.push('the sentence cites no fact');
  if (cites.length > MAX_CITES) reasons.push(`the sentence cites more than ${MAX_CITES} facts`);
  const cited: Fact[] = [];
  for (const id of cites.slice(0, MAX_CITES)) {
    const fact = typeof id === 'string' ? facts.get(id) : undefined;
    if (fact) cited.push(fact);
    else reasons.push(`cites ${show(String(id))}, which is not a fact of the fact sheet`);
  }
  const hidden = hiddenCharacter(String(sentence.text));
  if (hidden !== undefined) {
    reasons.push(
      `the sentence holds a control, invisible or bidirectional character (U+${hidden.toString(16).toUpperCase().padStart(4, '0')})`,
    );
  }
  for (const problem of plainTextProblems(text)) reasons.push(`the sentence is not plain text: ${problem}`);
  if (String(sentence.text).startsWith('  ')) reasons.push('the sentence is not plain text: indented (a code block)');
  for (const hit of findInjections(text))
    reasons.push(`the sentence reads like an instruction to a model (${hit.pattern})`);

  const c = citedOf(cited);
  const openers: string[] = [];
  const rest = checkQuotes(text, c, reasons, openers);
  const words = rest.split(' ').filter((w) => w.length > 0);
  // the first word of the sentence, of each clause after a colon, semicolon or dash, and of each quotation
  openers.push(words[0] ?? '');
  for (const [i, w] of words.entries()) {
    if (CLAUSE_MARKS.some((m) => w.endsWith(m) || w === m)) openers.push(words[i + 1] ?? '');
  }
  for (const opener of openers) {
    const first = strip(opener).toLowerCase();
    if (IMPERATIVES.has(first)) reasons.push(`the sentence holds an instruction (the imperative ${show(first)})`);
  }
  // an embedded instruction: a capitalised imperative inside the sentence (not a name after an article)
  for (let i = 1; i < words.length; i++) {
    const w = strip(words[i] as string);
    const before = strip(words[i - 1] as string).toLowerCase();
    if (/^[A-Z][a-z]+$/.test(w) && IMPERATIVES.has(w.toLowerCase()) && !ARTICLES.has(before)) {
      reasons.push(`the sentence holds an instruction (the imperative ${show(w.toLowerCase())})`);
    }
  }
  for (const raw of words) {
    const w = strip(raw);
    if (w.length === 0) continue;
    const lower = w.toLowerCase();
    if (ADVICE.has(lower)) {
      reasons.push(`the sentence addresses or advises the reader (${show(lower)})`);
      continue;
    }
    const n = digitNumber(w) ?? wordNumber(w);
    if (n !== undefined) {
      if (!c.numbers.has(n)) reasons.push(`the number ${show(w)} is not a number of a cited fact`);
      continue;
    }
    if (/^A[1-9][0-9]{0,5}$/.test(w)) {
      // an alert label names the alert whose facts the sentence cites
      if (!cited.some((f) => f.id.startsWith(`${w}.`)))
        reasons.push(`the alert ${show(w)} is not the subject of a cited fact`);
      continue;
    }
    const kind = valueKind(w);
    if (kind === undefined) continue;
    const caseless = kind === 'host name' || kind === 'e-mail address or account';
    const found = caseless ? occursAsToken(c.lower, lower) : occursAsToken(c.haystack, w);
    if (!found) reasons.push(`the ${kind} ${show(w)} does not occur in a cited fact`);
  }
  return [...new Set(reasons)];
}

/**
 * Validates a model's sentences against a fact sheet's facts: each verdict says whether the sentence
 * is kept and, when not, every reason (see {@link checkSentence} for the rules). Deterministic.
 */
export function validateSentences(
  sentences: readonly AnswerSentence[],
  facts: readonly Fact[] | { readonly facts: readonly Fact[] },
): SentenceVerdict[] {
  const list = Array.isArray(facts) ? facts : (facts as { readonly facts: readonly Fact[] }).facts;
  const byId = new Map(list.map((f) => [f.id, f]));
  return sentences.map((s) => {
    const reasons = checkSentence(s, byId);
    return {
      text: typeof s.text === 'string' ? s.text.trim() : '',
      cites: Array.isArray(s.cites) ? s.cites : [],
      kept: reasons.length === 0,
      reasons,
    };
  });
}
