import { ERROR_CODES, TriplineError } from '@tripline/core';
import type { ChatMessage } from './prompt.js';
import { MAX_ANSWER_CHARS, readSse } from './sse.js';

/** How the answer's shape is asked for: a JSON schema the server enforces, JSON mode, or the first that works. */
export type StructuredMode = 'json_schema' | 'json_object' | 'auto';

/** What a provider is asked: the messages, the answer's JSON schema, and a check of the answer. */
export interface CompletionRequest {
  readonly messages: readonly ChatMessage[];
  readonly schemaName: string;
  readonly schema: Readonly<Record<string, unknown>>;
  /** True when the answer's text is schema-valid JSON (the `auto` mode falls back to JSON mode when not). */
  readonly accepts: (content: string) => boolean;
  readonly signal?: AbortSignal;
}

/** A provider's answer. */
export interface CompletionResult {
  readonly content: string;
  /** The model as the endpoint named it in its answer (or as asked for). */
  readonly model: string;
  /** How the shape was asked for in the request that answered. */
  readonly structured: 'json_schema' | 'json_object';
}

/** A language model endpoint `narrate` can ask. */
export interface NarrativeProvider {
  /** The model asked for. */
  readonly model: string;
  /** The endpoint's origin (`scheme://host[:port]`): no path, query or key. */
  readonly endpoint: string;
  complete(request: CompletionRequest): Promise<CompletionResult>;
}

