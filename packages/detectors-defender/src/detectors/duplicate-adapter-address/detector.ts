import { type DeviceState, defineDetector, type MdeEvent } from '@tripline/core';
import { cloudPlatforms } from '../../internal/device-info.js';

const MAC_RE = /^[0-9a-f]{12}$/;
/** Linux predictable name of a PCI function on a non-zero PCI domain: the SR-IOV VF Azure hot-adds (`enP28238s1`). */
const AZURE_VF_NAME_RE = /^enP\d{1,10}s\d{1,10}(?:f\d{1,3})?(?:np\d{1,3})?$/;
const HEXTET_RE = /^[0-9a-f]{1,4}$/;

/** `00-22-48-2E-A8-6C`, `00:22:48:2e:a8:6c`, `0022.482e.a86c` → `00-22-48-2E-A8-6C`; undefined for none, all-zero or broadcast. */
export function normalizeMac(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const hex = value
    .slice(0, 64)
    .toLowerCase()
    .replace(/[-:.\s]/g, '');
  if (!MAC_RE.test(hex) || /^0+$/.test(hex) || hex === 'ffffffffffff') return undefined;
  return hex.toUpperCase().replace(/(..)(?!$)/g, '$1-');
}

/**
 * An IPv6 link-local address (fe80::/10) in canonical form, or undefined. The zone (`%eth0`) and a
 * KAME-embedded scope (`fe80:1e::…`, macOS) are dropped, so the same address on two adapters compares equal.
 */
export function normalizeLinkLocal(value: string): string | undefined {
  const text = value.trim().toLowerCase().split('%')[0]!.slice(0, 64);
  if (!/^fe[89ab]/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if (halves.length === 1 && head.length !== 8) return undefined;
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 2 && fill < 1)) return undefined;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  if (!groups.every((g) => HEXTET_RE.test(g))) return undefined;
  const words = groups.map((g) => Number.parseInt(g, 16));
  // fe80::/64 is the link-local prefix; anything in bits 16–63 is an embedded scope id.
  words[0] = 0xfe80;
  words[1] = 0;
  words[2] = 0;
  words[3] = 0;
  const iid = words.slice(4).map((w) => w.toString(16));
  return `fe80::${iid.join(':').replace(/^(0:)+/, '')}`;
}

/** The link-local IPv6 addresses of one DeviceNetworkInfo row (`IPAddresses` is JSON text). */
export function linkLocalAddresses(adapter: MdeEvent): string[] {
  const list = adapter.json('IPAddresses');
  if (!Array.isArray(list)) return [];
  const out = new Set<string>();
  for (const entry of list) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) continue;
    const ip = entry.IPAddress;
    if (typeof ip !== 'string') continue;
    const ll = normalizeLinkLocal(ip);
    if (ll) out.add(ll);
  }
  return [...out];
}

/** A set of adapters that share a MAC or a link-local address, with what they share. */
export interface DuplicateCluster {
  readonly adapters: readonly MdeEvent[];
  readonly macs: readonly string[];
  readonly linkLocals: readonly string[];
}

/** Adapters of a device grouped by shared MAC or link-local address (union of both relations). */
export function duplicateClusters(adapters: readonly MdeEvent[]): DuplicateCluster[] {
  const parent = adapters.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const byMac = new Map<string, number[]>();
  const byLl = new Map<string, number[]>();
  adapters.forEach((a, i) => {
    const mac = normalizeMac(a.str('MacAddress'));
    if (mac) byMac.set(mac, [...(byMac.get(mac) ?? []), i]);
    for (const ll of linkLocalAddresses(a)) byLl.set(ll, [...(byLl.get(ll) ?? []), i]);
  });
  for (const groups of [byMac, byLl]) {
    for (const idx of groups.values()) for (const i of idx.slice(1)) parent[find(i)] = find(idx[0]!);
  }
  const clusters = new Map<number, { adapters: Set<number>; macs: Set<string>; lls: Set<string> }>();
  const note = (idx: number[], key: string, kind: 'macs' | 'lls') => {
    if (idx.length < 2) return;
    const root = find(idx[0]!);
    const c = clusters.get(root) ?? { adapters: new Set<number>(), macs: new Set<string>(), lls: new Set<string>() };
    for (const i of idx) c.adapters.add(i);
    c[kind].add(key);
    clusters.set(root, c);
  };
  for (const [mac, idx] of byMac) note(idx, mac, 'macs');
  for (const [ll, idx] of byLl) note(idx, ll, 'lls');
  return [...clusters.values()].map((c) => ({
    adapters: [...c.adapters].sort((a, b) => a - b).map((i) => adapters[i]!),
    macs: [...c.macs].sort(),
    linkLocals: [...c.lls].sort(),
  }));
}

