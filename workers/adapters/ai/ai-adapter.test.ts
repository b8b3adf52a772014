// The ai adapter against real peers: a tiny GGUF model this file writes, run in-process (local)
// and behind an OpenAI-compatible and an Ollama-API server on loopback that answer from the same
// model. Greedy decoding makes every answer repeatable, so providers can be compared exactly.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../lib/testing/temp-dir.js';
import { testEnvironment, testJobContext, testPolicy } from '../../testing/job-context.js';
import { TransientError } from '../service-adapter.js';
import { aiAdapter } from './ai-adapter.js';
import { aiConfig, type AiConfig } from './ai-config.js';
import { disposeLocalModels, localModel, type LocalModel } from './local-model.js';
import { startOllamaServer, startOpenAiServer, type ModelServer } from './testing/model-servers.js';
import { writeTinyGguf } from './tiny-gguf.js';

const dir = tempDir('procos-ai-');
const modelPath = join(dir, 'tiny.gguf');
const API_KEY = 'sk-procos-test';
const SERVED = 'tiny-chat';
// Small context, one thread: light on a shared 2-core machine.
const LOCAL = { provider: 'local', modelPath, threads: 1, contextSize: 512 } as const;

let model: LocalModel;
let openai: ModelServer;
let ollama: ModelServer;

beforeAll(async () => {
  writeTinyGguf(modelPath);
  model = await localModel({ modelPath, threads: 1, contextSize: 512, parallel: 1 });
  openai = await startOpenAiServer(model, { modelName: SERVED, apiKey: API_KEY });
  ollama = await startOllamaServer(model, { modelName: SERVED });
});

afterAll(async () => {
  await openai.close();
  await ollama.close();
  await disposeLocalModels();
});

function config(c: Record<string, unknown>): AiConfig {
  return aiConfig.parse({ prompt: 'Summarise order {{ order.id }} for {{ customer }}', maxTokens: 12, ...c });
}
const openaiConfig = (c: Record<string, unknown> = {}): AiConfig =>
  config({ provider: 'openai', baseUrl: openai.baseUrl, apiKey: API_KEY, model: SERVED, ...c });
const ollamaConfig = (c: Record<string, unknown> = {}): AiConfig =>
  config({ provider: 'ollama', baseUrl: `http://127.0.0.1:${ollama.port}`, model: SERVED, ...c });

const variables = { order: { id: 42 }, customer: 'Ada' };

async function run(c: AiConfig, o: Parameters<typeof testJobContext>[0] = {}) {
  return aiAdapter.execute(variables, c, testJobContext(o));
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error(`expected a failure, got ${JSON.stringify(err)}`);
  return err;
}

