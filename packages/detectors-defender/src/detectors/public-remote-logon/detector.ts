import { type AlertGroup, defineDetector, type Match } from '@tripline/core';
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
    tables: ['DeviceLogonEvents'],
    actionTypes: ['LogonSuccess'],
    messages: {
      default: {
        title: 'Remote logon from public address {remoteIp} as {account}',
        description:
          '{count} successful logon(s) on {device} as {account} from the public address {remoteIp} ({remoteIpType}), through {process}, between {firstSeen} and {lastSeen}.',
        riskAssessment:
          'Confirm with the account owner that this logon was theirs. If not, treat the account as compromised: end its sessions, rotate its credentials and keys, review ~/.ssh/authorized_keys and what the session ran. Restrict sshd to a VPN, a bastion or known addresses, and disable password and root logons (PermitRootLogin no, PasswordAuthentication no).',
      },
    },
  },

  match(event): Match | undefined {
    const ip = event.str('RemoteIP')?.trim().toLowerCase();
    if (!ip || ip === '-') return undefined;
    const type = event.str('RemoteIPType');
    const kind = classifyAddress(ip);
    if (type !== 'Public' && kind !== 'public') return undefined;
    const account = event.str('AccountName') ?? '(unknown)';
    const uid = event.posix.logon.uid;
    const root = account === 'root' || uid === 0;
    const domain = event.str('AccountDomain');
    const host = event.deviceName.split('.')[0]!.toLowerCase();
    const local =
      domain === undefined ||
      domain === '' ||
      domain.toLowerCase() === host ||
      domain.toLowerCase() === event.deviceName.toLowerCase();
    const proc = event.str('InitiatingProcessFileName');
    return {
      key: `${ip} ${account}`,
      ...(root ? { severity: 'high' as const } : {}),
      collect: {
        ...(proc ? { processes: proc } : {}),
        ...(event.str('LogonType') ? { logonTypes: event.str('LogonType')! } : {}),
        ...(event.str('Protocol') ? { protocols: event.str('Protocol')! } : {}),
      },
      data: {
        ip,
        account,
        uid: uid ?? -1,
        root,
        local,
        remoteIpType: type ?? (kind === 'public' ? 'public by address range' : 'unclassified'),
      },
    };
  },

  render(group: AlertGroup) {
    const d = group.firstData;
    const processes = group.collected.processes ?? [];
    const keyComponents: Record<string, string | readonly string[]> = {
      'Remote IP': String(d.ip),
      Account: String(d.account),
      'Remote IP Type': String(d.remoteIpType),
      Logons: String(group.count),
      'First Logon': group.firstSeen,
      'Last Logon': group.lastSeen,
    };
    if (typeof d.uid === 'number' && d.uid >= 0) keyComponents.PosixUserId = String(d.uid);
    if (processes.length) keyComponents['Initiating Process'] = processes;
    const types = group.collected.logonTypes ?? [];
    if (types.length) keyComponents['Logon Type'] = types;
    return {
      values: {
        remoteIp: String(d.ip),
        account: String(d.account),
        remoteIpType: String(d.remoteIpType),
        count: group.count,
        device: group.device.name,
        process: processes[0] ?? 'an unknown process',
        firstSeen: group.firstSeen,
        lastSeen: group.lastSeen,
      },
      keyComponents,
      mitre: d.local ? ['T1133', 'T1078', 'T1078.003'] : ['T1133', 'T1078'],
    };
  },
});
