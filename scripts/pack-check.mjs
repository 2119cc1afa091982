#!/usr/bin/env node
// Packaging check: what users get from npm, not what the workspace links show.
//
//   node scripts/pack-check.mjs [--json] [--keep]      (after npm run build)
//
// 1. `npm pack` every publishable package (packages/*) into a temporary folder.
// 2. Lint each tarball: publint --strict, and @arethetypeswrong/cli in every resolution mode on every
//    entry point (ACCEPTED below lists the one finding accepted, and why).
// 3. Install the tarballs into a fresh scratch project outside the repository (`npm install
//    <tarballs>`: third-party dependencies come from the registry, --prefer-offline uses the cache).
// 4. In that project: ESM `import` and CommonJS `require` of every library and of
//    `@tripline/core/testing` and `@tripline/core/unstable`, the published JSON Schema, and the `tripline` bin through npx
//    (`--version`, `analyze examples/wazuh1/events.ndjson --format json`).
//
// Prints one line per check (or, with --json, `{ ok, tempDir, checks: [{ name, ok, detail, output? }] }`)
// and exits 1 when a check failed. The scratch folder is removed unless --keep.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const SIGMA_EXAMPLE = join(root, 'examples', 'sigma', 'events.ndjson');
const WAZUH1 = join(root, 'examples', 'wazuh1', 'events.ndjson');

/**
 * @arethetypeswrong/cli runs on every tarball with every resolution mode (node10, node16 from CJS and
 * from ESM, bundler) and must find no problem on any entry point of `exports` — `@tripline/core/testing`,
 * `@tripline/core/unstable` and `@tripline/core/report.schema.json` included (core's `typesVersions` maps them for node10).
 * The one accepted finding, and why:
 * - `tripline` (the CLI), `.` under node16 from CJS: CJSResolvesToESM. The command's programmatic `run`
 *   export is built as ESM only (no CJS build); on Node ≥ 20.19, which the package requires, `require()`
 *   of an ES module works, which attw does not model. attw's `esm-only` profile ignores exactly this.
 */
const ACCEPTED = { tripline: [{ kind: 'CJSResolvesToESM', entrypoint: '.', resolutionKind: 'node16-cjs' }] };
const accepted = (pkg, problem) =>
  (ACCEPTED[pkg] ?? []).some(
    (a) =>
      a.kind === problem.kind && a.entrypoint === problem.entrypoint && a.resolutionKind === problem.resolutionKind,
  );

/** Environment for child npm/node runs: no npm_* variables inherited from an `npm test` in the workspace. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

/** Run a command; never throws: resolves with its exit code and output. */
function sh(file, args, { cwd = root, timeout = 120_000, env = cleanEnv() } = {}) {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), timedOut: Boolean(error?.killed) });
    });
  });
}

