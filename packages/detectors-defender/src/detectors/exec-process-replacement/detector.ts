import { defineDetector, type MdeEvent } from '@tripline/core';
import {
  interpreterOf,
  isContainerRuntime,
  isMacosSystemHandoff,
  isServiceLauncher,
  isShellImage,
  isWrapper,
} from '../../internal/images.js';
import { agentAnchors, describeGroup, effectiveIdentity, MDATP_GROUP } from '../../internal/mdatp.js';
import {
  basename,
  clipOptional,
  humanList,
  isScratchPath,
  joinImagePath,
  splitCommandLine,
  suspiciousTraits,
} from '../../internal/text.js';

/** Programs whose exec from a shell is itself a reason to look: raw network relays. */
const NETWORK_RELAYS: ReadonlySet<string> = new Set([
  'nc',
  'ncat',
  'netcat',
  'nc.openbsd',
  'nc.traditional',
  'socat',
  'telnet',
]);

/** Why an exec is suspicious; empty when it is not. */
export function execSuspicion(event: MdeEvent): string[] {
  const reasons: string[] = [];
  const image = joinImagePath(event.str('FolderPath'), event.str('FileName')) ?? '';
  const name = basename(image).toLowerCase();
  if (NETWORK_RELAYS.has(name)) reasons.push(`the new image ${name} is a raw network relay`);
  const first = splitCommandLine(event.str('ProcessCommandLine'), 1)[0];
  if (isScratchPath(image) || (first !== undefined && isScratchPath(first)))
    reasons.push('the new image runs from a world-writable scratch directory (/tmp, /var/tmp, /dev/shm)');
  const seen = new Set<string>();
  for (const text of [event.str('InitiatingProcessCommandLine'), event.str('ProcessCommandLine')]) {
    for (const t of suspiciousTraits(text, false)) {
      if (!seen.has(t.id)) {
        seen.add(t.id);
        reasons.push(`a command line matches: ${t.reason}`);
      }
    }
  }
  return reasons;
}

/** `python3.10 → dash → lsof`, from the parent, initiating and new image names. */
function chainOf(event: MdeEvent, from: string, to: string): string {
  const parent = basename(event.str('InitiatingProcessParentFileName') ?? '');
  return [parent, from, to].filter((x) => x !== '').join(' → ');
}

/**
 * Is the exec part of the Defender agent's own activity? Root with effective group `mdatp` (the
 * group only the agent's helpers run with), or — when the row has no POSIX fields — a direct link
 * to the agent (wdavdaemon, /opt/microsoft/mdatp) in the event.
 */
function agentOwned(event: MdeEvent): boolean {
  const id = effectiveIdentity(event);
  if (id.group !== undefined) return id.group.name === MDATP_GROUP && id.isRoot;
  return agentAnchors(event).length > 0;
}

/**
 * What replaced itself, by the initiating image: a shell (the `sh -c` case), a script interpreter, a
 * wrapper (env, nice, sudo…), another program — or a launcher whose job is this exec (container
 * runtimes, service launchers, macOS system components), which is not reported unless suspicious.
 */
export type ExecKind = 'shell' | 'into-shell' | 'interpreter' | 'wrapper' | 'program';

/** Why an exec is a launcher doing its job, or undefined. */
export function launcherRole(event: MdeEvent, fromPath: string, toPath: string): string | undefined {
  const from = basename(fromPath);
  if (isContainerRuntime(from)) return 'container runtime';
  if (isServiceLauncher(from)) return 'service launcher';
  if (isMacosSystemHandoff(event, fromPath, toPath)) return 'macOS system component';
  return undefined;
}

export function execKind(from: string, to: string): ExecKind {
  if (isShellImage(from)) return 'shell';
  if (isShellImage(to)) return 'into-shell';
  if (interpreterOf(from)) return 'interpreter';
  if (isWrapper(from)) return 'wrapper';
  return 'program';
}

/**
 * ATT&CK for an exec: Unix Shell only when a shell is one of the two images, the interpreter's
 * technique when a script interpreter replaced itself, none for wrappers and other programs.
 */
export function execTechniques(from: string, to: string): string[] {
  if (isShellImage(from) || isShellImage(to)) return ['T1059.004'];
  const interpreter = interpreterOf(from);
  return interpreter ? [interpreter.technique] : [];
}

/** How the initiating image is described, by kind (a launcher's role comes from {@link launcherRole}). */
const ROLE: Readonly<Record<Exclude<ExecKind, 'shell'>, string>> = {
  'into-shell': 'a program that started a shell',
  interpreter: 'a script interpreter',
  wrapper: 'a wrapper whose job is to exec its argument',
  program: 'a program that is no known interpreter, wrapper or launcher',
};

