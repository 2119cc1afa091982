import { isTriplineError, narrativeSchema } from '@tripline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type CompletionRequest, narrate, openAICompatible, retryAfterMs } from '../src/index.js';
import { GOOD_ANSWER } from './support/answers.js';
import { goldenResult } from './support/result.js';
import { json, type Step, scriptedServer, silent, sse, status } from './support/server.js';

const KEY = 'sk-test-0123456789abcdefSECRET';
const ANSWER = JSON.stringify(GOOD_ANSWER);
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(...steps: Step[]) {
  const server = await scriptedServer(steps);
  close = server.close;
  return server;
}

const request = (accepts: (c: string) => boolean = () => true): CompletionRequest => ({
  messages: [
    { role: 'system', content: 'rules' },
    { role: 'user', content: 'facts' },
  ],
  schemaName: 'answer',
  schema: { type: 'object' },
  accepts,
});

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; details?: Record<string, unknown> };
  }
  throw new Error('expected a failure');
}

describe('openAICompatible', () => {
  it('posts to {baseURL}/chat/completions with a strict json_schema and the key from the environment', async () => {
    const server = await serve(json(ANSWER));
    const provider = openAICompatible({ baseURL: `${server.baseURL}/`, model: 'm', env: { OPENAI_API_KEY: KEY } });
    const answer = await provider.complete(request());
    expect(answer).toEqual({ content: ANSWER, model: 'scripted-model', structured: 'json_schema' });
    const [r] = server.received;
    expect(r?.method).toBe('POST');
    expect(r?.url).toBe('/v1/chat/completions');
    expect(r?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r?.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', strict: true, schema: { type: 'object' } },
    });
    expect(provider.endpoint).toBe(server.origin);
  });

  it('reads the key from the variable apiKeyEnv names, and sends none when there is none', async () => {
    const server = await serve(json(ANSWER));
    await openAICompatible({
      baseURL: server.baseURL,
      model: 'm',
      apiKeyEnv: 'MY_KEY',
      env: { MY_KEY: KEY, OPENAI_API_KEY: 'other' },
    }).complete(request());
    await openAICompatible({ baseURL: server.baseURL, model: 'm', env: {} }).complete(request());
    expect(server.received[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(server.received[1]?.headers.authorization).toBeUndefined();
  });

  it('assembles a streamed (SSE) answer', async () => {
    const server = await serve(sse(ANSWER, 5));
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {}, stream: true });
    expect((await provider.complete(request())).content).toBe(ANSWER);
    expect(server.received[0]?.body.stream).toBe(true);
  });

  it('assembles a stream that ends without [DONE], and fails on an error chunk', async () => {
    const server = await serve(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: '{"summary":' } }] })}\n\n`);
        res.end(`data: ${JSON.stringify({ choices: [{ delta: { content: '[],"alerts":[]}' } }] })}`);
      },
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${JSON.stringify({ error: { message: 'model overloaded' } })}\n\n`);
      },
    );
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {}, maxRetries: 0 });
    expect((await provider.complete(request())).content).toBe('{"summary":[],"alerts":[]}');
    const error = await failure(provider.complete(request()));
    expect(isTriplineError(error, 'llm-request-failed')).toBe(true);
    expect(error.message).toMatch(/model overloaded/);
  });

  it('refuses an answer body longer than a million characters', async () => {
    const server = await serve(json('x'.repeat(1_000_001)));
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {} });
    const error = await failure(provider.complete(request()));
    expect(isTriplineError(error, 'llm-request-failed')).toBe(true);
    expect(error.message).toMatch(/longer than 1000000 characters/);
  });

  it('assembles a stream cut anywhere: inside a line, a CRLF or a UTF-8 character', async () => {
    const text = '{"summary":[{"text":"Gerät → ünïcode 😀","cites":["F1"]}],"alerts":[]}';
    const bytes = Buffer.from(
      `data: ${JSON.stringify({ choices: [{ delta: { content: text.slice(0, 30) } }] })}\r\n\r\ndata: ${JSON.stringify({ choices: [{ delta: { content: text.slice(30) } }] })}\r\n\r\ndata: [DONE]\r\n\r\n`,
    );
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // one byte at a time: every boundary, multi-byte characters and CRLF pairs included
      for (const byte of bytes) {
        res.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {} });
    expect((await provider.complete(request())).content).toBe(text);
  });

  it('retries a 429 after the Retry-After it names, then succeeds', async () => {
    const server = await serve(status(429, { error: { message: 'slow down' } }, { 'retry-after': '1' }), json(ANSWER));
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {}, maxRetries: 1 });
    const started = Date.now();
    expect((await provider.complete(request())).content).toBe(ANSWER);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.received).toHaveLength(2);
  });

  it('caps a long Retry-After at maxRetryDelayMs', async () => {
    const server = await serve(status(503, {}, { 'retry-after': '3600' }), json(ANSWER));
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {}, maxRetryDelayMs: 10 });
    const started = Date.now();
    await provider.complete(request());
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(server.received).toHaveLength(2);
  });

  it('gives up on a 500 after maxRetries, with llm-request-failed naming the status', async () => {
    const server = await serve(status(500, { error: { message: 'boom' } }));
    const provider = openAICompatible({
      baseURL: server.baseURL,
      model: 'm',
      env: {},
      maxRetries: 2,
      maxRetryDelayMs: 5,
    });
    const error = await failure(provider.complete(request()));
    expect(isTriplineError(error, 'llm-request-failed')).toBe(true);
    expect(error.details?.status).toBe(500);
    expect(server.received).toHaveLength(3);
  });

  it('never retries another 4xx', async () => {
    const server = await serve(status(404, { error: { message: 'no such model' } }));
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {}, maxRetries: 3 });
    const error = await failure(provider.complete(request()));
    expect(error.message).toMatch(/HTTP 404/);
    expect(server.received).toHaveLength(1);
  });

  it('ends a request the server never answers at timeoutMs', async () => {
    const server = await serve(silent);
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {}, timeoutMs: 300, maxRetries: 0 });
    const error = await failure(provider.complete(request()));
    expect(isTriplineError(error, 'llm-request-failed')).toBe(true);
    expect(error.message).toMatch(/no answer within 300 ms/);
  });

  it('auto: falls back to json_object and the schema in the prompt when the server refuses json_schema', async () => {
    const server = await serve(
      status(400, {
        error: { message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported" },
      }),
      json(ANSWER),
    );
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {} });
    const answer = await provider.complete(request());
    expect(answer.structured).toBe('json_object');
    expect(server.received[1]?.body.response_format).toEqual({ type: 'json_object' });
    expect(server.received[1]?.body.messages?.[0]?.content).toMatch(
      /^rules\nThe answer must be one JSON object matching this JSON Schema:\n\{"type":"object"\}$/,
    );
    expect(server.received).toHaveLength(2);
  });

  it('auto: a 422 naming json_schema falls back too; a 400 about something else does not', async () => {
    const server = await serve(
      status(422, { detail: [{ loc: ['body', 'response_format', 'json_schema'], msg: 'extra fields not permitted' }] }),
      json(ANSWER),
      status(400, { error: { message: 'messages: too long' } }),
    );
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {} });
    expect((await provider.complete(request())).structured).toBe('json_object');
    expect((await failure(provider.complete(request()))).message).toMatch(/HTTP 400.*too long/);
    expect(server.received).toHaveLength(3);
  });

  it('auto: falls back to json_object when the json_schema answer is not schema-valid', async () => {
    const server = await serve(json('Sure! Here is a summary.'), json(ANSWER));
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {} });
    const answer = await provider.complete(request((c) => c.startsWith('{')));
    expect(answer).toMatchObject({ content: ANSWER, structured: 'json_object' });
  });

  it('json_schema: does not fall back, and fails on the refusal', async () => {
    const server = await serve(status(400, { error: { message: 'response_format json_schema unsupported' } }));
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {}, structured: 'json_schema' });
    expect((await failure(provider.complete(request()))).message).toMatch(/HTTP 400/);
    expect(server.received).toHaveLength(1);
  });

  it('a refused key: the error names the status, never the key, even when the server echoes it', async () => {
    const server = await serve(status(401, { error: { message: `Incorrect API key provided: ${KEY}` } }));
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: { OPENAI_API_KEY: KEY } });
    const error = await failure(narrate(goldenResult(), { provider }));
    expect(isTriplineError(error, 'llm-request-failed')).toBe(true);
    expect(error.message).toMatch(/HTTP 401/);
    const everything = JSON.stringify({ message: error.message, details: error.details, stack: error.stack, error });
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(KEY.slice(0, 12));
    expect(server.received).toHaveLength(1);
  });

  it('puts the origin only, never the key, path or query, in the Narrative', async () => {
    const server = await serve(json(ANSWER));
    const provider = openAICompatible({
      baseURL: `${server.baseURL}?token=abc`,
      model: 'm',
      env: { OPENAI_API_KEY: KEY },
    });
    const narrative = await narrate(goldenResult(), { provider, maxAlerts: 5 });
    expect(narrativeSchema.parse(narrative).endpoint).toBe(server.origin);
    expect(JSON.stringify(narrative)).not.toContain(KEY);
    expect(JSON.stringify(narrative)).not.toContain('token=abc');
    expect(server.received[0]?.url).toBe('/v1/chat/completions?token=abc');
  });

  it('Azure OpenAI deployment URLs: the api-key header, the api-version query kept', async () => {
    const requests: { url: string; headers: Headers }[] = [];
    const fakeFetch: typeof fetch = async (input, init) => {
      requests.push({ url: String(input), headers: new Headers(init?.headers) });
      return new Response(JSON.stringify({ model: 'gpt', choices: [{ message: { content: ANSWER } }] }), {
        headers: { 'content-type': 'application/json' },
      });
    };
    const azure = openAICompatible({
      baseURL: 'https://contoso.openai.azure.com/openai/deployments/narrator?api-version=2024-10-21',
      model: 'narrator',
      apiKeyEnv: 'AZURE_OPENAI_API_KEY',
      env: { AZURE_OPENAI_API_KEY: KEY },
      fetch: fakeFetch,
    });
    await azure.complete(request());
    expect(requests[0]?.url).toBe(
      'https://contoso.openai.azure.com/openai/deployments/narrator/chat/completions?api-version=2024-10-21',
    );
    expect(requests[0]?.headers.get('api-key')).toBe(KEY);
    expect(requests[0]?.headers.get('authorization')).toBeNull();
    expect(azure.endpoint).toBe('https://contoso.openai.azure.com');
    const v1 = openAICompatible({
      baseURL: 'https://contoso.openai.azure.com/openai/v1/',
      model: 'narrator',
      env: { OPENAI_API_KEY: KEY },
      fetch: fakeFetch,
    });
    await v1.complete(request());
    expect(requests[1]?.url).toBe('https://contoso.openai.azure.com/openai/v1/chat/completions');
    expect(requests[1]?.headers.get('authorization')).toBe(`Bearer ${KEY}`);
  });

  it('stops at once when the caller aborts', async () => {
    const server = await serve(silent);
    const provider = openAICompatible({ baseURL: server.baseURL, model: 'm', env: {}, timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = provider.complete({ ...request(), signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled by the caller')), 50);
    expect((await failure(pending)).message).toBe('cancelled by the caller');
  });

  it('rejects bad options with option-invalid, without echoing credentials', async () => {
    for (const options of [
      { baseURL: 'not a url', model: 'm' },
      { baseURL: 'ftp://example.org/v1', model: 'm' },
      { baseURL: 'https://user:hunter2@example.org/v1', model: 'm' },
      { baseURL: 'https://example.org/v1', model: '' },
      { baseURL: 'https://example.org/v1', model: 'm', timeoutMs: -1 },
    ]) {
      const error = await failure((async () => openAICompatible(options))());
      expect(isTriplineError(error, 'option-invalid')).toBe(true);
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
