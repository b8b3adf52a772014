// A tiny llama-architecture GGUF with seeded random weights, written by the tests and by `procos up`
// when no model is configured (its demo model: the answers are not meaningful). No
// npm or Debian package ships a language model and nothing may be downloaded. It loads in
// node-llama-cpp's llama.cpp like any model, and greedy decoding makes its (meaningless) answers
// deterministic, which is all a test of the plumbing needs.
//
// GGUF v3 (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md): header, metadata key/values,
// tensor infos, then 32-byte aligned tensor data; every tensor is F32 to keep the writer short.
import { writeFileSync } from 'node:fs';

/** Metadata value types of GGUF. */
const T = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;
const GGML_F32 = 0;
const ALIGNMENT = 32;

// llama.cpp's token types.
const NORMAL = 1;
const UNKNOWN = 2;
const CONTROL = 3;
const BYTE = 6;

/** Word pieces beyond single characters, so answers read as words rather than symbols. */
const WORDS = (
  'the a an of to and in is it for on with as was at by be this that from or are not but have you ' +
  'they we he she his her all one yes no ok order amount total paid due ready done sent error money ' +
  'customer invoice summary risk low high medium approve reject review please thanks hello world'
).split(' ');

export interface TinyGgufOptions {
  /** Seeds the weights; the same seed writes the same bytes. */
  seed?: number;
  embedding?: number;
  layers?: number;
}

export interface TinyGgufInfo {
  path: string;
  bytes: number;
  vocabulary: number;
}

/** Writes the model to path; a few hundred KB. */
export function writeTinyGguf(path: string, o: TinyGgufOptions = {}): TinyGgufInfo {
  const seed = o.seed ?? 42;
  const nEmbd = o.embedding ?? 64;
  const nLayer = o.layers ?? 2;
  const nHead = 4;
  const nFf = nEmbd * 2;
  const vocab = vocabulary();
  const nVocab = vocab.tokens.length;
  const random = mulberry32(seed);
  const uniform = (n: number, scale: number): Float32Array =>
    Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);

  // Output rows of control and byte tokens are zero: their logit stays 0 while some word piece
  // scores above it, so greedy answers are printable text that runs to maxTokens (never EOS).
  const output = uniform(nEmbd * nVocab, 1);
  vocab.types.forEach((type, id) => {
    if (type !== NORMAL) output.fill(0, id * nEmbd, (id + 1) * nEmbd);
  });

  const tensors: Tensor[] = [
    { name: 'token_embd.weight', dims: [nEmbd, nVocab], data: uniform(nEmbd * nVocab, 1) },
    { name: 'output_norm.weight', dims: [nEmbd], data: ones(nEmbd) },
    { name: 'output.weight', dims: [nEmbd, nVocab], data: output },
  ];
  const w = (n: number, fanIn: number): Float32Array => uniform(n, 1 / Math.sqrt(fanIn));
  for (let l = 0; l < nLayer; l++) {
    const b = `blk.${l}.`;
    tensors.push(
      { name: `${b}attn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) },
      { name: `${b}attn_q.weight`, dims: [nEmbd, nEmbd], data: w(nEmbd * nEmbd, nEmbd) },
      { name: `${b}attn_k.weight`, dims: [nEmbd, nEmbd], data: w(nEmbd * nEmbd, nEmbd) },
      { name: `${b}attn_v.weight`, dims: [nEmbd, nEmbd], data: w(nEmbd * nEmbd, nEmbd) },
      { name: `${b}attn_output.weight`, dims: [nEmbd, nEmbd], data: w(nEmbd * nEmbd, nEmbd) },
      { name: `${b}ffn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) },
      { name: `${b}ffn_gate.weight`, dims: [nEmbd, nFf], data: w(nEmbd * nFf, nEmbd) },
      { name: `${b}ffn_up.weight`, dims: [nEmbd, nFf], data: w(nEmbd * nFf, nEmbd) },
      { name: `${b}ffn_down.weight`, dims: [nFf, nEmbd], data: w(nFf * nEmbd, nFf) },
    );
  }

  const metadata: Kv[] = [
    ['general.architecture', T.string, 'llama'],
    ['general.name', T.string, 'procos-tiny-test'],
    ['general.alignment', T.u32, ALIGNMENT],
    ['general.file_type', T.u32, 0],
    ['llama.context_length', T.u32, 2048],
    ['llama.embedding_length', T.u32, nEmbd],
    ['llama.block_count', T.u32, nLayer],
    ['llama.feed_forward_length', T.u32, nFf],
    ['llama.attention.head_count', T.u32, nHead],
    ['llama.attention.head_count_kv', T.u32, nHead],
    ['llama.attention.layer_norm_rms_epsilon', T.f32, 1e-5],
    ['llama.rope.dimension_count', T.u32, nEmbd / nHead],
    ['llama.vocab_size', T.u32, nVocab],
    ['tokenizer.ggml.model', T.string, 'llama'],
    ['tokenizer.ggml.tokens', T.array, { of: T.string, values: vocab.tokens }],
    ['tokenizer.ggml.scores', T.array, { of: T.f32, values: vocab.scores }],
    ['tokenizer.ggml.token_type', T.array, { of: T.i32, values: vocab.types }],
    ['tokenizer.ggml.unknown_token_id', T.u32, 0],
    ['tokenizer.ggml.bos_token_id', T.u32, 1],
    ['tokenizer.ggml.eos_token_id', T.u32, 2],
    ['tokenizer.ggml.add_bos_token', T.bool, true],
    ['tokenizer.ggml.add_eos_token', T.bool, false],
  ];

  const out = new GgufBuffer();
  out.bytes(Buffer.from('GGUF', 'latin1'));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(metadata.length);
  for (const [key, type, value] of metadata) {
    out.string(key);
    out.u32(type);
    out.value(type, value);
  }
  let offset = 0;
  for (const t of tensors) {
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(GGML_F32);
    out.u64(offset);
    offset = align(offset + t.data.byteLength);
  }
  out.pad();
  for (const t of tensors) {
    out.bytes(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.pad();
  }
  const file = out.done();
  writeFileSync(path, file);
  return { path, bytes: file.length, vocabulary: nVocab };
}

