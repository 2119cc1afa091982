#!/usr/bin/env node
/**
 * `npm run e2e:llm`: installs e2e/llm's own dependencies when they are missing (node-llama-cpp, pinned in
 * its package-lock.json; ≈ 730 MB, never part of the root install), builds the workspace packages the
 * test imports, and runs `run.mjs` with TRIPLINE_LLM_E2E=1. Arguments are not needed; the environment
 * variables of `run.mjs` pass through.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args, cwd, env = process.env) {
  process.stdout.write(`e2e/llm: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd, env, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(`${root}node_modules/turbo/package.json`) || !existsSync(`${root}node_modules/ajv/package.json`)) {
  process.stderr.write('e2e/llm: the workspace is not installed: run `npm ci` at the repository root first\n');
  process.exit(1);
}

const pinned = JSON.parse(readFileSync(`${here}package.json`, 'utf8')).dependencies['node-llama-cpp'];
const installedAt = `${here}node_modules/node-llama-cpp/package.json`;
const installed = existsSync(installedAt) ? JSON.parse(readFileSync(installedAt, 'utf8')).version : undefined;
if (installed !== pinned) run(npm, ['ci', '--no-audit', '--no-fund'], here);

run(
  npm,
  [
    'exec',
    '--',
    'turbo',
    'run',
    'build',
    '--filter=@tripline/narrative...',
    '--filter=@tripline/reporter-markdown...',
    '--filter=@tripline/detectors-defender...',
  ],
  root,
);
run(process.execPath, [`${here}run.mjs`], here, { ...process.env, TRIPLINE_LLM_E2E: '1' });
