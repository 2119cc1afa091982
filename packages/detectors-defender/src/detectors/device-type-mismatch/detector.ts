import { type DeviceState, defineDetector, type MdeEvent } from '@tripline/core';
import { z } from 'zod';

/** Process image names (lower-case) of server software: search/index, databases, web servers, directory, SIEM. */
const SERVER_PROCESSES: ReadonlySet<string> = new Set([
  // search, indexing, SIEM
  'elasticsearch',
  'opensearch',
  'wazuh-analysisd',
  'wazuh-authd',
  'wazuh-db',
  'wazuh-indexer',
  'wazuh-manager',
  'wazuh-modulesd',
  'wazuh-remoted',
  'splunkd',
  'logstash',
  'graylog',
  // databases
  'mysqld',
  'mariadbd',
  'postgres',
  'postmaster',
  'mongod',
  'redis-server',
  'sqlservr',
  'sqlservr.exe',
  'oracle',
  'tnslsnr',
  'cassandra',
  'influxd',
  // web and application servers
  'nginx',
  'httpd',
  'apache2',
  'lighttpd',
  'caddy',
  'haproxy',
  'w3wp.exe',
  'php-fpm',
  // directory, mail, name services, orchestration
  'slapd',
  'named',
  'dnsmasq',
  'postfix',
  'dovecot',
  'kube-apiserver',
  'etcd',
  'ntds.exe',
  'dns.exe',
]);

/** Host-name tokens that name a server role (`srv`, `db`, `web`, `wazuh`…). */
const SERVER_NAME_TOKENS: ReadonlySet<string> = new Set([
  'srv',
  'server',
  'svr',
  'db',
  'sql',
  'mysql',
  'pg',
  'postgres',
  'mongo',
  'redis',
  'web',
  'www',
  'app',
  'api',
  'dc',
  'ad',
  'ldap',
  'dns',
  'mail',
  'smtp',
  'exch',
  'proxy',
  'wazuh',
  'siem',
  'elk',
  'elastic',
  'opensearch',
  'indexer',
  'splunk',
  'kafka',
  'k8s',
  'jenkins',
  'git',
  'gitlab',
  'nas',
  'backup',
  'vpn',
  'fw',
]);

/** `OSDistribution` values of Linux distributions built for servers (compared lower-cased, spaces removed). */
const SERVER_DISTRIBUTIONS: ReadonlySet<string> = new Set([
  'redhat',
  'rhel',
  'centos',
  'rocky',
  'rockylinux',
  'almalinux',
  'oraclelinux',
  'oracle',
  'amazonlinux',
  'amazon',
  'sles',
  'suselinuxenterpriseserver',
  'mariner',
  'cblmariner',
  'azurelinux',
]);

/** Desktop OS platforms: a cloud VM running one is a virtual desktop (AVD, Windows 365), not a server. */
const CLIENT_PLATFORMS: ReadonlySet<string> = new Set([
  'windows10',
  'windows11',
  'windows8.1',
  'windows8',
  'windows7',
  'macos',
]);

const TOKEN_SPLIT_RE = /[^a-z]+/;

/** Signals that a device is a server, each named so that the alert can say what it used. */
export interface ServerSignals {
  readonly cloud: readonly string[];
  readonly software: readonly string[];
  readonly distribution: string | undefined;
  readonly serverOs: string | undefined;
  readonly nameTokens: readonly string[];
}

/** Role tokens of the host name's first label (`wazuh1.x0rs…` → `wazuh`; `sql-prod-02` → `sql`). */
export function serverNameTokens(deviceName: string): string[] {
  const host = (deviceName.split('.')[0] ?? '').toLowerCase().slice(0, 63);
  return [...new Set(host.split(TOKEN_SPLIT_RE).filter((t) => SERVER_NAME_TOKENS.has(t)))];
}

/** Collect every server signal of a device (pure: DeviceInfo snapshot, host name, process names). */
export function serverSignals(device: DeviceState, info: MdeEvent, extraProcesses: ReadonlySet<string>): ServerSignals {
  const platform = (info.str('OSPlatform') ?? '').toLowerCase();
  const client = CLIENT_PLATFORMS.has(platform);
  const cloud: string[] = [];
  if (!client) {
    const azure = info.str('AzureResourceId') ?? info.str('AzureVmId');
    const aws = info.str('AwsResourceName');
    const gcp = info.str('GcpFullResourceName');
    if (azure) cloud.push(`Azure VM (${azure})`);
    if (aws) cloud.push(`AWS instance (${aws})`);
    if (gcp) cloud.push(`GCP instance (${gcp})`);
  }
  const software = [...device.processNames].filter((p) => SERVER_PROCESSES.has(p) || extraProcesses.has(p)).sort();
  const distRaw = info.str('OSDistribution');
  const dist = distRaw?.toLowerCase().replace(/\s+/g, '');
  const distribution =
    platform === 'linux' && dist !== undefined && SERVER_DISTRIBUTIONS.has(dist) ? distRaw : undefined;
  const serverOs = platform.startsWith('windowsserver') ? info.str('OSPlatform') : undefined;
  return { cloud, software, distribution, serverOs, nameTokens: serverNameTokens(device.name) };
}

