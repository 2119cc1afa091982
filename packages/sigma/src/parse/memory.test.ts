import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { compileSigma } from '../load.js';
import { testMapping } from '../testing/test-mapping.js';
import { fastLoad } from './fast.js';

/**
 * A rule whose every kept string (title, description, author, values, selection names) is 13
 * characters or more, the length from which V8 makes a substring a view into its parent, followed by a
 * 16 MB comment that nothing should keep. `flow` writes one value as a flow sequence, which the fast
 * loader leaves to the `yaml` package.
 */
function ruleText(flow: boolean): string {
  const values = flow
    ? "[ '\\\\Windows\\\\Temp\\\\payload-one.exe', '\\\\Windows\\\\Temp\\\\payload-two.exe' ]"
    : "'\\\\Windows\\\\Temp\\\\payload-one.exe'";
  return `title: A title of more than thirteen characters
id: 5b2bd0c6-0c52-4f0f-9a52-f5d1b0b8e3a1
status: test
description: A description of more than thirteen characters, kept for the alerts.
author: An author of more than thirteen characters
references:
    - https://example.org/a-reference-of-some-length
logsource:
    category: process_creation
    product: windows
detection:
    selection_long_name:
        Image|endswith: ${values}
        CommandLine|contains: 'a value of more than thirteen characters'
    condition: selection_long_name
level: high
# ${'x'.repeat(16_000_000)}
`;
}

describe('a compiled rule set and its source texts', () => {
  it.each([
    ['the fast loader', false],
    ['the yaml package', true],
  ])(
    'keeps no view into the text read by %s',
    (_, flow) => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      // Which loader reads the text is the point of the case.
      expect(fastLoad(ruleText(flow)) === undefined).toBe(flow);
      gc();
      const before = process.memoryUsage().heapUsed;
      // Made in a function: the test holds no reference to the text.
      const set = ((): ReturnType<typeof compileSigma> =>
        compileSigma([{ text: ruleText(flow), name: 'memory.yml' }], { mapping: testMapping() }))();
      gc();
      const retained = process.memoryUsage().heapUsed - before;
      expect(set.report.rules.loaded).toBe(1);
      expect(set.rules[0]!.rule.title).toBe('A title of more than thirteen characters');
      // The text is 16 MB; the rule itself a few kilobytes.
      expect(retained).toBeLessThan(4e6);
    },
    120_000,
  );
});
