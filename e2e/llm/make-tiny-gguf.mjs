#!/usr/bin/env node
/**
 * Writes a tiny llama-architecture model as a GGUF v3 file: 2 layers × 64 dimensions, a byte-fallback
 * SentencePiece-style vocabulary, ChatML chat template, F32 weights drawn from a seeded PRNG.
 * Nothing is downloaded: the architecture, vocabulary and weights are all written here, so the
 * real-inference test runs llama.cpp on a model that exists only on this machine. Its prose is
 * meaningless by construction; the test proves the plumbing, not quality.
 *
 * Same seed → same bytes (the PRNG is integer-only; weights are uniform, no transcendental functions).
 *
 *   node make-tiny-gguf.mjs [out.gguf] [--seed N]     (default out: tiny.gguf beside this file, seed 1)
 *
 * One piece of structure is deliberate: residual dimension 0 carries a constant that no layer writes to,
 * and the output rows of the tokens that close a JSON string, array or object (`"`, `]`, `}`) read it
 * with a positive weight. That is a fixed logit bias: under a JSON grammar the random decoder then ends
 * values after a few characters instead of after hundreds, so an answer fits a small `max_tokens`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shape of the model. */
export const HPARAMS = Object.freeze({
  contextLength: 16384,
  embedding: 64,
  blocks: 2,
  feedForward: 128,
  heads: 4,
  rmsEpsilon: 1e-5,
});

const ALIGNMENT = 32;
/**
 * Weights on the constant residual dimension, in the output rows of the tokens that end a JSON string (`"`)
 * or an array or object (`]`, `}`): with the final RMS norm they add about 5× this to the token's logit.
 */
const BIAS = { closeString: 0.8, closeContainer: 0.8 };
const GGML_TYPE_F32 = 0;
/** GGUF metadata value types (ggml docs/gguf.md). */
const T = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 };
/** llama.cpp token types. */
const TOKEN = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 };

/** ChatML, the template node-llama-cpp and llama.cpp both recognise. */
export const CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * The vocabulary: unknown, BOS, EOS, the two ChatML markers (control tokens), the 256 byte tokens
 * `<0x00>`…`<0xFF>` (every text is encodable), the SentencePiece space `▁`, and a few JSON pieces.
 */
export function vocabulary() {
  const tokens = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  const types = [TOKEN.UNKNOWN, TOKEN.CONTROL, TOKEN.CONTROL, TOKEN.CONTROL, TOKEN.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TOKEN.BYTE);
  }
  for (const piece of ['▁', '{"', '":', '","', '"}', '"]', '["', '":"', '},{"', 'true', 'false', 'null']) {
    tokens.push(piece);
    types.push(TOKEN.NORMAL);
  }
  // SentencePiece scores: longer pieces win merges; bytes and controls score 0.
  const scores = tokens.map((t, i) => (types[i] === TOKEN.NORMAL ? -1 / [...t].length : 0));
  return { tokens, types, scores, bos: 1, eos: 2, unk: 0, imEnd: 4 };
}

/** mulberry32: a 32-bit integer PRNG, identical on every platform. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The tensors, in llama.cpp's names and shapes (`ne[0]` is the contiguous dimension). */
function tensors(seed, nVocab, bias) {
  const { embedding: d, blocks, feedForward: ff } = HPARAMS;
  const rand = prng(seed);
  const uniform = (n, scale) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * scale;
    return a;
  };
  const ones = (n) => new Float32Array(n).fill(1);
  /** Zeroes output row 0 of a [in, out] matrix, so the layer never writes residual dimension 0. */
  const keepDim0 = (a, inDim) => {
    a.fill(0, 0, inDim);
    return a;
  };
  const out = [];
  const embd = uniform(d * nVocab, 0.5);
  for (let t = 0; t < nVocab; t++) embd[t * d] = 2; // the constant dimension
  out.push({ name: 'token_embd.weight', dims: [d, nVocab], data: embd });
  for (let b = 0; b < blocks; b++) {
    out.push({ name: `blk.${b}.attn_norm.weight`, dims: [d], data: ones(d) });
    out.push({ name: `blk.${b}.attn_q.weight`, dims: [d, d], data: uniform(d * d, 0.2) });
    out.push({ name: `blk.${b}.attn_k.weight`, dims: [d, d], data: uniform(d * d, 0.2) });
    out.push({ name: `blk.${b}.attn_v.weight`, dims: [d, d], data: uniform(d * d, 0.2) });
    out.push({ name: `blk.${b}.attn_output.weight`, dims: [d, d], data: keepDim0(uniform(d * d, 0.1), d) });
    out.push({ name: `blk.${b}.ffn_norm.weight`, dims: [d], data: ones(d) });
    out.push({ name: `blk.${b}.ffn_gate.weight`, dims: [d, ff], data: uniform(d * ff, 0.2) });
    out.push({ name: `blk.${b}.ffn_down.weight`, dims: [ff, d], data: keepDim0(uniform(ff * d, 0.1), ff) });
    out.push({ name: `blk.${b}.ffn_up.weight`, dims: [d, ff], data: uniform(d * ff, 0.2) });
  }
  out.push({ name: 'output_norm.weight', dims: [d], data: ones(d) });
  const output = uniform(d * nVocab, 0.3);
  for (let t = 0; t < nVocab; t++) output[t * d] = bias.get(t) ?? 0;
  out.push({ name: 'output.weight', dims: [d, nVocab], data: output });
  return out;
}

