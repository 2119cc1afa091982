/**
 * Pure text helpers shared by the Defender detectors of this author: paths, command lines and
 * script bodies. Every function caps its input first and runs in linear time (no regex with
 * nested or ambiguous quantifiers is applied to event text).
 */

/** Longest command line tokenised (Linux caps a single argument at 128 KiB; real lines are far shorter). */
export const MAX_COMMAND_LINE = 16 * 1024;
/** Longest script body scanned for markers (ScriptContent can be many KB; markers sit near the top). */
export const MAX_SCRIPT_SCAN = 256 * 1024;
/** Longest value shown in a key component. */
export const MAX_SHOWN = 300;

/** `s` cut to `max` characters (with an ellipsis when cut). */
export function clip(s: string, max = MAX_SHOWN): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** {@link clip} of a value that may be absent (or empty): undefined then. */
export function clipOptional(s: string | undefined, max = MAX_SHOWN): string | undefined {
  return s ? clip(s, max) : undefined;
}

/** A Windows path: a drive letter (`c:\\windows\\…`) or a UNC share (`\\\\server\\…`). */
export function isWindowsPath(path: string): boolean {
  return /^[A-Za-z]:\\/.test(path) || path.startsWith('\\\\');
}

/** Last path component (`/usr/bin/dash` → `dash`, `c:\\windows\\system32\\cmd.exe` → `cmd.exe`); a bare name stays. */
export function basename(path: string): string {
  const i = isWindowsPath(path) ? path.lastIndexOf('\\') : path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

/** Directory part with a trailing slash (`/usr/lib/sysstat/sa1` → `/usr/lib/sysstat/`); `''` for a bare name. */
export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(0, i + 1) : '';
}

/**
 * Full path of an image or file from `FolderPath` + `FileName`. Defender's `FolderPath` holds the
 * full path including the file name in real Linux, macOS and Windows data, but some exports hold only
 * the folder: both are handled (with `\\` for Windows paths). Undefined when neither column is set.
 */
export function joinImagePath(folderPath: string | undefined, fileName: string | undefined): string | undefined {
  const folder = folderPath?.trim() || undefined;
  const file = fileName?.trim() || undefined;
  if (folder === undefined) return file;
  if (file === undefined) return folder;
  const sep = isWindowsPath(folder) ? '\\' : '/';
  if (
    folder === file ||
    folder.endsWith(`${sep}${file}`) ||
    folder.toLowerCase().endsWith(`${sep}${file.toLowerCase()}`)
  )
    return folder;
  return folder.endsWith(sep) ? `${folder}${file}` : `${folder}${sep}${file}`;
}

/** True for paths in world-writable scratch directories, where system software does not live. */
export function isScratchPath(path: string): boolean {
  const p = path.toLowerCase();
  return p.startsWith('/tmp/') || p.startsWith('/var/tmp/') || p.startsWith('/dev/shm/') || p.startsWith('/run/shm/');
}

/**
 * Split a POSIX command line into words: whitespace separates, `'…'` and `"…"` quote, a backslash
 * escapes the next character (outside single quotes). One pass, linear; input capped at
 * {@link MAX_COMMAND_LINE} and at `maxWords` words.
 */
export function splitCommandLine(commandLine: string | undefined, maxWords = 512): string[] {
  if (!commandLine) return [];
  const s = commandLine.length > MAX_COMMAND_LINE ? commandLine.slice(0, MAX_COMMAND_LINE) : commandLine;
  const n = s.length;
  const words: string[] = [];
  let i = 0;
  while (i < n) {
    if (isSpace(s.charCodeAt(i))) {
      i++;
      continue;
    }
    // Fast path: a word without quotes or backslashes is a slice of the input.
    let j = i;
    let special = false;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (isSpace(c)) break;
      if (c === 0x22 || c === 0x27 || c === 0x5c) {
        special = true;
        break;
      }
      j++;
    }
    if (!special) {
      words.push(s.slice(i, j));
      if (words.length >= maxWords) return words;
      i = j;
      continue;
    }
    // Slow path for the rest of this word: quotes and escapes, character by character.
    let cur = s.slice(i, j);
    let quote: '"' | "'" | undefined;
    let k = j;
    for (; k < n; k++) {
      const c = s[k]!;
      if (quote) {
        if (c === quote) quote = undefined;
        else if (c === '\\' && quote === '"' && k + 1 < n && (s[k + 1] === '"' || s[k + 1] === '\\')) cur += s[++k]!;
        else cur += c;
        continue;
      }
      if (isSpace(c.charCodeAt(0))) break;
      if (c === '"' || c === "'") quote = c;
      else if (c === '\\' && k + 1 < n) cur += s[++k]!;
      else cur += c;
    }
    words.push(cur);
    if (words.length >= maxWords) return words;
    i = k;
  }
  return words;
}

/** Space, tab, LF, CR: what separates words. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** `--filter-name`, `--filter_name`, `--filterName`, `-filtername` → `filtername`. */
export function normaliseFlag(flag: string): string {
  let out = '';
  for (const c of flag) if (c !== '-' && c !== '_') out += c.toLowerCase();
  return out;
}

/**
 * Values of long options in a word list: `--name value` and `--name=value`, keyed by
 * {@link normaliseFlag}. A flag followed by another flag (or nothing) gets `''`. Repeated flags
 * keep the first value.
 */
