import { type AlertGroup, defineDetector, type Match } from '@tripline/core';
import { effectiveIdentity } from '../../internal/mdatp.js';
import { joinImagePath } from '../../internal/text.js';

const UNKNOWN = 'unknown';

export const detector = defineDetector({
  meta: {
    id: 'defender/unknown-signature',
    title: 'Root processes with unknown signature status',
    summary:
      'Lists, once per device, the binaries that ran as root while Defender reported their `InitiatingProcessSignatureStatus` or `InitiatingProcessSignerType` as `Unknown`.',
    rationale:
      'Linux executables are rarely signed: distributions sign packages and repository metadata, not the ELF files, so Defender reports nearly every Linux binary as Unknown. The finding is therefore about a missing control, not about a bad binary — whether the root binaries are what the package manager installed is answered by package integrity checks, not by code signatures. One low alert per device, with the list, serves as the inventory for that check.',
    severity: 'low',
    severityNotes:
      'Always low: Unknown is the normal state on Linux. A binary that is actually tampered with needs other evidence (package verification, hashes, file events).',
    category: 'System Integrity / Configuration',
    mitre: [],
    mitreNotes:
      'No technique: an unknown signature status is a property of the platform, not an adversary action. T1553 (Subvert Trust Controls) or T1036 (Masquerading) would need evidence of tampering, which a status of Unknown does not give.',
    references: [
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceprocessevents-table',
      'https://manpages.debian.org/stable/debsums/debsums.1.en.html',
      'https://man7.org/linux/man-pages/man8/rpm.8.html',
    ],
    falsePositives: [
      'Every unsigned Linux binary — which is nearly all of them. The alert is an inventory, not a verdict.',
    ],
    tables: ['DeviceProcessEvents'],
    messages: {
      default: {
        title: 'Root binaries with unknown signature status on {device}',
        description:
          'Between {firstSeen} and {lastSeen}, {count} process event(s) came from root binaries whose signature status or signer type Defender reports as Unknown ({binaryCount} distinct), for example {examples}. Linux binaries are rarely signed, so Defender cannot report a signature for them: this is expected and not a sign of tampering by itself.',
        riskAssessment:
          'Low. The real integrity control on Linux is the package manager: verify the listed binaries against the installed packages with `debsums -s` (Debian/Ubuntu) or `rpm -Va` (RHEL/SUSE), and investigate any binary that belongs to no package (`dpkg -S <path>` / `rpm -qf <path>`).',
      },
    },
  },

  match(event): Match | undefined {
    const status = event.str('InitiatingProcessSignatureStatus');
    const signer = event.str('InitiatingProcessSignerType');
    if (status?.toLowerCase() !== UNKNOWN && signer?.toLowerCase() !== UNKNOWN) return undefined;
    if (!effectiveIdentity(event).isRoot) return undefined;
    const binary = joinImagePath(event.str('InitiatingProcessFolderPath'), event.str('InitiatingProcessFileName'));
    if (binary === undefined) return undefined;
    return {
      collect: {
        binaries: binary,
        statuses: status ?? '(not reported)',
        signerTypes: signer ?? '(not reported)',
      },
    };
  },

  render(group: AlertGroup) {
    const binaries = group.collected.binaries ?? [];
    const more = group.collectedTruncated.has('binaries') ? '+' : '';
    return {
      values: {
        device: group.device.name,
        binaryCount: `${binaries.length}${more}`,
        count: group.count,
        firstSeen: group.firstSeen,
        lastSeen: group.lastSeen,
        examples: binaries.slice(0, 5).join(', '),
      },
      keyComponents: {
        'Affected Binaries': binaries,
        InitiatingProcessSignatureStatus: group.collected.statuses ?? [],
        InitiatingProcessSignerType: group.collected.signerTypes ?? [],
        'Integrity Check': 'debsums -s (Debian/Ubuntu), rpm -Va (RHEL/SUSE)',
      },
    };
  },
});
