import { readFileSync, createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { test } from 'vitest';
import { ingest, fromFile } from './index.js';
import { parseJsonExact } from '../json/exact.js';
import { normalizeRow } from '../model/normalize.js';
import { LineSplitter } from './lines.js';
async function splitParse(f: string, parse: (s: string) => unknown) {
  const dec = new StringDecoder('utf8');
  const sp = new LineSplitter((l) => { parse(l); }, () => {}, 1 << 24);
  for await (const c of createReadStream(f, { highWaterMark: 256 * 1024 })) sp.push(dec.write(c as Buffer));
  sp.end();
}
test('bench', async () => {
  for (const f of ['/tmp/b-small.ndjson', '/tmp/b-stream.ndjson']) {
    const lines = readFileSync(f, 'utf8').split('\n').filter((l) => l.trim());
    const best: Record<string, number> = {};
    const time = async (k: string, fn: () => unknown) => { const t = performance.now(); await fn(); const d = performance.now() - t; best[k] = Math.min(best[k] ?? 1e9, d); };
    for (let round = 0; round < 8; round++) {
      await time('parse(mem)', () => { for (const l of lines) JSON.parse(l); });
      await time('stream+split+JSON.parse', () => splitParse(f, JSON.parse));
      await time('stream+split+exact', () => splitParse(f, parseJsonExact));
      await time('stream+split+exact+normalize', () => splitParse(f, (l) => { const p: any = parseJsonExact(l); normalizeRow(p.properties, 'DeviceEvents', { source: 'x', line: 1 }); }));
      await time('ingest', () => ingest(fromFile(f), { event: () => {}, rejected: () => {} }));
    }
    console.log(f, JSON.stringify(Object.fromEntries(Object.entries(best).map(([k, v]) => [k, Math.round(v)]))));
  }
}, 300000);
