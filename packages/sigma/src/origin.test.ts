import { describe, expect, it } from 'vitest';
import { compileSigma } from './load.js';
import { mdeMapping } from './mapping/index.js';
import { sigmaOriginOf } from './origin.js';
import { testMapping } from './testing/test-mapping.js';

const rule = (id: string, title: string, image: string): string => `title: ${title}
id: ${id}
status: test
logsource:
  category: process_creation
  product: windows
detection:
  sel:
    Image|endswith: '\\\\${image}'
  condition: sel
level: medium
`;

const WHOAMI = rule('0b7f0a4e-6d1c-4c4e-9d0a-2f3b4c5d6e71', 'Whoami', 'whoami.exe');
const NLTEST = rule('1c8e1b5f-7e2d-4d5f-8e1b-3a4c5d6e7f82', 'Nltest', 'nltest.exe');
const MANY = `title: Many whoami
id: 2d9f2c60-8f3e-4e60-9f2c-4b5d6e7f8093
correlation:
  type: event_count
  rules: [0b7f0a4e-6d1c-4c4e-9d0a-2f3b4c5d6e71]
  group-by: [DeviceName]
  timespan: 5m
  condition:
    gte: 3
`;

describe('sigmaOriginOf', () => {
  it('finds the set and the mapping of a member, a correlation and the family', () => {
    const mapping = mdeMapping();
    const set = compileSigma(
      [
        { name: 'a.yml', text: WHOAMI },
        { name: 'b.yml', text: NLTEST },
        { name: 'c.yml', text: MANY },
      ],
      { mapping },
    );
    expect(set.family.members).toHaveLength(1);
    expect(set.correlations).toHaveLength(1);
    for (const d of [set.family, ...set.family.members, ...set.correlations]) {
      const origin = sigmaOriginOf(d);
      expect(origin?.set).toBe(set);
      expect(origin?.mapping).toBe(mapping);
    }
    expect(Object.isFrozen(sigmaOriginOf(set.family))).toBe(true);
  });

  it('keeps each set apart, with its own mapping', () => {
    const one = compileSigma([{ name: 'a.yml', text: WHOAMI }]);
    const mapping = testMapping();
    const two = compileSigma([{ name: 'a.yml', text: WHOAMI }], { mapping });
    expect(sigmaOriginOf(one.family.members[0])?.set).toBe(one);
    expect(sigmaOriginOf(two.family.members[0])?.set).toBe(two);
    expect(sigmaOriginOf(two.family)?.mapping).toBe(mapping);
    expect(sigmaOriginOf(one.family)?.mapping).not.toBe(mapping);
  });

  it("answers for a copy of the family that holds the set's members, and only those", () => {
    const set = compileSigma([
      { name: 'a.yml', text: WHOAMI },
      { name: 'b.yml', text: NLTEST },
    ]);
    const other = compileSigma([
      { name: 'c.yml', text: rule('3e0a3d71-9a4f-4f71-8a3d-5c6e7f8091a4', 'Net', 'net.exe') },
    ]);
    // A pack that renames the family (as @tripline/sigmahq does) still gives its set.
    expect(sigmaOriginOf({ ...set.family, id: 'pack' })?.set).toBe(set);
    expect(sigmaOriginOf({ ...set.family, id: 'pack', members: [set.family.members[1]!] })?.set).toBe(set);
    // Members of two sets, or with a detector of no set, are no set's family.
    expect(sigmaOriginOf({ ...set.family, members: [...set.family.members, ...other.family.members] })).toBeUndefined();
    const stranger = { ...set.family.members[0]!, meta: { ...set.family.members[0]!.meta, id: 'x/y' } };
    expect(sigmaOriginOf({ ...set.family, members: [set.family.members[0]!, stranger] })).toBeUndefined();
    expect(sigmaOriginOf({ ...set.family, members: [] })).toBeUndefined();
  });

  it('answers undefined for anything that is not a compiled detector', () => {
    const set = compileSigma([{ name: 'a.yml', text: WHOAMI }]);
    for (const value of [undefined, null, 1, 'sigma', {}, [], { ...set.family.members[0]! }, set, set.rules[0]])
      expect(sigmaOriginOf(value)).toBeUndefined();
  });
});
