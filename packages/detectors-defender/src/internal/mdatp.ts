/**
 * Recognising Microsoft Defender for Endpoint on Linux (`mdatp`) in its own telemetry: the agent's
 * install tree, its daemon, its POSIX group, and the arguments of the scripts it runs. Pure
 * functions over {@link MdeEvent}; no state.
 */
import type { MdeEvent, PosixGroup } from '@tripline/core';
import {
  basename,
  clip,
  clipOptional,
  flagValue,
  headLines,
  joinImagePath,
  MAX_SCRIPT_SCAN,
  parseFlags,
  splitCommandLine,
} from './text.js';

/** Install tree of Defender for Endpoint on Linux (binaries, scripts, bundled osquery). */
export const MDATP_PREFIX = '/opt/microsoft/mdatp/';
/** Defender's state tree (markers such as `wdavedr/log4jMitigationApplied`). */
export const MDATP_STATE_PREFIX = '/var/opt/microsoft/mdatp/';
/** The POSIX group the mdatp package creates; the agent's helpers run as root with this effective group. */
export const MDATP_GROUP = 'mdatp';
/** Image names of Defender's daemons. */
export const AGENT_DAEMONS: ReadonlySet<string> = new Set(['wdavdaemon']);

/** True when `path` is inside Defender's install tree (`/opt/microsoft/mdatp/…`). Case-insensitive (Defender lower-cases `InitiatingProcessFolderPath`). */
export function isUnderMdatp(path: string | undefined): boolean {
  return path?.toLowerCase().startsWith(MDATP_PREFIX) ?? false;
}

/** `mdatp (gid 997)`, `mdatp`, `gid 997`. */
export function describeGroup(group: PosixGroup | undefined): string | undefined {
  if (!group) return undefined;
  if (group.name !== undefined && group.gid !== undefined) return `${group.name} (gid ${group.gid})`;
  return group.name ?? (group.gid !== undefined ? `gid ${group.gid}` : undefined);
}

/** Effective identity of the initiating process, from POSIX fields with the account columns as fallback. */
export interface EffectiveIdentity {
  /** User name (POSIX effective user, else `InitiatingProcessAccountName`). */
  readonly user: string | undefined;
  readonly uid: number | undefined;
  readonly group: PosixGroup | undefined;
  /** True when the row carried POSIX identity fields at all. */
  readonly posixReported: boolean;
  /** True when the user is root (uid 0, or name `root` / SID `S-1-5-18` when no uid is reported). */
  readonly isRoot: boolean;
}

/**
 * Who the initiating process ran as. `side` picks the initiating process (default) or the created
 * process (`Process…` POSIX fields and `Account*` columns of DeviceProcessEvents).
 */
export function effectiveIdentity(event: MdeEvent, side: 'initiating' | 'process' = 'initiating'): EffectiveIdentity {
  const posix = side === 'initiating' ? event.posix.initiatingProcess : event.posix.process;
  const initiating = side === 'initiating';
  const user =
    posix.effectiveUser?.name ?? event.str(initiating ? 'InitiatingProcessAccountName' : 'AccountName') ?? undefined;
  const uid = posix.effectiveUser?.uid;
  const group = posix.effectiveGroup;
  const sid = posix.effectiveUser?.sid ?? event.str(initiating ? 'InitiatingProcessAccountSid' : 'AccountSid');
  const isRoot = uid !== undefined ? uid === 0 : user === 'root' || sid === 'S-1-5-18';
  return { user, uid, group, posixReported: posix.effectiveUser !== undefined || group !== undefined, isRoot };
}

/** `root (uid 0)`, `wazuh-indexer (uid 998)`, `root`. */
export function describeUser(id: {
  readonly user: string | undefined;
  readonly uid: number | undefined;
}): string | undefined {
  if (id.user !== undefined && id.uid !== undefined) return `${id.user} (uid ${id.uid})`;
  return id.user ?? (id.uid !== undefined ? `uid ${id.uid}` : undefined);
}

/**
 * Fields that tie an event to the Defender agent, each as a short phrase; empty when none does.
 * Looks at the initiating image, its command line, and its parent.
 */
