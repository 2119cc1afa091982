#!/usr/bin/env node
// The public API of every package, as the TypeScript checker sees it: for each entry of each package's
// `exports` map, the runtime names (functions, classes, constants) and the type-only names it exports.
//
//   node scripts/api-surface.mjs            print the surface as JSON
//   node scripts/api-surface.mjs --check    exit 1, naming what was added and removed, when it differs from
//                                           test/api-surface.json
//   node scripts/api-surface.mjs --write    rewrite test/api-surface.json (after a deliberate API change;
//                                           list the change in a changeset)
//
// test/api-surface.test.ts compares the surface with test/api-surface.json, so no export is added or
// removed by accident. The names are read from the TypeScript sources (`./dist/x.d.ts` → `src/x.ts`,
// resolved with the repository's tsconfig.json paths): no build needed.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
export const SURFACE_FILE = join(root, 'test', 'api-surface.json');
export const UPDATE_COMMAND = 'node scripts/api-surface.mjs --write';

/** The `types` target of an exports entry (conditions nested any way), else its first string target. */
function target(spec) {
  if (typeof spec === 'string') return spec;
  if (spec === null || typeof spec !== 'object') return undefined;
  if (typeof spec.types === 'string') return spec.types;
  for (const value of Object.values(spec)) {
    const found = target(value);
    if (found?.endsWith('.d.ts')) return found;
  }
  for (const value of Object.values(spec)) {
    const found = target(value);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Every entry of every package's `exports`, sorted by specifier: `{ specifier, source }` for code
 * (the TypeScript source of its declarations), `{ specifier, file }` for a plain file (JSON, package.json).
 */
export function packageEntries(repo = root) {
  const out = [];
  for (const dir of readdirSync(join(repo, 'packages')).sort()) {
    const manifestPath = join(repo, 'packages', dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const exportsMap =
      typeof manifest.exports === 'string' || manifest.exports === undefined
        ? { '.': manifest.exports }
        : manifest.exports;
    for (const [subpath, spec] of Object.entries(exportsMap)) {
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
      const file = target(spec);
      const dts = file === undefined ? undefined : /^\.\/dist\/(.+)\.d\.ts$/.exec(file);
      if (dts) {
        const source = join(repo, 'packages', dir, 'src', `${dts[1]}.ts`);
        if (!existsSync(source)) {
          throw new Error(`${specifier}: ${file} has no source ${relative(repo, source)}`);
        }
        out.push({ specifier, source });
      } else {
        out.push({ specifier, file: file ?? '(none)' });
      }
    }
  }
  return out.sort((a, b) => (a.specifier < b.specifier ? -1 : a.specifier > b.specifier ? 1 : 0));
}

/** Whether an export reaches its declaration through a type-only re-export (`export type { X }`). */
function typeOnlyAlias(checker, symbol) {
  let current = symbol;
  for (let hops = 0; hops < 64 && current.flags & ts.SymbolFlags.Alias; hops++) {
    for (const d of current.declarations ?? []) {
      if (ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)) return true;
      if (ts.isImportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly)) return true;
      if (ts.isImportClause(d) && d.isTypeOnly) return true;
    }
    current = checker.getImmediateAliasedSymbol(current) ?? current;
    if (!(current.flags & ts.SymbolFlags.Alias)) break;
  }
  return false;
}

/**
 * The surface: `{ [specifier]: { runtime: string[], types: string[] } | { file: string } }`, keys and
 * names sorted. A name that is both a value and a type (a class, `MdeEvent`) is a runtime name.
 */
export function apiSurface(repo = root) {
  const entries = packageEntries(repo);
  const config = ts.readConfigFile(join(repo, 'tsconfig.json'), ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repo);
  const sources = entries.filter((e) => e.source !== undefined).map((e) => e.source);
  const program = ts.createProgram(sources, { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const surface = {};
  for (const entry of entries) {
    if (entry.source === undefined) {
      surface[entry.specifier] = { file: entry.file };
      continue;
    }
    const sourceFile = program.getSourceFile(entry.source);
    const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
    if (moduleSymbol === undefined) throw new Error(`${entry.specifier}: ${entry.source} is not a module`);
    const runtime = [];
    const types = [];
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      const resolved = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const isValue = (resolved.flags & ts.SymbolFlags.Value) !== 0 && !typeOnlyAlias(checker, symbol);
      (isValue ? runtime : types).push(symbol.name);
    }
    surface[entry.specifier] = { runtime: runtime.sort(), types: types.sort() };
  }
  return surface;
}

/** `["+ @tripline/core: foo (runtime)", "- …"]`: what `current` adds to and removes from `pinned`. */
export function surfaceChanges(pinned, current) {
  const lines = [];
  const names = (entry) =>
    entry === undefined || 'file' in entry
      ? new Map()
      : new Map([...(entry.runtime ?? []).map((n) => [n, 'runtime']), ...(entry.types ?? []).map((n) => [n, 'type'])]);
  const what = (entry) => ('file' in entry ? ` (file ${entry.file})` : '');
  const specifiers = [...new Set([...Object.keys(pinned), ...Object.keys(current)])].sort();
  for (const specifier of specifiers) {
    const old = pinned[specifier];
    const now = current[specifier];
    if (old === undefined) lines.push(`+ ${specifier}: new entry${what(now)}`);
    else if (now === undefined) lines.push(`- ${specifier}: entry removed${what(old)}`);
    else if (what(old) !== what(now)) lines.push(`~ ${specifier}:${what(old)} →${what(now) || ' code'}`);
    const before = names(old);
    const after = names(now);
    for (const [name, kind] of after) {
      if (!before.has(name)) lines.push(`+ ${specifier}: ${name} (${kind})`);
      else if (before.get(name) !== kind) lines.push(`~ ${specifier}: ${name} (${before.get(name)} → ${kind})`);
    }
    for (const [name, kind] of before) if (!after.has(name)) lines.push(`- ${specifier}: ${name} (${kind})`);
  }
  return lines;
}

/** The message a failed comparison prints: the changes, and how to accept them on purpose. */
export function changesMessage(lines) {
  return [
    `The public API differs from ${relative(root, SURFACE_FILE)} (+ added, - removed, ~ changed):`,
    ...lines.map((l) => `  ${l}`),
    `If this is deliberate, run \`${UPDATE_COMMAND}\` (or \`npm run gen\`), commit test/api-surface.json and`,
    'list the change in a changeset (.changeset/): a removed or moved name is a breaking change.',
  ].join('\n');
}

export function serialize(surface) {
  return `${JSON.stringify(surface, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const surface = apiSurface();
  if (process.argv.includes('--write')) {
    writeFileSync(SURFACE_FILE, serialize(surface));
    const counts = Object.entries(surface)
      .filter(([, e]) => !('file' in e))
      .map(([s, e]) => `${s} ${e.runtime.length + e.types.length}`);
    console.log(`wrote ${relative(root, SURFACE_FILE)}: ${counts.join(', ')}`);
  } else if (process.argv.includes('--check')) {
    const pinned = existsSync(SURFACE_FILE) ? JSON.parse(readFileSync(SURFACE_FILE, 'utf8')) : {};
    const lines = surfaceChanges(pinned, surface);
    if (lines.length > 0) {
      console.error(changesMessage(lines));
      process.exitCode = 1;
    } else console.log(`${relative(root, SURFACE_FILE)} is up to date`);
  } else process.stdout.write(serialize(surface));
}
