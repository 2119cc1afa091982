/**
 * Which kind of device an MDE event comes from, read from its own columns: the rows carry no OS name,
 * but Windows paths start with a drive letter or a backslash, Linux and macOS paths with `/`, POSIX rows
 * carry POSIX keys in `AdditionalFields`, and the registry exists on Windows only.
 */
import type { MdeEvent } from '@tripline/core';
import type { EventPlatform, SigmaRoute } from '../ir.js';

const PATH_COLUMNS = ['FolderPath', 'InitiatingProcessFolderPath', 'PreviousFolderPath'] as const;

/** `windows` for `C:\…`, `\\server\…`, `\Device\…`; `posix` for `/…`; undefined otherwise. */
function pathKind(path: string): EventPlatform {
  const c0 = path.charCodeAt(0);
  if (c0 === 0x2f) return 'posix';
  if (c0 === 0x5c) return 'windows';
  const letter = (c0 | 0x20) >= 0x61 && (c0 | 0x20) <= 0x7a;
  if (letter && path.charCodeAt(1) === 0x3a) return 'windows';
  return undefined;
}

/** The kind of device `event` comes from, or undefined when its columns do not say. */
export function eventPlatform(event: MdeEvent): EventPlatform {
  if (event.table === 'DeviceRegistryEvents') return 'windows';
  for (const column of PATH_COLUMNS) {
    const path = event.str(column);
    if (path === undefined) continue;
    const kind = pathKind(path);
    if (kind !== undefined) return kind;
  }
  // A row without paths (a network row of a kernel connection): POSIX keys say Linux or macOS.
  if (event.has('AdditionalFields')) {
    for (const key of Object.keys(event.additionalFields)) if (key.includes('Posix')) return 'posix';
  }
  return undefined;
}

/**
 * True when a rule routed to `route` may see an event of kind `platform`: a route without a platform,
 * or an event of unknown kind, always; a Windows route only Windows events; a Linux or macOS route only
 * POSIX events.
 */
export function platformAccepts(route: SigmaRoute, platform: EventPlatform): boolean {
  if (route.platform === undefined || platform === undefined) return true;
  return route.platform === 'windows' ? platform === 'windows' : platform === 'posix';
}
