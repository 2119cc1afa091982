import { defineDetector, type MdeEvent } from '@tripline/core';
import { effectiveIdentity, scriptContent } from '../../internal/mdatp.js';
import {
  basename,
  clip,
  clipOptional,
  dirname,
  headLines,
  joinImagePath,
  MAX_SCRIPT_SCAN,
  splitCommandLine,
  suspiciousTraits,
} from '../../internal/text.js';

/** Directories where distributions install sysstat's helpers (Debian/Ubuntu, RHEL/Fedora, SUSE, source builds). */
const SYSSTAT_DIRS: ReadonlySet<string> = new Set([
  '/usr/lib/sysstat/',
  '/usr/lib64/sa/',
  '/usr/lib/sa/',
  '/usr/libexec/sysstat/',
  '/usr/libexec/sa/',
  '/usr/local/lib/sa/',
  '/usr/local/lib64/sa/',
]);

type Kind = 'sa1' | 'debian-sa1';

/** sa1's "what" identifier line: `#@(#) sa1: Collect and store binary data in system activity data file.` */
const SA1_IDENT_RE = /^#\s{0,4}@\(#\)\s{0,4}sa1:\s{0,4}([^\n]{1,200})$/m;
/** Builds without the `@(#)` line still carry sa1's purpose sentence in a header comment. */
const SA1_PURPOSE_RE = /^#\s{0,4}(Collect and store binary data in (?:the )?system activity data file)\.?\s{0,4}$/m;
/** sa1 hands over to the collector: `exec ${ENDIR}/sadc -F -L …`. */
const SADC_EXEC_RE = /\bexec\s{1,8}\S{0,200}\/?sadc["']?\s/;
/** debian-sa1 ends by exec'ing sa1. */
const EXEC_SA1_RE = /\bexec\s{1,8}\S{0,200}\/sa1\b/;
const SYSCONFIG_DIR_RE = /^\s{0,8}SYSCONFIG_DIR=["']?([^\s"';]{1,200})/m;
const SA_DIR_RE = /^\s{0,8}SA_DIR=["']?([^\s"';]{1,200})/m;
/** A header comment naming the script's own path: `# /usr/lib/sysstat/sa1`. */
const SELF_PATH_RE = /^#\s{0,4}(\/[^\s]{1,200}\/sa1)\s{0,4}$/;

interface Recognised {
  readonly kind: Kind;
  readonly purpose: string;
  readonly configuration: string;
  readonly dataDirectory: string | undefined;
}

/** What the script body says it is; undefined when it is neither sa1 nor debian-sa1. */
export function recogniseContent(content: string): Recognised | undefined {
  if (content === '') return undefined;
  const s = content.length > MAX_SCRIPT_SCAN ? content.slice(0, MAX_SCRIPT_SCAN) : content;
  const ident = SA1_IDENT_RE.exec(s) ?? SA1_PURPOSE_RE.exec(s);
  if (ident && SADC_EXEC_RE.test(s)) {
    const sysconfig = SYSCONFIG_DIR_RE.exec(s)?.[1];
    const conf = sysconfig ? `${sysconfig}/sysstat` : undefined;
    return {
      kind: 'sa1',
      purpose: clip(ident[1]!.trim().replace(/\.$/, '')),
      configuration: conf
        ? `Sources ${conf} when readable (HISTORY, SADC_OPTIONS, SA_DIR); otherwise built-in defaults`
        : 'Uses the defaults written in the script (no configuration file referenced)',
      dataDirectory: SA_DIR_RE.exec(s)?.[1],
    };
  }
  if (s.includes('/etc/default/sysstat') && s.includes('ENABLED') && EXEC_SA1_RE.test(s)) {
    const target = /\bexec\s{1,8}(\S{0,200}\/sa1)\b/.exec(s)?.[1] ?? 'sa1';
    const checks = ['Reads /etc/default/sysstat and runs sa1 only when ENABLED="true"'];
    if (s.includes('/run/systemd/system'))
      checks.push('exits early when /run/systemd/system exists (the sysstat-collect systemd timer collects instead)');
    return {
      kind: 'debian-sa1',
      purpose: `Helper that runs ${target} when sysstat is ENABLED in /etc/default/sysstat and systemd is not managing it`,
      configuration: checks.join('; '),
      dataDirectory: undefined,
    };
  }
  return undefined;
}

/** Where the script is, and how we know. */
export interface ScriptLocation {
  readonly path: string;
  readonly source: 'FolderPath' | 'command line' | 'script header';
}

/**
 * The script's path: `FolderPath`/`FileName` when Defender filled them, else the interpreter's
 * command line (`/bin/sh /usr/lib/sysstat/debian-sa1 1 1`; relative names resolved against the
 * working directory when reported), else the script's own header comment (`# /usr/lib/sysstat/sa1`).
 */
export function locateScript(event: MdeEvent, kind: Kind, content: string): ScriptLocation | undefined {
  const fromColumns = joinImagePath(event.str('FolderPath'), event.str('FileName'));
  if (fromColumns?.startsWith('/') && basename(fromColumns) !== '') {
    return { path: fromColumns, source: 'FolderPath' };
  }
  const words = splitCommandLine(event.str('InitiatingProcessCommandLine'), 8);
  for (const w of words.slice(0, 3)) {
    if (basename(w) !== kind) continue;
    if (w.startsWith('/')) return { path: w, source: 'command line' };
    const cwd = event.posix.initiatingProcess.workingDirectory;
    if (cwd?.startsWith('/')) {
      const rel = w.startsWith('./') ? w.slice(2) : w;
      if (!rel.includes('/')) return { path: `${cwd.replace(/\/$/, '')}/${rel}`, source: 'command line' };
    }
  }
  if (kind === 'sa1') {
    for (const line of headLines(content, 5)) {
      const m = SELF_PATH_RE.exec(line.trim());
      if (m) return { path: m[1]!, source: 'script header' };
    }
  }
  return undefined;
}

/** Where the path came from, when not from the columns (`FolderPath`/`FileName`). */
const INFERRED_FROM: Readonly<Record<ScriptLocation['source'], string | undefined>> = {
  FolderPath: undefined,
  'command line': 'the interpreter command line',
  'script header': "the script's header comment",
};

export const detector = defineDetector({
  meta: {
    id: 'defender/sysstat-collection',
    title: 'sysstat activity collection (sa1 / debian-sa1)',
    summary:
      "Recognises Defender's ScriptContent records of sysstat's `sa1` collector and Debian's `debian-sa1` cron helper — by their content and by their install path, both required — and reports them as scheduled performance-data collection, one alert per script path.",
    rationale:
      'sysstat runs `sa1` every ten minutes (cron or the `sysstat-collect` systemd timer) to append counters to /var/log/sysstat; Defender records each run as a ScriptContent event. Naming the class stops analysts from chasing it, and the path-and-content check keeps a look-alike (a file called sa1 in /tmp, or an sa1 body with injected commands) out of it. Low: expected activity, reported for inventory.',
    severity: 'low',
    severityNotes:
      'Always low. A script that only looks like sa1 — wrong location, or with download/reverse-shell/decode-and-run code added — is not this class and gets no alert here, so the suspicious-script detectors judge it instead.',
    category: 'System Monitoring',
    mitre: [],
    mitreNotes:
      "No technique. The reference report mapped this to T1070.003 (Clear Command History): wrong — sa1 only appends counters to /var/log/sysstat; nothing is cleared. T1053.003 (Scheduled Task/Job: Cron) describes how debian-sa1 is started (from /etc/cron.d/sysstat; sa1 itself is started by a systemd timer on systemd hosts), but ATT&CK techniques describe adversary behaviour: tagging the distribution's own scheduled collection as T1053.003 would count benign package cron jobs as persistence on every ATT&CK dashboard. Real cron persistence is the job of the suspicious-script detectors, which do map T1053.003.",
    references: [
      'https://man7.org/linux/man-pages/man8/sa1.8.html',
      'https://github.com/sysstat/sysstat',
      'https://attack.mitre.org/techniques/T1053/003/',
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceevents-table',
    ],
    falsePositives: [
      'None expected for the class itself: every alert is the sysstat package doing its job. Tune it off with the allowlist if the inventory is not wanted.',
    ],
    kql: {
      unsupported:
        "Recognises sysstat's sa1 and debian-sa1 by comparing the ScriptContent body with the known script text and its install path, and rejects bodies with injected commands; that comparison has no faithful KQL form.",
    },
    tables: ['DeviceEvents'],
    actionTypes: ['ScriptContent'],
    evidence: {
      path: { combine: 'first', label: 'Script Path' },
      pathInferredFrom: { combine: 'first', label: 'Script Path Inferred From' },
      purpose: { combine: 'first', label: 'Purpose' },
      configuration: { combine: 'first', label: 'Configuration Check' },
      dataDirectory: { combine: 'first', label: 'Data Directory' },
      launchedBy: { combine: 'distinct', label: 'Launched By' },
      commandLines: {
        from: (event) => clipOptional(event.str('InitiatingProcessCommandLine')),
        combine: 'distinct',
        label: 'InitiatingProcessCommandLine',
      },
      users: { combine: 'distinct', label: 'Run As' },
      sha256: { from: 'SHA256', combine: 'distinct' },
      scriptName: { combine: 'first', hidden: true },
    },
    columns: [
      'FolderPath',
      'FileName',
      'InitiatingProcessCommandLine',
      'InitiatingProcessFileName',
      'InitiatingProcessParentFileName',
      'InitiatingProcessAccountName',
      'InitiatingProcessAccountSid',
      'AdditionalFields',
    ],
    messages: {
      default: {
        title: 'System activity data collection: sysstat {scriptName}',
        description:
          "sysstat's {scriptName} ran {count} time(s) between {firstSeen} and {lastSeen} ({path}). {purpose}. Runs are scheduled by the sysstat package (cron job /etc/cron.d/sysstat or the sysstat-collect systemd timer); launched here by {launchedBy}.",
        riskAssessment:
          'Routine performance-data collection by a standard package; no security risk. The script was recognised by both its content and its install path. If sysstat is not expected on this host, check who installed the package (dpkg -S {path} or rpm -qf {path}).',
      },
      helper: {
        title: 'sysstat helper run: {scriptName}',
        description:
          "Debian's sysstat helper {scriptName} ran {count} time(s) between {firstSeen} and {lastSeen} ({path}). {purpose}. It is started every ten minutes by the cron job /etc/cron.d/sysstat; launched here by {launchedBy}.",
        riskAssessment:
          'Routine scheduling glue of the sysstat package; no security risk. On hosts run by systemd the helper exits at once and the systemd timer runs sa1 instead, so these runs collect nothing themselves.',
      },
    },
  },

  match(event) {
    const content = scriptContent(event);
    const recognised = recogniseContent(content);
    if (!recognised) return undefined;
    const location = locateScript(event, recognised.kind, content);
    if (!location) return undefined;
    if (basename(location.path) !== recognised.kind || !SYSSTAT_DIRS.has(dirname(location.path))) return undefined;
    // An sa1 body with a reverse shell or a download-and-run line appended is not sysstat any more.
    if (suspiciousTraits(content, false).length > 0) return undefined;
    const launcher = [event.str('InitiatingProcessParentFileName'), event.str('InitiatingProcessFileName')]
      .filter((x): x is string => !!x)
      .join(' → ');
    const user = effectiveIdentity(event).user;
    const inferredFrom = INFERRED_FROM[location.source];
    return {
      key: location.path,
      ...(recognised.kind === 'debian-sa1' ? { variant: 'helper' } : {}),
      evidence: {
        scriptName: recognised.kind,
        path: location.path,
        ...(inferredFrom ? { pathInferredFrom: inferredFrom } : {}),
        purpose: recognised.purpose,
        configuration: recognised.configuration,
        ...(recognised.dataDirectory ? { dataDirectory: recognised.dataDirectory } : {}),
        ...(launcher ? { launchedBy: launcher } : {}),
        ...(user ? { users: user } : {}),
      },
    };
  },

  render: (group) =>
    group.evidence.launchedBy.length ? undefined : { values: { launchedBy: 'an interpreter not named in the event' } },
});
