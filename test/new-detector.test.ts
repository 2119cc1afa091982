import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { AnyDetector } from '@tripline/core';
import { loadFixtures, testDetector, validateDetector } from '@tripline/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(root, 'scripts', 'new-detector.mjs');
const BIOME = join(root, 'node_modules', '.bin', 'biome');

/** Runs the scaffold; resolves with its exit status and output instead of throwing on a refusal. */
async function scaffold(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * Whether Biome, with this repository's configuration, would leave `text` as it is at `path`: formatting,
 * import order and the safe fixes (`check --write` on stdin prints the fixed text and writes no file).
 */
async function biomeLeavesAlone(path: string, text: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = execFile(BIOME, ['check', '--write', `--stdin-file-path=${path}`], { cwd: root }, (error, out) =>
      error ? reject(error) : resolve(out === text),
    );
    child.stdin?.end(text);
  });
}

/**
 * The scaffold writes into a copy of the Defender pack's sources (--root): the real preset file and the
 * real detectors, so the registration is checked against the file it edits in this repository.
 */
describe('npm run new:detector', () => {
  let scratch: string;
  let pack: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'tripline-new-detector-'));
    pack = join(scratch, 'packages', 'detectors-defender', 'src');
    cpSync(join(root, 'packages', 'detectors-defender', 'src'), pack, { recursive: true });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is the new:detector script of the repository', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts['new:detector']).toBe('node scripts/new-detector.mjs');
  });

  it.each([
    ['tmp-exec-probe', 'DeviceProcessEvents', 'high', 'tmpExecProbe'],
    ['cron-d-drop', 'DeviceFileEvents', 'low', 'cronDDrop'],
    ['root-ssh-logon-2', 'DeviceLogonEvents', 'medium', 'rootSshLogon2'],
  ])(
    'writes %s (%s, %s): valid metadata, fires on its fires fixture, silent on its ignores fixture, registered',
    async (name, table, severity, variable) => {
      const result = await scaffold([name, '--table', table, '--severity', severity, '--root', scratch]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Registered ${variable}`);
      expect(result.stdout).toContain('node scripts/gen-detector-docs.mjs');

      const dir = join(pack, 'detectors', name);
      expect(readdirSync(dir).sort()).toEqual(['detector.test.ts', 'detector.ts', 'fixtures']);
      expect(readdirSync(join(dir, 'fixtures')).sort()).toEqual(['fires.example.json', 'ignores.example.json']);

      const { detector } = (await import(pathToFileURL(join(dir, 'detector.ts')).href)) as { detector: AnyDetector };
      const meta = validateDetector(detector);
      expect(meta).toMatchObject({ id: `defender/${name}`, severity, tables: [table] });

      // What the generated detector.test.ts does, run here on the generated files.
      const fixtures = loadFixtures(pathToFileURL(join(dir, 'fixtures')));
      expect(fixtures.fires.map((f) => f.records[0]?.category)).toEqual([`AdvancedHunting-${table}`]);
      const report = await testDetector(detector, fixtures);
      expect(report.fixtures.map((f) => [f.name, f.alerts.length])).toEqual([
        ['fires.example.json', 1],
        ['ignores.example.json', 0],
      ]);
      expect(report.fixtures[0]?.alerts[0]?.severity).toBe(severity);

      const testFile = readFileSync(join(dir, 'detector.test.ts'), 'utf8');
      expect(testFile).toContain("from '@tripline/core/testing'");
      expect(testFile).toContain('testDetector(detector, fixtures)');

      // The preset (a copy of the real index.ts, edited by the scaffold) now holds the new detector; a fresh
      // module per case (the query), since each case adds one more.
      const preset = (await import(`${pathToFileURL(join(pack, 'index.ts')).href}?after=${name}`)) as {
        defenderDetectors: readonly AnyDetector[];
        [name: string]: unknown;
      };
      expect(preset.defenderDetectors.map((d) => d.meta.id)).toContain(`defender/${name}`);
      expect(preset[variable]).toBe(detector);

      // Generated code and the edited preset pass the repository's formatter and linter as they are.
      for (const file of ['detector.ts', 'detector.test.ts']) {
        const at = `packages/detectors-defender/src/detectors/${name}/${file}`;
        expect(await biomeLeavesAlone(at, readFileSync(join(dir, file), 'utf8')), at).toBe(true);
      }
      expect(
        await biomeLeavesAlone(
          'packages/detectors-defender/src/index.ts',
          readFileSync(join(pack, 'index.ts'), 'utf8'),
        ),
      ).toBe(true);
    },
  );

  it.each([
    [['Bad_Name', '--root'], 2, 'is not a detector name'],
    [['-leading-dash'], 2, 'unknown option'],
    [['trailing-'], 2, 'is not a detector name'],
    [['two--dashes'], 2, 'is not a detector name'],
    [['defender/with-pack'], 2, 'is not a detector name'],
    [['ok-name', '--severity', 'severe'], 2, '--severity severe is not one of'],
    [['ok-name', '--table', 'DeviceTvmSoftwareInventory'], 2, 'is not one the scaffold writes rows for'],
    [[], 2, 'give exactly one detector name'],
    [['sysstat-collection'], 1, 'defender/sysstat-collection exists already'],
  ])('refuses %j (exit %i): %s', async (args, code, message) => {
    const before = readFileSync(join(pack, 'index.ts'), 'utf8');
    const withRoot = args.includes('--root') ? [...args, scratch] : [...args, '--root', scratch];
    const result = await scaffold(withRoot);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(readFileSync(join(pack, 'index.ts'), 'utf8')).toBe(before);
    expect(existsSync(join(pack, 'detectors', 'ok-name'))).toBe(false);
  });

  it('refuses a name whose detector the preset already imports under that variable', async () => {
    // The folder is gone but the preset still names it: writing would leave two `rootCronLogon` imports.
    rmSync(join(pack, 'detectors', 'root-cron-logon'), { recursive: true });
    const result = await scaffold(['root-cron-logon', '--root', scratch]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('already has a detector named rootCronLogon');
    expect(existsSync(join(pack, 'detectors', 'root-cron-logon'))).toBe(false);
  });
});
