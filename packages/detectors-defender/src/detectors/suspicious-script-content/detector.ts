import { createHash } from 'node:crypto';
import { defineDetector, type MdeEvent } from '@tripline/core';
import { ALL_BEHAVIOUR_TECHNIQUES, actsAsRoot, highest, inPackageHook } from '../../internal/behaviours.js';
import { scanOnce } from '../../internal/scan-memo.js';
import { clip } from '../../internal/text.js';

/** Matched lines shown per alert. */
const MAX_LINES_SHOWN = 12;

/** The script body Defender captured (`AdditionalFields.ScriptContent`), as text. */
function scriptBody(event: MdeEvent): string | undefined {
  const v = event.additionalFields.ScriptContent ?? event.get('ScriptContent');
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `FolderPath` + `FileName` as one path (`FolderPath` already ends with the name on most rows). */
function scriptPath(event: MdeEvent): string | undefined {
  const folder = event.str('FolderPath');
  const name = event.str('FileName');
  if (!folder) return name || undefined;
  if (!name || folder === name || folder.endsWith(`/${name}`)) return folder;
  return `${folder.replace(/\/$/, '')}/${name}`;
}

/** One alert per script: its hash when Defender gave one, else its path, else a hash of the body. */
function scriptKey(event: MdeEvent, body: string): string {
  const sha = event.str('SHA256');
  if (sha) return `sha256:${sha.toLowerCase()}`;
  const path = scriptPath(event);
  if (path) return `path:${path}`;
  return `content:${createHash('sha256').update(body, 'utf8').digest('hex')}`;
}

export const detector = defineDetector({
  meta: {
    id: 'defender/suspicious-script-content',
    title: 'Suspicious Linux script content',
    summary:
      'A script body captured by Defender (ScriptContent) contains attacker behaviour: download-and-execute, a reverse shell, decoded-payload execution, shell-history or log wiping, or persistence through cron, systemd, SSH authorized_keys or /etc/ld.so.preload.',
    rationale:
      "Defender records the whole body of scripts that shells and interpreters run. The benign script classes of this pack (sysstat, the Defender agent's inventory and log4j scans) are recognised by content, path and runner together; anything else that pipes a download into a shell, opens a shell over TCP or rewrites the dynamic linker configuration is what an intruder does after gaining a foothold. Reverse shells, download-and-execute, decoded execution and ld.so.preload are high: they are rarely legitimate and give an attacker control. History and log wiping alone are medium — image-sealing and clean-up scripts do the same — and high when the same script also executes or persists something.",
    severity: 'medium',
    severityNotes:
      "High when the script contains a reverse or bind shell, download-and-execute, a decoded payload piped into an interpreter, an /etc/ld.so.preload write, or appends to root's authorized_keys; history clearing and log tampering are raised from medium to high when they appear next to any execution or persistence behaviour. Cron and systemd writes alone are medium.",
    category: 'Execution / Persistence / Defense Evasion',
    mitre: ALL_BEHAVIOUR_TECHNIQUES,
    mitreNotes:
      "Each alert lists only the techniques of the behaviours found in that script: reverse shell → T1059.004 Unix Shell + T1095 Non-Application Layer Protocol (raw TCP channel; T1059.006/T1059 for Python/Perl/PHP/Ruby one-liners); download-and-execute → T1105 Ingress Tool Transfer + T1059.004; decoded execution → T1140 Deobfuscate/Decode + T1059.004; history wiping → T1070.003 Clear Command History (the technique the reference report wrongly gave to sysstat's sa1, which clears nothing); log wiping → T1070.002 Clear Linux or Mac System Logs; cron → T1053.003; systemd units → T1543.002; authorized_keys → T1098.004; ld.so.preload / LD_PRELOAD from a temporary directory → T1574.006.",
    references: [
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceevents-table',
      'https://attack.mitre.org/techniques/T1070/003/',
      'https://attack.mitre.org/techniques/T1059/004/',
      'https://attack.mitre.org/techniques/T1574/006/',
      'https://man7.org/linux/man-pages/man8/ld.so.8.html',
      'https://www.gnu.org/software/bash/manual/html_node/Redirections.html',
    ],
    falsePositives: [
      'Vendor installers documented as `curl … | sh` (Docker, rustup, Oh My Zsh): the same behaviour, run by an administrator — confirm the URL and who ran it.',
      'Image-sealing scripts (Packer, golden images) that clear history and truncate wtmp/auth logs before capture: medium alone.',
      'Provisioning scripts that append a known administrator key to authorized_keys or write a service unit for an in-house application.',
      'Package maintainer scripts (dpkg/rpm) that install cron jobs or systemd units are ignored for those two behaviours; anything else they do is reported.',
    ],
    kql: {
      unsupported:
        "Applies the pack's behaviour catalog to the ScriptContent body after recognising the benign script classes (sysstat, the Defender agent's scripts) by content, path and runner; the catalog and the class recognisers have no faithful KQL form.",
    },
    tables: ['DeviceEvents'],
    actionTypes: ['ScriptContent'],
    evidence: {
      behaviours: { combine: 'distinct', label: 'Behaviours' },
      lines: { combine: 'distinct', label: 'Matched Lines' },
      paths: { from: scriptPath, combine: 'distinct', cap: 10, label: 'Script Path' },
      sha256: { from: 'SHA256', combine: 'first' },
      interpreters: { combine: 'distinct', cap: 5, label: 'Interpreter' },
      accounts: { combine: 'distinct', cap: 10, label: 'Account' },
      script: { combine: 'first', hidden: true },
      interpreter: { combine: 'first', hidden: true },
      techniques: { combine: 'distinct', hidden: true },
    },
    columns: [
      'FolderPath',
      'FileName',
      'InitiatingProcessCommandLine',
      'InitiatingProcessFileName',
      'InitiatingProcessParentFileName',
      'InitiatingProcessAccountName',
      'AdditionalFields',
    ],
    values: ['behaviourCount'],
    messages: {
      default: {
        title: 'Suspicious script content: {behaviours}',
        description:
          'The script {script} run on {device} by {interpreter} contains {behaviourCount} attacker behaviour(s): {behaviours}. The matched lines are listed in the key components.',
        riskAssessment:
          'Script content like this is how an intruder fetches tools, opens a remote shell, hides traces and comes back after a reboot. Read the whole script (ScriptContent), find what started the interpreter (InitiatingProcessParentFileName, the logon before it), and check the persistence locations it names (crontabs, /etc/systemd/system, ~/.ssh/authorized_keys, /etc/ld.so.preload).',
      },
    },
  },

  match(event) {
    const body = scriptBody(event);
    if (body === undefined) return undefined;
    // Lazy: a body seen before (the agent scripts every host runs) needs neither unless its scan read them.
    let hook: boolean | undefined;
    let root: boolean | undefined;
    const findings = scanOnce(body, {
      get packageHook() {
        if (hook === undefined) hook = inPackageHook(event);
        return hook;
      },
      get root() {
        if (root === undefined) root = actsAsRoot(event);
        return root;
      },
    });
    if (findings.length === 0) return undefined;
    const path = scriptPath(event);
    const sha = event.str('SHA256');
    const interpreter = event.str('InitiatingProcessCommandLine') ?? event.str('InitiatingProcessFileName');
    const account = event.posix.initiatingProcess.effectiveUser?.name ?? event.str('InitiatingProcessAccountName');
    return {
      key: scriptKey(event, body),
      severity: highest(findings.map((f) => f.severity)),
      evidence: {
        behaviours: findings.map((f) => f.label),
        techniques: findings.flatMap((f) => [...f.mitre]),
        lines: findings.flatMap((f) => f.lines.map((l) => `[${f.label}] ${l}`)),
        script: path ?? (sha ? `with SHA256 ${sha}` : '(unnamed script)'),
        interpreter: interpreter ? clip(interpreter) : 'an interpreter',
        ...(interpreter ? { interpreters: clip(interpreter) } : {}),
        ...(account ? { accounts: account } : {}),
      },
    };
  },

  render: (group) => {
    const { behaviours, lines, techniques } = group.evidence;
    const more = lines.length - MAX_LINES_SHOWN;
    return {
      values: { behaviourCount: behaviours.length },
      keyComponents: {
        ...(more > 0 ? { 'Matched Lines': [...lines.slice(0, MAX_LINES_SHOWN).map(String), `(${more} more)`] } : {}),
        ...(group.count > 1 ? { Runs: String(group.count) } : {}),
      },
      mitre: techniques.map(String).sort(),
    };
  },
});