interface Tensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

type Value = string | number | boolean | { of: number; values: readonly (string | number)[] };
type Kv = [string, number, Value];

/** SentencePiece-style vocabulary: <unk> <s> </s>, 256 byte fallbacks, ▁, printable ASCII, words. */
function vocabulary(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [UNKNOWN, CONTROL, CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(BYTE);
  }
  const pieces = ['▁'];
  for (let c = 0x21; c < 0x7f; c++) pieces.push(String.fromCharCode(c));
  pieces.push(...WORDS.map((word) => `▁${word}`));
  for (const p of pieces) {
    tokens.push(p);
    types.push(NORMAL);
  }
  // The SPM tokenizer merges adjacent pieces by score; longer pieces first.
  const scores = tokens.map((t, i) => (types[i] === NORMAL ? t.length - i / 1e4 : 0));
  return { tokens, scores, types };
}

function align(n: number): number {
  return Math.ceil(n / ALIGNMENT) * ALIGNMENT;
}

/** Seeded PRNG (mulberry32): the same seed gives the same weights on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class GgufBuffer {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  bytes(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.bytes(b);
  }
  u64(n: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.bytes(b);
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  value(type: number, v: Value): void {
    if (typeof v === 'object') {
      this.u32(v.of);
      this.u64(v.values.length);
      for (const e of v.values) this.value(v.of, e);
      return;
    }
    const b = Buffer.alloc(4);
    switch (type) {
      case T.string:
        return this.string(String(v));
      case T.u32:
        b.writeUInt32LE(Number(v));
        return this.bytes(b);
      case T.i32:
        b.writeInt32LE(Number(v));
        return this.bytes(b);
      case T.f32:
        b.writeFloatLE(Number(v));
        return this.bytes(b);
      case T.bool:
        return this.bytes(Buffer.from([v ? 1 : 0]));
      default:
        throw new Error(`tiny-gguf: no writer for metadata type ${type}`);
    }
  }
  pad(): void {
    const n = align(this.length) - this.length;
    if (n) this.bytes(Buffer.alloc(n));
  }
  done(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}
