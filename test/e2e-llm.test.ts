/**
 * The parts of the opt-in real-inference test (`e2e/llm`, `npm run e2e:llm`) that need no llama.cpp: the
 * generated GGUF model is read back here by an independent reader (header, metadata, tensor table,
 * alignment, sizes), and the JSON Schema bridge of its server is checked. node-llama-cpp is never loaded.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ES modules outside the workspaces, without type declarations
import { toGrammarSchema } from '../e2e/llm/grammar-schema.mjs';
// @ts-expect-error: plain ES modules outside the workspaces, without type declarations
import { CHAT_TEMPLATE, HPARAMS, makeTinyGguf } from '../e2e/llm/make-tiny-gguf.mjs';

type Value = number | bigint | boolean | string | Value[];
interface Tensor {
  name: string;
  dims: bigint[];
  type: number;
  offset: bigint;
}

/** Reads a GGUF v3 file as the spec (ggml docs/gguf.md) lays it out. */
function readGguf(buf: Buffer) {
  let at = 0;
  const u32 = () => {
    const v = buf.readUInt32LE(at);
    at += 4;
    return v;
  };
  const u64 = () => {
    const v = buf.readBigUInt64LE(at);
    at += 8;
    return v;
  };
  const str = () => {
    const n = Number(u64());
    const s = buf.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  const value = (type: number): Value => {
    switch (type) {
      case 0:
        return buf.readUInt8(at++);
      case 4:
        return u32();
      case 5: {
        const v = buf.readInt32LE(at);
        at += 4;
        return v;
      }
      case 6: {
        const v = buf.readFloatLE(at);
        at += 4;
        return v;
      }
      case 7:
        return buf.readUInt8(at++) === 1;
      case 8:
        return str();
      case 9: {
        const inner = u32();
        const n = Number(u64());
        return Array.from({ length: n }, () => value(inner));
      }
      case 10:
        return u64();
      default:
        throw new Error(`metadata type ${type} not expected in this file`);
    }
  };
  const magic = buf.toString('ascii', 0, 4);
  at = 4;
  const version = u32();
  const tensorCount = Number(u64());
  const kvCount = Number(u64());
  const meta = new Map<string, { type: number; value: Value }>();
  for (let i = 0; i < kvCount; i++) {
    const key = str();
    const type = u32();
    meta.set(key, { type, value: value(type) });
  }
  const tensors: Tensor[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = str();
    const nDims = u32();
    const dims = Array.from({ length: nDims }, () => u64());
    tensors.push({ name, dims, type: u32(), offset: u64() });
  }
  return { magic, version, meta, tensors, infoEnd: at };
}

const bytes: Buffer = makeTinyGguf({ seed: 1 });
const gguf = readGguf(bytes);
const meta = (key: string) => gguf.meta.get(key)?.value;

describe('the tiny GGUF model', () => {
  it('is a GGUF v3 file of a few hundred KB', () => {
    expect(gguf.magic).toBe('GGUF');
    expect(gguf.version).toBe(3);
    expect(bytes.length).toBeGreaterThan(100_000);
    expect(bytes.length).toBeLessThan(1_000_000);
  });

  it('carries the llama metadata llama.cpp reads, with their GGUF types', () => {
    const expected: [string, number, Value][] = [
      ['general.architecture', 8, 'llama'],
      ['general.alignment', 4, 32],
      ['llama.context_length', 4, HPARAMS.contextLength],
      ['llama.embedding_length', 4, HPARAMS.embedding],
      ['llama.block_count', 4, HPARAMS.blocks],
      ['llama.feed_forward_length', 4, HPARAMS.feedForward],
      ['llama.attention.head_count', 4, HPARAMS.heads],
      ['llama.rope.dimension_count', 4, HPARAMS.embedding / HPARAMS.heads],
      ['tokenizer.ggml.model', 8, 'llama'],
      ['tokenizer.chat_template', 8, CHAT_TEMPLATE],
    ];
    for (const [key, type, value] of expected) {
      expect(gguf.meta.get(key), key).toEqual({ type, value });
    }
    expect(gguf.meta.get('llama.attention.layer_norm_rms_epsilon')?.type).toBe(6);
  });

  it('has a byte-fallback vocabulary: 256 byte tokens, the ChatML markers, ids in range', () => {
    const tokens = meta('tokenizer.ggml.tokens') as string[];
    const types = meta('tokenizer.ggml.token_type') as number[];
    const scores = meta('tokenizer.ggml.scores') as number[];
    expect(types).toHaveLength(tokens.length);
    expect(scores).toHaveLength(tokens.length);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (let b = 0; b < 256; b++) {
      const id = tokens.indexOf(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
      expect(types[id], `byte ${b}`).toBe(6);
    }
    for (const marker of ['<|im_start|>', '<|im_end|>']) expect(types[tokens.indexOf(marker)]).toBe(3);
    expect(tokens).toContain('▁');
    for (const key of ['bos', 'eos', 'unknown']) {
      const id = meta(`tokenizer.ggml.${key}_token_id`) as number;
      expect(id, key).toBeGreaterThanOrEqual(0);
      expect(id, key).toBeLessThan(tokens.length);
    }
    expect(tokens[meta('tokenizer.ggml.eos_token_id') as number]).toBe('<|im_end|>');
    expect(CHAT_TEMPLATE).toContain('<|im_start|>');
  });

  it('has every llama tensor with its shape, F32, at aligned offsets that tile the data section', () => {
    const d = BigInt(HPARAMS.embedding);
    const ff = BigInt(HPARAMS.feedForward);
    const vocab = BigInt((meta('tokenizer.ggml.tokens') as string[]).length);
    const shapes: Record<string, bigint[]> = {
      'token_embd.weight': [d, vocab],
      'output_norm.weight': [d],
      'output.weight': [d, vocab],
    };
    for (let b = 0; b < HPARAMS.blocks; b++) {
      Object.assign(shapes, {
        [`blk.${b}.attn_norm.weight`]: [d],
        [`blk.${b}.attn_q.weight`]: [d, d],
        [`blk.${b}.attn_k.weight`]: [d, d],
        [`blk.${b}.attn_v.weight`]: [d, d],
        [`blk.${b}.attn_output.weight`]: [d, d],
        [`blk.${b}.ffn_norm.weight`]: [d],
        [`blk.${b}.ffn_gate.weight`]: [d, ff],
        [`blk.${b}.ffn_down.weight`]: [ff, d],
        [`blk.${b}.ffn_up.weight`]: [d, ff],
      });
    }
    expect(Object.fromEntries(gguf.tensors.map((t) => [t.name, t.dims]))).toEqual(shapes);
    const dataStart = Math.ceil(gguf.infoEnd / 32) * 32;
    expect(bytes.subarray(gguf.infoEnd, dataStart).every((b) => b === 0)).toBe(true);
    let end = 0n;
    for (const t of gguf.tensors) {
      expect(t.type, t.name).toBe(0);
      expect(t.offset % 32n, t.name).toBe(0n);
      expect(t.offset >= end, `${t.name} overlaps the tensor before it`).toBe(true);
      end = t.offset + t.dims.reduce((a, n) => a * n, 4n);
    }
    expect(BigInt(bytes.length)).toBe(BigInt(dataStart) + ((end + 31n) / 32n) * 32n);
    const first = gguf.tensors[0] as Tensor;
    const floats = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + dataStart, bytes.byteOffset + dataStart + 256),
    );
    expect(first.offset).toBe(0n);
    expect(floats.every((f) => Number.isFinite(f) && Math.abs(f) <= 2)).toBe(true);
  });

  it('is the same bytes for the same seed and different bytes for another', () => {
    expect(Buffer.compare(makeTinyGguf({ seed: 1 }), bytes)).toBe(0);
    expect(Buffer.compare(makeTinyGguf({ seed: 2 }), bytes)).not.toBe(0);
    expect(readFileSync(new URL('../e2e/llm/make-tiny-gguf.mjs', import.meta.url), 'utf8')).not.toMatch(
      /Math\.(?:random|log|sin|cos|exp)\b/,
    );
  });
});

