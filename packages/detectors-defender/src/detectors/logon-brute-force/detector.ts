import { defineDetector } from '@tripline/core';
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

/** Epoch milliseconds of an event timestamp (they are canonical ISO text). */
const instant = (ts: unknown) => parseTimestamp(String(ts))?.ms ?? Number.NaN;

export const detector = defineDetector({
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
    kql: {
      query: [
        'DeviceLogonEvents',
        '| where ActionType in ("LogonFailed", "LogonSuccess")',
        '| extend RemoteAddress = tolower(trim(@"\\s+", RemoteIP))',
        '| where isnotempty(RemoteAddress) and RemoteAddress != "-"',
        '| summarize Failures = countif(ActionType == "LogonFailed"), Successes = countif(ActionType == "LogonSuccess"), AccountsTried = make_set(AccountName, 20), arg_max(Timestamp, ReportId) by DeviceId, DeviceName, RemoteAddress, WindowStart = bin(Timestamp, 5m)',
        '| where Failures >= 10',
        '| project Timestamp, DeviceId, DeviceName, ReportId, RemoteAddress, Failures, Successes, AccountsTried, WindowStart',
      ].join('\n'),
      notes:
        "The default options (10 failures in 5 minutes) in fixed 5-minute bins: tripline's window slides, so failures split across a bin boundary (6 before 10:05, 6 after) alert locally and not here. A success counts here only inside the same bin (locally: any success after the first failure makes the alert high). Rows are one per address and bin, not per event.",
      windowMs: 300000,
    },
    tables: ['DeviceLogonEvents'],
    actionTypes: ['LogonFailed', 'LogonSuccess'],
    options,
    evidence: {
      ip: { combine: 'first', label: 'RemoteIP' },
      failures: { combine: 'count', label: 'Failures' },
      accounts: { combine: 'distinct', cap: MAX_ACCOUNTS_SHOWN, label: 'Accounts Tried' },
      firstFailure: { combine: 'min', label: 'First Failure' },
      lastFailure: { combine: 'max', label: 'Last Failure' },
      // The latest success, account and time from the same match.
      successAccount: { combine: 'last', hidden: true },
      successAt: { combine: 'last', hidden: true },
    },
    columns: ['RemoteIP', 'AccountName'],
    values: ['accountCount'],
    messages: {
      default: {
        title: 'Logon brute force from {ip}: {failures} failures',
        description:
          '{failures} failed logons on {device} from {ip} between {firstFailure} and {lastFailure}, against {accountCount} account(s). No successful logon from that address followed.',
        riskAssessment:
          'The service is reachable and being guessed. Confirm that password authentication is disabled or strong, block or rate-limit the address (fail2ban, firewall), and keep watching for a success from it.',
      },
      success: {
        title: 'Logon brute force from {ip} succeeded as {successAccount}',
        description:
          '{failures} failed logons on {device} from {ip} between {firstFailure} and {lastFailure} against {accountCount} account(s), and a successful logon as {successAccount} at {successAt}.',
        riskAssessment:
          'The guessing worked: treat {successAccount} as compromised. End its sessions, change its password and keys, review what the session did (processes, ~/.ssh/authorized_keys, crontabs), block the address and disable password logons.',
      },
    },
  },

  window: (o) => ({ sizeMs: Math.round(o.windowMinutes * 60_000), threshold: o.threshold, tag: FAILED }),

  match(event) {
    const ip = event.str('RemoteIP')?.trim().toLowerCase();
    if (!ip || ip === '-') return undefined;
    const account = event.str('AccountName') ?? '(unknown)';
    const at = event.timestamp;
    if (event.actionType === 'LogonFailed') {
      return {
        key: ip,
        tag: FAILED,
        evidence: { ip, failures: 1, accounts: account, firstFailure: at, lastFailure: at },
      };
    }
    return { key: ip, tag: SUCCESS, evidence: { ip, successAccount: account, successAt: at } };
  },

  render({ evidence: e, truncated }) {
    // A success counts when it came at or after the first failure (the latest success tells).
    const success = e.successAt !== undefined && instant(e.successAt) >= instant(e.firstFailure);
    const more = truncated.has('accounts');
    return {
      ...(success ? { variant: 'success', severity: 'high' as const } : {}),
      keyComponents: {
        ...(more ? { 'Accounts Tried': [...e.accounts.map(String), `(more than ${MAX_ACCOUNTS_SHOWN})`] } : {}),
        ...(success ? { 'Success Account': String(e.successAccount), 'Last Success': String(e.successAt) } : {}),
      },
      values: { accountCount: more ? `more than ${MAX_ACCOUNTS_SHOWN}` : e.accounts.length },
      mitre: ['T1078', 'T1110', 'T1110.001', 'T1110.003'].filter(
        (t) => (t !== 'T1078' || success) && (t !== 'T1110.003' || e.accounts.length >= 5),
      ),
    };
  },
});
