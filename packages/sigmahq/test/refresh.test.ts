import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/refresh-sigmahq.mjs', import.meta.url));

const RULE = `title: Whoami Execution
id: e28a5a99-da44-436d-b7a0-2afc20a5f413
status: test
author: Florian Roth (Nextron Systems)
logsource:
  category: process_creation
  product: windows
detection:
  selection:
    Image|endswith: '\\\\whoami.exe'
  condition: selection
level: low
`;

/** A small upstream folder laid out as the shared copy of SigmaHQ is. */
function upstream(dir: string): void {
  mkdirSync(join(dir, 'rules/windows/process_creation'), { recursive: true });
  mkdirSync(join(dir, 'rules/linux/builtin'), { recursive: true });
  mkdirSync(join(dir, 'rules/windows/image_load'), { recursive: true });
  writeFileSync(join(dir, 'rules/windows/process_creation/proc_creation_win_whoami.yml'), RULE);
  writeFileSync(join(dir, 'rules/linux/builtin/lnx_x.yml'), RULE.replace('Whoami', 'Other'));
  // Not a selected folder: never copied.
  writeFileSync(join(dir, 'rules/windows/image_load/image_load_x.yml'), RULE);
  writeFileSync(join(dir, 'LICENSE'), '# Licenses\n');
  writeFileSync(join(dir, 'LICENSE.Detection.Rules.md'), '# Detection Rule License (DRL) 1.1\n');
  writeFileSync(join(dir, 'SOURCE.md'), '- Commit: `8eaafff1f2845a696050e05e72ba1140ee190698`, committed …\n');
}

const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

describe('scripts/refresh-sigmahq.mjs', () => {
  let dir: string;
  let from: string;
  let pkg: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'refresh-sigmahq-'));
    from = join(dir, 'sigma');
    pkg = join(dir, 'pkg');
    upstream(from);
    mkdirSync(pkg);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies the selected rule folders byte for byte, the licence texts and a SOURCE.md naming the commit', () => {
    execFileSync(process.execPath, [script, '--from', from, '--package', pkg]);
    expect(readFileSync(join(pkg, 'rules/windows/process_creation/proc_creation_win_whoami.yml'), 'utf8')).toBe(RULE);
    expect(readFileSync(join(pkg, 'LICENSE.Detection.Rules.md'), 'utf8')).toContain('DRL) 1.1');
    expect(readFileSync(join(pkg, 'LICENSE.SigmaHQ.md'), 'utf8')).toBe('# Licenses\n');
    const source = readFileSync(join(pkg, 'SOURCE.md'), 'utf8');
    expect(source).toContain('8eaafff1f2845a696050e05e72ba1140ee190698');
    expect(source).toContain('| **total** | **2** |');
    expect(() => readFileSync(join(pkg, 'rules/windows/image_load/image_load_x.yml'))).toThrow();
    expect(run('--check', '--from', from, '--package', pkg).status).toBe(0);
  });

  it('--check fails and names each changed, missing and extra file; a refresh repairs the copy', () => {
    execFileSync(process.execPath, [script, '--from', from, '--package', pkg]);
    writeFileSync(join(pkg, 'rules/windows/process_creation/proc_creation_win_whoami.yml'), `${RULE}# edited\n`);
    rmSync(join(pkg, 'rules/linux/builtin/lnx_x.yml'));
    writeFileSync(join(pkg, 'rules/linux/extra.yml'), RULE);
    const check = run('--check', '--from', from, '--package', pkg);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('differs: rules/windows/process_creation/proc_creation_win_whoami.yml');
    expect(check.stderr).toContain('missing: rules/linux/builtin/lnx_x.yml');
    expect(check.stderr).toContain('not upstream: rules/linux/extra.yml');
    execFileSync(process.execPath, [script, '--from', from, '--package', pkg]);
    expect(run('--check', '--from', from, '--package', pkg).status).toBe(0);
    expect(() => readFileSync(join(pkg, 'rules/linux/extra.yml'))).toThrow();
  });

  it('refuses a folder that is neither a checkout nor a copy naming its commit', () => {
    rmSync(join(from, 'SOURCE.md'));
    const r = run('--from', from, '--package', pkg);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('neither a git checkout nor a copy with a SOURCE.md naming its commit');
  });
});
