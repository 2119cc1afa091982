import { describe, expect, it } from 'vitest';
// narrate.mjs is the runnable example (plain ESM, typed by narrate.d.mts); the test runs its main().
import { main } from './narrate.mjs';

describe('examples/narrative', () => {
  it('narrates the wazuh1 run through a scripted endpoint: true sentences kept, the invented one rejected', async () => {
    const { result, markdown } = await main();
    const n = result.narrative!;
    expect(n.model).toBe('scripted-example-model');
    expect(n.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(n.summary.source).toBe('model');
    expect(n.summary.sentences[0]!.text).toBe('tripline analysed 53 events from 1 device and raised 15 alerts.');
    expect(n.rejected.map((r) => r.text)).toEqual(['The attacker connected from 203.0.113.77.']);
    expect(markdown).toContain('## 📝 Narrative (written by `scripted-example-model`, checked against the evidence)');
    expect(markdown).toContain('1 rejected and not shown');
    expect(markdown).not.toContain('203.0.113.77');
    // The same bytes twice (the narrative's time is the report's).
    expect((await main()).markdown.replace(/127\.0\.0\.1:\d+/g, 'X')).toBe(markdown.replace(/127\.0\.0\.1:\d+/g, 'X'));
  }, 60_000);
});
