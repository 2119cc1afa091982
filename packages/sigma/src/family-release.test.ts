/** The family keeps nothing of a call once `matchAll` returns: not the engine's emit, not what it reaches. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Match } from '@tripline/core';
import { makeEvent } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { buildFamily } from './family.js';
import { compileSigma } from './load.js';
import { testMapping } from './testing/test-mapping.js';

const RULE = [
  'title: Svchost started',
  'id: 2f0c7f4e-1f8e-4d53-9d7a-3f0f6f1a2b11',
  'status: test',
  'logsource:',
  '    category: process_creation',
  '    product: windows',
  'detection:',
  '    selection:',
  '        FolderPath|endswith: .exe',
  '    condition: selection',
  'level: low',
  '',
].join('\n');

describe('a Sigma family after matchAll', () => {
  it('holds neither the emit it was given nor what that emit holds', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const set = compileSigma([{ text: RULE, name: 'r.yml' }], { mapping: testMapping() });
    const family = buildFamily(set.rules, set.family.members, { mapping: testMapping() });
    // Made in a function: the test keeps only the count and weak references.
    const made = (() => {
      const groups = { matches: [] as [number, Match][] };
      const emit = (i: number, m: Match): void => {
        groups.matches.push([i, m]);
      };
      family.matchAll(
        makeEvent('DeviceProcessEvents', {
          Timestamp: '2026-05-01T10:00:00Z',
          DeviceId: '875524232b2377b606ca585f2a6692b5be921b94',
          DeviceName: 'ws-fin-07.contoso.local',
          ActionType: 'ProcessCreated',
          ReportId: 1,
          FileName: 'svchost.exe',
          FolderPath: 'C:\\Windows\\System32\\svchost.exe',
          ProcessCommandLine: 'svchost.exe -k netsvcs',
        }),
        emit,
      );
      return { emitted: groups.matches.length, emit: new WeakRef(emit), groups: new WeakRef(groups) };
    })();
    expect(made.emitted).toBe(1);
    // A WeakRef keeps its target until the end of the job that made it.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(made.emit.deref()).toBeUndefined();
    expect(made.groups.deref()).toBeUndefined();
  });
});
