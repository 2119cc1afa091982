import { defineDetector, type MdeEvent, type Severity } from '@tripline/core';
import {
  ALL_BEHAVIOUR_TECHNIQUES,
  actsAsRoot,
  type Finding,
  inPackageHook,
  MAX_TEXT,
  mayFind,
} from '../../internal/behaviours.js';
import { scanOnce } from '../../internal/scan-memo.js';
import { clip } from '../../internal/text.js';

/** Command lines shown per alert. */
const MAX_COMMANDS_SHOWN = 10;

/** World-writable staging directories. */
const SCRATCH_DIRS = ['/tmp/', '/var/tmp/', '/dev/shm/'] as const;
/** Known programs that legitimately run binaries from /tmp (Go's `go run`, AppImage mounts). */
const SCRATCH_EXCEPTIONS = ['/tmp/go-build', '/tmp/.mount_'] as const;
/**
 * Names of system daemons and kernel threads: a binary in /tmp carrying one of these names is
 * dressed up as something that belongs on the host (T1036.005).
 */
const SYSTEM_NAMES: ReadonlySet<string> = new Set([
  'sshd',
  'systemd',
  'systemd-journald',
  'cron',
  'crond',
  'dbus-daemon',
  'rsyslogd',
  'kworker',
  'kthreadd',
  'ksoftirqd',
  'kswapd0',
  'migration',
  'watchdog',
  'init',
  'httpd',
  'nginx',
  'php-fpm',
  'apache2',
  'bash',
  'sh',
  'agetty',
  'udevd',
  'systemd-udevd',
  'polkitd',
  'auditd',
  'wdavdaemon',
]);

const TMP_EXEC = {
  id: 'tmp-exec',
  label: 'binary run from a temporary directory',
} as const;

/** The image path of the created process. */
function imagePath(event: MdeEvent): string {
  const folder = event.str('FolderPath') ?? '';
  const name = event.str('FileName') ?? '';
  if (!folder) return name;
  if (!name || folder.endsWith(`/${name}`)) return folder;
  return `${folder.replace(/\/$/, '')}/${name}`;
}

/** `scratch` when the image lives in /tmp, /var/tmp or /dev/shm (and is not a known exception). */
function scratchImage(path: string): string | undefined {
  const dir = SCRATCH_DIRS.find((d) => path.startsWith(d));
  if (!dir) return undefined;
  if (SCRATCH_EXCEPTIONS.some((e) => path.startsWith(e))) return undefined;
  return dir;
}

/** A name dressed as a system process, a kernel thread (`[kworker/0:1]`) or hidden (leading dot). */
function masquerades(name: string): boolean {
  const base = name.replace(/^\[|\]$/g, '').split('/')[0] ?? '';
  return name.startsWith('[') || name.startsWith('.') || SYSTEM_NAMES.has(base);
}

