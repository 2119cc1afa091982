import { defineDetector, type MdeEvent } from '@tripline/core';
import {
  agentAnchors,
  describeGroup,
  describeUser,
  effectiveIdentity,
  isUnderMdatp,
  MDATP_GROUP,
} from '../../internal/mdatp.js';
import {
  basename,
  clipOptional,
  joinImagePath,
  programOf,
  SHELLS,
  shellCommandString,
  splitCommandLine,
} from '../../internal/text.js';

/** Discovery programs the Defender agent is seen running (process, file, package, system inventory). */
const DISCOVERY_PROGRAMS: ReadonlySet<string> = new Set([
  'osqueryi',
  'ps',
  'lsof',
  'uname',
  'hostname',
  'id',
  'df',
  'lsblk',
  'ip',
  'ss',
  'netstat',
  'dpkg-query',
  'dpkg',
  'rpm',
  'find',
  'stat',
  'getent',
  'systemctl',
  'lscpu',
  'dmidecode',
]);
const PYTHON_RE = /^python\d?(?:\.\d{1,2})?$/;

/** The discovery program an event shows, and how: the image itself, a shell's `-c` command, or a Defender python script. */
export function discoveryProgram(event: MdeEvent): { program: string; via: string } | undefined {
  const image = basename(
    event.str('FileName') ?? joinImagePath(event.str('FolderPath'), undefined) ?? '',
  ).toLowerCase();
  if (DISCOVERY_PROGRAMS.has(image)) return { program: image, via: image };
  const commandLine = event.str('ProcessCommandLine');
  // Only a python script or a shell's `-c` string can name a discovery program now; the first
  // word tells whether it is a shell, without splitting the whole command line of every process.
  const python = PYTHON_RE.test(image);
  if (!python) {
    const first = splitCommandLine(commandLine, 1)[0];
    if (first === undefined || !SHELLS.has(basename(first).toLowerCase())) return undefined;
  }
  const words = splitCommandLine(commandLine, 16);
  if (python) {
    const script = words.slice(1, 4).find((w) => w.endsWith('.py'));
    return script !== undefined && isUnderMdatp(script) ? { program: image, via: basename(script) } : undefined;
  }
  const inner = shellCommandString(words);
  const prog = inner === undefined ? undefined : programOf(inner)?.toLowerCase();
  return prog !== undefined && DISCOVERY_PROGRAMS.has(prog) ? { program: prog, via: `${image} -c ${prog}` } : undefined;
}

/** T1057 for process listings, T1082 for the rest. */
const PROCESS_DISCOVERY: ReadonlySet<string> = new Set(['ps', 'lsof']);

export const detector = defineDetector({
  meta: {
    id: 'defender/edr-agent-recon',
    title: 'Defender agent discovery activity',
    summary:
      'Groups the discovery commands (its python scripts, osqueryi, ps, lsof, …) that the Microsoft Defender for Endpoint agent runs as root with effective group `mdatp` into one alert per device, listing the programs and example command lines.',
    rationale:
      "Defender's Linux agent inventories the host continuously: it lists processes and open files, queries osquery and runs its inventory scripts. Seen raw, that is root running discovery commands in bursts. One low alert per device names it as the agent, so the same commands by anything else stand out. The attribution needs the effective group mdatp AND a link to the agent in the event itself (wdavdaemon as initiator or parent, or an initiating image/command line under /opt/microsoft/mdatp/): a root shell that merely switched its group to mdatp is not enough.",
    severity: 'low',
    severityNotes:
      'Always low. Discovery commands that fail the attribution (other user, other group, no link to the agent) are not part of this alert.',
    category: 'System Monitoring / EDR Activity',
    mitre: ['T1082', 'T1057'],
    mitreNotes:
      'T1082 System Information Discovery (osquery queries, inventory scripts) and T1057 Process Discovery (ps, lsof) describe what the commands do, as the reference report said. They are mapped even though the actor is the EDR, so that ATT&CK-based views show where this benign discovery comes from.',
    references: [
      'https://learn.microsoft.com/en-us/defender-endpoint/microsoft-defender-endpoint-linux',
      'https://attack.mitre.org/techniques/T1082/',
      'https://attack.mitre.org/techniques/T1057/',
      'https://osquery.readthedocs.io/en/stable/introduction/using-osqueryi/',
    ],
    falsePositives: [
      'None for the class: every event is the Defender agent. Allowlist the detector per device if the noise is not wanted.',
    ],
    kql: {
      unsupported:
        "Attribution to the Defender agent tokenises command lines (a shell's -c program, a python script path under /opt/microsoft/mdatp/) and reads the POSIX effective identity; the command-line tokeniser has no KQL equivalent, so a query would approximate in silence.",
    },
    tables: ['DeviceProcessEvents'],
    actionTypes: ['ProcessCreated'],
    evidence: {
      processes: { combine: 'distinct', label: 'Processes Observed' },
      commandLines: {
        from: (event) => clipOptional(event.str('ProcessCommandLine')),
        combine: 'distinct',
        cap: 8,
        label: 'Example Command Lines',
      },
      user: { combine: 'first', label: 'Effective User' },
      group: { combine: 'first', label: 'InitiatingProcessPosixEffectiveGroup' },
      anchors: { combine: 'distinct', label: 'Agent Link' },
      techniques: { combine: 'distinct', hidden: true },
    },
    columns: [
      'FileName',
      'FolderPath',
      'ProcessCommandLine',
      'InitiatingProcessFileName',
      'InitiatingProcessFolderPath',
      'InitiatingProcessCommandLine',
      'InitiatingProcessParentFileName',
      'InitiatingProcessAccountName',
      'InitiatingProcessAccountSid',
      'AdditionalFields',
    ],
    messages: {
      default: {
        title: 'Defender agent discovery commands on {device}',
        description:
          'The Microsoft Defender for Endpoint agent ran {count} discovery process(es) between {firstSeen} and {lastSeen}: {processes}. They ran as {user} with effective group {group}, linked to the agent by {anchors}.',
        riskAssessment:
          "Expected behaviour of the installed EDR (inventory, process and open-file listings); root is needed for it. No immediate risk. The same commands without the agent's group and lineage are not covered by this alert.",
      },
    },
  },

  match(event) {
    const found = discoveryProgram(event);
    if (!found) return undefined;
    const id = effectiveIdentity(event);
    if (!id.isRoot) return undefined;
    if (id.group !== undefined && id.group.name !== MDATP_GROUP) return undefined;
    if (id.group === undefined) {
      // No POSIX fields: only an initiating process that IS the agent is enough.
      const name = basename(event.str('InitiatingProcessFileName') ?? '').toLowerCase();
      const image = joinImagePath(event.str('InitiatingProcessFolderPath'), event.str('InitiatingProcessFileName'));
      if (name !== 'wdavdaemon' && !isUnderMdatp(image)) return undefined;
    }
    const anchors = agentAnchors(event);
    if (anchors.length === 0) return undefined;
    const image = basename(event.str('FileName') ?? '');
    return {
      evidence: {
        processes:
          found.program === image.toLowerCase() ? found.program : [image, found.program].filter((x) => x !== ''),
        techniques: PROCESS_DISCOVERY.has(found.program) ? 'T1057' : 'T1082',
        anchors,
        user: describeUser(id) ?? 'root',
        group: describeGroup(id.group) ?? 'not reported (no POSIX fields in the event)',
      },
    };
  },

  // Only the techniques the observed commands support, in catalog order.
  render: (group) => ({ mitre: ['T1082', 'T1057'].filter((t) => group.evidence.techniques.includes(t)) }),
});
