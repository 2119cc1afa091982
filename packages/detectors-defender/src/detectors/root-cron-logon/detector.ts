import { defineDetector, type MdeEvent, type TimelinePoint } from '@tripline/core';

/** Image names of the cron daemon: `cron` (Debian, Ubuntu: cron/cronie) and `crond` (RHEL, SUSE: cronie). */
const CRON_IMAGES: ReadonlySet<string> = new Set(['cron', 'crond']);

/** Logons initiated by these are interactive or remote logons, never this class. */
const INTERACTIVE_IMAGES: ReadonlySet<string> = new Set([
  'sshd',
  'login',
  'su',
  'sudo',
  'gdm-session-worker',
  'lightdm',
]);

/** cron starts every job due in a minute within the same second: points this close are one run. */
const SAME_RUN_MS = 5_000;

/** Basename of a path or a bare image name, lower-cased (`/usr/sbin/cron` → `cron`). */
function imageName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const slash = value.lastIndexOf('/');
  return (slash >= 0 ? value.slice(slash + 1) : value).toLowerCase();
}

function isRemote(event: MdeEvent): boolean {
  const ip = event.str('RemoteIP')?.trim();
  return ip !== undefined && ip !== '' && ip !== '-';
}

function isRoot(event: MdeEvent): boolean {
  const uid = event.posix.logon.uid;
  if (uid !== undefined) return uid === 0;
  return event.str('AccountName') === 'root';
}

/**
 * Median gap between cron runs, in milliseconds. Logons within {@link SAME_RUN_MS} of the previous
 * one belong to the same run (several jobs due in the same minute); undefined with fewer than two runs.
 */
export function medianRunGapMs(timeline: readonly TimelinePoint[]): number | undefined {
  const runs: number[] = [];
  for (const point of timeline) {
    const last = runs[runs.length - 1];
    if (last === undefined || point.time - last > SAME_RUN_MS) runs.push(point.time);
  }
  if (runs.length < 2) return undefined;
  const gaps = runs.slice(1).map((t, i) => t - runs[i]!);
  gaps.sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  return gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
}

/** "about every 5 minutes" / "about every 30 seconds" / "about every 2 hours"; undefined for one run. */
export function describeInterval(ms: number | undefined): string {
  if (ms === undefined) return 'a single run seen';
  const unit = (n: number, word: string) => `about every ${n === 1 ? '' : `${n} `}${word}${n === 1 ? '' : 's'}`;
  if (ms < 60_000) return unit(Math.max(1, Math.round(ms / 1000)), 'second');
  if (ms < 3_600_000) return unit(Math.round(ms / 60_000), 'minute');
  if (ms < 86_400_000) return unit(Math.round(ms / 3_600_000), 'hour');
  return unit(Math.round(ms / 86_400_000), 'day');
}

