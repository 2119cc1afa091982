import { type AlertGroup, defineDetector, type Match } from '@tripline/core';
import { parseTimestamp } from '@tripline/core/unstable';
import { z } from 'zod';

/** Options: how many failures from one address, within how many minutes, make a brute force. */
export const options = z.strictObject({
  /** Failed logons from one RemoteIP needed within the window. */
  threshold: z.number().int().min(2).max(100_000).default(10),
  /** Window length in minutes. */
  windowMinutes: z
    .number()
    .positive()
    .max(24 * 60)
    .default(5),
});
export type LogonBruteForceOptions = z.infer<typeof options>;

const FAILED = 'failed';
const SUCCESS = 'success';
/** Accounts listed per alert. */
const MAX_ACCOUNTS_SHOWN = 20;

export const detector = defineDetector<LogonBruteForceOptions>({
  meta: {
    id: 'defender/logon-brute-force',
    title: 'Logon brute force from one remote address',
    summary:
      'Many LogonFailed events from one RemoteIP within a short window (default 10 in 5 minutes). High when a LogonSuccess from the same address follows the failures.',
    rationale:
      'Password guessing against sshd is constant on internet-facing Linux hosts; on its own it says the service is exposed and being tried (medium). A success from the address that was guessing means the guessing worked: an attacker now holds a valid account (high).',
    severity: 'medium',
    severityNotes:
      'High when at least one LogonSuccess from the same RemoteIP comes after its first failure; medium otherwise.',
    category: 'Credential Access',
    mitre: ['T1110', 'T1110.001', 'T1110.003', 'T1078'],
    mitreNotes:
      'T1110.001 Password Guessing for repeated failures from one address; T1110.003 Password Spraying is added when five or more distinct accounts were tried. T1078 Valid Accounts is added when a success follows: the guessed credentials are then in use.',
    references: [
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicelogonevents-table',
      'https://attack.mitre.org/techniques/T1110/001/',
      'https://man7.org/linux/man-pages/man5/sshd_config.5.html',
      'https://github.com/fail2ban/fail2ban',
    ],
    falsePositives: [
      'A misconfigured automation (monitoring, backup, CI) retrying a stale password from a fixed address.',
      'Many users behind one NAT address mistyping passwords at the same time (rare at the default threshold).',
    ],
    tables: ['DeviceLogonEvents'],
    actionTypes: ['LogonFailed', 'LogonSuccess'],
    options,
    messages: {
      default: {
        title: 'Logon brute force from {remoteIp}: {failures} failures',
        description:
          '{failures} failed logons on {device} from {remoteIp} between {firstSeen} and {lastSeen}, against {accountCount} account(s). No successful logon from that address followed.',
        riskAssessment:
          'The service is reachable and being guessed. Confirm that password authentication is disabled or strong, block or rate-limit the address (fail2ban, firewall), and keep watching for a success from it.',
      },
      success: {
        title: 'Logon brute force from {remoteIp} succeeded as {successAccount}',
        description:
          '{failures} failed logons on {device} from {remoteIp} against {accountCount} account(s), then a successful logon as {successAccount} at {successAt}.',
        riskAssessment:
          'The guessing worked: treat {successAccount} as compromised. End its sessions, change its password and keys, review what the session did (processes, ~/.ssh/authorized_keys, crontabs), block the address and disable password logons.',
      },
    },
  },

  window: (o) => ({ sizeMs: Math.round(o.windowMinutes * 60_000), threshold: o.threshold, tag: FAILED }),

  match(event): Match | undefined {
    const ip = event.str('RemoteIP')?.trim().toLowerCase();
    if (!ip || ip === '-') return undefined;
    const account = event.str('AccountName') ?? '(unknown)';
    if (event.actionType === 'LogonFailed') {
      return { key: ip, tag: FAILED, collect: { accounts: account }, data: { ip } };
    }
    // Successes are kept with their time so render can tell those after the failures.
    return { key: ip, tag: SUCCESS, collect: { successes: `${event.timestamp} ${account}` }, data: { ip } };
  },

  render(group: AlertGroup) {
    const failedPoints = group.timeline.filter((p) => p.tag === FAILED);
    const first = failedPoints[0];
    if (!first) return undefined;
    const failures = failedPoints.length;
    const firstFail = new Date(first.time).toISOString();
    const lastFail = new Date(failedPoints[failedPoints.length - 1]!.time).toISOString();
    const accounts = group.collected.accounts ?? [];
    const after = (group.collected.successes ?? [])
      .map((s) => {
        const i = s.indexOf(' ');
        return { at: s.slice(0, i), account: s.slice(i + 1) };
      })
      .filter((s) => (parseTimestamp(s.at)?.ms ?? Number.NaN) >= first.time)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const success = after[0];
    const ip = String(group.firstData.ip ?? group.key);
    const keyComponents: Record<string, string | readonly string[]> = {
      'Remote IP': ip,
      Failures: String(failures),
      'Accounts Tried':
        accounts.length > MAX_ACCOUNTS_SHOWN
          ? [...accounts.slice(0, MAX_ACCOUNTS_SHOWN), `(${accounts.length - MAX_ACCOUNTS_SHOWN} more)`]
          : accounts,
      'First Failure': firstFail,
      'Last Failure': lastFail,
    };
    const mitre = ['T1110', 'T1110.001'];
    if (accounts.length >= 5) mitre.push('T1110.003');
    if (success) {
      keyComponents['Success Account'] = [...new Set(after.map((s) => s.account))];
      keyComponents['First Success'] = success.at;
      mitre.push('T1078');
    }
    return {
      ...(success ? { variant: 'success', severity: 'high' as const } : {}),
      values: {
        remoteIp: ip,
        failures,
        accountCount: accounts.length,
        device: group.device.name,
        firstSeen: firstFail,
        lastSeen: lastFail,
        successAccount: success?.account ?? '',
        successAt: success?.at ?? '',
      },
      keyComponents,
      mitre: mitre.sort(),
    };
  },
});
