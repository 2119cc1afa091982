import { defineDetector, type MdeEvent } from '@tripline/core';

/**
 * `acme/ssh-key-by-service-account`: an `authorized_keys` file written by a service account (a
 * non-root account below uid 1000, such as www-data or postgres). People manage their own keys and
 * configuration management runs as root; a web server or database account has no business adding
 * an SSH key, so this is almost always an intruder turning a foothold into a login.
 */
export const detector = defineDetector({
  meta: {
    id: 'acme/ssh-key-by-service-account',
    title: 'SSH key added by a service account',
    summary: 'A non-root account below uid 1000 (www-data, postgres, …) creates or changes an authorized_keys file.',
    rationale:
      'Service accounts do not manage SSH keys; an authorized_keys write by one is how an attacker with code execution in a web or database process gets a persistent login.',
    severity: 'high',
    severityNotes: 'Always high: root (configuration management, cloud-init) and people (uid ≥ 1000) are not reported.',
    category: 'Persistence',
    mitre: ['T1098.004'],
    references: ['https://attack.mitre.org/techniques/T1098/004/'],
    falsePositives: ['A service account that really is used for interactive SSH logins (move it above uid 1000)'],
    tables: ['DeviceFileEvents'],
    actionTypes: ['FileCreated', 'FileModified', 'FileRenamed'],
    evidence: {
      path: { from: 'FolderPath', combine: 'first' },
      accounts: { combine: 'distinct', label: 'Accounts' },
      uids: { combine: 'distinct', label: 'Uids' },
      processes: { combine: 'distinct', label: 'Processes' },
    },
    columns: [
      'InitiatingProcessAccountName',
      'InitiatingProcessCommandLine',
      'InitiatingProcessFileName',
      'AdditionalFields',
    ],
    messages: {
      default: {
        title: 'SSH key written to {path} by {accounts} on {device}',
        description: 'The service account(s) {accounts} (uid {uids}) wrote {path} through {processes}.',
        riskAssessment: 'High: whoever holds the added key can now log in over SSH as the owner of {path}.',
      },
    },
  },
  match(event: MdeEvent) {
    const path = event.str('FolderPath') ?? '';
    if (!KEYS_RE.test(path)) return undefined;
    const user = event.posix.initiatingProcess.effectiveUser;
    const uid = user?.uid;
    const account = user?.name ?? event.str('InitiatingProcessAccountName') ?? '';
    if (uid === undefined || uid === 0 || uid >= 1000) return undefined;
    const process = event.str('InitiatingProcessCommandLine') ?? event.str('InitiatingProcessFileName') ?? '';
    return {
      key: path,
      evidence: { uids: uid, ...(account ? { accounts: account } : {}), ...(process ? { processes: process } : {}) },
    };
  },
});

/** `…/.ssh/authorized_keys` or `authorized_keys2` (Defender's Linux FolderPath is the full path). */
const KEYS_RE = /\/\.ssh\/authorized_keys2?$/;
