// A GGUF model run in this process by node-llama-cpp (llama.cpp's CPU build, prebuilt in the npm
// package: nothing is compiled or downloaded). Loaded once per worker and file, with one context
// whose sequences are lent to jobs one at a time each, so a worker never loads a model twice and
// jobs beyond `parallel` wait their turn instead of oversubscribing the cores.
//
// node-llama-cpp is an optional dependency (≈100 MB): a worker installed without it still runs
// every other adapter, and a local handler refuses at start saying how to install it.
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type {
  ChatWrapper,
  Llama,
  LlamaChatSession,
  LlamaContext,
  LlamaContextSequence,
  LlamaGrammar,
  LlamaModel,
} from 'node-llama-cpp';
import type { Logger } from 'pino';

type NodeLlamaCpp = typeof import('node-llama-cpp');

export interface LocalModelOptions {
  modelPath: string;
  threads: number;
  contextSize: number;
  /** Jobs answered at once (context sequences). */
  parallel: number;
}

export interface LocalQuestion {
  system: string | undefined;
  prompt: string;
  maxTokens: number;
  temperature: number;
  json: { schema: Record<string, unknown> | undefined } | undefined;
  signal: AbortSignal;
}

export interface LocalAnswer {
  text: string;
  inputTokens: number;
  outputTokens: number;
}

let lib: Promise<NodeLlamaCpp> | undefined;
let llama: Promise<Llama> | undefined;
/** Where llama.cpp's own warnings go: the logger of the handler that loaded a model last. */
let llamaLog: Logger | undefined;
const models = new Map<string, Promise<LocalModel>>();

async function nodeLlamaCpp(): Promise<NodeLlamaCpp> {
  lib ??= import('node-llama-cpp').catch((err: unknown) => {
    lib = undefined;
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND')
      throw new Error(
        'the local provider needs the optional npm package node-llama-cpp, which is not installed here; ' +
          'install the worker without --omit=optional (or use provider openai or ollama)',
      );
    throw err;
  });
  return lib;
}

async function theLlama(): Promise<Llama> {
  llama ??= (async () => {
    const m = await nodeLlamaCpp();
    // CPU only and never build: the GPU prebuilt packages are left out of the install on
    // purpose (see README), and a worker must not try to compile or download llama.cpp.
    return m.getLlama({
      gpu: false,
      build: 'never',
      logLevel: m.LlamaLogLevel.warn,
      logger: (level, message) => llamaLog?.warn({ llamaLevel: level }, message.trim()),
    });
  })().catch((err: unknown) => {
    llama = undefined;
    throw new Error(
      `node-llama-cpp cannot load its prebuilt llama.cpp binary on this machine (${process.platform}-${process.arch}): ${
        err instanceof Error ? err.message : String(err)
      }`,
    );
  });
  return llama;
}

/** The model for these options, loaded on first use and shared by every handler that names it. */
export function localModel(o: LocalModelOptions, log?: Logger): Promise<LocalModel> {
  if (log) llamaLog = log;
  const path = resolve(o.modelPath);
  const key = JSON.stringify([path, o.threads, o.contextSize, o.parallel]);
  let m = models.get(key);
  if (!m) {
    m = LocalModel.load({ ...o, modelPath: path });
    models.set(key, m);
    m.catch(() => models.delete(key));
  }
  return m;
}

/** Frees every loaded model and llama.cpp itself (tests; a worker keeps them until it exits). */
export async function disposeLocalModels(): Promise<void> {
  const all = [...models.values()];
  models.clear();
  for (const m of all) await (await m.catch(() => undefined))?.dispose();
  const l = llama;
  llama = undefined;
  await (await l?.catch(() => undefined))?.dispose();
}

export class LocalModel {
  readonly name: string;
  private readonly free: LlamaContextSequence[];
  private readonly waiting: ((s: LlamaContextSequence) => void)[] = [];
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  /** Resolved from the model's own chat template by the first session, then reused. */
  private chatWrapper: ChatWrapper | undefined;

