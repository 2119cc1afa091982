/**
 * `tripline analyze --narrate`: after the analysis, ask a language model endpoint (any OpenAI-compatible
 * Chat Completions API) for a narrative of the result through `@tripline/narrative`, and add it to the
 * result the reports are rendered from. Nothing is sent anywhere without `--narrate` (or `narrate: true`
 * in the configuration file): the narrative package is not even loaded. An endpoint that fails never
 * loses the report: it is written without a narrative, with a `narrative-failed` diagnostic that says
 * why, and the exit status is unchanged.
 */
import type { AnalysisResult, Narrative } from '@tripline/core';
import { diagnostic } from '@tripline/core/unstable';
import { CliError } from './errors.js';
import { terminalText } from './text.js';

/** The environment variable the API key is read from when `--llm-key-env` does not name another. */
export const DEFAULT_KEY_ENV = 'OPENAI_API_KEY';
/** Seconds allowed for one request to the endpoint when `--llm-timeout` is not given. */
export const DEFAULT_TIMEOUT_SECONDS = 60;

/** The narrative flags of `tripline analyze`. */
export interface NarrateFlags {
  /** `--narrate`: ask the endpoint for a narrative. */
  readonly narrate?: boolean;
  /** `--llm-url`: the OpenAI-compatible API base (`https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`…). */
  readonly llmUrl?: string;
  /** `--llm-model`: the model to ask for. */
  readonly llmModel?: string;
  /** `--llm-key-env`: the environment variable holding the API key. */
  readonly llmKeyEnv?: string;
  /** `--llm-timeout`: seconds allowed for one request. */
  readonly llmTimeout?: number;
}

/** `narrate` and `llm` of a configuration file, checked. */
export interface NarrateConfig {
  readonly narrate?: boolean;
  readonly llm?: {
    readonly url?: string;
    readonly model?: string;
    readonly keyEnv?: string;
    readonly timeout?: number;
  };
}

/** A narration to run: everything the provider needs but the key itself (read from the environment). */
export interface Narration {
  readonly url: string;
  readonly model: string;
  readonly keyEnv: string;
  readonly timeoutMs: number;
  /** The report's fixed time (`--generated-at`, `SOURCE_DATE_EPOCH`): the narrative's `generatedAt` too, so the bytes repeat. */
  readonly generatedAt?: string;
}

const LLM_KEYS = ['url', 'model', 'keyEnv', 'timeout'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** `--llm-timeout`: a number of seconds, more than 0 and at most one hour. */
export function timeoutArg(value: string | number): number {
  const n = typeof value === 'number' ? value : /^\d{1,4}(\.\d{1,3})?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n > 0 && n <= 3600))
    throw new CliError(
      `--llm-timeout: expected seconds, more than 0 and at most 3600 (got ${terminalText(String(value), 40)})`,
    );
  return n;
}

/**
 * Take `narrate` and `llm` out of a parsed configuration file (they are the CLI's, not the engine's) and
 * check them: `narrate` true or false; `llm` an object of `url`, `model`, `keyEnv` (strings) and
 * `timeout` (seconds).
 */
export function splitNarrateConfig(raw: unknown, configPath: string): { narration: NarrateConfig; rest: unknown } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { narration: {}, rest: raw };
  const { narrate, llm, ...rest } = raw as Record<string, unknown>;
  const fail = (key: string, what: string): never => {
    throw new CliError(`invalid configuration: ${configPath}: ${key}: ${what}`);
  };
  if (narrate !== undefined && typeof narrate !== 'boolean') fail('narrate', 'true or false');
  if (llm === undefined) return { narration: narrate === undefined ? {} : { narrate: narrate as boolean }, rest };
  if (llm === null || typeof llm !== 'object' || Array.isArray(llm))
    fail('llm', 'an object with url, model, keyEnv, timeout');
  const given = llm as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(LLM_KEYS as readonly string[]).includes(key))
      fail(`llm.${terminalText(key, 60)}`, 'unknown key (llm takes url, model, keyEnv, timeout)');
  }
  for (const key of ['url', 'model', 'keyEnv'] as const) {
    if (given[key] !== undefined && (typeof given[key] !== 'string' || given[key] === ''))
      fail(`llm.${key}`, 'a non-empty string');
  }
  if (given.timeout !== undefined) {
    if (typeof given.timeout !== 'number') fail('llm.timeout', 'a number of seconds');
    try {
      timeoutArg(given.timeout as number);
    } catch {
      fail('llm.timeout', 'seconds, more than 0 and at most 3600');
    }
  }
  return {
    narration: {
      ...(narrate !== undefined ? { narrate: narrate as boolean } : {}),
      llm: given as NonNullable<NarrateConfig['llm']>,
    },
    rest,
  };
}

