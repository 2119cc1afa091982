import { defineDetector, type MdeEvent } from '@tripline/core';
import { effectiveIdentity } from '../../internal/mdatp.js';
import { isWindowsPath, joinImagePath } from '../../internal/text.js';

const UNKNOWN = 'unknown';

/** The platform the text speaks of. */
export type Platform = 'linux' | 'macos' | 'windows' | 'unknown';

/** `OSPlatform` as Defender writes it in DeviceInfo (`Linux`, `macOS`, `Windows11`, `WindowsServer2022`…). */
export function platformOf(osPlatform: string | undefined): Platform | undefined {
  if (osPlatform === undefined) return undefined;
  const p = osPlatform.toLowerCase();
  if (p.startsWith('windows')) return 'windows';
  if (p.startsWith('macos') || p.startsWith('mac os') || p === 'osx') return 'macos';
  if (p.includes('linux')) return 'linux';
  return 'unknown';
}

/** Path prefixes only one platform uses (a hint when the device has no DeviceInfo row). */
const MACOS_HINTS = ['/system/', '/applications/', '/library/', '/users/', '/opt/homebrew/', '/private/'];
const LINUX_HINTS = [
  '/snap/',
  '/usr/lib/x86_64-linux-gnu/',
  '/usr/lib/aarch64-linux-gnu/',
  '/opt/microsoft/mdatp/',
  '/home/',
];

/** The platform a binary path points to, when it points to one. */
export function platformHint(path: string): Platform | undefined {
  if (isWindowsPath(path)) return 'windows';
  const p = path.toLowerCase();
  if (MACOS_HINTS.some((h) => p.startsWith(h)) || p.includes('.app/contents/')) return 'macos';
  if (LINUX_HINTS.some((h) => p.startsWith(h))) return 'linux';
  return undefined;
}

/** Integrity tools per platform, as shown in the alert's key components. */
const CHECKS: Record<Platform, string> = {
  linux: 'debsums -s (Debian/Ubuntu), rpm -Va (RHEL/SUSE)',
  macos:
    'codesign --verify --strict --verbose=2 <path>, spctl --assess --type execute <path>, pkgutil --file-info <path>',
  windows: 'Get-AuthenticodeSignature <path> (PowerShell), sigcheck -a -h <path> (Sysinternals)',
  unknown:
    'Linux: debsums -s, rpm -Va; macOS: codesign --verify, spctl --assess, pkgutil --file-info; Windows: Get-AuthenticodeSignature, sigcheck',
};