describe('the ai adapter', () => {
  it('answers from a local GGUF file with ai_response, tokens_used and model_used, the same each time', async () => {
    const c = config(LOCAL);
    await aiAdapter.start?.(c, testEnvironment());
    const first = await run(c);
    expect(first).toEqual({
      ai_response: expect.stringMatching(/\S/) as unknown,
      tokens_used: expect.any(Number) as unknown,
      model_used: 'tiny.gguf',
    });
    // The prompt's tokens plus the 12 the answer may have (this model never stops early).
    expect(first.tokens_used).toBeGreaterThan(12);
    expect(await run(c)).toEqual(first);
    expect(await run(config({ ...LOCAL, model: 'my-name' }))).toEqual({ ...first, model_used: 'my-name' });
  });

  it('gives the same greedy answer through the OpenAI-compatible and the Ollama server as locally', async () => {
    const local = await run(config(LOCAL));
    const before = openai.requests.length;
    expect(await run(openaiConfig())).toEqual({ ...local, model_used: SERVED });
    expect(openai.requests.slice(before)).toEqual([
      { method: 'POST', path: '/v1/chat/completions', status: 200, authorization: `Bearer ${API_KEY}` },
    ]);
    expect(await run(ollamaConfig())).toEqual({ ...local, model_used: SERVED });
  });

  it('sends the system prompt and reads the prompt from promptVariable', async () => {
    const c = { systemPrompt: 'You answer {{ customer }} briefly.', prompt: undefined, promptVariable: 'question' };
    const vars = { customer: 'Ada', question: 'Where is my order?' };
    const local = await aiAdapter.execute(vars, config({ ...LOCAL, ...c }), testJobContext());
    const served = await aiAdapter.execute(vars, openaiConfig(c), testJobContext());
    expect(served.ai_response).toBe(local.ai_response);
    // A different system prompt is part of what the model reads.
    const plain = await aiAdapter.execute(vars, config({ ...LOCAL, ...c, systemPrompt: undefined }), testJobContext());
    expect(plain.tokens_used).toBeLessThan(local.tokens_used as number);
  });

  it('parses a JSON answer that fits jsonSchema (a grammar locally, response_format / format on the servers)', async () => {
    const json = {
      responseFormat: 'json',
      maxTokens: 40,
      jsonSchema: {
        type: 'object',
        properties: { risk: { enum: ['low', 'high'] } },
        required: ['risk'],
        additionalProperties: false,
      },
    };
    const local = await run(config({ ...LOCAL, ...json }));
    expect(local.ai_response).toEqual({ risk: expect.stringMatching(/^(low|high)$/) as unknown });
    expect((await run(openaiConfig(json))).ai_response).toEqual(local.ai_response);
    expect((await run(ollamaConfig(json))).ai_response).toEqual(local.ai_response);
  });

  it('fails a refused API key for good, telling to check the API key secret', async () => {
    const err = await failure(run(openaiConfig({ apiKey: 'sk-wrong' })));
    expect(err).not.toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/answered 401 \(Incorrect API key provided\.\).*check the API key secret/);
    expect(err.message).not.toContain('sk-wrong');
  });

  it('fails an unknown model for good, naming it', async () => {
    for (const c of [openaiConfig({ model: 'gpt-nope' }), ollamaConfig({ model: 'gpt-nope' })]) {
      const err = await failure(run(c));
      expect(err).not.toBeInstanceOf(TransientError);
      expect(err.message).toMatch(/answered 404 .*for model 'gpt-nope'/);
    }
  });

  it('retries a 429 or a 5xx: TransientError first, then the answer', async () => {
    const expected = await run(openaiConfig());
    openai.failNext(429);
    const limited = await failure(run(openaiConfig()));
    expect(limited).toBeInstanceOf(TransientError);
    expect(limited.message).toMatch(/answered 429 .*retry after 1 s/);
    expect(await run(openaiConfig())).toEqual(expected);

    ollama.failNext(503);
    expect(await failure(run(ollamaConfig()))).toBeInstanceOf(TransientError);
    expect((await run(ollamaConfig())).ai_response).toBe(expected.ai_response);
  });

  it('retries a refused connection and a server that does not answer within timeoutSeconds', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const refused = await failure(run(ollamaConfig({ baseUrl: `http://127.0.0.1:${port}` })));
    expect(refused).toBeInstanceOf(TransientError);
    expect(refused.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/api\/chat: .*ECONNREFUSED/);

    const silent = createServer(() => undefined); // accepts, never answers
    const silentPort = await listen(silent);
    try {
      const late = await failure(
        run(openaiConfig({ baseUrl: `http://127.0.0.1:${silentPort}/v1`, timeoutSeconds: 1 })),
      );
      expect(late).toBeInstanceOf(TransientError);
      expect(late.message).toMatch(/no answer from .*within 1 s \(timeoutSeconds\)/);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  it('does not connect where the SandboxPolicy egressAllowlist does not allow, and does where it does', async () => {
    const before = openai.requests.length;
    const denied = testPolicy({ egressAllowlist: ['api.openai.com', '10.0.0.0/8'] });
    const err = await failure(run(openaiConfig(), { policy: denied }));
    expect(err).not.toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/^ai \(openai\): egress to 127\.0\.0\.1 port \d+ .*not allowed .*egressAllowlist/);
    expect(openai.requests.length).toBe(before);

    const allowed = testPolicy({ egressAllowlist: [`127.0.0.1:${openai.port}`] });
    expect(await run(openaiConfig(), { policy: allowed })).toMatchObject({ model_used: SERVED });
  });

  it('health: the servers list the model and accept the key; otherwise it says what to fix', async () => {
    const env = testEnvironment();
    await expect(aiAdapter.healthCheck?.(openaiConfig(), env)).resolves.toBeUndefined();
    await expect(aiAdapter.healthCheck?.(ollamaConfig(), env)).resolves.toBeUndefined();
    await expect(aiAdapter.healthCheck?.(config(LOCAL), env)).resolves.toBeUndefined();
    await expect(aiAdapter.healthCheck?.(openaiConfig({ model: 'gpt-nope' }), env)).rejects.toThrow(
      `does not list model 'gpt-nope' (it offers: ${SERVED})`,
    );
    await expect(aiAdapter.healthCheck?.(ollamaConfig({ model: 'llama9' }), env)).rejects.toThrow(
      /has no model 'llama9' \(it has: tiny-chat:latest\); run 'ollama pull llama9'/,
    );
    await expect(aiAdapter.healthCheck?.(openaiConfig({ apiKey: 'nope' }), env)).rejects.toThrow(
      /check the API key secret/,
    );
  });

  it('start() refuses a model file that is missing or is not a model, saying what to fix', async () => {
    const missing = join(dir, 'missing.gguf');
    await expect(aiAdapter.start?.(config({ ...LOCAL, modelPath: missing }), testEnvironment())).rejects.toThrow(
      `modelPath ${missing} cannot be read (ENOENT): mount the GGUF file into the worker`,
    );
    const junk = join(dir, 'junk.gguf');
    writeFileSync(junk, 'not a model');
    await expect(aiAdapter.start?.(config({ ...LOCAL, modelPath: junk }), testEnvironment())).rejects.toThrow(
      `modelPath ${junk} is not a model llama.cpp can load`,
    );
  });

  it('fails for good when promptVariable is missing, or a JSON answer does not parse', async () => {
    const c = config({ ...LOCAL, prompt: undefined, promptVariable: 'question' });
    await expect(run(c)).rejects.toThrow("ai: variable 'question' (promptVariable) is missing or empty");
    // One token cannot hold a JSON object (the vocabulary has no "{}" piece).
    const cut = openaiConfig({ responseFormat: 'json', maxTokens: 1 });
    const err = await failure(run(cut));
    expect(err).not.toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/^ai: the answer is not JSON \(responseFormat: json\)/);
  });
});

