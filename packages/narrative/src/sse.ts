/** Longest streamed answer assembled, in characters (a server that never stops is cut off, with an error). */
export const MAX_ANSWER_CHARS = 1_000_000;

interface Chunk {
  model?: unknown;
  choices?: { delta?: { content?: unknown }; message?: { content?: unknown } }[];
  error?: { message?: unknown };
}

/**
 * Assembles a streamed Chat Completions answer: server-sent events whose `data:` lines carry JSON
 * chunks (`choices[0].delta.content`), ending with `data: [DONE]` (or the end of the body). Lines of
 * other fields and comments are skipped; an `error` chunk or a malformed `data:` line throws.
 */
export async function readSse(response: Response, requested: string): Promise<{ content: string; model: string }> {
  if (!response.body) throw new Error('the streamed answer has no body');
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let buffer = '';
  let content = '';
  let model = requested;
  let done = false;
  const take = (line: string) => {
    if (!line.startsWith('data:')) return;
    const data = line.slice(5).trim();
    if (data === '[DONE]') {
      done = true;
      return;
    }
    if (data === '') return;
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      throw new Error('a streamed data line is not JSON');
    }
    if (chunk.error) throw new Error(`the stream carried an error: ${String(chunk.error.message ?? '').slice(0, 200)}`);
    if (typeof chunk.model === 'string' && chunk.model) model = chunk.model;
    const piece = chunk.choices?.[0]?.delta?.content ?? chunk.choices?.[0]?.message?.content;
    if (typeof piece === 'string') content += piece;
    if (content.length > MAX_ANSWER_CHARS)
      throw new Error(`the streamed answer is longer than ${MAX_ANSWER_CHARS} characters`);
  };
  try {
    while (!done) {
      const { value, done: end } = await reader.read();
      buffer += end ? decoder.decode() : decoder.decode(value, { stream: true });
      let start = 0;
      let nl = buffer.indexOf('\n');
      while (nl >= 0 && !done) {
        take(buffer.slice(start, nl).replace(/\r$/, ''));
        start = nl + 1;
        nl = buffer.indexOf('\n', start);
      }
      buffer = buffer.slice(start);
      if (buffer.length > MAX_ANSWER_CHARS) throw new Error('a streamed line is too long');
      if (end) {
        if (!done && buffer.length > 0) take(buffer.replace(/\r$/, ''));
        break;
      }
    }
  } finally {
    if (done) await reader.cancel().catch(() => undefined);
  }
  return { content, model };
}