/** Options of {@link openAICompatible}. */
export interface OpenAICompatibleOptions {
  /** The API base, without `/chat/completions`: `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`… (query kept). */
  readonly baseURL: string;
  readonly model: string;
  /** The API key. Prefer `apiKeyEnv`: a key in the environment is never written into a configuration file. */
  readonly apiKey?: string;
  /** The environment variable holding the key (default `OPENAI_API_KEY`); no key, no authentication header. */
  readonly apiKeyEnv?: string;
  /** `bearer` (`Authorization: Bearer`) or `api-key` (Azure OpenAI's header). Default: `api-key` for an Azure `…/openai/deployments/…` URL, else `bearer`. */
  readonly auth?: 'bearer' | 'api-key';
  /** Default `auto`: `json_schema`, falling back to `json_object` when the server refuses it or answers off-schema. */
  readonly structured?: StructuredMode;
  /** Time allowed for one request, answer included, in milliseconds. Default 60,000. */
  readonly timeoutMs?: number;
  /** Retries of a request answered 429 or 5xx, or cut by a network error. Default 2. */
  readonly maxRetries?: number;
  /** Longest wait before a retry, in milliseconds (a longer `Retry-After` is capped). Default 30,000. */
  readonly maxRetryDelayMs?: number;
  /** Ask the server to stream (SSE); the answer is assembled either way. Default false. */
  readonly stream?: boolean;
  /** Sampling temperature sent. Default 0. */
  readonly temperature?: number;
  /** Extra request headers (never logged; they do not reach the `Narrative`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The fetch to use (default the global `fetch`). */
  readonly fetch?: typeof fetch;
  /** The environment the key is read from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const AZURE_HOSTS = ['.openai.azure.com', '.cognitiveservices.azure.com', '.services.ai.azure.com'];

function completionsURL(baseURL: string): URL {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'openAICompatible: baseURL is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      `openAICompatible: baseURL must be http or https (got ${url.protocol})`,
    );
  }
  if (url.username || url.password) {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      'openAICompatible: baseURL must not carry credentials; use apiKeyEnv',
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/chat/completions') ? path : `${path}/chat/completions`;
  return url;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The wait a `Retry-After` header asks for (seconds or an HTTP date), in milliseconds. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfter: number | undefined,
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * A provider for any OpenAI-compatible Chat Completions endpoint (OpenAI, Azure OpenAI, Ollama, vLLM,
 * llama.cpp's `llama-server`), with the global `fetch` and no SDK: `POST {baseURL}/chat/completions`
 * with `response_format` `json_schema` (strict) or `json_object`, streamed (SSE) or not, a timeout per
 * request, retries on 429 and 5xx honouring `Retry-After` (capped), never on another 4xx. The API key
 * comes from the environment (`apiKeyEnv`, default `OPENAI_API_KEY`) unless given; it is sent only in
 * the authentication header and is in no error message. Failures throw a `TriplineError` with code
 * `llm-request-failed`.
 */
export function openAICompatible(options: OpenAICompatibleOptions): NarrativeProvider {
  const url = completionsURL(options.baseURL);
  const endpoint = url.origin;
  if (typeof options.model !== 'string' || options.model.length === 0) {
    throw new TriplineError(ERROR_CODES.OPTION_INVALID, 'openAICompatible: model is required');
  }
  const env = options.env ?? process.env;
  const key = options.apiKey ?? env[options.apiKeyEnv ?? 'OPENAI_API_KEY'];
  const azure = AZURE_HOSTS.some((h) => url.hostname.endsWith(h)) && url.pathname.includes('/openai/deployments/');
  const auth = options.auth ?? (azure ? 'api-key' : 'bearer');
  const structured = options.structured ?? 'auto';
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 2;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  for (const [name, value] of [
    ['timeoutMs', timeoutMs],
    ['maxRetries', maxRetries],
    ['maxRetryDelayMs', maxDelay],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new TriplineError(ERROR_CODES.OPTION_INVALID, `openAICompatible: ${name} must be a whole number ≥ 0`);
    }
  }
  if (!['json_schema', 'json_object', 'auto'].includes(structured)) {
    throw new TriplineError(
      ERROR_CODES.OPTION_INVALID,
      'openAICompatible: structured must be json_schema, json_object or auto',
    );
  }

  /** Removes the key from a text that might echo it (a server's error body). */
  const redact = (text: string) => (key && key.length >= 4 ? text.split(key).join('[redacted]') : text);
  const fail = (message: string, details: Record<string, unknown> = {}) =>
    new TriplineError(ERROR_CODES.LLM_REQUEST_FAILED, redact(`${endpoint}: ${message}`), {
      details: { endpoint, ...details },
    });

  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
  if (key) {
    if (auth === 'api-key') headers['api-key'] = key;
    else headers.authorization = `Bearer ${key}`;
  }

  async function once(body: unknown, signal: AbortSignal | undefined): Promise<{ content: string; model: string }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await doFetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: combined });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) throw new HttpFailure(0, `no answer within ${timeoutMs} ms`, undefined);
      throw new HttpFailure(0, `the request failed (${(error as Error)?.message ?? String(error)})`, undefined);
    }
    try {
      if (!response.ok) {
        const text = (await response.text()).slice(0, 2000);
        throw new HttpFailure(response.status, text, retryAfterMs(response.headers.get('retry-after')));
      }
      const type = response.headers.get('content-type') ?? '';
      if (type.includes('text/event-stream')) return await readSse(response, options.model);
      const body = await response.text();
      if (body.length > MAX_ANSWER_CHARS) {
        throw new HttpFailure(-1, `the answer is longer than ${MAX_ANSWER_CHARS} characters`, undefined);
      }
      const json = JSON.parse(body) as {
        model?: unknown;
        choices?: { message?: { content?: unknown; refusal?: unknown } }[];
      };
      const content = json?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') {
        const refusal = json?.choices?.[0]?.message?.refusal;
        throw new HttpFailure(
          -1,
          typeof refusal === 'string'
            ? `the model refused: ${refusal.slice(0, 200)}`
            : 'the answer has no message content',
          undefined,
        );
      }
      return { content, model: typeof json.model === 'string' && json.model ? json.model : options.model };
    } catch (error) {
      if (error instanceof HttpFailure) throw error;
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) throw new HttpFailure(0, `no answer within ${timeoutMs} ms`, undefined);
      throw new HttpFailure(
        -1,
        `the answer could not be read (${(error as Error)?.message ?? String(error)})`,
        undefined,
      );
    }
  }

  async function withRetries(body: unknown, signal: AbortSignal | undefined) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once(body, signal);
      } catch (error) {
        if (!(error instanceof HttpFailure)) throw error;
        const retriable = error.status === 0 || error.status === 429 || error.status >= 500;
        if (!retriable || attempt >= maxRetries) throw error;
        const backoff = Math.min(maxDelay, error.retryAfter ?? 500 * 2 ** attempt);
        await sleep(backoff, signal);
      }
    }
  }

  function requestBody(messages: readonly ChatMessage[], mode: 'json_schema' | 'json_object', req: CompletionRequest) {
    const responseFormat =
      mode === 'json_schema'
        ? { type: 'json_schema', json_schema: { name: req.schemaName, strict: true, schema: req.schema } }
        : { type: 'json_object' };
    return {
      model: options.model,
      messages,
      temperature: options.temperature ?? 0,
      response_format: responseFormat,
      ...(options.stream ? { stream: true } : {}),
    };
  }

  function describe(error: HttpFailure): TriplineError {
    if (error.status === 0 || error.status === -1) return fail(error.body, { status: error.status || undefined });
    const hint =
      error.status === 401 || error.status === 403
        ? ' (the key was refused: check the key in the environment variable, or the auth header kind)'
        : error.status === 404
          ? ' (check baseURL and model; see docs/narrative.md for the URL forms)'
          : '';
    return fail(`HTTP ${error.status}${hint}: ${error.body.slice(0, 300)}`, { status: error.status });
  }

  const jsonModeMessages = (messages: readonly ChatMessage[], req: CompletionRequest): ChatMessage[] => {
    const schemaText = `The answer must be one JSON object matching this JSON Schema:\n${JSON.stringify(req.schema)}`;
    const [first, ...rest] = messages;
    return first?.role === 'system'
      ? [{ role: 'system', content: `${first.content}\n${schemaText}` }, ...rest]
      : [{ role: 'system', content: schemaText }, ...messages];
  };

  return {
    model: options.model,
    endpoint,
    async complete(req) {
      if (structured !== 'json_object') {
        try {
          const answer = await withRetries(requestBody(req.messages, 'json_schema', req), req.signal);
          if (structured === 'json_schema' || req.accepts(answer.content))
            return { ...answer, structured: 'json_schema' };
        } catch (error) {
          if (!(error instanceof HttpFailure)) throw error;
          const refused =
            (error.status === 400 || error.status === 422) &&
            /response_format|json_schema/i.test(error.body.slice(0, 2000));
          if (structured === 'json_schema' || !refused) throw describe(error);
        }
      }
      try {
        const answer = await withRetries(
          requestBody(jsonModeMessages(req.messages, req), 'json_object', req),
          req.signal,
        );
        return { ...answer, structured: 'json_object' };
      } catch (error) {
        if (!(error instanceof HttpFailure)) throw error;
        throw describe(error);
      }
    },
  };
}
