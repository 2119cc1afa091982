import {
  type AlertSummary,
  type CorrelationMatch,
  type DeviceState,
  defineDetector,
  type MdeEvent,
} from '@tripline/core';
import { severityRank } from '@tripline/core/unstable';
import { isPublicAddress } from '../../internal/address.js';
import { cloudPlatforms, isUnassignedGroup, loggedOnUserNames } from '../../internal/device-info.js';

const SELF_ID = 'defender/exposed-unmanaged-device';
const IDENTITY_ID = 'defender/anomalous-logged-on-user';
const UNASSIGNED_ID = 'defender/unassigned-machine-group';

/** Public address or internet-facing flag of the device's latest DeviceInfo snapshot. */
function exposure(info: MdeEvent | undefined): { publicIp?: string; internetFacing: boolean } | undefined {
  if (!info) return undefined;
  const ip = info.str('PublicIP');
  const internetFacing = info.get('IsInternetFacing') === true;
  const publicIp = ip !== undefined && isPublicAddress(ip) ? ip : undefined;
  if (!publicIp && !internetFacing) return undefined;
  return { ...(publicIp ? { publicIp } : {}), internetFacing };
}

function inUnassignedGroup(device: DeviceState, alerts: readonly AlertSummary[]): boolean {
  if (alerts.some((a) => a.detectorId === UNASSIGNED_ID)) return true;
  if (isUnassignedGroup(device.info?.str('MachineGroup'))) return true;
  return device.adapters.some((a) => isUnassignedGroup(a.str('MachineGroup')));
}

/** How a related alert is named in the key components: detector, severity, alert id. */
function describe(alert: AlertSummary): string {
  return `${alert.detectorId} (${alert.severity}) ${alert.id}`;
}

/**
 * Correlation: an internet-exposed device in the unassigned group that also has an identity anomaly
 * or any alert of medium or above.
 */
