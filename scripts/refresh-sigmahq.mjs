#!/usr/bin/env node
// Refreshes the SigmaHQ rules vendored in packages/sigmahq from a SigmaHQ checkout (or the shared copy
// of one), or checks that the vendored copy equals it.
//
//   node scripts/refresh-sigmahq.mjs                     from ../shared/data/sigma
//   node scripts/refresh-sigmahq.mjs --from ~/src/sigma  from a git checkout of SigmaHQ/sigma
//   node scripts/refresh-sigmahq.mjs --check [--from …]  compare only; exit 1 and name every difference
//   --package DIR                                        the package folder (default packages/sigmahq)
//
// What is copied: the rule folders tripline can route to Defender tables (SELECTED below, paths kept
// under packages/sigmahq/rules/), the DRL 1.1 text (LICENSE.Detection.Rules.md) and SigmaHQ's LICENSE
// notice (LICENSE.SigmaHQ.md). packages/sigmahq/SOURCE.md is written with the upstream commit: read
// with `git rev-parse HEAD` from a checkout, or from the `Commit:` line of the shared copy's SOURCE.md.
// Files are copied byte for byte; vendored files the source no longer has are removed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Rule folders of SigmaHQ that have an MDE table (relative to the repository root, `/` separators). */
export const SELECTED = [
  'rules/linux',
  'rules/windows/process_creation',
  'rules/windows/file',
  'rules/windows/network_connection',
  'rules/windows/registry',
];

function usage(message) {
  if (message) process.stderr.write(`refresh-sigmahq: ${message}\n`);
  process.stderr.write('usage: node scripts/refresh-sigmahq.mjs [--from DIR] [--check]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const out = {
    from: join(root, '..', 'shared', 'data', 'sigma'),
    pkg: join(root, 'packages', 'sigmahq'),
    check: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') out.check = true;
    else if (a === '--from') {
      const v = argv[++i];
      if (!v) usage('--from needs a folder');
      out.from = resolve(v);
    } else if (a === '--package') {
      const v = argv[++i];
      if (!v) usage('--package needs a folder');
      out.pkg = resolve(v);
    } else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return out;
}

/** Every `.yml`/`.yaml` file under `dir`, as sorted `/`-separated paths relative to `base`. */
function ruleFiles(dir, base) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(relative(base, full).split(sep).join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** The upstream commit of the source folder. */
function upstreamCommit(from) {
  if (existsSync(join(from, '.git'))) {
    return execFileSync('git', ['-C', from, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  }
  const source = join(from, 'SOURCE.md');
  if (existsSync(source)) {
    const m = /Commit: `([0-9a-f]{40})`/.exec(readFileSync(source, 'utf8'));
    if (m) return m[1];
  }
  throw new Error(`${from}: neither a git checkout nor a copy with a SOURCE.md naming its commit`);
}

function sourceText(commit, files) {
  const count = (prefix) => files.filter((f) => f.startsWith(`${prefix}/`)).length;
  const rows = SELECTED.map((s) => `| \`${s}/**\` | ${count(s)} |`).join('\n');
  return `# Where the rules come from

- Upstream: https://github.com/SigmaHQ/sigma
- Commit: \`${commit}\`
- Files under \`rules/\` are copied byte for byte from the upstream repository, paths kept. Refresh or check
  the copy with \`node scripts/refresh-sigmahq.mjs [--from <SigmaHQ checkout>] [--check]\` from the root of the
  tripline repository.
- Licence of the rules: Detection Rule License (DRL) 1.1 (\`LICENSE.Detection.Rules.md\`); SigmaHQ's own notice
  is \`LICENSE.SigmaHQ.md\`. The code of this package is MIT (\`LICENSE\`).

| copied folder | rule files |
|---|---|
${rows}
| **total** | **${files.length}** |
`;
}

/** What the vendored copy should hold: path (relative to the package) → content. */
function wanted(from) {
  const files = SELECTED.flatMap((s) => ruleFiles(join(from, ...s.split('/')), from));
  if (files.length === 0) throw new Error(`${from}: no rule files under ${SELECTED.join(', ')}`);
  const out = new Map();
  for (const f of files) out.set(f, readFileSync(join(from, ...f.split('/'))));
  const drl = join(from, 'LICENSE.Detection.Rules.md');
  const notice = join(from, 'LICENSE');
  if (!existsSync(drl) || !existsSync(notice))
    throw new Error(`${from}: LICENSE or LICENSE.Detection.Rules.md missing`);
  out.set('LICENSE.Detection.Rules.md', readFileSync(drl));
  out.set('LICENSE.SigmaHQ.md', readFileSync(notice));
  out.set('SOURCE.md', Buffer.from(sourceText(upstreamCommit(from), files)));
  return out;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.from) || !statSync(args.from).isDirectory()) usage(`${args.from}: no such folder`);
  const pkg = args.pkg;
  const want = wanted(args.from);
  const have = new Set(ruleFiles(join(pkg, 'rules'), pkg));
  const differences = [];
  for (const [path, content] of want) {
    const target = join(pkg, ...path.split('/'));
    if (!existsSync(target)) differences.push(`missing: ${path}`);
    else if (!readFileSync(target).equals(content)) differences.push(`differs: ${path}`);
  }
  for (const path of have) if (!want.has(path)) differences.push(`not upstream: ${path}`);
  const rules = [...want.keys()].filter((p) => p.startsWith('rules/')).length;
  if (args.check) {
    if (differences.length > 0) {
      process.stderr.write(`${relative(root, pkg) || pkg} is not a copy of ${args.from}:\n`);
      for (const d of differences) process.stderr.write(`  ${d}\n`);
      process.exit(1);
    }
    process.stdout.write(`${relative(root, pkg) || pkg} holds the ${rules} rules of ${args.from} unchanged\n`);
    return;
  }
  for (const path of have) if (!want.has(path)) rmSync(join(pkg, ...path.split('/')));
  for (const [path, content] of want) {
    const target = join(pkg, ...path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  process.stdout.write(
    `${relative(root, pkg) || pkg}: ${rules} rules from ${args.from} (${differences.length} files changed)\n`,
  );
}

main();