describe('the ai config', () => {
  const issues = (c: Record<string, unknown>): string[] =>
    aiConfig.safeParse(c).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

  it('names the field a provider needs, and wants exactly one prompt source', () => {
    expect(issues({ provider: 'openai', prompt: 'hi' })).toEqual(['model: provider openai needs the model to ask for']);
    expect(issues({ provider: 'local', prompt: 'hi' })).toEqual([
      'modelPath: provider local needs modelPath (a GGUF file)',
    ]);
    expect(issues({ provider: 'ollama', model: 'm', prompt: 'hi', promptVariable: 'q' })).toEqual([
      'prompt: set exactly one of prompt (a template) and promptVariable',
    ]);
    expect(issues({ provider: 'ollama', model: 'm', prompt: '{{ x' })).toEqual([
      expect.stringMatching(/^prompt: the prompt template does not parse/),
    ]);
  });

  it('fetches only the variables the templates use', () => {
    expect(
      aiAdapter.fetchVariables?.(config({ ...LOCAL, systemPrompt: 'Be {{ tone }}.', promptVariable: undefined })),
    ).toEqual(['order', 'customer', 'tone']);
    expect(aiAdapter.fetchVariables?.(config({ ...LOCAL, prompt: undefined, promptVariable: 'q' }))).toEqual(['q']);
  });
});

async function listen(s: Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}