function adapterName(a: MdeEvent): string {
  return a.str('NetworkAdapterName') ?? a.str('MacAddress') ?? '(unnamed)';
}

/** True for the Azure Accelerated Networking pair: one synthetic adapter plus its SR-IOV VF(s), on an Azure VM. */
export function isAcceleratedNetworkingPair(device: DeviceState, cluster: DuplicateCluster): boolean {
  if (!cloudPlatforms(device.info).some((p) => p.toLowerCase() === 'azure')) return false;
  const names = cluster.adapters.map(adapterName);
  const vfs = names.filter((n) => AZURE_VF_NAME_RE.test(n));
  const synthetic = names.filter((n) => !AZURE_VF_NAME_RE.test(n));
  return synthetic.length === 1 && vfs.length >= 1;
}

/** Two or more adapters of one device with the same MAC or IPv6 link-local address. */
const AZURE_EXPLANATION =
  'Azure Accelerated Networking: synthetic adapter + SR-IOV virtual function share the MAC by design';

export const detector = defineDetector({
  meta: {
    id: 'defender/duplicate-adapter-address',
    title: 'Network adapters sharing a MAC or link-local address',
    summary:
      'Two or more network adapters of one device (latest DeviceNetworkInfo row per adapter) report the same MAC address or the same IPv6 link-local address. The Azure Accelerated Networking pair — a synthetic adapter such as eth0 and its SR-IOV virtual function enP<n>s<m>, which share the MAC by design — is recognised and reported as low with that explanation.',
    rationale:
      'Outside of a few designed cases (bonding, bridges, VLAN sub-interfaces), two interfaces with one MAC confuse switches and neighbours and can be a sign of MAC spoofing or a cloned VM. On Azure VMs with Accelerated Networking, however, the Mellanox virtual function is a second interface with the same MAC as the synthetic netvsc interface, and traffic moves to it transparently: that pair is expected. Medium for other duplicates, low for the recognised Azure pair.',
    severity: 'medium',
    severityNotes:
      'Low when the device is an Azure VM (AzureResourceId or CloudPlatforms Azure) and the duplicate is exactly one synthetic adapter paired with enP…s… virtual function(s). Medium for any other duplicate, including an enP…s… pair on a device that is not known to be an Azure VM.',
    category: 'Network Configuration / Anomaly Detection',
    mitre: [],
    mitreNotes:
      'No technique is mapped: this is a configuration finding, not observed adversary behaviour. The reference report mapped T1016 System Network Configuration Discovery, which is an adversary enumerating network settings — nothing here is discovery. The risk a genuine duplicate MAC would enable is ARP cache poisoning (T1557.002); it is named in the risk text, not mapped, because nothing shows it happening.',
    references: [
      'https://learn.microsoft.com/en-us/azure/virtual-network/accelerated-networking-how-it-works',
      'https://learn.microsoft.com/en-us/azure/virtual-network/accelerated-networking-overview',
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicenetworkinfo-table',
      'https://attack.mitre.org/techniques/T1557/002/',
    ],
    falsePositives: [
      'Azure Accelerated Networking (eth0 + enP<n>s<m>): reported low with the explanation.',
      'Bonded interfaces (bond0 and its slaves), bridges (br0 and its port) and VLAN sub-interfaces (eth0.100) legitimately share a MAC.',
      'Docker/Podman veth pairs and virtual switches can reuse addresses per namespace.',
    ],
    kql: {
      unsupported:
        "Compares the latest DeviceNetworkInfo row of each adapter with the device's other adapters, by MAC address and by the IPv6 link-local addresses inside the IPAddresses JSON, and recognises the Azure Accelerated Networking pair by adapter names: that needs mv-expand over IPAddresses and a self-join per device, outside the exported KQL subset.",
    },
    tables: [],
    evidence: {
      macs: { combine: 'distinct', label: 'Duplicate MAC Address' },
      linkLocals: { combine: 'distinct', label: 'Duplicate IPv6 Link-Local Address' },
      adapters: { combine: 'distinct', label: 'Network Adapters Involved' },
      vendors: { from: 'NetworkAdapterVendor', combine: 'distinct' },
      explanation: { combine: 'last', label: 'Explanation' },
      syntheticAdapter: { combine: 'distinct', hidden: true },
      vfAdapters: { combine: 'distinct', hidden: true },
    },
    // Each evidence row pairs an adapter with its addresses and vendor.
    columns: ['NetworkAdapterName', 'MacAddress', 'IPAddresses'],
    messages: {
      default: {
        title: 'Adapters {adapters} on {device} share an address',
        description:
          'Network adapters {adapters} of {device} report the same MAC address ({macs}) or IPv6 link-local address ({linkLocals}) in their latest DeviceNetworkInfo rows.',
        riskAssessment:
          'Two interfaces with one MAC confuse switching and neighbour discovery, and can mean a cloned VM, a spoofed MAC or a bridging/bonding setup the sensor does not distinguish. A genuine duplicate on a shared segment is what ARP spoofing (T1557.002) exploits. Check `ip -d link` for bond, bridge or VLAN relationships and compare with the expected configuration.',
      },
      azureAcceleratedNetworking: {
        title: 'Azure Accelerated Networking pair {adapters} on {device}',
        description:
          'Adapters {adapters} of Azure VM {device} share MAC {macs} (link-local {linkLocals}). This is Azure Accelerated Networking by design: {syntheticAdapter} is the synthetic (netvsc) adapter and {vfAdapters} the SR-IOV virtual function (Mellanox) that Azure gives the same MAC, so that traffic can move between them transparently.',
        riskAssessment:
          'Expected configuration: low. Confirm with `ip -d link` (the VF is enslaved to {syntheticAdapter}) or the NIC’s enableAcceleratedNetworking setting in Azure. Only a duplicate outside such a pair would deserve attention.',
      },
    },
  },

  onDevice(device) {
    if (device.adapters.length < 2) return undefined;
    const matches = [];
    for (const cluster of duplicateClusters(device.adapters)) {
      // Synthetic adapters before SR-IOV functions (`eth0`, then `enP28238s1`), otherwise by name.
      const names = cluster.adapters
        .map(adapterName)
        .sort(
          (a, b) => Number(AZURE_VF_NAME_RE.test(a)) - Number(AZURE_VF_NAME_RE.test(b)) || (a < b ? -1 : a > b ? 1 : 0),
        );
      const azure = isAcceleratedNetworkingPair(device, cluster);
      matches.push({
        key: names.join('+'),
        events: cluster.adapters,
        ...(azure ? { variant: 'azureAcceleratedNetworking' } : {}),
        evidence: {
          adapters: names,
          macs: cluster.macs,
          linkLocals: cluster.linkLocals,
          syntheticAdapter: names.filter((n) => !AZURE_VF_NAME_RE.test(n)),
          vfAdapters: names.filter((n) => AZURE_VF_NAME_RE.test(n)),
          ...(azure ? { explanation: AZURE_EXPLANATION } : {}),
        },
      });
    }
    return matches;
  },

  render: ({ variant, evidence: { macs, linkLocals } }) => ({
    // The recognised pair is lowered; any other duplicate keeps the configured severity (medium by default).
    ...(variant === 'azureAcceleratedNetworking' ? { severity: 'low' as const } : {}),
    values: { ...(macs.length ? {} : { macs: 'none' }), ...(linkLocals.length ? {} : { linkLocals: 'none' }) },
  }),
});