/** A growable little-endian byte writer. */
class Writer {
  constructor() {
    this.buf = Buffer.alloc(1 << 16);
    this.len = 0;
  }
  reserve(n) {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u32(v) {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
  }
  i32(v) {
    this.reserve(4);
    this.buf.writeInt32LE(v, this.len);
    this.len += 4;
  }
  u64(v) {
    this.reserve(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.len);
    this.len += 8;
  }
  f32(v) {
    this.reserve(4);
    this.buf.writeFloatLE(v, this.len);
    this.len += 4;
  }
  u8(v) {
    this.reserve(1);
    this.buf[this.len++] = v;
  }
  str(s) {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  bytes(b) {
    this.reserve(b.length);
    Buffer.from(b.buffer, b.byteOffset, b.byteLength).copy(this.buf, this.len);
    this.len += b.byteLength;
  }
  pad(alignment) {
    while (this.len % alignment !== 0) this.u8(0);
  }
  result() {
    return this.buf.subarray(0, this.len);
  }
}

/** One metadata value, typed. */
function writeValue(w, type, value) {
  if (type === T.UINT32) w.u32(value);
  else if (type === T.INT32) w.i32(value);
  else if (type === T.FLOAT32) w.f32(value);
  else if (type === T.BOOL) w.u8(value ? 1 : 0);
  else if (type === T.STRING) w.str(value);
  else throw new Error(`unsupported metadata type ${type}`);
}

/** The model as GGUF v3 bytes. */
export function makeTinyGguf({ seed = 1 } = {}) {
  const v = vocabulary();
  const bias = new Map();
  v.tokens.forEach((t, i) => {
    if (v.types[i] === TOKEN.CONTROL) return;
    const text = v.types[i] === TOKEN.BYTE ? String.fromCharCode(Number.parseInt(t.slice(3, 5), 16)) : t;
    if (/"$/.test(text)) bias.set(i, BIAS.closeString);
    else if (/[\]}]$/.test(text)) bias.set(i, BIAS.closeContainer);
  });
  const h = HPARAMS;
  const scalar = [
    ['general.architecture', T.STRING, 'llama'],
    ['general.name', T.STRING, `tripline-tiny-random-seed${seed}`],
    ['general.alignment', T.UINT32, ALIGNMENT],
    ['general.file_type', T.UINT32, 0],
    ['llama.context_length', T.UINT32, h.contextLength],
    ['llama.embedding_length', T.UINT32, h.embedding],
    ['llama.block_count', T.UINT32, h.blocks],
    ['llama.feed_forward_length', T.UINT32, h.feedForward],
    ['llama.attention.head_count', T.UINT32, h.heads],
    ['llama.attention.head_count_kv', T.UINT32, h.heads],
    ['llama.rope.dimension_count', T.UINT32, h.embedding / h.heads],
    ['llama.attention.layer_norm_rms_epsilon', T.FLOAT32, h.rmsEpsilon],
    ['llama.vocab_size', T.UINT32, v.tokens.length],
    ['tokenizer.ggml.model', T.STRING, 'llama'],
    ['tokenizer.ggml.bos_token_id', T.UINT32, v.bos],
    ['tokenizer.ggml.eos_token_id', T.UINT32, v.imEnd],
    ['tokenizer.ggml.unknown_token_id', T.UINT32, v.unk],
    ['tokenizer.ggml.add_bos_token', T.BOOL, true],
    ['tokenizer.ggml.add_eos_token', T.BOOL, false],
    ['tokenizer.ggml.add_space_prefix', T.BOOL, false],
    ['tokenizer.chat_template', T.STRING, CHAT_TEMPLATE],
  ];
  const arrays = [
    ['tokenizer.ggml.tokens', T.STRING, v.tokens],
    ['tokenizer.ggml.scores', T.FLOAT32, v.scores],
    ['tokenizer.ggml.token_type', T.INT32, v.types],
  ];
  const ts = tensors(seed, v.tokens.length, bias);

  const w = new Writer();
  w.bytes(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(ts.length);
  w.u64(scalar.length + arrays.length);
  for (const [key, type, value] of scalar) {
    w.str(key);
    w.u32(type);
    writeValue(w, type, value);
  }
  for (const [key, type, values] of arrays) {
    w.str(key);
    w.u32(T.ARRAY);
    w.u32(type);
    w.u64(values.length);
    for (const value of values) writeValue(w, type, value);
  }
  let offset = 0;
  for (const t of ts) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const n of t.dims) w.u64(n);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += t.data.byteLength;
    offset = Math.ceil(offset / ALIGNMENT) * ALIGNMENT;
  }
  w.pad(ALIGNMENT);
  for (const t of ts) {
    w.bytes(t.data);
    w.pad(ALIGNMENT);
  }
  return w.result();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const seedAt = args.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(args.splice(seedAt, 2)[1]) : 1;
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed takes a non-negative integer');
  const out = args[0] ?? fileURLToPath(new URL('./tiny.gguf', import.meta.url));
  const bytes = makeTinyGguf({ seed });
  writeFileSync(out, bytes);
  process.stdout.write(`${out}: ${bytes.length} bytes, seed ${seed}\n`);
}
