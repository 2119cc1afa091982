/**
 * A small mapping for the package's own tests: each Sigma field is the MDE column of the same name,
 * with a few routes. Not the Defender mapping (that one is `mdeMapping()`).
 */
import type { MdeEvent } from '@tripline/core';
import type { FieldView, SigmaMapping, SigmaReason, SigmaRoute } from '../ir.js';

const ROUTES: Readonly<Record<string, SigmaRoute>> = {
  process_creation: { table: 'DeviceProcessEvents', actionTypes: ['ProcessCreated'], platform: undefined },
  file_event: { table: 'DeviceFileEvents', actionTypes: ['FileCreated', 'FileModified'], platform: undefined },
  network_connection: { table: 'DeviceNetworkEvents', platform: undefined },
};

/** `product: linux` process rules: only POSIX rows. */
const LINUX_PROCESS: SigmaRoute = { table: 'DeviceProcessEvents', actionTypes: ['ProcessCreated'], platform: 'linux' };

// Sigma load-report reason codes (SIGMA_REASONS), not codes of core's error catalog.
const UNROUTABLE: SigmaReason = 'logsource-unroutable';
const UNMAPPED: SigmaReason = 'field-unmapped';

/** Field names this mapping refuses (to test unmapped fields). */
export const UNMAPPED_FIELD = 'CurrentDirectory';
/** A field whose values starting with `IMPHASH=` can never match; it reads `SHA256` as `SHA256=<hash>`. */
export const HASH_FIELD = 'Hashes';

export function testMapping(): SigmaMapping {
  const view = (route: SigmaRoute, field: string): FieldView => ({
    field,
    key: `${route.table}.${field}`,
    columns: [field === HASH_FIELD ? 'SHA256' : field],
    get: (event: MdeEvent) => {
      if (field === HASH_FIELD) {
        const sha = event.get('SHA256');
        return typeof sha === 'string' && sha ? `SHA256=${sha}` : undefined;
      }
      const v = event.get(field);
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
        ? v
        : v === null
          ? null
          : undefined;
    },
    ...(field === HASH_FIELD
      ? {
          neverMatches: (value: string) =>
            value.toUpperCase().startsWith('IMPHASH=') ? 'MDE records no imphash' : undefined,
        }
      : {}),
  });
  return {
    name: 'test',
    version: '1',
    route(logsource) {
      if (logsource.product === 'linux' && logsource.category === 'process_creation')
        return { ok: true, route: LINUX_PROCESS };
      const r = logsource.category !== undefined ? ROUTES[logsource.category] : undefined;
      if (r) return { ok: true, route: r };
      return {
        ok: false,
        reason: { code: UNROUTABLE, message: `no MDE table for ${JSON.stringify(logsource)}` },
      };
    },
    field(route, field) {
      if (field === UNMAPPED_FIELD)
        return { ok: false, reason: { code: UNMAPPED, message: `${field} has no MDE column` } };
      return { ok: true, view: view(route, field) };
    },
    // The kind of device by the first character of FolderPath.
    eventPlatform(event) {
      const path = event.get('FolderPath');
      return typeof path !== 'string' || path === '' ? undefined : path.startsWith('/') ? 'posix' : 'windows';
    },
    keywordViews(route) {
      return route.table === 'DeviceProcessEvents' ? [view(route, 'ProcessCommandLine')] : [];
    },
  };
}
