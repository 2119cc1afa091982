import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { CliError, fsReason } from './errors.js';

/** `position 42` in a JSON.parse message → `line 3, column 7`. */
function jsonPosition(text: string, message: string): string | undefined {
  const m = /position (\d+)/.exec(message);
  if (!m) return undefined;
  const offset = Number(m[1]);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const where = jsonPosition(text, message);
    // V8 messages end with the position (and, on newer Node, a quote of the input); keep the reason only.
    const reason = message
      .replace(/\s*(?:in JSON )?at position \d+.*$/s, '')
      .replace(/\s*\(line \d+ column \d+\)\s*$/, '');
    throw new CliError(`invalid configuration: ${path}: not valid JSON${where ? ` (${where})` : ''}: ${reason}`, {
      cause: error,
    });
  }
}

function parseYaml(path: string, text: string): unknown {
  // `uniqueKeys` (the default) makes a repeated key an error instead of a silent override.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    const reason = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new CliError(
      `invalid configuration: ${path}: not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}: ${reason}`,
      { cause: error },
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml refuses to expand an alias bomb ("billion laughs") past maxAliasCount.
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`invalid configuration: ${path}: not valid YAML: ${reason}`, { cause: error });
  }
}

/**
 * Read a `--config` file: JSON when the name ends in `.json`, YAML for `.yaml`/`.yml`, and for any
 * other name JSON if the text starts with `{`, YAML otherwise. Returns the parsed value, not yet
 * validated (core's `validateRunConfig` does that and names the bad key). An empty file is `{}`.
 */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    if ((await stat(path)).isDirectory()) throw new CliError(`cannot read configuration file ${path}: is a directory`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read configuration file ${path}: ${fsReason(error)}`, { cause: error });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ext = extname(path).toLowerCase();
  const json = ext === '.json' || (ext !== '.yaml' && ext !== '.yml' && /^\s*\{/.test(text));
  if (text.trim() === '') return {};
  return json ? parseJson(path, text) : parseYaml(path, text);
}
