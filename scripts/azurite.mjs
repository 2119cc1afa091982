#!/usr/bin/env node
// Azurite, the Azure Storage emulator from npm, for the Event Hubs checkpoint-store tests: its Blob API
// on loopback. It is not a dependency of the workspace (373 packages, a database driver among them, that
// `npm ci` would install for everyone): this script installs one pinned version into a cache folder
// outside the repository, and the tests start `azurite-blob` from there.
//
//   node scripts/azurite.mjs --install   install it when missing (from the npm registry), print its path
//   node scripts/azurite.mjs             print the path of its azurite-blob script, exit 1 when missing
//
// Version: azurite 3.35.0, the last whose `engines` allow Node 20 (3.36 needs Node 21, 3.37 Node 22).
// Folder: $TRIPLINE_AZURITE_DIR, else $XDG_CACHE_HOME/tripline/azurite-<version> (~/.cache by default).
// `.ci/run` runs it with --install; without it the Azurite tests are skipped with one line, except in CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AZURITE_VERSION = '3.35.0';

/** The folder azurite is installed in. */
export function azuriteDir() {
  if (process.env.TRIPLINE_AZURITE_DIR) return process.env.TRIPLINE_AZURITE_DIR;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'tripline', `azurite-${AZURITE_VERSION}`);
}

/** The `azurite-blob` script (run with `node`), or undefined when azurite is not installed there. */
export function azuriteBlobScript() {
  const script = join(azuriteDir(), 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
  return existsSync(script) ? script : undefined;
}

function install() {
  const dir = azuriteDir();
  mkdirSync(dir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(
    npm,
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      dir,
      `azurite@${AZURITE_VERSION}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 },
  );
  return result.status === 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let script = azuriteBlobScript();
  if (!script && process.argv.includes('--install')) {
    if (!install()) {
      console.error(`azurite: npm install azurite@${AZURITE_VERSION} into ${azuriteDir()} failed`);
      process.exit(1);
    }
    script = azuriteBlobScript();
  }
  if (!script) {
    console.error(`azurite ${AZURITE_VERSION} not found in ${azuriteDir()}: node scripts/azurite.mjs --install`);
    process.exit(1);
  }
  console.log(script);
}