export function parseFlags(words: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith('-') || w.length < 2 || w === '--') continue;
    const eq = w.indexOf('=');
    let key: string;
    let value: string;
    if (eq > 0) {
      key = normaliseFlag(w.slice(0, eq));
      value = w.slice(eq + 1);
    } else {
      key = normaliseFlag(w);
      const next = words[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      } else value = '';
    }
    if (key !== '' && !out.has(key)) out.set(key, value);
  }
  return out;
}

/** First value among several spellings of an option (normalised names). */
export function flagValue(flags: ReadonlyMap<string, string>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = flags.get(n);
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Shell images that run a command string with `-c`. */
export const SHELLS: ReadonlySet<string> = new Set(['sh', 'dash', 'bash', 'zsh', 'ksh', 'mksh', 'ash', 'busybox']);

/**
 * The command string a shell was asked to run (`/bin/sh -c "lsof -a -c java"` → `lsof -a -c java`),
 * or undefined when the words are not `<shell> … -c <string>`.
 */
export function shellCommandString(words: readonly string[]): string | undefined {
  const first = words[0];
  if (first === undefined || !SHELLS.has(basename(first).toLowerCase())) return undefined;
  for (let i = 1; i < words.length - 1 && i < 6; i++) {
    const w = words[i]!;
    if (w === '-c' || (w.startsWith('-') && !w.startsWith('--') && w.includes('c'))) return words[i + 1];
  }
  return undefined;
}

/** Program name a command line starts (`/bin/ps -A` → `ps`; `env LANG=C lsof` → `lsof`). */
export function programOf(commandLine: string | undefined): string | undefined {
  const words = splitCommandLine(commandLine, 16);
  let i = 0;
  if (words[0] !== undefined && basename(words[0]) === 'env') {
    i = 1;
    while (i < words.length && (words[i]!.includes('=') || words[i]!.startsWith('-'))) i++;
  }
  const w = words[i];
  return w === undefined ? undefined : basename(w);
}

/** A suspicious trait found in a command line or script body, with a short human reason. */
export interface SuspiciousTrait {
  readonly id: string;
  readonly reason: string;
}

/* Each pattern is a plain sequence or a single bounded gap (`[^\n|]{0,200}`): linear to run. */
const TRAITS: readonly { id: string; re: RegExp; reason: string }[] = [
  {
    id: 'dev-tcp',
    re: /\/dev\/(?:tcp|udp)\//,
    reason: 'opens a network socket through /dev/tcp or /dev/udp (reverse-shell pattern)',
  },
  {
    id: 'interactive-shell',
    re: /\b(?:ba|da|z)?sh -i\b/,
    reason: 'starts an interactive shell (`sh -i` / `bash -i`), typical of reverse shells',
  },
  {
    id: 'nc-exec',
    re: /\b(?:nc|ncat|netcat)\b[^\n|;]{0,200}\s-(?:e|c)\s/,
    reason: 'netcat with -e/-c hands a shell to a network peer',
  },
  {
    id: 'socat-exec',
    re: /\bsocat\b[^\n|;]{0,200}\b(?:exec|system):/i,
    reason: 'socat bound to exec/system (shell over the network)',
  },
  {
    id: 'download-pipe-shell',
    re: /\b(?:curl|wget)\b[^\n|]{0,300}\|\s{0,4}(?:sudo\s{1,4})?(?:ba|da|z)?sh\b/,
    reason: 'downloads with curl/wget and pipes the result into a shell',
  },
  {
    id: 'base64-pipe-shell',
    re: /\bbase64\s{1,4}(?:-d|--decode)\b[^\n|]{0,200}\|\s{0,4}(?:ba|da|z)?sh\b/,
    reason: 'decodes base64 and pipes it into a shell',
  },
  {
    id: 'mkfifo-nc',
    re: /\bmkfifo\b[^\n]{0,300}\b(?:nc|ncat|netcat)\b/,
    reason: 'named pipe wired to netcat (reverse-shell pattern)',
  },
  {
    id: 'scratch-exec',
    re: /(?:^|[\s;&|'"])(?:\/tmp|\/var\/tmp|\/dev\/shm)\/[^\s;&|'"]{1,200}/,
    reason: 'runs or names a file in /tmp, /var/tmp or /dev/shm',
  },
];

/**
 * Traits of a command line (or short script) that make an otherwise routine execution suspicious:
 * reverse-shell idioms, download-and-execute, decode-and-execute, files in scratch directories.
 * `includeScratch: false` skips the scratch-path trait (for script bodies that legitimately write
 * temporary files).
 */
export function suspiciousTraits(text: string | undefined, includeScratch = true): SuspiciousTrait[] {
  if (!text) return [];
  const s = text.length > MAX_SCRIPT_SCAN ? text.slice(0, MAX_SCRIPT_SCAN) : text;
  const out: SuspiciousTrait[] = [];
  for (const t of TRAITS) {
    if (!includeScratch && t.id === 'scratch-exec') continue;
    if (t.re.test(s)) out.push({ id: t.id, reason: t.reason });
  }
  return out;
}

/** The first `max` lines of a text (for header comments), without reading the rest. */
export function headLines(text: string, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (out.length < max && start <= text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    out.push(text.slice(start, end).replace(/\r$/, ''));
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

/** Readable list: `a`, `a and b`, `a, b and c`. */
export function humanList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
