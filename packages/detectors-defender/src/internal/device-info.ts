import type { MdeEvent } from '@tripline/core';

/**
 * Readings of DeviceInfo columns shared by several detectors of the pack (identity, unassigned group,
 * duplicate adapter, exposed device), so each column is read one way everywhere.
 */

/** `UserName` of each `LoggedOnUsers` entry (JSON text; parsed by the event model). */
export function loggedOnUserNames(event: MdeEvent): string[] {
  const users = event.json('LoggedOnUsers');
  if (!Array.isArray(users)) return [];
  const names: string[] = [];
  for (const entry of users) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) continue;
    const name = entry.UserName;
    if (typeof name === 'string') names.push(name);
    else if (name === null || name === undefined) names.push('');
  }
  return names;
}

/** Cloud platforms of a DeviceInfo row (`["Azure"]`), or the provider implied by a cloud resource id. */
export function cloudPlatforms(info: MdeEvent | undefined): string[] {
  if (!info) return [];
  const value = info.json('CloudPlatforms');
  const out = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
  if (typeof value === 'string' && value !== '') out.push(value);
  if (out.length === 0) {
    if (info.str('AzureResourceId') || info.str('AzureVmId')) out.push('Azure');
    if (info.str('AwsResourceName')) out.push('AWS');
    if (info.str('GcpFullResourceName')) out.push('GCP');
  }
  return out;
}

/** True when a row's `MachineGroup` (streaming records carry it on every row) is the unassigned group. */
export function isUnassignedGroup(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'unassignedgroup';
}
