/**
 * `sarifChunks` writes the log result by result; joined, the chunks are the string function's bytes,
 * and the committed golden's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  renderSarif,
  type SarifOptions,
  sarifChunks,
  sarifResultCount,
  stringifySarif,
  toSarif,
} from '../src/index.js';
import { empty, fleet, hostile, manyDevices, wazuh1, withRejects } from './fixtures.js';

const scenarios: Record<string, () => [Parameters<typeof toSarif>[0], SarifOptions]> = {
  wazuh1: () => [wazuh1(), {}],
  'many devices': () => [manyDevices(25), {}],
  empty: () => [empty(), {}],
  rejected: () => [withRejects(), { limits: { maxNotifications: 2 } }],
  hostile: () => [hostile(), {}],
  fleet: () => [fleet(30), {}],
  'fleet, locations capped': () => [fleet(30), { limits: { maxLocationsPerResult: 7 } }],
  'cut by count': () => [manyDevices(12), { limits: { maxResults: 5 } }],
  'cut by size': () => [manyDevices(40), { limits: { maxGzipBytes: 6_000 } }],
  'nothing fits': () => [manyDevices(3), { limits: { maxGzipBytes: 10 } }],
  'category and invocation': () => [
    wazuh1(),
    { category: 'defender/wazuh1', invocation: { startTimeUtc: '2025-11-12T09:00:30Z', commandLine: 'tripline' } },
  ],
};

describe.each(Object.keys(scenarios))('sarifChunks: %s', (name) => {
  const [input, options] = scenarios[name]!();
  const whole = stringifySarif(toSarif(input, options));

  it('joins to the bytes of stringifySarif(toSarif(…)) and renderSarif', () => {
    expect([...sarifChunks(input, options)].join('')).toBe(whole);
    expect(renderSarif(input, options)).toBe(whole);
  });

  it('returns how many alerts the log holds, as sarifResultCount says', () => {
    const chunks = sarifChunks(input, options);
    let next = chunks.next();
    while (!next.done) next = chunks.next();
    expect(next.value).toEqual(sarifResultCount(toSarif(input, options)));
  });
});

describe('sarifChunks: one result or artifact per chunk', () => {
  it('never puts two results in one chunk', () => {
    const input = manyDevices(25);
    const chunks = [...sarifChunks(input)];
    const withResult = chunks.filter((c) => c.includes('"ruleId": '));
    expect(withResult).toHaveLength(25);
    expect(chunks.filter((c) => c.includes('"contents": '))).toHaveLength(25);
    for (const c of withResult) expect(c.match(/"ruleId": /g)).toHaveLength(1);
  });

  it('is the committed golden, byte for byte, for the reference device', () => {
    const golden = readFileSync(new URL('./golden/wazuh1.sarif', import.meta.url), 'utf8');
    expect([...sarifChunks(wazuh1())].join('')).toBe(golden);
  });
});
