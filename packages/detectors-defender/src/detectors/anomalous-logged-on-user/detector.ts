import { defineDetector, type MdeEvent } from '@tripline/core';
import { z } from 'zod';
import { cloudPlatforms, loggedOnUserNames } from '../../internal/device-info.js';
import { clip } from '../../internal/text.js';

/** The name `agetty`/`login` write into utmp for a terminal waiting at a login prompt (LOGIN_PROCESS). */
export const UTMP_LOGIN_PLACEHOLDER = 'LOGIN';

/** Generic, default or test account names (compared lower-cased): never a person, often a guessed credential. */
const GENERIC_NAMES: ReadonlySet<string> = new Set([
  'admin',
  'admin1',
  'administrator',
  'administrador',
  'administrateur',
  'defaultaccount',
  'demo',
  'guest',
  'login',
  'temp',
  'test',
  'test1',
  'tester',
  'testuser',
  'tmp',
  'user',
  'user1',
  'username',
]);

/** Names longer than this are not account names (Linux: 32, Windows SAM: 20, UPN-style: 256). */
const MAX_NAME_LENGTH = 256;
/** Control characters (C0, DEL, C1): never in an account name, a sign of log or terminal injection. */
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
/** Characters account names are made of: letters, marks, digits and `. _ - $ @ '` and inner spaces (Windows). */
const PLAUSIBLE_RE = /^[\p{L}\p{M}\p{N}._@$'\\-]+(?: [\p{L}\p{M}\p{N}._@$'\\-]+)*$/u;

/** Why a logged-on name is not a plausible account, or undefined when it is one. */
export type NameProblem = 'utmp-login' | 'generic' | 'empty' | 'control-characters' | 'odd-characters' | 'too-long';

/** Classify one `LoggedOnUsers` name (`linux`: the device runs Linux, where `LOGIN` is a utmp placeholder). */
export function nameProblem(
  name: string,
  linux: boolean,
  extraGeneric: ReadonlySet<string> = EMPTY_SET,
): NameProblem | undefined {
  if (name === UTMP_LOGIN_PLACEHOLDER && linux) return 'utmp-login';
  if (name.trim() === '') return 'empty';
  if (name.length > MAX_NAME_LENGTH) return 'too-long';
  if (CONTROL_RE.test(name)) return 'control-characters';
  const lower = name.toLowerCase();
  if (GENERIC_NAMES.has(lower) || extraGeneric.has(lower)) return 'generic';
  if (!PLAUSIBLE_RE.test(name)) return 'odd-characters';
  return undefined;
}

const EMPTY_SET: ReadonlySet<string> = new Set();

const REASONS: Readonly<Record<NameProblem, string>> = {
  'utmp-login': 'utmp LOGIN_PROCESS placeholder (a getty waiting at a login prompt)',
  generic: 'generic or default account name',
  empty: 'empty user name',
  'control-characters': 'user name contains control characters',
  'odd-characters': 'user name contains characters account names do not use',
  'too-long': 'user name is longer than any account name',
};

/** Shown in place of names that cannot be printed as they are. */
function displayName(name: string): string {
  if (name === '') return '(empty)';
  const shown = clip(name, 65);
  // Control characters are made visible (\u001b) rather than passed to a terminal or a report.
  return shown.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function isLinux(event: MdeEvent | undefined): boolean {
  return event?.str('OSPlatform')?.toLowerCase() === 'linux';
}

const options = z
  .strictObject({
    extraGenericNames: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'More names to treat as generic accounts (compared case-insensitively), e.g. a vendor default account.',
      ),
  })
  .default({ extraGenericNames: [] });

type Options = z.infer<typeof options>;

const extraSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function extraGeneric(opts: Options): ReadonlySet<string> {
  let set = extraSets.get(opts.extraGenericNames);
  if (!set) {
    set = new Set(opts.extraGenericNames.map((n) => n.toLowerCase()));
    extraSets.set(opts.extraGenericNames, set);
  }
  return set;
}

/** Shown for the utmp LOGIN placeholder when no real logon by that name is seen. */
const UTMP_EXPLANATION = {
  'Likely Explanation': 'utmp LOGIN_PROCESS record of a getty (serial console ttyS0 on Azure VMs)',
  'How To Confirm': [
    'getent passwd LOGIN (no such account)',
    'who -a / utmpdump /var/run/utmp (LOGIN_PROCESS on ttyS0)',
    'systemctl status serial-getty@ttyS0',
  ],
};