export const detector = defineDetector({
  meta: {
    id: 'defender/suspicious-command-line',
    title: 'Suspicious Linux command line',
    summary:
      'A process was started with an attacker command line — a reverse or bind shell, download-and-execute, a decoded payload piped into an interpreter, history or log wiping, persistence through cron, systemd, authorized_keys or ld.so.preload — or a binary was run from /tmp, /var/tmp or /dev/shm.',
    rationale:
      'Most Linux intrusions are visible in process command lines: the web server that runs `sh -c "bash -i >& /dev/tcp/…"`, the `curl … | sh` that fetches the next stage, the `rm ~/.bash_history` afterwards. The same behaviour catalog as `defender/suspicious-script-content` is applied to `ProcessCommandLine`, so a shell that exec\'s straight into `nc -e /bin/sh` is reported as a reverse shell (high) in its own right, not only as a medium exec-process-replacement finding. One alert per device and behaviour, listing the distinct command lines.',
    severity: 'medium',
    severityNotes:
      "High for reverse/bind shells, download-and-execute, decoded execution, ld.so.preload and root's authorized_keys, and for binaries run from /dev/shm (memory-backed, almost never legitimate); history/log wiping is raised from medium to high when the same command line also executes or persists something. Binaries run from /tmp or /var/tmp, cron and systemd writes alone are medium.",
    category: 'Execution / Persistence / Defense Evasion',
    mitre: [...new Set([...ALL_BEHAVIOUR_TECHNIQUES, 'T1105', 'T1036.005'])].sort(),
    mitreNotes:
      'Per alert, the techniques of the behaviour found (see defender/suspicious-script-content for the list). A binary run from a temporary directory is mapped to T1105 Ingress Tool Transfer — a payload brought onto the host and started from a world-writable staging directory — plus T1036.005 only when its name imitates a system daemon or kernel thread or is hidden (leading dot). Sigma tags the /tmp rule T1036 Masquerading; running from /tmp alone masquerades as nothing, so we do not. T1059.004 is not used for it either: the process is not a shell.',
    references: [
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceprocessevents-table',
      'https://attack.mitre.org/techniques/T1059/004/',
      'https://attack.mitre.org/techniques/T1105/',
      'https://man7.org/linux/man-pages/man1/ncat.1.html',
      'https://man7.org/linux/man-pages/man2/execve.2.html',
    ],
    falsePositives: [
      'Vendor installers run as `curl … | sh` by an administrator.',
      'Build tools and self-extracting installers that run helpers from /tmp (Go `go run` and AppImage mounts are already excluded).',
      'Image-sealing scripts clearing history and logs (medium alone).',
      'Package maintainer scripts writing cron jobs or systemd units (ignored for those two behaviours only).',
    ],
    kql: {
      unsupported:
        "Applies the pack's behaviour catalog (reverse shells, download-and-execute, history wiping, persistence) to a tokenised command line with context from the parent process; the tokeniser and the catalog's structural checks have no faithful KQL form, and a keyword query would alert on what the detector deliberately ignores.",
    },
    tables: ['DeviceProcessEvents'],
    actionTypes: ['ProcessCreated'],
    evidence: {
      behaviour: { combine: 'first', label: 'Behaviour' },
      commandLines: { combine: 'distinct', label: 'Command Lines' },
      // One value per process: match supplies its command line.
      processes: { combine: 'count', label: 'Processes' },
      images: { combine: 'distinct', cap: 10, label: 'Images' },
      accounts: { combine: 'distinct', cap: 10, label: 'Accounts' },
      parents: { from: 'InitiatingProcessFileName', combine: 'distinct', cap: 10 },
      execChains: { combine: 'distinct', cap: 10, label: 'Exec Chains' },
      execChain: { combine: 'first', hidden: true },
      parent: { combine: 'first', hidden: true },
      account: { combine: 'first', hidden: true },
      techniques: { combine: 'distinct', hidden: true },
    },
    columns: [
      'ProcessCommandLine',
      'FolderPath',
      'FileName',
      'ProcessId',
      'InitiatingProcessId',
      'AccountName',
      'InitiatingProcessParentFileName',
      'InitiatingProcessCommandLine',
      'AdditionalFields',
    ],
    values: ['distinct'],
    messages: {
      default: {
        title: 'Suspicious command line: {behaviour}',
        description:
          '{count} process(es) on {device} were started with command lines showing {behaviour} ({distinct} distinct command line(s)); the first was started by {parent} as {account}.',
        riskAssessment:
          "These command lines are typical of an intruder's hands-on activity. Trace the parent chain of the first one (web server, sshd session, cron), check network connections to the addresses in it, and look for the files and persistence it created.",
      },
      exec: {
        title: "Suspicious command line: {behaviour} (shell exec'd into it)",
        description:
          '{count} process(es) on {device} were started with command lines showing {behaviour} ({distinct} distinct command line(s)). At least one replaced the shell that launched it (same ProcessId: {execChain}), the way `sh -c "…"` runs its last command; the first was started by {parent} as {account}.',
        riskAssessment:
          "A shell that exec's into a network tool wired to a shell is a reverse shell, whatever the exec itself suggests. Trace the parent chain, block the remote address and look for what the session did next.",
      },
    },
  },

  match(event) {
    const raw = event.str('ProcessCommandLine') ?? '';
    const cmd = raw.length > MAX_TEXT ? raw.slice(0, MAX_TEXT) : raw;
    // The cheap checks first: most command lines hold no hint of any behaviour and most images are
    // not in a scratch directory. The context (package hook, root: a parse of AdditionalFields) is
    // computed only when a pattern matched, and the collected values only when something was found.
    let findings: readonly Finding[] | undefined;
    if (cmd !== '' && mayFind(cmd)) {
      let hook: boolean | undefined;
      let root: boolean | undefined;
      const found = scanOnce(cmd, {
        get packageHook() {
          if (hook === undefined) hook = inPackageHook(event);
          return hook;
        },
        get root() {
          if (root === undefined) root = actsAsRoot(event, 'process');
          return root;
        },
      });
      if (found.length) findings = found;
    }
    const path = imagePath(event);
    const dir = scratchImage(path);
    if (findings === undefined && dir === undefined) return undefined;

    const pid = event.num('ProcessId');
    const ppid = event.num('InitiatingProcessId');
    const image = event.str('FileName') ?? '';
    const parent = event.str('InitiatingProcessFileName') ?? '';
    const exec = pid !== undefined && pid === ppid && image !== '' && image !== parent;
    const account = event.posix.process.effectiveUser?.name ?? event.str('AccountName') ?? '';
    const commandLine = clip(cmd.replace(/\s+/g, ' ').trim());
    const chain = exec ? `${parent} → ${image} (ProcessId ${pid})` : undefined;
    const evidence = {
      commandLines: commandLine,
      processes: commandLine,
      ...(account ? { accounts: account } : {}),
      ...(chain ? { execChains: chain, execChain: chain } : {}),
      parent: parent || 'an unknown process',
      account: account || 'an unknown account',
    };
    const found = (findings ?? []).map((f) => ({
      key: f.id as string,
      severity: f.severity,
      evidence: { ...evidence, behaviour: f.label, techniques: [...f.mitre] },
    }));
    if (dir === undefined) return found.length ? found : undefined;
    const severity: Severity = dir === '/dev/shm/' ? 'high' : 'medium';
    const techniques = masquerades(image) ? ['T1105', 'T1036.005'] : ['T1105'];
    return [
      ...found,
      { key: TMP_EXEC.id, severity, evidence: { ...evidence, behaviour: TMP_EXEC.label, techniques, images: path } },
    ];
  },

  render: (group) => {
    const lines = group.evidence.commandLines;
    const more = lines.length - MAX_COMMANDS_SHOWN;
    return {
      ...(group.evidence.execChains.length ? { variant: 'exec' } : {}),
      values: { distinct: lines.length },
      ...(more > 0
        ? { keyComponents: { 'Command Lines': [...lines.slice(0, MAX_COMMANDS_SHOWN).map(String), `(${more} more)`] } }
        : {}),
      mitre: group.evidence.techniques.map(String).sort(),
    };
  },
});
