import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MDE_MAPPING_VERSION, mdeMappingTable } from './index.js';

/**
 * The version names a meaning. The fingerprint of the mapping's data (routes, ActionTypes, fields,
 * columns, rebuilds, refusals) is pinned beside it: a change of the data fails here until the version
 * is bumped and the fingerprint updated together (the field-by-field tests pin the values themselves).
 */
describe('MDE_MAPPING_VERSION', () => {
  it('is bumped whenever the mapping data changes', () => {
    const fingerprint = createHash('sha256').update(JSON.stringify(mdeMappingTable())).digest('hex').slice(0, 16);
    expect({ version: MDE_MAPPING_VERSION, fingerprint }).toEqual({
      version: 'mde-2026.12.1',
      fingerprint: 'd14e62877215e85d',
    });
  });
});
