import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const pkg = fileURLToPath(new URL('..', import.meta.url));
const root = join(pkg, '..', '..');

function countRules(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countRules(join(dir, e.name));
    else if (e.name.endsWith('.yml')) n++;
  }
  return n;
}

describe('@tripline/sigmahq as published', () => {
  it('LICENSE is the MIT licence of the code, then which licence covers what, then the DRL 1.1 text verbatim', () => {
    const licence = readFileSync(join(pkg, 'LICENSE'), 'utf8');
    expect(licence.startsWith(readFileSync(join(root, 'LICENSE'), 'utf8'))).toBe(true);
    expect(licence).toContain('The rules under rules/ are SigmaHQ');
    expect(licence).toContain(readFileSync(join(pkg, 'LICENSE.Detection.Rules.md'), 'utf8'));
    expect(JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).license).toBe('MIT AND DRL-1.1');
  });

  it('the tarball holds every vendored rule, the licence texts and SOURCE.md (npm pack --dry-run)', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: pkg,
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
    });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const f of ['LICENSE', 'LICENSE.Detection.Rules.md', 'LICENSE.SigmaHQ.md', 'SOURCE.md', 'README.md'])
      expect(files).toContain(f);
    const rules = files.filter((f) => f.startsWith('rules/') && f.endsWith('.yml'));
    expect(rules.length).toBe(countRules(join(pkg, 'rules')));
    expect(rules.length).toBeGreaterThan(1800);
    expect(files).toContain('rules/windows/process_creation/proc_creation_win_whoami_all_execution.yml');
  });
});
