/**
 * The fleets `bench/sigma.mjs` runs on: the generated fleet of `npm run bench`, and its copy in which
 * a fraction of the rows have values no other row has (`--unique`).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATOR_VERSION, generateFile } from './generate.mjs';

const DATA = join(dirname(fileURLToPath(import.meta.url)), 'data');

/** The fleet of `npm run bench` for `args` (rows, seed, devices), generated when missing or stale. */
export async function ensureData(args, onGenerate) {
  const file = join(DATA, `fleet-${args.rows}-s${args.seed}-d${args.devices}.ndjson`);
  const metaFile = `${file}.meta.json`;
  const want = { generatorVersion: GENERATOR_VERSION, rows: args.rows, seed: args.seed, devices: args.devices };
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (Object.entries(want).every(([k, v]) => meta[k] === v) && meta.bytes === statSync(file).size) return file;
  }
  mkdirSync(DATA, { recursive: true });
  onGenerate(file);
  const r = await generateFile(file, { rows: args.rows, seed: args.seed, devices: args.devices });
  writeFileSync(metaFile, `${JSON.stringify({ ...want, bytes: r.bytes }, null, 2)}\n`);
  return file;
}

/** Whether row `i` (0-based) is one of the fraction `f` made unique (a multiplicative hash of i). */
function isUniqueRow(i, f) {
  return (Math.imul(i + 1, 2654435761) >>> 0) / 2 ** 32 < f;
}

/**
 * The fleet with a fraction `f` of its rows given values no other row has (see `--unique`). The
 * lines are edited as text (the rows' exact integers stay as written): JSON strings of the three
 * columns, matched whole (escapes included).
 */
export function uniqueFleet(file, f) {
  const out = file.replace(/\.ndjson$/, `-u${f}.ndjson`);
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(file).mtimeMs) return out;
  const lines = readFileSync(file, 'utf8').split('\n');
  const edited = lines.map((line, i) => {
    if (!line || !isUniqueRow(i, f)) return line;
    return line
      .replace(/"(ProcessCommandLine|InitiatingProcessCommandLine)":"((?:[^"\\]|\\.)*)"/g, `"$1":"$2 #u${i}"`)
      .replace(/"FolderPath":"((?:[^"\\]|\\.)*)(\\\\|\/)([^"\\/]*)"/, `"FolderPath":"$1$2u${i}$2$3"`);
  });
  writeFileSync(out, edited.join('\n'));
  return out;
}
