#!/usr/bin/env node
/**
 * An OpenAI-compatible Chat Completions server on 127.0.0.1 around node-llama-cpp (llama.cpp, CPU backend):
 * `POST /v1/chat/completions` and `GET /v1/models`. It honours `response_format` (`json_schema` through
 * `llama.createGrammarForJsonSchema`, `json_object` through llama.cpp's JSON grammar), `max_tokens`
 * (or `max_completion_tokens`), `temperature`, `seed` and `stream` (server-sent events in the chunk shape).
 * Requests run one at a time on one context sequence, each from an empty history.
 *
 *   node server.mjs --model tiny.gguf [--port 0] [--threads 1] [--context 8192] [--seed 0] [--max-tokens 1024]
 *
 * It prints `listening http://127.0.0.1:<port>/v1` on one line when ready. Imported, `startServer()` gives the
 * same server plus a log of every exchange (the request's schema and the raw answer), for the e2e check.
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaChat } from 'node-llama-cpp';
import { toGrammarSchema } from './grammar-schema.mjs';

/** The text of a message's `content`: a string, or the `text` parts of an array. */
function contentText(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p && p.type === 'text' ? String(p.text ?? '') : '')).join('');
  return '';
}

/** OpenAI `messages` → node-llama-cpp chat history, ending with the empty model turn to generate. */
function toHistory(messages) {
  if (!Array.isArray(messages) || messages.length === 0)
    throw new HttpError(400, '`messages` must be a non-empty array');
  const history = [];
  for (const m of messages) {
    const text = contentText(m?.content);
    if (m?.role === 'system' || m?.role === 'developer') history.push({ type: 'system', text });
    else if (m?.role === 'user') history.push({ type: 'user', text });
    else if (m?.role === 'assistant') history.push({ type: 'model', response: [text] });
    else throw new HttpError(400, `unsupported message role ${JSON.stringify(m?.role)}`);
  }
  history.push({ type: 'model', response: [] });
  return history;
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Loads the model and serves it. Resolves when listening; `close()` stops the server and frees the model.
 * `seed` is used by requests that send none (`setSeed()` changes it between runs); `maxTokens` caps the answer
 * of a request that sends no `max_tokens` (the cap makes an answer end: `finish_reason: 'length'`).
 */
export async function startServer({
  modelPath,
  port = 0,
  threads = 1,
  contextSize = 8192,
  seed = 0,
  maxTokens = 1024,
  log = () => {},
}) {
  let defaultSeed = seed;
  const started = performance.now();
  const llama = await getLlama({ gpu: false, logLevel: 'error', maxThreads: threads });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const context = await model.createContext({ contextSize, threads, batchSize: 512 });
  const sequence = context.getSequence();
  const loadMs = performance.now() - started;
  const modelName = model.fileInfo.metadata?.general?.name ?? 'tiny';
  const grammars = new Map();
  /** Every answered request: the schema asked for, the raw answer, token counts and time. */
  const exchanges = [];
  let queue = Promise.resolve();
  let counter = 0;

  async function grammarFor(format) {
    if (format === undefined || format === null || format.type === 'text') return { grammar: undefined, kind: 'text' };
    if (format.type === 'json_object') return { grammar: await llama.getGrammarFor('json'), kind: 'json_object' };
    if (format.type !== 'json_schema' || typeof format.json_schema?.schema !== 'object') {
      throw new HttpError(400, 'response_format must be text, json_object or json_schema with a schema');
    }
    const dropped = new Set();
    const schema = toGrammarSchema(format.json_schema.schema, dropped);
    const key = JSON.stringify(schema);
    if (!grammars.has(key)) {
      try {
        grammars.set(key, await llama.createGrammarForJsonSchema(schema));
      } catch (error) {
        throw new HttpError(400, `json_schema not supported by the grammar builder: ${error.message}`);
      }
    }
    return {
      grammar: grammars.get(key),
      kind: 'json_schema',
      schema: format.json_schema.schema,
      dropped: [...dropped],
    };
  }

  async function complete(body, onText) {
    const history = toHistory(body.messages);
    const { grammar, kind, schema, dropped } = await grammarFor(body.response_format);
    const cap = Number(body.max_completion_tokens ?? body.max_tokens ?? maxTokens);
    const temperature = body.temperature === undefined ? 1 : Number(body.temperature);
    const seed = body.seed === undefined ? defaultSeed : Number(body.seed);
    if (!Number.isInteger(seed)) throw new HttpError(400, '`seed` must be an integer');
    if (!Number.isInteger(cap) || cap < 1) throw new HttpError(400, '`max_tokens` must be a positive integer');
    if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2)
      throw new HttpError(400, '`temperature` must be in [0, 2]');
    await sequence.clearHistory();
    const chat = new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
    const t0 = performance.now();
    let completionTokens = 0;
    try {
      const r = await chat.generateResponse(history, {
        grammar,
        maxTokens: cap,
        temperature,
        seed,
        onToken: (tokens) => {
          completionTokens += tokens.length;
        },
        onTextChunk: onText,
      });
      const exchange = {
        kind,
        schema,
        dropped,
        content: r.response,
        finishReason: r.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
        promptTokens: Math.max(0, sequence.nextTokenIndex - completionTokens),
        completionTokens,
        seconds: (performance.now() - t0) / 1000,
        seed,
      };
      exchanges.push(exchange);
      log(exchange);
      return exchange;
    } finally {
      chat.dispose({ disposeSequence: false });
    }
  }

  const server = createServer((req, res) => {
    const send = (status, value) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      send(200, { object: 'list', data: [{ id: modelName, object: 'model', owned_by: 'local' }] });
      return;
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') {
      send(404, { error: { message: `no route ${req.method} ${url.pathname}`, type: 'invalid_request_error' } });
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      // One generation at a time: the context has one sequence. A failure ends this answer, never the queue.
      queue = queue.then(() => answer(Buffer.concat(chunks).toString('utf8'), res, send)).catch(() => res.destroy());
    });
  });

  async function answer(raw, res, send) {
    const id = `chatcmpl-${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      send(400, { error: { message: 'request body is not JSON', type: 'invalid_request_error' } });
      return;
    }
    const name = typeof body.model === 'string' && body.model !== '' ? body.model : modelName;
    try {
      if (body.stream === true) {
        const chunk = (delta, finish) =>
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: name, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        let head = false;
        const start = () => {
          if (head) return;
          head = true;
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.write(chunk({ role: 'assistant', content: '' }, null));
        };
        const ex = await complete(body, (text) => {
          start();
          res.write(chunk({ content: text }, null));
        });
        start();
        res.write(chunk({}, ex.finishReason));
        res.end('data: [DONE]\n\n');
        return;
      }
      const ex = await complete(body, undefined);
      send(200, {
        id,
        object: 'chat.completion',
        created,
        model: name,
        choices: [{ index: 0, message: { role: 'assistant', content: ex.content }, finish_reason: ex.finishReason }],
        usage: {
          prompt_tokens: ex.promptTokens,
          completion_tokens: ex.completionTokens,
          total_tokens: ex.promptTokens + ex.completionTokens,
        },
      });
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      if (res.headersSent) res.end();
      else
        send(status, {
          error: { message: error.message, type: status === 400 ? 'invalid_request_error' : 'server_error' },
        });
    }
  }

  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    loadMs,
    exchanges,
    /** The seed of requests that do not send one. */
    setSeed(next) {
      defaultSeed = next;
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await queue;
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : fallback;
  };
  const modelPath = opt('model', fileURLToPath(new URL('./tiny.gguf', import.meta.url)));
  const server = await startServer({
    modelPath,
    port: Number(opt('port', 0)),
    threads: Number(opt('threads', 1)),
    contextSize: Number(opt('context', 8192)),
    seed: Number(opt('seed', 0)),
    maxTokens: Number(opt('max-tokens', 1024)),
    log: (ex) =>
      process.stderr.write(
        `${ex.kind} ${ex.completionTokens} tokens in ${ex.seconds.toFixed(1)} s (${ex.finishReason})${ex.dropped?.length ? `; schema keywords not enforced: ${ex.dropped.join(', ')}` : ''}\n`,
      ),
  });
  process.stdout.write(`listening ${server.url}\n`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