export const detector = defineDetector({
  meta: {
    id: 'defender/unknown-signature',
    title: 'Root processes with unknown signature status',
    summary:
      'Lists, once per device, the binaries that ran as root while Defender reported their `InitiatingProcessSignatureStatus` or `InitiatingProcessSignerType` as `Unknown`.',
    rationale:
      "Linux executables are rarely signed: distributions sign packages and repository metadata, not the ELF files, so Defender reports nearly every Linux binary as Unknown. The finding is therefore about a missing control, not about a bad binary — whether the root binaries are what the package manager installed is answered by package integrity checks, not by code signatures. On macOS and Windows, where binaries are normally code-signed, the alert says so and names the platform's own checks (codesign, spctl and pkgutil; Get-AuthenticodeSignature and sigcheck). The platform is the device's OSPlatform from its latest DeviceInfo row, else inferred from the binaries' paths. One low alert per device, with the list, serves as the inventory for that check.",
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
      'https://developer.apple.com/documentation/security/code-signing-services',
      'https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.security/get-authenticodesignature',
      'https://learn.microsoft.com/en-us/sysinternals/downloads/sigcheck',
    ],
    falsePositives: [
      'Every unsigned Linux binary — which is nearly all of them. The alert is an inventory, not a verdict.',
      'On macOS: command-line tools installed by Homebrew, pip or a local build, which are often unsigned or ad-hoc signed.',
    ],
    kql: {
      query: [
        'DeviceProcessEvents',
        '| where InitiatingProcessSignatureStatus =~ "unknown" or InitiatingProcessSignerType =~ "unknown"',
        '| extend EffectiveUser = parse_json(tostring(parse_json(AdditionalFields).InitiatingProcessPosixEffectiveUser))',
        '| extend EffectiveUid = toint(EffectiveUser.PosixUserId), EffectiveName = coalesce(tostring(EffectiveUser.Name), InitiatingProcessAccountName), EffectiveSid = coalesce(tostring(EffectiveUser.Sid), InitiatingProcessAccountSid)',
        '| where iff(isnotnull(EffectiveUid), EffectiveUid == 0, EffectiveName == "root" or EffectiveSid == "S-1-5-18")',
        '| where isnotempty(trim(@"\\s+", InitiatingProcessFolderPath)) or isnotempty(trim(@"\\s+", InitiatingProcessFileName))',
        '| project Timestamp, DeviceId, DeviceName, ReportId, InitiatingProcessFolderPath, InitiatingProcessFileName, InitiatingProcessSignatureStatus, InitiatingProcessSignerType, EffectiveName, EffectiveUid',
      ].join('\n'),
      notes:
        "One row per process event; tripline lists a device's binaries in one alert and picks its advice from the device's platform (latest DeviceInfo OSPlatform), which the query does not join. A POSIX effective user given as its own column (extended exports) instead of inside AdditionalFields is not read.",
    },
    tables: ['DeviceProcessEvents'],
    evidence: {
      binaries: { combine: 'distinct', label: 'Affected Binaries' },
      statuses: {
        from: (e) => reported(e, 'InitiatingProcessSignatureStatus'),
        combine: 'distinct',
        label: 'InitiatingProcessSignatureStatus',
      },
      signerTypes: {
        from: (e) => reported(e, 'InitiatingProcessSignerType'),
        combine: 'distinct',
        label: 'InitiatingProcessSignerType',
      },
      platformHints: { combine: 'distinct', hidden: true },
    },
    columns: [
      'InitiatingProcessSignatureStatus',
      'InitiatingProcessSignerType',
      'InitiatingProcessFolderPath',
      'InitiatingProcessFileName',
      'InitiatingProcessAccountName',
      'InitiatingProcessAccountSid',
      'AdditionalFields',
    ],
    values: ['binaryCount', 'examples', 'platformSource'],
    messages: {
      default: {
        title: 'Root binaries with unknown signature status on {device}',
        description:
          'Between {firstSeen} and {lastSeen}, {count} process event(s) came from root binaries whose signature status or signer type Defender reports as Unknown ({binaryCount} distinct), for example {examples}. Linux binaries are rarely signed, so Defender cannot report a signature for them: this is expected and not a sign of tampering by itself.',
        riskAssessment:
          'Low. The real integrity control on Linux is the package manager: verify the listed binaries against the installed packages with `debsums -s` (Debian/Ubuntu) or `rpm -Va` (RHEL/SUSE), and investigate any binary that belongs to no package (`dpkg -S <path>` / `rpm -qf <path>`).',
      },
      macos: {
        title: 'Root binaries with unknown signature status on {device}',
        description:
          'Between {firstSeen} and {lastSeen}, {count} process event(s) came from root binaries whose signature status or signer type Defender reports as Unknown ({binaryCount} distinct), for example {examples}. {device} runs macOS ({~platformSource}), where Apple signs its own binaries and most vendors sign theirs: Unknown here is less usual than on Linux, though command-line tools from Homebrew, pip or local builds are often unsigned or ad-hoc signed.',
        riskAssessment:
          "Low until checked. Verify each listed binary's code signature with `codesign --verify --strict --verbose=2 <path>`, ask Gatekeeper with `spctl --assess --type execute --verbose <path>`, and find the installer package that owns it with `pkgutil --file-info <path>`; investigate a root binary that is unsigned and belongs to no package or known tool.",
      },
      windows: {
        title: 'Binaries running as SYSTEM with unknown signature status on {device}',
        description:
          'Between {firstSeen} and {lastSeen}, {count} process event(s) came from binaries running as SYSTEM whose signature status or signer type Defender reports as Unknown ({binaryCount} distinct), for example {examples}. {device} runs Windows ({~platformSource}), where system and vendor binaries are normally Authenticode-signed: Unknown means Defender could not establish a signature, which deserves a check.',
        riskAssessment:
          'Low until checked. Check each listed binary with `Get-AuthenticodeSignature <path>` in PowerShell or Sysinternals `sigcheck -a -h <path>` (signer, catalog signature, hashes), and investigate a SYSTEM binary that is unsigned or signed by an unexpected publisher.',
      },
      unknown: {
        title: 'Root binaries with unknown signature status on {device}',
        description:
          "Between {firstSeen} and {lastSeen}, {count} process event(s) came from root binaries whose signature status or signer type Defender reports as Unknown ({binaryCount} distinct), for example {examples}. The device's platform is not known ({~platformSource}), so whether Unknown is normal cannot be told: it is on Linux, it is not for most binaries on macOS and Windows.",
        riskAssessment:
          "Low. Use the platform's integrity check on the listed binaries — Linux: `debsums -s` or `rpm -Va`; macOS: `codesign --verify`, `spctl --assess`, `pkgutil --file-info`; Windows: `Get-AuthenticodeSignature` or `sigcheck`.",
      },
    },
  },

  match(event) {
    const status = event.str('InitiatingProcessSignatureStatus');
    const signer = event.str('InitiatingProcessSignerType');
    if (status?.toLowerCase() !== UNKNOWN && signer?.toLowerCase() !== UNKNOWN) return undefined;
    if (!effectiveIdentity(event).isRoot) return undefined;
    const binary = joinImagePath(event.str('InitiatingProcessFolderPath'), event.str('InitiatingProcessFileName'));
    if (binary === undefined) return undefined;
    const hint = platformHint(binary);
    return { evidence: { binaries: binary, ...(hint ? { platformHints: hint } : {}) } };
  },

  render({ device, evidence: { binaries, platformHints }, truncated }) {
    const { platform, source } = devicePlatform(device.info, platformHints as readonly Platform[]);
    return {
      // Linux keeps the default text (the reference case); other platforms get their own checks.
      variant: platform === 'linux' ? 'default' : platform,
      values: {
        binaryCount: `${binaries.length}${truncated.has('binaries') ? '+' : ''}`,
        examples: binaries.slice(0, 5).join(', '),
        platformSource: source,
      },
      keyComponents: { 'Integrity Check': CHECKS[platform] },
    };
  },
});

/** A signature column as evidence: its value, or "(not reported)" so that a missing status shows. */
function reported(event: MdeEvent, column: string): string {
  return event.str(column) ?? '(not reported)';
}

/**
 * The device's platform: OSPlatform of its latest DeviceInfo row; else the one platform the binaries'
 * paths point to; else Linux when every path is a plain POSIX path (the Linux sensor is where this
 * detector's rows come from, and macOS's Unknown binaries are rarely outside macOS-only folders).
 */
function devicePlatform(
  info: MdeEvent | undefined,
  platformHints: readonly Platform[],
): { platform: Platform; source: string } {
  const os = info?.str('OSPlatform');
  const fromInfo = platformOf(os);
  if (fromInfo !== undefined) return { platform: fromInfo, source: `OSPlatform ${os} in DeviceInfo` };
  const hints = new Set(platformHints);
  if (hints.size === 1) {
    const [only] = hints as Set<Platform>;
    return { platform: only!, source: "no DeviceInfo row; told by the binaries' paths" };
  }
  if (hints.size === 0) return { platform: 'linux', source: 'no DeviceInfo row; POSIX paths, assumed Linux' };
  return { platform: 'unknown', source: "no DeviceInfo row; the binaries' paths point to several platforms" };
}
