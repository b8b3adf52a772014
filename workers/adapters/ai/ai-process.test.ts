// The ai adapter serving a process on a real procos-engine: a ticket is validated, rated by a
// model behind an OpenAI-compatible server on 127.0.0.1 (the key from a secret, the address
// allowed by the pool's SandboxPolicy), and summarised by the format adapter. The server answers
// from a tiny GGUF model this file writes, so the expected answer is the model's own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentOf, startHarness, type Harness } from '../../../engine/testing/engine-harness.js';
import { tempDir } from '../../../lib/testing/temp-dir.js';
import { startJobWorkers } from '../../job-runtime.js';
import { bindPool } from '../../pool-config.js';
import { SecretStore } from '../../secrets.js';
import { disposeLocalModels, localModel, type LocalModel } from './local-model.js';
import { startOpenAiServer, type ModelServer } from './testing/model-servers.js';
import { writeTinyGguf } from './tiny-gguf.js';

const PROMPT = 'Rate the risk of this ticket: {{ ticket }}';
const SCHEMA = {
  type: 'object',
  properties: { risk: { enum: ['low', 'medium', 'high'] } },
  required: ['risk'],
  additionalProperties: false,
};

describe('the ai adapter in a process on procos-engine', () => {
  const dir = tempDir('procos-ai-process-');
  const secrets: NodeJS.ProcessEnv = { OPENAI_API_KEY: 'sk-from-the-secret' };
  let h: Harness;
  let model: LocalModel;
  let server: ModelServer;
  let workers: { close(): Promise<void> } | undefined;

  beforeAll(async () => {
    const modelPath = join(dir, 'tiny.gguf');
    writeTinyGguf(modelPath);
    model = await localModel({ modelPath, threads: 1, contextSize: 512, parallel: 1 });
    server = await startOpenAiServer(model, { modelName: 'tiny-chat', apiKey: 'sk-from-the-secret' });
    h = await startHarness();
    const bound = bindPool(
      [
        {
          apiVersion: 'procos.io/v1alpha1',
          kind: 'SandboxPolicy',
          metadata: { name: 'triage' },
          spec: { allowedTaskTypes: ['triage.*'], egressAllowlist: [`127.0.0.1:${server.port}`] },
        },
        {
          apiVersion: 'procos.io/v1alpha1',
          kind: 'WorkerPool',
          metadata: { name: 'triage' },
          spec: {
            sandboxPolicyRef: { name: 'triage' },
            taskTypes: ['triage.validate', 'triage.rate', 'triage.summarise'],
            handlers: [
              {
                taskType: 'triage.validate',
                adapter: 'validate',
                config: {
                  schema: { type: 'object', required: ['ticket'], properties: { ticket: { type: 'string' } } },
                },
              },
              {
                taskType: 'triage.rate',
                adapter: 'ai',
                retries: 0,
                config: {
                  provider: 'openai',
                  baseUrl: server.baseUrl,
                  apiKey: '{{secrets.OPENAI_API_KEY}}',
                  model: 'tiny-chat',
                  systemPrompt: 'You rate support tickets.',
                  prompt: PROMPT,
                  responseFormat: 'json',
                  jsonSchema: SCHEMA,
                  maxTokens: 40,
                },
              },
              {
                taskType: 'triage.summarise',
                adapter: 'format',
                config: {
                  template: '{{ ticket }}: {{ ai_response.risk }} risk ({{ model_used }}, {{ tokens_used }} tokens)',
                  output: 'summary',
                },
              },
            ],
          },
        },
      ],
      { secrets: new SecretStore(undefined, secrets) },
    );
    if (!bound.ok) throw new Error(bound.errors.join('\n'));
    const log = pino({ level: 'silent' });
    // As procos-worker does before it connects.
    for (const handler of bound.pool.handlers) await handler.start({ policy: bound.pool.policy, log });
    workers = startJobWorkers(h.client(), bound.pool, log, { retryBaseMs: 10 });
    await h.client().deployResource({
      name: 'ai-triage.bpmn',
      process: readFileSync(new URL('testdata/ai-triage.bpmn', import.meta.url)),
    });
  });

  afterAll(async () => {
    await workers?.close();
    await h.stop();
    await server.close();
    await disposeLocalModels();
  });

  const start = (ticket: string) =>
    h.client().createProcessInstance({ bpmnProcessId: 'ai-triage', variables: { ticket } });

  it('validates the ticket, asks the model and writes the summary with its answer', async () => {
    const ticket = 'Card charged twice for order 42';
    // What the model itself says to this question (greedy: the same every time).
    const own = await model.ask({
      system: 'You rate support tickets.',
      prompt: PROMPT.replace('{{ ticket }}', ticket),
      maxTokens: 40,
      temperature: 0,
      json: { schema: SCHEMA },
      signal: new AbortController().signal,
    });
    const risk = (JSON.parse(own.text) as { risk: string }).risk;
    const tokens = own.inputTokens + own.outputTokens;

    const i = await start(ticket);
    expect(await h.outcome(i.processInstanceKey)).toEqual({
      state: 'COMPLETED',
      endEvents: ['done'],
      variables: {
        ticket,
        ai_response: { risk },
        tokens_used: tokens,
        model_used: 'tiny-chat',
        summary: `${ticket}: ${risk} risk (tiny-chat, ${tokens} tokens)`,
      },
    });
  });

  it('a key the server refuses becomes an incident at the AI task saying to check the secret', async () => {
    secrets.OPENAI_API_KEY = 'sk-rotated-wrong'; // secrets are read again per job
    try {
      const i = await start('Where is my parcel?');
      const incident = await incidentOf(h, i.processInstanceKey);
      expect(incident).toMatchObject({ errorType: 'JOB_NO_RETRIES', elementId: 'rate' });
      expect(incident.errorMessage).toMatch(/^ai \(openai\): .* answered 401 .*check the API key secret/);
    } finally {
      secrets.OPENAI_API_KEY = 'sk-from-the-secret';
    }
  });
});