/** The message variant of one exec: suspicious evidence first, then what replaced itself. */
function variantOf(kind: ExecKind, suspicious: boolean, agent: boolean): string {
  if (suspicious) return kind === 'shell' ? 'suspicious' : 'suspicious-program';
  if (kind === 'shell') return agent ? 'agent' : 'default';
  return kind === 'into-shell' || kind === 'interpreter' ? kind : 'program';
}

const TEXT = {
  knownAgent: 'Microsoft Defender for Endpoint (root, effective group mdatp)',
  suspiciousRisk:
    'A process handing its PID to a network relay, to a binary in a scratch directory or to a command that opens a socket or downloads and runs code is a common step of initial access and persistence. Investigate the chain, the network connections of PID(s) {pids} and the origin of {toPath}.',
};

export const detector = defineDetector({
  meta: {
    id: 'defender/exec-process-replacement',
    title: 'Process image replaced by exec',
    summary:
      'Finds process events whose ProcessId equals their InitiatingProcessId while the image differs (e.g. `dash` → `lsof`): the process replaced its own image with execve(), as `sh -c "cmd"` does for its last command. One alert per device and image pair. Container runtimes, service launchers and macOS system components, whose job is this exec, are not reported unless the exec is suspicious.',
    rationale:
      'Defender reports an exec without fork as a new process whose initiating process is the same PID with the previous image. It is how shells run the last command of `sh -c`, how wrappers and shims hand over, and also how a dropper or a reverse shell hands a connection to a shell; the PID staying the same can confuse tooling that tracks processes by PID. Medium by default, as the reference did, because the pair is worth a look until it is known; high when the new image or its command line is itself suspicious.',
    severity: 'medium',
    severityNotes:
      "Medium when a shell replaced itself (the `sh -c` case) or a program replaced itself with a shell. Low when a script interpreter (Python, Perl, Ruby, Node.js, PHP, Lua, Tcl, osascript) or a wrapper (env, nice, nohup, timeout, sudo, su, chroot, flock, setsid, unshare, nsenter…) handed over to a program; medium for any other program. Not reported at all when the initiating image is a container runtime (containerd-shim*, runc, crun, runsc, youki, conmon, docker-init, tini, dumb-init, catatonit), a service launcher (xpcproxy, launchd, systemd, systemd-executor, (sd-pam), init) or a macOS system component (an OS-vendor-signed image under /System/ exec'ing an image of the sealed system volume). High, whatever the images, when the new image is a raw network relay (nc, ncat, socat, telnet), runs from /tmp, /var/tmp or /dev/shm, or either command line shows a reverse-shell or download/decode-and-run pattern (/dev/tcp, `bash -i`, `nc -e`, `curl … | sh`, `base64 -d | sh`). When the whole chain belongs to the Defender agent (root with effective group mdatp) the text says so and names the chain; the severity stays medium.",
    category: 'Execution',
    mitre: ['T1059.004'],
    mitreNotes:
      'T1059.004 Command and Scripting Interpreter: Unix Shell — when a shell ran a command and exec replaced the shell with it, or a program replaced itself with a shell. When a script interpreter replaced itself, the alert maps that interpreter instead (T1059.006 Python, T1059.007 JavaScript, T1059.011 Lua, T1059.002 AppleScript, T1059 for Perl, Ruby, PHP and Tcl); when a wrapper or another program did, no technique: an exec by itself is not an adversary technique. A suspicious exec keeps the mapping of its images. The reference report mapped this to T1055 Process Injection and T1036.003 Rename System Utilities; both are wrong. exec replaces the whole image through the kernel with a file from disk, visible in telemetry as a new image: no code is written into another live process (T1055), and nothing is renamed or copied to pass as something else (T1036.003) — `lsof` is /usr/bin/lsof under its own name.',
    references: [
      'https://man7.org/linux/man-pages/man2/execve.2.html',
      'https://man7.org/linux/man-pages/man1/dash.1.html',
      'https://attack.mitre.org/techniques/T1059/004/',
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceprocessevents-table',
    ],
    falsePositives: [
      'Every `sh -c "…"` whose last command is a simple command: dash and bash exec it in place of the shell.',
      'Interpreter shims and wrappers that re-exec the real binary (python3 → python3.x, env, nice, timeout, sudo): reported low.',
      'Scripts that run a program with exec (Python os.exec*, Perl or Ruby exec), or fork-and-exec whose fork Defender did not report: reported low, named as an interpreter exec.',
      'Container starts (containerd-shim → runc → entrypoint), launchd/xpcproxy and systemd service starts and macOS system components are recognised and not reported, unless the exec is suspicious.',
    ],
    kql: {
      unsupported:
        "Besides ProcessId == InitiatingProcessId with a different image, the detector leaves out container runtimes, service launchers and macOS system components unless the exec is suspicious by the pack's behaviour catalog, which tokenises command lines; that catalog has no faithful KQL form.",
    },
    tables: ['DeviceProcessEvents'],
    actionTypes: ['ProcessCreated'],
    evidence: {
      pids: { from: 'ProcessId', combine: 'distinct' },
      from: { combine: 'first', label: 'InitiatingProcessFileName' },
      fromPath: { combine: 'first', label: 'InitiatingProcessFolderPath' },
      initiatingCommandLines: {
        from: (event) => clipOptional(event.str('InitiatingProcessCommandLine')),
        combine: 'distinct',
        label: 'InitiatingProcessCommandLine',
      },
      to: { combine: 'first', label: 'FileName' },
      toPath: { combine: 'first', label: 'FolderPath' },
      commandLines: {
        from: (event) => clipOptional(event.str('ProcessCommandLine')),
        combine: 'distinct',
        label: 'ProcessCommandLine',
      },
      initiatingCreationTimes: { from: 'InitiatingProcessCreationTime', combine: 'distinct' },
      creationTimes: { from: 'ProcessCreationTime', combine: 'distinct' },
      instances: { combine: 'distinct', cap: 20, label: 'Instances' },
      chains: { combine: 'distinct', label: 'Process Chain' },
      groups: { combine: 'distinct', label: 'Effective Group' },
      role: { combine: 'first', label: 'Initiating Image Role' },
      reasons: { combine: 'distinct', label: 'Suspicious Because' },
      kind: { combine: 'first', hidden: true },
      language: { combine: 'first', hidden: true },
      riskLead: { combine: 'first', hidden: true },
      // Execs not attributed to the Defender agent: the agent text needs every exec of the alert to be its own.
      notAgent: { combine: 'count', hidden: true },
    },
    columns: [
      'InitiatingProcessId',
      'InitiatingProcessFolderPath',
      'InitiatingProcessFileName',
      'InitiatingProcessParentFileName',
      'InitiatingProcessAccountName',
      'InitiatingProcessAccountSid',
      'InitiatingProcessCommandLine',
      'InitiatingProcessSignatureStatus',
      'InitiatingProcessSignerType',
      'FolderPath',
      'FileName',
      'ProcessCommandLine',
      'AdditionalFields',
    ],
    values: ['chain', 'group'],
    messages: {
      default: {
        title: 'Process image replaced by exec: {from} → {to}',
        description:
          '{count} time(s) between {firstSeen} and {lastSeen}, a {from} process exec\'d {to} and kept its PID ({pids}). This is execve() without fork — what `sh -c "cmd"` does for its last command — not injection or masquerading: the new image {toPath} is loaded from disk under its own name.',
        riskAssessment:
          'Usually benign shell behaviour. Medium until the pair is known: confirm what started {from} ({chain}) and that {to} is expected from it; then allowlist the pair.',
      },
      agent: {
        title: 'Defender agent exec: {from} → {to}',
        description:
          "{count} time(s) between {firstSeen} and {lastSeen}, a {from} process exec'd {to} and kept its PID ({pids}). The chain {chain} runs as root with effective group {group}: Microsoft Defender for Endpoint's own scan running a shell command, which the shell replaced itself with (execve without fork).",
        riskAssessment:
          "Expected behaviour of the installed EDR; exec is not injection or masquerading. The severity stays medium because the shape is the same one an attacker's shell would produce — the agent attribution rests on the effective group mdatp, which only root can assume.",
      },
      suspicious: {
        title: 'Suspicious exec: {from} → {to}',
        description:
          "{count} time(s) between {firstSeen} and {lastSeen}, a {from} process exec'd {to} and kept its PID ({pids}) — and {~reasons}. Chain: {chain}.",
        riskAssessment:
          'A shell handing its PID to a network relay, a binary in a scratch directory or a reverse-shell / download-and-run command is a common step of initial access and persistence. Investigate the chain, the network connections of PID(s) {pids} and the origin of {toPath}.',
      },
      'suspicious-program': {
        title: 'Suspicious exec: {from} → {to}',
        description:
          "{count} time(s) between {firstSeen} and {lastSeen}, a {from} process exec'd {to} and kept its PID ({pids}) — and {~reasons}. {from} is {~role}. Chain: {chain}.",
        riskAssessment: TEXT.suspiciousRisk,
      },
      'into-shell': {
        title: 'Process replaced by a shell: {from} → {to}',
        description:
          "{count} time(s) between {firstSeen} and {lastSeen}, a {from} process exec'd the shell {to} and kept its PID ({pids}). A program or script turning itself into a shell is how an interactive shell is obtained from an exploited process (Python `os.execl('/bin/sh', …)`, Perl or Ruby `exec '/bin/sh'`), and also how login programs and terminal tools start one.",
        riskAssessment:
          'Medium: confirm what started {from} ({chain}) and that a shell is expected from it. A shell coming out of a network-facing service or of an interpreter running code it was sent needs an investigation.',
      },
      interpreter: {
        title: 'Interpreter exec: {from} → {to}',
        description:
          "{count} time(s) between {firstSeen} and {lastSeen}, a {from} process exec'd {to} and kept its PID ({pids}). {from} is a {~language} interpreter: a script handing over to a program with exec (Python os.exec*, Perl or Ruby exec) — or the exec half of a fork-and-exec whose fork Defender did not report — looks exactly like this. The new image {toPath} is loaded from disk under its own name.",
        riskAssessment:
          'Low: scripts run programs all the time. Confirm which script ran ({chain}; its command line is in the evidence) and that it is expected to run {to}; then allowlist the pair.',
      },
      program: {
        title: 'Process image replaced by exec: {from} → {to}',
        description:
          "{count} time(s) between {firstSeen} and {lastSeen}, a {from} process exec'd {to} and kept its PID ({pids}): execve() without fork, not injection or masquerading — the new image {toPath} is loaded from disk under its own name. {from} is {~role}.",
        riskAssessment:
          '{~riskLead} Confirm what started {from} ({chain}) and that {to} is expected from it; then allowlist the pair.',
      },
    },
  },

  match(event) {
    const pid = event.str('ProcessId');
    const ipid = event.str('InitiatingProcessId');
    if (pid === undefined || ipid === undefined || pid !== ipid || pid === '0') return undefined;
    const fromImage = joinImagePath(event.str('InitiatingProcessFolderPath'), event.str('InitiatingProcessFileName'));
    const toImage = joinImagePath(event.str('FolderPath'), event.str('FileName'));
    if (fromImage === undefined || toImage === undefined) return undefined;
    const from = basename(fromImage);
    const to = basename(toImage);
    if (from === '' || to === '' || from.toLowerCase() === to.toLowerCase()) return undefined;
    const reasons = execSuspicion(event);
    // A launcher whose job is this exec (container start, service start, macOS system component) is
    // reported only when the exec is suspicious in itself.
    const launcher = launcherRole(event, fromImage, toImage);
    if (launcher !== undefined && reasons.length === 0) return undefined;
    const agent = agentOwned(event);
    const kind = execKind(from, to);
    const ipct = event.str('InitiatingProcessCreationTime');
    const pct = event.str('ProcessCreationTime');
    const group = describeGroup(effectiveIdentity(event).group);
    const language = kind === 'interpreter' ? interpreterOf(from)?.language : undefined;
    return {
      key: `${from} -> ${to}`,
      ...(reasons.length ? { severity: 'high' as const } : {}),
      variant: variantOf(kind, reasons.length > 0, agent),
      evidence: {
        from,
        to,
        fromPath: fromImage,
        toPath: toImage,
        kind,
        chains: chainOf(event, from, to),
        instances: `PID ${pid}: ${from} created ${ipct ?? '(not reported)'} → ${to} created ${pct ?? '(not reported)'}`,
        reasons,
        ...(group ? { groups: group } : {}),
        ...(agent ? {} : { notAgent: true }),
        ...(kind === 'shell'
          ? {}
          : {
              role: launcher ? `a ${launcher}` : language ? `a ${language} interpreter` : ROLE[kind],
              riskLead:
                kind === 'wrapper'
                  ? 'Low: wrappers exist to exec their argument.'
                  : 'Medium until the pair is known: a program that replaces itself is worth one look.',
            }),
        ...(language ? { language } : {}),
      },
    };
  },

  render: (group) => {
    const { from, to, kind, pids, chains, groups, reasons, notAgent } = group.evidence;
    const agent = group.variant === 'agent' && notAgent === 0;
    // A shell replacing itself is the reference case (medium); interpreters and wrappers handing over
    // are everyday script plumbing (low); suspicious evidence raised the group to high in match.
    const low = reasons.length === 0 && (kind === 'interpreter' || kind === 'wrapper');
    return {
      ...(group.variant === 'agent' && !agent ? { variant: 'default' } : {}),
      values: {
        pids: `${pids.slice(0, 10).join(', ')}${pids.length > 10 ? ', …' : ''}`,
        chain: chains.slice(0, 3).join('; '),
        group: groups.join(', ') || 'not reported',
        reasons: humanList(reasons.slice(0, 4).map(String)),
      },
      ...(agent ? { keyComponents: { 'Known Agent': TEXT.knownAgent } } : {}),
      mitre: execTechniques(String(from), String(to)),
      ...(low ? { severity: 'low' as const } : {}),
    };
  },
});
