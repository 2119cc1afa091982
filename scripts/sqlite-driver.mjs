#!/usr/bin/env node
/**
 * `npm run sqlite` (or `node scripts/sqlite-driver.mjs [--build] [--require]`): which SQLite driver the
 * state store of @tripline/state will use on this Node, and, with `--build`, build the one Node 20
 * needs.
 *
 * - Node >= 22.13 has `node:sqlite` built in: nothing to build.
 * - Before that the store uses `better-sqlite3`, an optional dependency with a native addon. Its
 *   install script first tries a prebuilt binary (downloaded from GitHub) and then compiles with
 *   node-gyp, which needs Node's C headers: node-gyp downloads them from nodejs.org unless it is
 *   told where they are (`--nodedir`). Node installs ship them in `<prefix>/include/node` (the
 *   official tarballs and Debian's nodejs package alike), so `--build` passes that prefix, and works
 *   offline. When the build fails, `npm ci` leaves better-sqlite3 out without failing (it is
 *   optional): `--build` installs it again from the lockfile (`npm install --no-save`) with the headers.
 *
 * `--require` exits 1 when no driver loads afterwards (CI: the store's tests must run on every Node).
 * Without it the script only reports: the JSON-file and memory stores need no driver.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
for (const a of args)
  if (a !== '--build' && a !== '--require') {
    console.error(`unknown argument ${a} (--build, --require)`);
    process.exit(2);
  }

function nodeSqlite() {
  try {
    return typeof process.getBuiltinModule?.('node:sqlite')?.DatabaseSync === 'function';
  } catch {
    return false;
  }
}

/** true, or why better-sqlite3 does not load (resolved from @tripline/state, as the store does). */
function betterSqlite3() {
  try {
    const require = createRequire(join(ROOT, 'packages', 'state', 'package.json'));
    const Database = require('better-sqlite3');
    new Database(':memory:').close();
    return true;
  } catch (error) {
    return String(error?.message ?? error).split('\n')[0];
  }
}

/** The folder whose include/node holds this Node's headers, if any. */
function nodeDir() {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: npm's own setting, read by this script (no turbo task)
  const candidates = [process.env.npm_config_nodedir, resolve(process.execPath, '..', '..')].filter(Boolean);
  return candidates.find((dir) => existsSync(join(dir, 'include', 'node', 'node_api.h')));
}

function report() {
  const builtIn = nodeSqlite();
  const better = betterSqlite3();
  console.log(`Node ${process.versions.node}`);
  console.log(
    `  node:sqlite     ${builtIn ? 'available (the store uses it)' : 'not available (built in from Node 22.13)'}`,
  );
  console.log(`  better-sqlite3  ${better === true ? 'loads' : `does not load: ${better}`}`);
  return builtIn || better === true;
}

const ok = report();
if (!ok && args.has('--build')) {
  const dir = nodeDir();
  if (dir === undefined) {
    console.log(
      `\nNode's headers are not in ${resolve(process.execPath, '..', '..', 'include', 'node')}: install them (Debian: the nodejs or libnode-dev package) or set npm_config_nodedir to a folder whose include/node has them.`,
    );
  } else {
    console.log(`\nbuilding better-sqlite3 from source with the headers of ${dir} (node-gyp, about 2 to 3 minutes)`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const present = existsSync(join(ROOT, 'node_modules', 'better-sqlite3', 'package.json'));
    const command = present
      ? ['rebuild', 'better-sqlite3', '--foreground-scripts']
      : ['install', '--no-save', '--no-audit', '--no-fund', '--foreground-scripts'];
    console.log(`$ npm ${command.join(' ')} --nodedir=${dir}`);
    const r = spawnSync(npm, [...command, `--nodedir=${dir}`], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, npm_config_nodedir: dir },
    });
    if (r.status !== 0) console.log(`npm exited with ${r.status ?? r.signal}`);
    // Checked again in a fresh process: this one remembers that better-sqlite3 was not there.
    console.log('');
    const again = [fileURLToPath(import.meta.url), ...(args.has('--require') ? ['--require'] : [])];
    process.exit(spawnSync(process.execPath, again, { stdio: 'inherit' }).status ?? 1);
  }
}
if (!ok) {
  console.log(
    '\nThe SQLite store needs Node >= 22.13 or better-sqlite3 built for this Node: `npm run sqlite -- --build`. The JSON-file store (jsonFileStateStore) works without it.',
  );
  if (args.has('--require')) process.exit(1);
}