/** Root logons opened by the cron daemon for scheduled jobs, grouped per device. */
export const detector = defineDetector({
  meta: {
    id: 'defender/root-cron-logon',
    title: 'Root logons opened by the cron daemon',
    summary:
      'Successful local logons of root (PosixUserId 0) whose initiating process is the cron daemon: the PAM session cron opens to run a scheduled job. All such logons of a device become one alert with their count, time span and interval.',
    rationale:
      'cron opens a PAM session for every job it runs, and Defender records each as a LogonSuccess. On a server with root jobs every few minutes this is hundreds of logons a day: knowing that they are cron, how often they recur and which cron process opened them lets an analyst set them aside — and notice when the interval, the command line or the parent changes. Low: the event is expected; what matters is the root cron jobs themselves (crontab, /etc/cron.d), which other detectors inspect.',
    severity: 'low',
    severityNotes:
      'Always low. A root logon initiated by sshd, login or any process with a RemoteIP is a different class (remote or interactive logon) and is never grouped here.',
    category: 'System Activity / User Activity Monitoring',
    mitre: [],
    mitreNotes:
      'No technique: a cron job logging on is how cron works, not adversary behaviour. Persistence through cron (T1053.003) is a change to crontab or /etc/cron.d, which this event does not show; the reference report also maps none.',
    references: [
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicelogonevents-table',
      'https://man7.org/linux/man-pages/man8/cron.8.html',
      'https://man7.org/linux/man-pages/man8/pam_unix.8.html',
    ],
    falsePositives: [
      'This class is the benign case by definition: system cron jobs (sysstat, logrotate, debian-sa1, certbot renewals) run as root.',
      'An unexpected new interval or command line is the thing to look at: compare with /etc/crontab, /etc/cron.d/ and `crontab -l -u root`.',
    ],
    kql: {
      query: [
        'DeviceLogonEvents',
        '| where ActionType == "LogonSuccess"',
        '| extend InitiatingImage = tolower(extract(@"[^/]*$", 0, coalesce(InitiatingProcessFileName, InitiatingProcessFolderPath)))',
        '| where InitiatingImage in ("cron", "crond")',
        '| where isempty(trim(@"\\s+", RemoteIP)) or trim(@"\\s+", RemoteIP) == "-"',
        '| extend PosixUserId = toint(parse_json(AdditionalFields).PosixUserId)',
        '| where iff(isnotnull(PosixUserId), PosixUserId == 0, AccountName == "root")',
        '| project Timestamp, DeviceId, DeviceName, ReportId, AccountName, PosixUserId, InitiatingProcessFileName, InitiatingProcessCommandLine, InitiatingProcessParentFileName',
      ].join('\n'),
      notes:
        "One row per cron logon; tripline groups a device's rows into one alert and adds the run interval, which the query leaves to the reader. A PosixUserId or Terminal given as its own column (extended exports) instead of inside AdditionalFields is not read.",
    },
    tables: ['DeviceLogonEvents'],
    actionTypes: ['LogonSuccess'],
    evidence: {
      accounts: { from: 'AccountName', combine: 'distinct' },
      uid: { combine: 'first', label: 'PosixUserId' },
      images: { combine: 'distinct', label: 'InitiatingProcessFileName' },
      commandLines: { from: 'InitiatingProcessCommandLine', combine: 'distinct' },
      parents: {
        from: (e) => imageName(e.str('InitiatingProcessParentFileName')),
        combine: 'distinct',
        label: 'InitiatingProcessParentFileName',
      },
      parentPids: { from: 'InitiatingProcessParentId', combine: 'distinct' },
      logonTypes: { from: 'LogonType', combine: 'distinct' },
      terminals: { from: (e) => e.posix.logon.terminal, combine: 'distinct', label: 'Terminal' },
    },
    columns: [
      'InitiatingProcessFileName',
      'InitiatingProcessFolderPath',
      'InitiatingProcessParentFileName',
      'RemoteIP',
      'AdditionalFields',
    ],
    values: ['interval'],
    messages: {
      default: {
        title: 'Root logons by the cron daemon ({count}, {interval})',
        description:
          'The cron daemon opened {count} local root sessions on {device} between {firstSeen} and {lastSeen}, {interval}. Each is the PAM session cron opens to run a scheduled job as root (PosixUserId {uid}); the initiating process was {commandLines}, a child of cron PID {parentPids}.',
        riskAssessment:
          'Expected behaviour of cron: low risk. Review the root jobs that produce these logons (/etc/crontab, /etc/cron.d/, crontab -l -u root); a change of interval, command line or parent process is worth a look.',
      },
      single: {
        title: 'Root logon by the cron daemon',
        description:
          'The cron daemon opened a local root session on {device} at {firstSeen} (PosixUserId {uid}): the PAM session cron opens to run a scheduled job as root. The initiating process was {commandLines}, a child of cron PID {parentPids}.',
        riskAssessment:
          'Expected behaviour of cron: low risk. Review the root jobs that produce these logons (/etc/crontab, /etc/cron.d/, crontab -l -u root).',
      },
    },
  },

  match(event) {
    if (event.table !== 'DeviceLogonEvents' || event.actionType !== 'LogonSuccess') return undefined;
    const image = imageName(event.str('InitiatingProcessFileName') ?? event.str('InitiatingProcessFolderPath'));
    if (image === undefined || !CRON_IMAGES.has(image) || INTERACTIVE_IMAGES.has(image)) return undefined;
    if (isRemote(event) || !isRoot(event)) return undefined;
    return { evidence: { images: image, uid: event.posix.logon.uid ?? 0 } };
  },

  // render reads the match times (snapshot/logon tags, run intervals).
  timeline: true,
  render(group) {
    const interval = describeInterval(medianRunGapMs(group.timeline));
    const { commandLines, parentPids } = group.evidence;
    return {
      variant: group.count === 1 ? 'single' : 'default',
      values: {
        interval,
        ...(commandLines.length ? {} : { commandLines: 'not recorded' }),
        ...(parentPids.length ? {} : { parentPids: 'not recorded' }),
      },
      keyComponents: { Interval: interval },
    };
  },
});