describe("the e2e server's JSON Schema bridge to node-llama-cpp", () => {
  it('keeps the keywords the grammar builder reads and lists the ones it drops', () => {
    const dropped = new Set<string>();
    const out = toGrammarSchema(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: 'answer',
        type: 'object',
        properties: {
          text: { type: 'string', maxLength: 400, pattern: '^[A-Z]' },
          cites: { type: 'array', items: { enum: ['F1', 'F2'] }, minItems: 1, maxItems: 3 },
          when: { type: 'string', format: 'uri' },
          kind: { anyOf: [{ const: 'a' }, { $ref: '#/definitions/b' }] },
        },
        definitions: { b: { type: 'integer', minimum: 0 } },
        required: ['text', 'cites'],
        additionalProperties: false,
      },
      dropped,
    );
    expect(out).toEqual({
      type: 'object',
      properties: {
        text: { type: 'string', maxLength: 400 },
        cites: { type: 'array', items: { enum: ['F1', 'F2'] }, minItems: 1, maxItems: 3 },
        when: { type: 'string' },
        kind: { oneOf: [{ const: 'a' }, { $ref: '#/$defs/b' }] },
      },
      $defs: { b: { type: 'integer' } },
      required: ['text', 'cites'],
      additionalProperties: false,
    });
    expect([...dropped].sort()).toEqual(['$schema', 'format', 'minimum', 'pattern', 'title']);
  });

  it('does not read a property named like a keyword as a keyword', () => {
    const dropped = new Set<string>();
    const out = toGrammarSchema({ type: 'object', properties: { pattern: { type: 'string' } } }, dropped);
    expect(out).toEqual({ type: 'object', properties: { pattern: { type: 'string' } } });
    expect(dropped.size).toBe(0);
  });
});

