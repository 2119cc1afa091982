import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/refresh-sigmahq.mjs', import.meta.url));

describe('the vendored SigmaHQ rules', () => {
  it('are an unchanged copy of ../shared/data/sigma (refresh-sigmahq --check)', () => {
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('holds the 1879 rules of');
  });
});
