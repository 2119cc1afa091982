import type { Alert } from '@tripline/core';

/** Shortest DeviceId prefix shown when two devices share a name. */
const ID_PREFIX = 8;

/**
 * For every DeviceId whose DeviceName another DeviceId of the same log also has (a re-imaged or cloned
 * host, a name reused elsewhere), the shortest prefix of at least 8 characters that tells it from the
 * others with that name. Devices with a name of their own are not in the map.
 */
export function sharedNameIds(alerts: readonly Alert[]): ReadonlyMap<string, string> {
  const idsByName = new Map<string, Set<string>>();
  for (const a of alerts) {
    const ids = idsByName.get(a.device.name) ?? new Set<string>();
    ids.add(a.device.id);
    idsByName.set(a.device.name, ids);
  }
  const out = new Map<string, string>();
  for (const set of idsByName.values()) {
    if (set.size < 2) continue;
    const ids = [...set];
    for (const id of ids) {
      let len = Math.min(ID_PREFIX, id.length);
      while (len < id.length && ids.some((o) => o !== id && o.slice(0, len) === id.slice(0, len))) len++;
      out.set(id, id.slice(0, len));
    }
  }
  return out;
}
