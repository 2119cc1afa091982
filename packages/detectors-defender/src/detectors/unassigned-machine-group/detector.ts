import { defineDetector } from '@tripline/core';
import { cloudPlatforms, isUnassignedGroup } from '../../internal/device-info.js';

/** The device group Defender puts devices in that match no device-group rule. */
export const UNASSIGNED_GROUP = 'UnassignedGroup';

/** Devices in Defender's catch-all UnassignedGroup: one alert per device, DeviceInfo and DeviceNetworkInfo as evidence. */
export const detector = defineDetector({
  meta: {
    id: 'defender/unassigned-machine-group',
    title: 'Device in the unassigned device group',
    summary:
      'DeviceInfo or DeviceNetworkInfo rows whose MachineGroup is UnassignedGroup: the device matched no device-group rule in Microsoft Defender. One alert per device, whichever tables showed it.',
    rationale:
      'Device groups carry the automation level of automated investigation and remediation, RBAC scoping (which analysts see the device) and the web-content-filtering and indicator policies scoped to groups. A device in UnassignedGroup gets only the tenant defaults and may be seen by nobody who is responsible for it. Medium: a gap in how the device is protected and watched, not an attack.',
    severity: 'medium',
    severityNotes:
      'Always medium. The reference report listed the same condition twice (from DeviceInfo and from DeviceNetworkInfo, once medium and once low); here it is one alert per device at medium.',
    category: 'Asset Management / Configuration Management',
    mitre: [],
    mitreNotes: 'No technique: this is a management-configuration finding, not adversary behaviour.',
    references: [
      'https://learn.microsoft.com/en-us/defender-endpoint/machine-groups',
      'https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-deviceinfo-table',
      'https://learn.microsoft.com/en-us/defender-endpoint/api/raw-data-export',
    ],
    falsePositives: [
      'Tenants that use no device groups at all: every device is in UnassignedGroup. Allowlist the detector or create groups.',
      'Newly onboarded devices before their tags or names match a group rule (group membership is re-evaluated periodically).',
    ],
    kql: {
      query: [
        'union DeviceInfo, DeviceNetworkInfo',
        '| where trim(@"\\s+", MachineGroup) =~ "UnassignedGroup"',
        '| project Timestamp, DeviceId, DeviceName, ReportId, MachineGroup',
      ].join('\n'),
    },
    tables: ['DeviceInfo', 'DeviceNetworkInfo'],
    evidence: {
      machineGroup: { from: 'MachineGroup', combine: 'first' },
      sources: { from: (e) => e.table, combine: 'distinct', hidden: true },
      adapters: { from: 'NetworkAdapterName', combine: 'distinct' },
    },
    values: ['osPlatform', 'sources'],
    messages: {
      default: {
        title: 'Device {device} is in the unassigned device group',
        description:
          'Device {device} ({osPlatform}) is reported in MachineGroup {machineGroup} by {sources}: it matched no device-group rule in Microsoft Defender, so it runs with the tenant defaults for automated remediation, RBAC scoping and group-scoped policies.',
        riskAssessment:
          'A device nobody owns in Defender is patched, investigated and remediated with defaults, and its alerts may reach no team. Add a device-group rule (by tag, name, domain or OS) that places it with its peers and check the group’s remediation level.',
      },
    },
  },

  match(event) {
    if (event.table !== 'DeviceInfo' && event.table !== 'DeviceNetworkInfo') return undefined;
    return isUnassignedGroup(event.str('MachineGroup')) ? {} : undefined;
  },

  render({ device: { info }, evidence }) {
    const os = info?.str('OSPlatform');
    const clouds = cloudPlatforms(info);
    const azure = info?.str('AzureResourceId');
    const sources = evidence.sources.map(String).sort();
    return {
      values: { osPlatform: os ?? 'OS not reported', sources: sources.join(' and ') },
      keyComponents: {
        'Sources Seen': sources,
        ...(os ? { OSPlatform: os } : {}),
        ...(clouds.length ? { 'Cloud Platform': clouds } : {}),
        ...(azure ? { AzureResourceId: azure } : {}),
      },
    };
  },
});