  private constructor(
    private readonly lib: NodeLlamaCpp,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    modelPath: string,
  ) {
    this.name = basename(modelPath);
    this.free = Array.from({ length: context.totalSequences }, () => context.getSequence());
  }

  static async load(o: LocalModelOptions): Promise<LocalModel> {
    const file = await stat(o.modelPath).catch((err: unknown) => {
      throw new Error(
        `modelPath ${o.modelPath} cannot be read (${(err as { code?: string }).code ?? String(err)}): ` +
          'mount the GGUF file into the worker (e.g. from a volume) or fix modelPath',
      );
    });
    if (!file.isFile()) throw new Error(`modelPath ${o.modelPath} is not a file: point it at a .gguf model file`);
    const lib = await nodeLlamaCpp();
    const llama = await theLlama();
    const model = await llama.loadModel({ modelPath: o.modelPath, gpuLayers: 0 }).catch((err: unknown) => {
      throw new Error(
        `modelPath ${o.modelPath} is not a model llama.cpp can load (${err instanceof Error ? err.message : String(err)}): use a GGUF file`,
      );
    });
    const context = await model.createContext({
      contextSize: o.contextSize,
      sequences: o.parallel,
      threads: o.threads,
      batchSize: Math.min(512, o.contextSize),
    });
    return new LocalModel(lib, llama, model, context, o.modelPath);
  }

  /** Compiles a JSON grammar once per schema; throws when llama.cpp cannot express the schema. */
  grammar(schema: Record<string, unknown> | undefined): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema ?? null);
    let g = this.grammars.get(key);
    if (!g) {
      g = schema
        ? this.llama.createGrammarForJsonSchema(schema as Parameters<Llama['createGrammarForJsonSchema']>[0])
        : this.llama.getGrammarFor('json');
      this.grammars.set(key, g);
      g.catch(() => this.grammars.delete(key));
    }
    return g;
  }

  async ask(q: LocalQuestion): Promise<LocalAnswer> {
    const grammar = q.json ? await this.grammar(q.json.schema) : undefined;
    const sequence = await this.acquire(q.signal);
    let session: LlamaChatSession | undefined;
    try {
      session = new this.lib.LlamaChatSession({
        contextSequence: sequence,
        chatWrapper: this.chatWrapper ?? 'auto',
        ...(q.system !== undefined && { systemPrompt: q.system }),
      });
      this.chatWrapper ??= session.chatWrapper;
      // Without a system prompt the session would add node-llama-cpp's default one.
      if (q.system === undefined) session.setChatHistory([]);
      const before = sequence.tokenMeter.getState();
      const r = await session.promptWithMeta(q.prompt, {
        maxTokens: q.maxTokens,
        temperature: q.temperature,
        signal: q.signal,
        ...(grammar && { grammar }),
      });
      const used = sequence.tokenMeter.diff(before);
      return { text: r.responseText, inputTokens: used.usedInputTokens, outputTokens: used.usedOutputTokens };
    } finally {
      session?.dispose({ disposeSequence: false });
      // Each job starts from an empty sequence: its answer must not depend on earlier jobs.
      await sequence.clearHistory().catch(() => undefined);
      this.release(sequence);
    }
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }

  private acquire(signal: AbortSignal): Promise<LlamaContextSequence> {
    const s = this.free.pop();
    if (s) return Promise.resolve(s);
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise((resolveSeq, reject) => {
      const take = (seq: LlamaContextSequence): void => {
        signal.removeEventListener('abort', onAbort);
        resolveSeq(seq);
      };
      const onAbort = (): void => {
        this.waiting.splice(this.waiting.indexOf(take), 1);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(take);
    });
  }

  private release(s: LlamaContextSequence): void {
    const next = this.waiting.shift();
    if (next) next(s);
    else this.free.push(s);
  }
}
