import { defineDetector } from '@tripline/core';
import { classifyAddress } from '../../internal/address.js';

export const detector = defineDetector({
  meta: {
    id: 'defender/public-remote-logon',
    title: 'Successful remote logon from a public address',
    summary:
      'A LogonSuccess whose RemoteIP is a public internet address (Defender\'s RemoteIPType "Public", or an address outside every private, loopback, link-local, CGNAT, ULA and documentation range). High for root.',
    rationale:
      'A Linux server that accepts logons straight from the internet is one stolen or guessed password away from compromise; every such logon should be one an administrator recognises. A root logon from the internet is high: it is full control with no intermediate account to audit, and it is exactly what a successful SSH brute force ends with. Other accounts are medium.',
    severity: 'medium',
    severityNotes:
      'High when the account is root (AccountName "root" or PosixUserId 0); medium for every other account.',
    category: 'Identity and Access Management',
    mitre: ['T1133', 'T1078', 'T1078.003'],
    mitreNotes:
      'T1133 External Remote Services: the logon came through a remote service (sshd) exposed to the internet. T1078 Valid Accounts: it succeeded with real credentials; T1078.003 Local Accounts is added when the account is local to the machine (AccountDomain is the host itself or absent — the normal case for Linux accounts in /etc/passwd), not for directory (SSSD/AD/Entra) accounts. T1021.004 (SSH) is not used: it describes lateral movement inside a network, not access from outside.',
    references: [
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicelogonevents-table',
      'https://www.iana.org/assignments/iana-ipv4-special-registry/iana-ipv4-special-registry.xhtml',
      'https://www.iana.org/assignments/iana-ipv6-special-registry/iana-ipv6-special-registry.xhtml',
      'https://man7.org/linux/man-pages/man5/sshd_config.5.html',
      'https://attack.mitre.org/techniques/T1133/',
    ],
    falsePositives: [
      'Administrators logging in from home or a cloud shell without a VPN or bastion: expected in some environments — allowlist their addresses (the key is "<RemoteIP> <account>").',
      'Managed services that connect over SSH from public addresses (CI/CD deployers, backup services).',
    ],
    kql: {
      query: [
        'DeviceLogonEvents',
        '| where ActionType == "LogonSuccess"',
        '| extend RemoteAddress = tolower(trim(@"\\s+", RemoteIP))',
        '| where isnotempty(RemoteAddress) and RemoteAddress != "-"',
        '| extend PublicV4 = RemoteAddress matches regex @"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$" and RemoteAddress != "255.255.255.255" and (RemoteAddress in ("192.0.0.9", "192.0.0.10") or not(ipv4_is_in_range(RemoteAddress, "0.0.0.0/8") or ipv4_is_in_range(RemoteAddress, "10.0.0.0/8") or ipv4_is_in_range(RemoteAddress, "100.64.0.0/10") or ipv4_is_in_range(RemoteAddress, "127.0.0.0/8") or ipv4_is_in_range(RemoteAddress, "169.254.0.0/16") or ipv4_is_in_range(RemoteAddress, "172.16.0.0/12") or ipv4_is_in_range(RemoteAddress, "192.0.0.0/24") or ipv4_is_in_range(RemoteAddress, "192.0.2.0/24") or ipv4_is_in_range(RemoteAddress, "192.88.99.0/24") or ipv4_is_in_range(RemoteAddress, "192.168.0.0/16") or ipv4_is_in_range(RemoteAddress, "198.18.0.0/15") or ipv4_is_in_range(RemoteAddress, "198.51.100.0/24") or ipv4_is_in_range(RemoteAddress, "203.0.113.0/24") or ipv4_is_in_range(RemoteAddress, "224.0.0.0/4") or ipv4_is_in_range(RemoteAddress, "240.0.0.0/4")))',
        '| extend PublicV6 = RemoteAddress contains ":" and ipv6_is_in_range(RemoteAddress, "2000::/3") and (ipv6_is_in_range(RemoteAddress, "2001:1::1/128") or ipv6_is_in_range(RemoteAddress, "2001:1::2/128") or ipv6_is_in_range(RemoteAddress, "2001:1::3/128") or ipv6_is_in_range(RemoteAddress, "2001:3::/32") or ipv6_is_in_range(RemoteAddress, "2001:4:112::/48") or ipv6_is_in_range(RemoteAddress, "2001:20::/28") or ipv6_is_in_range(RemoteAddress, "2001:30::/28") or not(ipv6_is_in_range(RemoteAddress, "2001::/23") or ipv6_is_in_range(RemoteAddress, "2001:db8::/32") or ipv6_is_in_range(RemoteAddress, "3fff::/20") or ipv6_is_in_range(RemoteAddress, "5f00::/16") or ipv6_is_in_range(RemoteAddress, "2002::/16")))',
        '| where RemoteIPType == "Public" or PublicV4 or PublicV6',
        '| extend PosixUserId = toint(parse_json(AdditionalFields).PosixUserId)',
        '| project Timestamp, DeviceId, DeviceName, ReportId, RemoteIP, RemoteIPType, AccountName, AccountDomain, PosixUserId, LogonType, Protocol, InitiatingProcessFileName',
      ].join('\n'),
      notes:
        "The address test follows tripline's IANA lists with three differences: 6to4 (2002::/16) addresses are never public here (locally they are judged by the IPv4 address they carry), IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses are never public here (locally judged the same way), and an address in [brackets] or with a %zone is not unwrapped. Rows whose RemoteIPType is Public match either way. Severity (high for root) is left to the reader: PosixUserId and AccountName are returned.",
    },
    tables: ['DeviceLogonEvents'],
    actionTypes: ['LogonSuccess'],
    evidence: {
      ip: { combine: 'first', label: 'RemoteIP' },
      account: { combine: 'first', label: 'AccountName' },
      remoteIpType: { from: 'RemoteIPType', combine: 'first' },
      uid: { from: (event) => event.posix.logon.uid, combine: 'first', label: 'PosixUserId' },
      processes: { from: 'InitiatingProcessFileName', combine: 'distinct' },
      logonTypes: { from: 'LogonType', combine: 'distinct' },
      protocols: { from: 'Protocol', combine: 'distinct' },
      local: { combine: 'first', hidden: true },
    },
    columns: ['RemoteIP', 'AccountName', 'AccountDomain', 'AdditionalFields'],
    messages: {
      default: {
        title: 'Remote logon from public address {ip} as {account}',
        description:
          '{count} successful logon(s) on {device} as {account} from the public address {ip} ({remoteIpType}), through {processes}, between {firstSeen} and {lastSeen}.',
        riskAssessment:
          'Confirm with the account owner that this logon was theirs. If not, treat the account as compromised: end its sessions, rotate its credentials and keys, review ~/.ssh/authorized_keys and what the session ran. Restrict sshd to a VPN, a bastion or known addresses, and disable password and root logons (PermitRootLogin no, PasswordAuthentication no).',
      },
    },
  },

  match(event) {
    const ip = event.str('RemoteIP')?.trim().toLowerCase();
    if (!ip || ip === '-') return undefined;
    const type = event.str('RemoteIPType');
    const kind = classifyAddress(ip);
    if (type !== 'Public' && kind !== 'public') return undefined;
    const account = event.str('AccountName') ?? '(unknown)';
    const root = account === 'root' || event.posix.logon.uid === 0;
    const domain = event.str('AccountDomain')?.toLowerCase();
    const host = event.deviceName.toLowerCase();
    const local = !domain || domain === host.split('.')[0] || domain === host;
    return {
      key: `${ip} ${account}`,
      ...(root ? { severity: 'high' as const } : {}),
      evidence: {
        ip,
        account,
        local,
        ...(type === undefined ? { remoteIpType: kind === 'public' ? 'public by address range' : 'unclassified' } : {}),
      },
    };
  },

  render: (group) => ({
    mitre: group.evidence.local ? ['T1133', 'T1078', 'T1078.003'] : ['T1133', 'T1078'],
    ...(group.evidence.processes.length ? {} : { values: { processes: 'an unknown process' } }),
  }),
});