/** LoggedOnUsers entries that are not plausible accounts, with the utmp `LOGIN` placeholder told apart. */
export const detector = defineDetector({
  meta: {
    id: 'defender/anomalous-logged-on-user',
    title: 'Implausible logged-on user name',
    summary:
      'A DeviceInfo LoggedOnUsers entry that is not a plausible account: a generic or default name (admin, test, guest, user…), an empty name, or a name with control or unusual characters. On Linux the name LOGIN is recognised as the utmp placeholder of a terminal waiting at a login prompt, and a successful logon by the same name (DeviceLogonEvents) is correlated.',
    rationale:
      'Generic names such as admin or test are the first credentials attackers guess, and an account by such a name being in use means either a weak default account or a compromise. Names with control characters point to log or terminal injection. On Linux, however, Defender reads LoggedOnUsers from utmp, and agetty writes a LOGIN_PROCESS record with the user name LOGIN for every terminal showing a login prompt — on Azure VMs typically the serial console ttyS0. That record is no logon at all, so it is reported at medium with the way to confirm it, and raised to high only when a real logon by that name is seen.',
    severity: 'high',
    severityNotes:
      'High for generic or admin-like names (admin, administrator, test, guest, user…), empty names and names with control or odd characters, and whenever a LogonSuccess by the same AccountName is seen on the device. Medium for the utmp LOGIN placeholder on a Linux device with no logon by that name.',
    category: 'Identity and Access Management',
    mitre: ['T1078'],
    mitreNotes:
      'T1078 Valid Accounts is attached to an alert only when a successful logon by the implausible name is seen (DeviceLogonEvents LogonSuccess): that is an account being used. A name in LoggedOnUsers alone is not evidence of a logon — for LOGIN on Linux it is the getty placeholder — so those alerts carry no technique. The reference report mapped T1078 to the LOGIN placeholder itself; that was wrong for the reason above.',
    references: [
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceinfo-table',
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicelogonevents-table',
      'https://man7.org/linux/man-pages/man5/utmp.5.html',
      'https://man7.org/linux/man-pages/man8/agetty.8.html',
      'https://learn.microsoft.com/en-us/troubleshoot/azure/virtual-machines/linux/serial-console-linux',
      'https://attack.mitre.org/techniques/T1078/',
    ],
    falsePositives: [
      'LOGIN on Linux: the utmp record of a getty waiting at a login prompt (serial console ttyS0 on Azure, or a virtual console). Confirm: `getent passwd LOGIN` returns nothing, `who -a` or `utmpdump /var/run/utmp` shows a LOGIN_PROCESS entry on that terminal, and `systemctl status serial-getty@ttyS0` shows the getty.',
      'Lab and test machines where accounts named test or user are deliberate; add them to an allowlist for those devices.',
      'Kiosk or shared devices with a generic account by design.',
    ],
    kql: {
      unsupported:
        'Each DeviceInfo LoggedOnUsers entry is judged (generic names, control characters, the utmp LOGIN placeholder, configurable lists) and the LOGIN case is correlated with DeviceLogonEvents of the same device: that needs mv-expand over the JSON array and a join, both outside the KQL subset tripline exports and checks.',
    },
    tables: ['DeviceInfo', 'DeviceLogonEvents'],
    options,
    evidence: {
      userName: { combine: 'first', label: 'LoggedOnUser' },
      reason: { combine: 'last', label: 'Reason' },
      deviceId: { from: 'DeviceId', combine: 'first' },
      osPlatform: { combine: 'last', label: 'OSPlatform' },
      clouds: { combine: 'distinct', label: 'Cloud Platform' },
      snapshots: { combine: 'count', label: 'DeviceInfo Snapshots' },
      logons: { combine: 'count', label: 'Successful Logons' },
      logonTypes: { from: 'LogonType', combine: 'distinct' },
      remoteIps: { from: 'RemoteIP', combine: 'distinct' },
      initiators: { from: 'InitiatingProcessFileName', combine: 'distinct' },
      logonSources: { combine: 'distinct', hidden: true },
      problem: { combine: 'last', hidden: true },
    },
    columns: [
      'LoggedOnUsers',
      'OSPlatform',
      'CloudPlatforms',
      'AzureResourceId',
      'AzureVmId',
      'AwsResourceName',
      'GcpFullResourceName',
      'AccountName',
    ],
    messages: {
      default: {
        title: 'Implausible logged-on user "{userName}" on {device}',
        description:
          'Device {device} ({osPlatform}) reported a logged-on user named {userName}: {reason}. It was seen in {snapshots} DeviceInfo snapshot(s) between {firstSeen} and {lastSeen}; no successful logon by that name was recorded in the data analysed.',
        riskAssessment:
          'A generic, empty or malformed account name in use is a weak default account, a shared credential or a sign of tampering. Identify the account (owner, creation date, last password change), check how it logged on, and disable it if it has no owner.',
      },
      withLogon: {
        title: 'Logon by implausible account "{userName}" on {device}',
        description:
          'Device {device} ({osPlatform}) reported a logged-on user named {userName} ({reason}), and {logons} successful logon(s) by an account of that exact name were recorded ({logonSources}). An account with a generic or malformed name is in use.',
        riskAssessment:
          'High: generic names are the first credentials attackers guess, and a successful logon by one is consistent with Valid Accounts abuse. Review the logon sources, the account and its recent activity, reset or disable it, and look for brute-force attempts before the first success.',
      },
      utmpLogin: {
        title: 'LOGIN placeholder in logged-on users of {device}',
        description:
          'Linux device {device} reported a logged-on user named {userName} in {snapshots} DeviceInfo snapshot(s) between {firstSeen} and {lastSeen}. On Linux this is most likely not an account: agetty writes a utmp LOGIN_PROCESS record with the user name LOGIN for a terminal waiting at a login prompt — on Azure VMs typically the serial console (ttyS0) — and Defender reads logged-on users from utmp. No successful logon by that name was recorded. Confirm on the host: `getent passwd LOGIN` returns nothing, `who -a` or `utmpdump /var/run/utmp` shows LOGIN_PROCESS on ttyS0, and a getty runs on it (`systemctl status serial-getty@ttyS0`).',
        riskAssessment:
          'Medium until confirmed: the benign explanation is very likely, but an account actually named LOGIN would be a deliberately inconspicuous one. If /etc/passwd has no LOGIN account and utmp shows LOGIN_PROCESS, close as benign; if an account exists, treat it as a finding.',
      },
      utmpLoginWithLogon: {
        title: 'Logon by an account named LOGIN on {device}',
        description:
          'Linux device {device} reported a logged-on user named {userName}, and {logons} successful logon(s) by an account of that exact name were recorded ({logonSources}). The usual explanation of LOGIN in utmp — the placeholder record agetty writes for a terminal at a login prompt — does not account for a real logon: an account named LOGIN exists and was used.',
        riskAssessment:
          'High: an account named like the getty placeholder blends into utmp output and is a classic way to hide a backdoor account. Check /etc/passwd and /etc/shadow for LOGIN, its shell and authorized_keys, the logon sources, and what it ran.',
      },
    },
  },

  match(event, ctx) {
    const extra = extraGeneric(ctx.options);
    if (event.table === 'DeviceInfo') {
      const names = loggedOnUserNames(event);
      if (names.length === 0) return undefined;
      const linux = isLinux(event);
      const osPlatform = event.str('OSPlatform') ?? 'unknown OS';
      const clouds = cloudPlatforms(event);
      const matches = [];
      for (const name of new Set(names)) {
        const problem = nameProblem(name, linux, extra);
        if (!problem) continue;
        matches.push({
          key: name,
          evidence: {
            userName: displayName(name),
            reason: REASONS[problem],
            problem,
            osPlatform,
            clouds,
            snapshots: 1,
          },
        });
      }
      return matches;
    }
    if (event.table === 'DeviceLogonEvents' && event.actionType === 'LogonSuccess') {
      const name = event.str('AccountName');
      // Only names that could be implausible are tracked; the alert needs a LoggedOnUsers entry too.
      if (name === undefined || !nameProblem(name, true, extra)) return undefined;
      const ip = event.str('RemoteIP');
      const logonType = event.str('LogonType');
      const initiator = event.str('InitiatingProcessFileName');
      const source =
        [logonType, ip ? `from ${ip}` : undefined, initiator ? `via ${initiator}` : undefined]
          .filter(Boolean)
          .join(' ') || 'logon';
      return { key: name, evidence: { userName: displayName(name), logons: 1, logonSources: source } };
    }
    return undefined;
  },

  render({ evidence: e }) {
    // The class is a LoggedOnUsers entry: logons by a generic name without one belong to logon detectors.
    if (e.snapshots === 0) return null;
    const utmp = e.problem === 'utmp-login';
    const logons = e.logons > 0;
    return {
      variant: utmp ? (logons ? 'utmpLoginWithLogon' : 'utmpLogin') : logons ? 'withLogon' : 'default',
      severity: utmp && !logons ? 'medium' : 'high',
      mitre: logons ? ['T1078'] : [],
      ...(utmp && !logons ? { keyComponents: UTMP_EXPLANATION } : {}),
    };
  },
});