/**
 * The narration a run asks for, the command line over the configuration file; undefined without
 * `--narrate` (or `narrate: true`), whatever `--llm-*` says. With it, the endpoint's URL and the model
 * are required, and checked before any input is read (a usage error, exit 2).
 */
export function resolveNarration(flags: NarrateFlags, config: NarrateConfig = {}): Narration | undefined {
  if (!(flags.narrate ?? config.narrate ?? false)) return undefined;
  const url = flags.llmUrl ?? config.llm?.url;
  const model = flags.llmModel ?? config.llm?.model;
  const keyEnv = flags.llmKeyEnv ?? config.llm?.keyEnv ?? DEFAULT_KEY_ENV;
  const timeout = flags.llmTimeout ?? config.llm?.timeout ?? DEFAULT_TIMEOUT_SECONDS;
  if (url === undefined)
    throw new CliError(
      '--narrate needs --llm-url (or llm.url in --config): the OpenAI-compatible API base, such as http://127.0.0.1:11434/v1',
    );
  if (model === undefined)
    throw new CliError('--narrate needs --llm-model (or llm.model in --config): the model to ask for');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--llm-url: not a URL: ${terminalText(url, 200)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new CliError(`--llm-url: must be http or https (got ${terminalText(parsed.protocol, 40)})`);
  // A key in the URL would be written into shell history and process lists: it belongs in the environment.
  if (parsed.username !== '' || parsed.password !== '')
    throw new CliError(
      '--llm-url: must not carry credentials; put the key in the environment variable --llm-key-env names',
    );
  if (!ENV_NAME.test(keyEnv))
    throw new CliError(`--llm-key-env: not an environment variable name: ${terminalText(keyEnv, 60)}`);
  return { url, model, keyEnv, timeoutMs: Math.round(timeoutArg(timeout) * 1000) };
}

/** What narrating a result gave: the result to render (with its narrative, or with the failure's diagnostic), and a warning line. */
export interface Narrated {
  readonly result: AnalysisResult;
  readonly narrative?: Narrative;
  /** One stderr line when the endpoint failed (printed even with --quiet: the report lacks what was asked for). */
  readonly warning?: string;
}

/** The error's message without the key (an endpoint may echo it), cut to one terminal-safe line. */
function reason(error: unknown, key: string | undefined): string {
  let text = error instanceof Error ? error.message : String(error);
  if (key !== undefined && key.length >= 4) text = text.split(key).join('[redacted]');
  return terminalText(text, 500);
}

/**
 * Ask the endpoint for a narrative of `result` and add it; on failure, the result with a
 * `narrative-failed` diagnostic instead, and the warning that says why.
 */
export async function narrateResult(
  result: AnalysisResult,
  narration: Narration,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Narrated> {
  const key = env[narration.keyEnv];
  try {
    const { narrate, openAICompatible } = await import('@tripline/narrative');
    const provider = openAICompatible({
      baseURL: narration.url,
      model: narration.model,
      apiKeyEnv: narration.keyEnv,
      env,
      timeoutMs: narration.timeoutMs,
    });
    const fixed = narration.generatedAt;
    const narrative = await narrate(result, {
      provider,
      ...(fixed !== undefined ? { now: () => new Date(fixed) } : {}),
    });
    return { result: { ...result, narrative }, narrative };
  } catch (error) {
    const why = reason(error, key);
    const message = `no narrative: ${why}; the report is complete without it`;
    return {
      result: { ...result, diagnostics: [...result.diagnostics, diagnostic('narrative-failed', { message })] },
      warning: `tripline: warning: ${message}`,
    };
  }
}

/** The closing line of a narrated run: how many sentences were kept, and the injection findings. */
export function narrativeLine(narrative: Narrative): string {
  const { stats } = narrative;
  const injections =
    narrative.injections.length > 0
      ? `; ${narrative.injections.length} event value${narrative.injections.length === 1 ? '' : 's'} read like instructions to a model (listed in the report)`
      : '';
  const template = narrative.summary.source === 'template' ? "; the summary is tripline's template" : '';
  return `tripline: narrative by ${terminalText(narrative.model, 100)}: ${stats.kept} of ${stats.sentences} sentence${stats.sentences === 1 ? '' : 's'} kept, ${stats.rejected} rejected by the check against the evidence${template}${injections}`;
}

/** Narrate a run's reported result when asked: the result to render and the stderr lines to print. */
export async function narrationStep(
  result: AnalysisResult,
  narration: Narration | undefined,
  env: Readonly<Record<string, string | undefined>>,
  quiet: boolean,
): Promise<{ result: AnalysisResult; lines: string[] }> {
  if (narration === undefined) return { result, lines: [] };
  const narrated = await narrateResult(result, narration, env);
  const lines: string[] = [];
  if (narrated.warning !== undefined) lines.push(narrated.warning);
  else if (!quiet && narrated.narrative !== undefined) lines.push(narrativeLine(narrated.narrative));
  return { result: narrated.result, lines };
}