export const detector = defineDetector({
  meta: {
    id: SELF_ID,
    title: 'Internet-exposed device outside device-group management with other findings',
    summary:
      'Correlates three facts about one device: it is reachable from or present on the internet (DeviceInfo PublicIP is a public address, or IsInternetFacing), it sits in the unassigned device group, and it has another finding — an implausible logged-on user (defender/anomalous-logged-on-user) or any other alert of medium or above.',
    rationale:
      'Each fact alone is routine; together they describe the device attackers find first and defenders look at last: exposed, with default remediation and no owning team in Defender, and already showing something odd. High, so that it is triaged before the individual findings it builds on.',
    severity: 'high',
    severityNotes:
      'Always high. It does not fire without a public address or the internet-facing flag, without the unassigned group, or when the only other finding is the unassigned-group alert itself. Note that an implausible-user alert qualifies at any severity, including the medium LOGIN placeholder — confirm or close that one first.',
    category: 'Network Exposure / Compromise',
    mitre: ['T1133'],
    mitreNotes:
      'T1133 External Remote Services describes the exposure this correlation is about: remote services of an internet-facing host are how adversaries get initial access. It marks the risk of the exposed, unmanaged host; it is not an observation that the technique was used — the related alerts say what was observed.',
    references: [
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceinfo-table',
      'https://learn.microsoft.com/en-us/defender-endpoint/internet-facing-devices',
      'https://learn.microsoft.com/en-us/defender-endpoint/machine-groups',
      'https://attack.mitre.org/techniques/T1133/',
    ],
    falsePositives: [
      'PublicIP is the address Defender saw the device connect from; behind NAT or a firewall this is an egress address and the device may accept no inbound connection. Check the VM’s network security group or firewall before treating it as reachable.',
      'Related findings that are themselves benign (the LOGIN placeholder of a serial-console getty): close those, and this alert with them.',
    ],
    kql: {
      unsupported:
        "Correlates other detectors' alerts (an implausible logged-on user, any alert of medium or above) with the device's latest DeviceInfo: alerts of tripline's detectors are not rows of an advanced-hunting table, so no query can see them.",
    },
    tables: [],
    evidence: {
      publicIp: { combine: 'last', label: 'PublicIP' },
      internetFacing: { combine: 'last', label: 'IsInternetFacing' },
      machineGroup: { combine: 'last', label: 'MachineGroup' },
      loggedOnUsers: { combine: 'distinct', label: 'LoggedOnUsers' },
      clouds: { combine: 'distinct', label: 'Cloud Platform' },
      relatedAlerts: { combine: 'distinct', label: 'Related Alerts' },
      related: { combine: 'distinct', hidden: true },
      relatedCount: { combine: 'last', hidden: true },
      cloud: { combine: 'last', hidden: true },
      exposure: { combine: 'last', hidden: true },
    },
    // Evidence rows: the DeviceInfo snapshot keeps what the alert is about.
    columns: ['PublicIP', 'IsInternetFacing', 'MachineGroup', 'LoggedOnUsers', 'OSPlatform'],
    messages: {
      default: {
        title: 'Exposed device {device} in the unassigned group with {relatedCount} other finding(s)',
        description:
          'Device {device} ({cloud}) is {exposure}, is in MachineGroup {machineGroup}, and has {relatedCount} other finding(s): {related}. Logged-on users reported: {loggedOnUsers}.',
        riskAssessment:
          'An internet-exposed host outside device-group management, with findings of its own, is a likely first target and may be watched by no one. Confirm what is reachable from the internet (NSG / firewall rules, listening services), resolve the related findings, and place the device in a managed group.',
      },
    },
  },

  correlate({ alerts, devices }) {
    const byDevice = new Map<string, AlertSummary[]>();
    for (const alert of alerts) {
      if (alert.detectorId === SELF_ID) continue;
      const list = byDevice.get(alert.deviceId) ?? [];
      list.push(alert);
      byDevice.set(alert.deviceId, list);
    }
    const matches: CorrelationMatch[] = [];
    for (const [deviceId, deviceAlerts] of [...byDevice].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const device = devices.get(deviceId);
      if (!device) continue;
      const exposed = exposure(device.info);
      if (!exposed || !inUnassignedGroup(device, deviceAlerts)) continue;
      const qualifying = deviceAlerts.filter(
        (a) =>
          a.detectorId === IDENTITY_ID ||
          (a.detectorId !== UNASSIGNED_ID && severityRank(a.severity) >= severityRank('medium')),
      );
      if (qualifying.length === 0) continue;
      const unassigned = deviceAlerts.filter((a) => a.detectorId === UNASSIGNED_ID);
      const related = [...unassigned, ...qualifying];
      const events: MdeEvent[] = [device.info!];
      for (const a of qualifying) for (const e of a.events) if (!events.includes(e)) events.push(e);
      const info = device.info!;
      const clouds = cloudPlatforms(info);
      const os = info.str('OSPlatform');
      const users = loggedOnUserNames(info).map((n) => (n === '' ? '(empty)' : n));
      const machineGroup =
        info.str('MachineGroup') ??
        device.adapters.find((a) => a.str('MachineGroup'))?.str('MachineGroup') ??
        'UnassignedGroup';
      const exposureText = [
        exposed.publicIp ? `seen at public address ${exposed.publicIp}` : undefined,
        exposed.internetFacing ? 'flagged internet-facing by Defender' : undefined,
      ]
        .filter(Boolean)
        .join(' and ');
      matches.push({
        deviceId,
        events,
        relatedAlerts: related.map((a) => a.id),
        evidence: {
          ...(exposed.publicIp ? { publicIp: exposed.publicIp } : {}),
          internetFacing: exposed.internetFacing,
          machineGroup,
          loggedOnUsers: users.length ? users : 'none',
          clouds,
          relatedAlerts: qualifying.map(describe),
          related: qualifying.map((a) => a.detectorId),
          relatedCount: qualifying.length,
          cloud: clouds.length ? `${clouds.join(', ')} ${os ?? ''}`.trim() : (os ?? 'OS not reported'),
          exposure: exposureText,
        },
      });
    }
    return matches;
  },
});