describe('the real-inference test stays opt-in', () => {
  const read = (p: string) => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8');

  it('pins node-llama-cpp in e2e/llm alone: the root install, CI and the default test run never get it', () => {
    const own = JSON.parse(read('e2e/llm/package.json'));
    expect(own.private).toBe(true);
    expect(own.dependencies['node-llama-cpp']).toMatch(/^\d+\.\d+\.\d+$/);
    const lock = JSON.parse(read('e2e/llm/package-lock.json'));
    expect(lock.packages['node_modules/node-llama-cpp'].version).toBe(own.dependencies['node-llama-cpp']);
    const rootPackage = JSON.parse(read('package.json'));
    expect(rootPackage.workspaces.some((w: string) => w.startsWith('e2e'))).toBe(false);
    expect(rootPackage.scripts['e2e:llm']).toBe('node e2e/llm/e2e.mjs');
    expect(rootPackage.scripts.test).not.toContain('e2e');
    expect(Object.keys(JSON.parse(read('package-lock.json')).packages).filter((p) => p.includes('llama'))).toEqual([]);
    expect(read('.ci/run')).not.toMatch(/e2e|llama/);
    expect(read('vitest.config.ts')).not.toMatch(/['"`]e2e\//);
  });

  it('run.mjs without TRIPLINE_LLM_E2E=1 says it is skipped and exits 0 before loading anything', () => {
    const env = { ...process.env };
    delete env.TRIPLINE_LLM_E2E;
    const out = execFileSync(process.execPath, [new URL('../e2e/llm/run.mjs', import.meta.url).pathname], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out).toBe('e2e/llm: skipped (opt-in: set TRIPLINE_LLM_E2E=1, or run `npm run e2e:llm`)\n');
  });
});