/** Run `tasks` (functions returning promises) with at most `n` at a time. */
async function pool(tasks, n) {
  const results = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

/** The publishable packages: packages/* without "private". */
export function publishablePackages() {
  return readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'packages', d.name, 'package.json')))
    .map((d) => {
      const dir = join(root, 'packages', d.name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return { dir, name: manifest.name, version: manifest.version, private: manifest.private === true, manifest };
    })
    .filter((p) => !p.private)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

export async function packCheck({ keep = false } = {}) {
  const checks = [];
  const add = (name, ok, detail, output) => {
    checks.push({ name, ok, detail, ...(output !== undefined && !ok ? { output: output.slice(-4000) } : {}) });
  };
  const tempDir = mkdtempSync(join(tmpdir(), 'tripline-pack-'));
  const tarballs = join(tempDir, 'tarballs');
  const app = join(tempDir, 'app');
  try {
    const packages = publishablePackages();
    // 0. Built?
    const unbuilt = packages.filter((p) => !existsSync(join(p.dir, 'dist')));
    add(
      'built',
      unbuilt.length === 0,
      unbuilt.length
        ? `no dist/ in ${unbuilt.map((p) => p.name).join(', ')}: run npm run build`
        : `${packages.length} packages have dist/`,
    );
    if (unbuilt.length) return { ok: false, tempDir, checks };

    // 1. npm pack, one at a time (npm pack is not safe to run in parallel on one cache).
    const packed = [];
    mkdirSync(tarballs, { recursive: true });
    for (const p of packages) {
      const r = await sh('npm', ['pack', '--json', '--pack-destination', tarballs], { cwd: p.dir });
      let info;
      try {
        info = JSON.parse(r.stdout)[0];
      } catch {
        info = undefined;
      }
      const ok = r.code === 0 && info !== undefined;
      const files = info?.files?.map((f) => f.path) ?? [];
      add(
        `pack ${p.name}`,
        ok,
        ok ? `${info.filename}: ${files.length} files, ${info.size} bytes` : 'npm pack failed',
        r.stderr,
      );
      if (ok) packed.push({ ...p, tarball: join(tarballs, info.filename), files });
    }
    if (packed.length !== packages.length) return { ok: false, tempDir, checks };

    // Every file a manifest points at is in the tarball (publint checks this too; this names the file).
    for (const p of packed) {
      const targets = new Set();
      const walk = (v) => {
        if (typeof v === 'string' && v.startsWith('./')) targets.add(v.slice(2));
        else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
      };
      walk(p.manifest.exports);
      walk(p.manifest.bin);
      for (const k of ['main', 'module', 'types']) if (p.manifest[k]) targets.add(p.manifest[k].replace(/^\.\//, ''));
      const missing = [...targets].filter((t) => !p.files.includes(t));
      add(
        `files ${p.name}`,
        missing.length === 0,
        missing.length ? `missing from the tarball: ${missing.join(', ')}` : `${targets.size} manifest targets packed`,
      );
    }

    // 2 + 3. Lint the tarballs while the scratch project installs.
    mkdirSync(app, { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      `${JSON.stringify({ name: 'tripline-pack-scratch', version: '0.0.0', private: true }, null, 2)}\n`,
    );
    const install = sh(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...packed.map((p) => p.tarball)],
      { cwd: app, timeout: 150_000 },
    );
    const lints = pool(
      packed.flatMap((p) => [
        async () => {
          const r = await sh(bin('publint'), ['run', p.tarball, '--strict']);
          const out = `${r.stdout}${r.stderr}`;
          return [
            'publint',
            p,
            r.code === 0 && out.includes('All good!'),
            out.trim().split('\n').slice(-1)[0] ?? '',
            out,
          ];
        },
        async () => {
          const r = await sh(bin('attw'), [p.tarball, '--format', 'json']);
          let analysis;
          try {
            analysis = JSON.parse(r.stdout).analysis;
          } catch {
            return ['attw', p, false, 'attw printed no JSON', `${r.stdout}${r.stderr}`];
          }
          const problems = analysis.problems ?? [];
          const unexpected = problems.filter((x) => !accepted(p.name, x));
          const checked = Object.keys(analysis.entrypoints ?? {});
          const exported = Object.keys(p.manifest.exports ?? {});
          const unchecked = exported.filter((e) => !checked.includes(e));
          const ok = unexpected.length === 0 && unchecked.length === 0;
          const detail = ok
            ? `${checked.length} entry points (${checked.join(', ')}) in every resolution mode: ${
                problems.length ? `only the accepted ${problems.map((x) => x.kind).join(', ')}` : 'no problems'
              }`
            : [
                unexpected.length ? `problems: ${JSON.stringify(unexpected)}` : '',
                unchecked.length ? `exports attw did not check: ${unchecked.join(', ')}` : '',
              ]
                .filter(Boolean)
                .join('; ');
          return ['attw', p, ok, detail, `${JSON.stringify(unexpected, null, 2)}\n${r.stderr}`];
        },
      ]),
      3,
    );
    const [installed, linted] = await Promise.all([install, lints]);
    for (const [tool, p, ok, detail, out] of linted) add(`${tool} ${p.name}`, ok, detail, out);
    add(
      'install tarballs',
      installed.code === 0,
      installed.code === 0 ? `installed into ${app}` : 'npm install failed',
      `${installed.stdout}${installed.stderr}`,
    );
    if (installed.code !== 0) return { ok: false, tempDir, checks };

    // 4. What a user does with them.
    const node = (args) => sh(process.execPath, args, { cwd: app, timeout: 60_000 });
    const esm = async (name, code) => {
      const r = await node(['--input-type=module', '-e', code]);
      add(name, r.code === 0 && r.stdout.trim() === 'ok', r.code === 0 ? r.stdout.trim() : 'failed', r.stderr);
    };
    const cjs = async (name, code) => {
      const r = await node(['-e', code]);
      add(name, r.code === 0 && r.stdout.trim() === 'ok', r.code === 0 ? r.stdout.trim() : 'failed', r.stderr);
    };
    const expectFn = (mod, names) =>
      names
        .map((n) => `if (typeof ${mod}.${n} !== 'function') throw new Error('${n} is ' + typeof ${mod}.${n});`)
        .join(' ');
    await esm(
      'esm @tripline/core',
      `import * as m from '@tripline/core'; import { analyze } from '@tripline/core'; ${expectFn('m', ['analyze', 'createAnalyzer', 'fromFile', 'defineDetector', 'stringifyReport'])} if (m.analyze !== analyze) throw 0; console.log('ok')`,
    );
    await esm(
      'esm @tripline/core/testing',
      `import * as m from '@tripline/core/testing'; ${expectFn('m', ['loadFixtures', 'testDetector', 'makeEvent', 'runFixture'])} console.log('ok')`,
    );
    await esm(
      'esm @tripline/core/unstable',
      `import * as m from '@tripline/core/unstable'; import { MdeEvent } from '@tripline/core'; ${expectFn('m', ['ingest', 'normalizeRow', 'parseTimestamp', 'severityRank'])} if (!(m.normalizeRow({ Timestamp: '2025-11-07T06:40:09.381Z', DeviceId: 'c0f3a3b5e6d2a1f4b7c8d9e0f1a2b3c4d5e6f7a8', DeviceName: 'web-01.contoso.local', ActionType: 'ProcessCreated', ReportId: 1234 }, 'DeviceProcessEvents', { source: 'check' }) instanceof MdeEvent)) throw new Error('two MdeEvent classes'); console.log('ok')`,
    );
    await esm(
      'esm @tripline/detectors-defender',
      `import { defenderDetectors } from '@tripline/detectors-defender'; if (!(defenderDetectors.length >= 13)) throw new Error('preset has ' + defenderDetectors.length); console.log('ok')`,
    );
    await esm(
      'esm @tripline/reporter-markdown',
      `import * as m from '@tripline/reporter-markdown'; ${expectFn('m', ['renderMarkdown', 'sanitizeText'])} console.log('ok')`,
    );
    await esm(
      'esm @tripline/reporter-sarif',
      `import * as m from '@tripline/reporter-sarif'; ${expectFn('m', ['toSarif', 'stringifySarif'])} console.log('ok')`,
    );
    await esm('esm tripline', `import * as m from 'tripline'; ${expectFn('m', ['run'])} console.log('ok')`);
    await cjs(
      'cjs @tripline/core',
      `const m = require('@tripline/core'); ${expectFn('m', ['analyze', 'createAnalyzer', 'fromFile', 'defineDetector', 'stringifyReport'])} console.log('ok')`,
    );
    await cjs(
      'cjs @tripline/core/testing',
      `const m = require('@tripline/core/testing'); ${expectFn('m', ['loadFixtures', 'testDetector', 'makeEvent', 'runFixture'])} console.log('ok')`,
    );
    await cjs(
      'cjs @tripline/core/unstable',
      `const m = require('@tripline/core/unstable'); const { MdeEvent } = require('@tripline/core'); ${expectFn('m', ['ingest', 'normalizeRow', 'parseTimestamp', 'severityRank'])} if (!(m.normalizeRow({ Timestamp: '2025-11-07T06:40:09.381Z', DeviceId: 'c0f3a3b5e6d2a1f4b7c8d9e0f1a2b3c4d5e6f7a8', DeviceName: 'web-01.contoso.local', ActionType: 'ProcessCreated', ReportId: 1234 }, 'DeviceProcessEvents', { source: 'check' }) instanceof MdeEvent)) throw new Error('two MdeEvent classes'); console.log('ok')`,
    );
    await cjs(
      'cjs @tripline/detectors-defender',
      `const { defenderDetectors } = require('@tripline/detectors-defender'); if (!(defenderDetectors.length >= 13)) throw new Error('preset'); console.log('ok')`,
    );
    await cjs(
      'cjs @tripline/reporter-markdown',
      `const m = require('@tripline/reporter-markdown'); ${expectFn('m', ['renderMarkdown', 'sanitizeText'])} console.log('ok')`,
    );
    await cjs(
      'cjs @tripline/reporter-sarif',
      `const m = require('@tripline/reporter-sarif'); ${expectFn('m', ['toSarif', 'stringifySarif'])} console.log('ok')`,
    );
    // One analysis through the CommonJS builds: CJS core + CJS preset must share one MdeEvent class.
    await cjs(
      'cjs analyze with the preset',
      `const { analyze, fromFile } = require('@tripline/core'); const { defenderDetectors } = require('@tripline/detectors-defender'); analyze(fromFile(${JSON.stringify(WAZUH1)}), { detectors: defenderDetectors }).then((r) => { if (r.summary.eventsAnalyzed !== 53 || r.alerts.length < 13 || r.diagnostics.some((d) => d.level === 'error')) throw new Error(JSON.stringify(r.summary)); console.log('ok'); }).catch((e) => { console.error(e); process.exit(1); })`,
    );
    // The SigmaHQ rules are files beside the module: both builds find them in the installed package.
    const sigmahqCheck = `if (m.report.documents !== 1879 || m.detectors[0].kind !== 'detector-family' || m.detectors[0].members.length < 1700) throw new Error(JSON.stringify(m.report.rules)); console.log('ok')`;
    await esm('esm @tripline/sigmahq', `import * as m from '@tripline/sigmahq'; ${sigmahqCheck}`);
    await cjs('cjs @tripline/sigmahq', `const m = require('@tripline/sigmahq'); ${sigmahqCheck}`);
    // The Kusto language service (CommonJS, globals) loads from both builds, and an artefact is written.
    const kqlCheck = `${expectFn('m', ['checkKql', 'exportSigma', 'toArtefacts', 'exportDetector'])} const q = 'DeviceProcessEvents\\n| where FileName =~ "whoami"\\n| project Timestamp, DeviceId, DeviceName, ReportId'; if (m.checkKql(q, { require: ['Timestamp', 'DeviceId', 'ReportId'] }).length !== 0 || m.checkKql('DeviceProcesEvents | take 1').length === 0) throw new Error('checkKql'); const a = m.toArtefacts({ ok: true, source: { id: 'acme/whoami', kind: 'detector', title: 't', description: 'd', severity: 'low', techniques: ['T1033'], references: [], falsePositives: [] }, query: { text: q, tables: ['DeviceProcessEvents'], columns: ['Timestamp', 'DeviceId', 'DeviceName', 'ReportId'], warnings: [] } }, 'sentinel'); if (a.length !== 1 || !a[0].content.includes('kind: "Scheduled"')) throw new Error('toArtefacts'); console.log('ok')`;
    await esm('esm @tripline/kql', `import * as m from '@tripline/kql'; ${kqlCheck}`);
    await cjs('cjs @tripline/kql', `const m = require('@tripline/kql'); ${kqlCheck}`);
    await cjs(
      'cjs @tripline/core/report.schema.json',
      `const s = require('@tripline/core/report.schema.json'); if (s.$schema !== 'https://json-schema.org/draft/2020-12/schema' || s.properties.schemaVersion.const !== '1.3') throw new Error('schema'); console.log('ok')`,
    );

    const npx = (args) => sh('npx', ['--no-install', ...args], { cwd: app, timeout: 60_000 });
    const cli = packed.find((p) => p.name === 'tripline');
    const version = await npx(['tripline', '--version']);
    add(
      'npx tripline --version',
      version.code === 0 && version.stdout.trim() === cli.version,
      `printed ${JSON.stringify(version.stdout.trim())}`,
      version.stderr,
    );
    const report = await npx([
      'tripline',
      'analyze',
      WAZUH1,
      '--format',
      'json',
      '--generated-at',
      '2025-11-07T07:00:00Z',
      '--no-progress',
    ]);
    let detail = 'failed';
    let ok = false;
    if (report.code === 0) {
      try {
        const j = JSON.parse(report.stdout);
        ok =
          j.schemaVersion === '1.3' &&
          j.summary.eventsRead === 53 &&
          j.summary.eventsRejected === 0 &&
          j.alerts.length >= 13 &&
          report.stdout.includes('"reportId": "639199803770463703"');
        detail = `schemaVersion ${j.schemaVersion}, ${j.summary.eventsRead} events, ${j.alerts.length} alerts`;
      } catch (e) {
        detail = `stdout is not JSON: ${e.message}`;
      }
    }
    add('npx tripline analyze --format json', ok, detail, `${report.stderr}\n${report.stdout.slice(0, 2000)}`);
    // --detectors resolves the installed @tripline/sigmahq from the project folder.
    const sigma = await npx([
      'tripline',
      'analyze',
      SIGMA_EXAMPLE,
      '--detectors',
      '@tripline/sigmahq',
      '--no-builtin',
      '--format',
      'json',
      '--no-progress',
    ]);
    let sigmaDetail = 'failed';
    let sigmaOk = false;
    if (sigma.code === 0) {
      try {
        const ids = JSON.parse(sigma.stdout).alerts.map((a) => a.detectorId);
        sigmaOk =
          ids.includes('sigma/c248c896-e412-4279-8c15-1c558067b6fa') && ids.every((id) => id.startsWith('sigma/'));
        sigmaDetail = `${ids.length} alerts of SigmaHQ rules`;
      } catch (e) {
        sigmaDetail = `stdout is not JSON: ${e.message}`;
      }
    }
    add(
      'npx tripline analyze --detectors @tripline/sigmahq',
      sigmaOk,
      sigmaDetail,
      `${sigma.stderr}\n${sigma.stdout.slice(0, 2000)}`,
    );
    // export kql: the built-in detectors' declared queries, checked and written as Sentinel rules.
    const exported = await npx([
      'tripline',
      'export',
      'kql',
      '--target',
      'sentinel',
      '--output',
      join(app, 'kql-out'),
      '--format',
      'json',
    ]);
    let exportDetail = 'failed';
    let exportOk = false;
    if (exported.code === 0) {
      try {
        const j = JSON.parse(exported.stdout);
        exportOk =
          j.counts.exported >= 5 &&
          j.counts.invalid === 0 &&
          existsSync(join(app, 'kql-out', 'sentinel', 'defender-logon-brute-force.yaml'));
        exportDetail = `${j.counts.exported} exported, ${j.counts.refused} refused`;
      } catch (e) {
        exportDetail = `stdout is not JSON: ${e.message}`;
      }
    }
    add('npx tripline export kql', exportOk, exportDetail, `${exported.stderr}\n${exported.stdout.slice(0, 2000)}`);
    return { ok: checks.every((c) => c.ok), tempDir, checks };
  } finally {
    if (!keep) rmSync(tempDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const json = process.argv.includes('--json');
  const started = Date.now();
  const result = await packCheck({ keep: process.argv.includes('--keep') });
  if (json) process.stdout.write(`${JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
  else {
    for (const c of result.checks) {
      console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
      if (!c.ok && c.output) console.log(c.output.replace(/^/gm, '     '));
    }
    console.log(
      `${result.ok ? 'packaging ok' : 'packaging FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  process.exitCode = result.ok ? 0 : 1;
}