export function agentAnchors(event: MdeEvent): string[] {
  const out: string[] = [];
  const image = joinImagePath(event.str('InitiatingProcessFolderPath'), event.str('InitiatingProcessFileName'));
  const imageName = basename(event.str('InitiatingProcessFileName') ?? image ?? '').toLowerCase();
  const parent = basename(event.str('InitiatingProcessParentFileName') ?? '').toLowerCase();
  if (AGENT_DAEMONS.has(imageName)) out.push(`initiating process ${imageName}`);
  else if (isUnderMdatp(image)) out.push(`initiating image under ${MDATP_PREFIX}`);
  if (out.length === 0) {
    // An interpreter whose command line runs something from Defender's tree (`python3 /opt/microsoft/mdatp/…/x.py`).
    const word = splitCommandLine(event.str('InitiatingProcessCommandLine'), 8)
      .slice(0, 3)
      .find((w) => isUnderMdatp(w));
    if (word !== undefined) out.push(`initiating command line runs ${word}`);
  }
  if (AGENT_DAEMONS.has(parent)) out.push(`parent ${parent}`);
  return out;
}

/** Why an event is, or is not, Defender running one of its own scripts. */
export type AgentScriptVerdict =
  | {
      readonly ok: true;
      /** Full path of the script. */
      readonly path: string;
      /** Where the path came from. */
      readonly pathSource: 'FolderPath' | 'command line';
      readonly name: string;
      /** Words of the interpreter's command line. */
      readonly words: readonly string[];
      readonly identity: EffectiveIdentity;
      readonly parent: string;
      readonly interpreter: string | undefined;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Is this `ScriptContent` row Defender's agent running its own script `names`? All three
 * conditions of the detector catalog hold:
 * 1. the script lives under `/opt/microsoft/mdatp/` (from `FolderPath`/`FileName`, else the
 *    interpreter's command line);
 * 2. the interpreter's parent is `wdavdaemon`;
 * 3. the interpreter's effective group is `mdatp` — or, only when the row reports no POSIX fields
 *    at all (ScriptContent rows often carry just the script), the account is root. A reported
 *    group other than `mdatp` always rejects.
 */
export function agentScriptRun(event: MdeEvent, names: ReadonlySet<string>): AgentScriptVerdict {
  const words = splitCommandLine(event.str('InitiatingProcessCommandLine'), 64);
  let path = joinImagePath(event.str('FolderPath'), event.str('FileName'));
  let pathSource: 'FolderPath' | 'command line' = 'FolderPath';
  if (path === undefined || !names.has(basename(path))) {
    const word = words.slice(0, 4).find((w) => names.has(basename(w)));
    if (word === undefined) return { ok: false, reason: 'not one of the scripts' };
    path = word;
    pathSource = 'command line';
  }
  const name = basename(path);
  if (!names.has(name)) return { ok: false, reason: 'not one of the scripts' };
  if (!isUnderMdatp(path)) return { ok: false, reason: `script is not under ${MDATP_PREFIX}` };
  const parent = basename(event.str('InitiatingProcessParentFileName') ?? '');
  if (!AGENT_DAEMONS.has(parent.toLowerCase())) return { ok: false, reason: 'parent is not wdavdaemon' };
  const identity = effectiveIdentity(event);
  if (identity.group !== undefined) {
    if (identity.group.name !== MDATP_GROUP) return { ok: false, reason: 'effective group is not mdatp' };
    if (!identity.isRoot && identity.user !== undefined) return { ok: false, reason: 'not run as root' };
  } else if (!identity.isRoot) return { ok: false, reason: 'no effective group reported and not root' };
  return {
    ok: true,
    path,
    pathSource,
    name,
    words,
    identity,
    parent,
    interpreter: event.str('InitiatingProcessFileName'),
  };
}

/** A parsed script option and where it came from. */
export interface ScriptArg {
  readonly value: string;
  /** `command line`: what actually ran; `usage comment`: an example in the script's header. */
  readonly source: 'command line' | 'usage comment';
}

/**
 * Options of a Defender script run: from the interpreter's command line first, and otherwise from
 * the usage comment at the top of the script body (`# sudo python3 open_files.py --id … --filter-env …`),
 * which documents an invocation but is not necessarily the one that ran — callers label it.
 */
export class ScriptArgs {
  readonly #cmd: ReadonlyMap<string, string>;
  readonly #usage: ReadonlyMap<string, string>;

  constructor(words: readonly string[], scriptName: string, content: string | undefined) {
    this.#cmd = parseFlags(words);
    this.#usage = usageFlags(content, scriptName);
  }

  /** The first of `names` (normalised option names) found, command line first. */
  get(names: readonly string[]): ScriptArg | undefined {
    const c = flagValue(this.#cmd, names);
    if (c !== undefined) return { value: c, source: 'command line' };
    const u = flagValue(this.#usage, names);
    return u !== undefined ? { value: u, source: 'usage comment' } : undefined;
  }
}

/** Flags of the usage comment line(s) in a script's first 40 lines that mention `scriptName`. */
function usageFlags(content: string | undefined, scriptName: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!content) return out;
  const head = content.length > MAX_SCRIPT_SCAN ? content.slice(0, MAX_SCRIPT_SCAN) : content;
  for (const line of headLines(head, 40)) {
    const t = line.trimStart();
    if (!t.startsWith('#') || !t.includes(scriptName) || !t.includes('--')) continue;
    for (const [k, v] of parseFlags(splitCommandLine(t.slice(1), 128))) if (!out.has(k)) out.set(k, v);
  }
  return out;
}

/** A key-component value for an option: the value, marked when it only comes from the usage comment. */
export function showArg(arg: ScriptArg | undefined, missing = 'not in the event'): string {
  if (arg === undefined) return missing;
  return arg.source === 'command line'
    ? clip(arg.value)
    : `${clip(arg.value)} (from the script's usage comment, not the command line)`;
}

/** Script body of a `ScriptContent` row (`""`, absent, double-encoded and non-string values give `''`). */
export function scriptContent(event: MdeEvent): string {
  // Read the raw key: `additional()` would try to decode a script that happens to start with `{` or `[`.
  const v = event.additionalFields.ScriptContent;
  return typeof v === 'string' ? v : '';
}

/** An accepted {@link agentScriptRun} verdict. */
export type AgentScriptRun = Extract<AgentScriptVerdict, { ok: true }>;

/**
 * Evidence that closes every Defender-script alert: who started the script, as whom, how, and which
 * body. Spread into `meta.evidence` after the detector's own fields; `match` supplies `user` and
 * `group` with {@link agentRunEvidence}.
 */
export const AGENT_RUN_EVIDENCE = {
  parent: { from: 'InitiatingProcessParentFileName', combine: 'first' },
  user: { combine: 'first', label: 'Effective User' },
  group: { combine: 'first', label: 'Effective Group' },
  commandLines: {
    from: (event: MdeEvent) => clipOptional(event.str('InitiatingProcessCommandLine')),
    combine: 'distinct',
    label: 'InitiatingProcessCommandLine',
  },
  sha256: { from: 'SHA256', combine: 'distinct' },
} as const;

/** Columns {@link agentScriptRun} and {@link scriptContent} read besides the evidence columns. */
export const AGENT_RUN_COLUMNS = [
  'FolderPath',
  'FileName',
  'InitiatingProcessCommandLine',
  'InitiatingProcessFileName',
  'InitiatingProcessAccountName',
  'InitiatingProcessAccountSid',
  'AdditionalFields',
] as const;

/** The script and the effective identity of an accepted run, as evidence of {@link AGENT_RUN_EVIDENCE}. */
export function agentRunEvidence(run: AgentScriptRun): {
  scriptName: string;
  path: string;
  user: string;
  group: string;
} {
  return {
    scriptName: run.name,
    path: run.path,
    user: describeUser(run.identity) ?? 'an unreported user',
    group: describeGroup(run.identity.group) ?? 'not reported (no POSIX fields in the event)',
  };
}