const options = z
  .strictObject({
    extraServerProcesses: z
      .array(z.string().min(1))
      .default([])
      .describe('More process image names that mark a server (compared lower-cased), e.g. an in-house service binary.'),
  })
  .default({ extraServerProcesses: [] });

/** DeviceType "Workstation" on a device whose own data says it is a server. */
export const detector = defineDetector({
  meta: {
    id: 'defender/device-type-mismatch',
    title: 'Server classified as a workstation',
    summary:
      'DeviceInfo DeviceType is Workstation although the device is evidently a server: a cloud VM (AzureResourceId, AwsResourceName, GcpFullResourceName) not running a desktop OS, a Windows Server OS, a server Linux distribution, or server software seen running (indexers, databases, web servers). A server-role host name supports the finding but is never enough alone. The alert lists the signals it used.',
    rationale:
      'Defender derives DeviceType from what it sees; Linux VMs in particular are often typed Workstation. The type feeds device-group rules, exposure scoring and which recommendations and policies apply, so a server typed as a workstation can end up with client baselines and outside server-focused review. Low: an inventory correction, not a threat.',
    severity: 'low',
    severityNotes: 'Always low.',
    category: 'Asset Management / Configuration Management',
    mitre: [],
    mitreNotes: 'No technique: an asset-inventory finding about how Defender classifies the device.',
    references: [
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceinfo-table',
      'https://learn.microsoft.com/en-us/defender-endpoint/machines-view-overview',
      'https://learn.microsoft.com/en-us/defender-endpoint/device-discovery',
    ],
    falsePositives: [
      'Linux desktops in the cloud (developer VMs with a desktop environment) are workstations: allowlist them.',
      'Cloud VMs running Windows 10/11 (Azure Virtual Desktop, Windows 365) are not counted as servers by this detector.',
      'A developer workstation running a local database or web server shows server software; one such signal on a machine with a desktop OS deserves a glance, not a reclassification.',
    ],
    kql: {
      unsupported:
        'Judged once per device from its latest DeviceInfo row together with every process image seen on the device during the run (server software such as indexers and databases): that needs the latest snapshot joined with process history, and a join is outside the exported KQL subset.',
    },
    tables: [],
    options,
    evidence: {
      deviceType: { from: 'DeviceType', combine: 'last' },
      osPlatform: { from: (e) => e.str('OSPlatform') ?? 'not reported', combine: 'last', label: 'OSPlatform' },
      osDistribution: { from: 'OSDistribution', combine: 'last' },
      osVersion: { from: 'OSVersionInfo', combine: 'last' },
      azure: { from: 'AzureResourceId', combine: 'last' },
      aws: { from: 'AwsResourceName', combine: 'last' },
      gcp: { from: 'GcpFullResourceName', combine: 'last' },
      clouds: { combine: 'distinct', label: 'Cloud VM' },
      serverOs: { combine: 'last', label: 'Server OS' },
      distribution: { combine: 'last', label: 'Linux Server Distribution' },
      software: { combine: 'distinct', label: 'Server Software Seen' },
      nameTokens: { combine: 'distinct', label: 'Server-Role Host Name' },
      signals: { combine: 'last', hidden: true },
    },
    columns: ['OSPlatform'],
    messages: {
      default: {
        title: 'Server {device} classified as a workstation',
        description:
          'Defender reports DeviceType {deviceType} for {device} ({osPlatform}), but the device looks like a server: {signals}.',
        riskAssessment:
          'Not a threat in itself. A server typed as a workstation can fall into workstation device groups and baselines and out of server-focused review and exposure scoring. Correct the type (device tags, device-group rules keyed on tags) so that server policies apply.',
      },
    },
  },

  onDevice(device, ctx) {
    const info = device.info;
    if (info?.str('DeviceType')?.toLowerCase() !== 'workstation') return undefined;
    const extra = new Set(ctx.options.extraServerProcesses.map((p) => p.toLowerCase()));
    const s = serverSignals(device, info, extra);
    const strong = s.cloud.length + s.software.length + (s.distribution ? 1 : 0) + (s.serverOs ? 1 : 0);
    if (strong === 0) return undefined;
    const signals: string[] = [
      ...s.cloud.map((c) => `cloud VM: ${c}`),
      ...(s.serverOs ? [`server OS: ${s.serverOs}`] : []),
      ...(s.distribution ? [`Linux server distribution: ${s.distribution}`] : []),
      ...(s.software.length ? [`server software seen: ${s.software.join(', ')}`] : []),
      ...(s.nameTokens.length ? [`server-role host name: ${s.nameTokens.join(', ')}`] : []),
    ];
    return [
      {
        events: [info],
        evidence: {
          clouds: s.cloud,
          ...(s.serverOs ? { serverOs: s.serverOs } : {}),
          ...(s.distribution ? { distribution: s.distribution } : {}),
          software: s.software,
          nameTokens: s.nameTokens,
          signals: signals.join('; '),
        },
      },
    ];
  },
});
