import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the scripted server received. */
export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: {
    model?: string;
    messages?: { role: string; content: string }[];
    response_format?: { type: string; json_schema?: { name: string; strict: boolean; schema: unknown } };
    stream?: boolean;
  };
}

/** What the server does with one request: write the response itself. */
export type Step = (req: Received, res: ServerResponse) => void | Promise<void>;

/** A scripted OpenAI-compatible server on 127.0.0.1 (port 0): each request takes the next step (the last one repeats). */
export async function scriptedServer(steps: readonly Step[]) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      data += c;
    });
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: data ? JSON.parse(data) : {},
      };
      const step = steps[Math.min(received.length, steps.length - 1)] as Step;
      received.push(r);
      void Promise.resolve(step(r, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Chat Completions JSON answer whose message content is `content`. */
export function json(content: string, model = 'scripted-model'): Step {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      }),
    );
  };
}

/** The same answer streamed as server-sent events, `pieces` characters per chunk, then `[DONE]`. */
export function sse(content: string, pieces = 7, model = 'scripted-model'): Step {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': keep-alive comment\n\n');
    for (let i = 0; i < content.length; i += pieces) {
      const chunk = {
        id: 'c',
        object: 'chat.completion.chunk',
        model,
        choices: [{ index: 0, delta: { content: content.slice(i, i + pieces) } }],
      };
      res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
    }
    res.end('data: [DONE]\n\n');
  };
}

/** An HTTP error with a JSON body and optional headers. */
export function status(code: number, body: unknown, headers: Record<string, string> = {}): Step {
  return (_req, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

/** Never answers (the client's timeout must end the request). */
export const silent: Step = () => undefined;
