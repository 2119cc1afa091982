import type { AnalysisResult } from '@tripline/core';

/** A device as alerts and device summaries name it. */
export interface DeviceRef {
  readonly id?: string | undefined;
  readonly name?: string | undefined;
}

/** How a device is named in a report: the name and, when another device has the same name, a DeviceId prefix. */
export interface DeviceLabel {
  /** The name to show (untrusted text, not escaped). */
  readonly name: string;
  /** A prefix of the DeviceId (untrusted, not escaped) when another DeviceId has the same name, else undefined. */
  readonly idPrefix: string | undefined;
}

/** Device naming for one result. */
export interface DeviceNames {
  /** Number of distinct devices (by DeviceId) in the result. */
  readonly count: number;
  /** The full DeviceName (header, device list). */
  full(device: DeviceRef | undefined): DeviceLabel;
  /** A short name for tables, titles and headings: the host name without its DNS domain when no other device has the same host name. */
  short(device: DeviceRef | undefined): DeviceLabel;
}

/** Shortest DeviceId prefix kept when two devices share a name. */
const ID_PREFIX = 8;
const IP_RE = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function hostPart(name: string): string {
  if (IP_RE.test(name) || name.includes(':')) return name;
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Prefixes of `ids` at least {@link ID_PREFIX} long that tell them apart (the whole id when needed). */
function prefixes(ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of ids) {
    let len = Math.min(ID_PREFIX, id.length);
    while (len < id.length && ids.some((other) => other !== id && other.slice(0, len) === id.slice(0, len))) len++;
    out.set(id, id.slice(0, len));
  }
  return out;
}

/**
 * Names for the devices of a result. Two DeviceIds with the same DeviceName (re-imaged or cloned
 * hosts, a name reused in another tenant) are told apart by a DeviceId prefix wherever they are
 * named; the short form drops the DNS domain of a name unless that makes two names alike.
 */
export function deviceNames(result: AnalysisResult): DeviceNames {
  const idsByName = new Map<string, Set<string>>();
  const add = (d: DeviceRef | undefined) => {
    if (!d) return;
    const name = typeof d.name === 'string' ? d.name : '';
    const id = typeof d.id === 'string' ? d.id : '';
    const ids = idsByName.get(name) ?? new Set<string>();
    ids.add(id);
    idsByName.set(name, ids);
  };
  for (const d of Array.isArray(result.devices) ? result.devices : []) add(d);
  for (const a of Array.isArray(result.alerts) ? result.alerts : []) add(a?.device);

  const allIds = new Set<string>();
  const namesByHost = new Map<string, Set<string>>();
  const idPrefix = new Map<string, Map<string, string>>();
  for (const [name, ids] of idsByName) {
    for (const id of ids) allIds.add(id);
    const host = hostPart(name).toLowerCase();
    const names = namesByHost.get(host) ?? new Set<string>();
    names.add(name);
    namesByHost.set(host, names);
    if (ids.size > 1) idPrefix.set(name, prefixes([...ids].sort()));
  }

  const label = (device: DeviceRef | undefined, shorten: boolean): DeviceLabel => {
    const name = typeof device?.name === 'string' ? device.name : '';
    const id = typeof device?.id === 'string' ? device.id : '';
    const host = hostPart(name);
    const shown = shorten && host !== name && (namesByHost.get(host.toLowerCase())?.size ?? 0) <= 1 ? host : name;
    return { name: shown, idPrefix: idPrefix.get(name)?.get(id) };
  };
  return {
    count: allIds.size,
    full: (d) => label(d, false),
    short: (d) => label(d, true),
  };
}
