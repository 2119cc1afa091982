import { loadFixtures, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { detector, indexLocation, luceneFile } from './detector.js';

const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));

describe('defender/search-index-segment-deletion', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, fixtures);
  });

  it('classifies Lucene file names', () => {
    expect(luceneFile('_1x3_Lucene912_0.doc')).toEqual({ kind: 'segment', extension: 'doc', codec: 'Lucene912' });
    expect(luceneFile('_0.cfs')).toEqual({ kind: 'segment', extension: 'cfs', codec: undefined });
    expect(luceneFile('_a_1.liv')?.extension).toBe('liv');
    expect(luceneFile('_4_Lucene90FieldsIndex-doc_ids_2.tmp')?.extension).toBe('tmp');
    expect(luceneFile('segments_4f')?.kind).toBe('commit point');
    expect(luceneFile('pending_segments_5')?.kind).toBe('commit point');
    for (const name of [
      'translog-12.tlog',
      'write.lock',
      'state-3.st',
      '_1x3.exe',
      'x_1.doc',
      `_${'a'.repeat(200)}.doc`,
    ]) {
      expect(luceneFile(name)).toBeUndefined();
    }
  });

  it('finds the data root of a shard index directory', () => {
    expect(indexLocation('/var/lib/wazuh-indexer/nodes/0/indices/Jq3s0cQ4TkWm9x7V2bLh1A/0/index')).toEqual({
      root: '/var/lib/wazuh-indexer/nodes/0/indices',
      indexUuid: 'Jq3s0cQ4TkWm9x7V2bLh1A',
      shard: '0',
    });
    expect(indexLocation('/usr/share/elasticsearch/data/indices/abcDEF123456/3/index/')?.root).toBe(
      '/usr/share/elasticsearch/data/indices',
    );
    expect(indexLocation('/var/lib/wazuh-indexer/nodes/0/indices/Jq3s0cQ4TkWm9x7V2bLh1A/0/translog')).toBeUndefined();
    expect(indexLocation('/index')).toBeUndefined();
  });

  it('reports no technique', () => {
    expect(detector.meta.mitre).toEqual([]);
  });
});
