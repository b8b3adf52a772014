// The ai adapter's handler config: which provider answers, which model, and how the prompt is
// made from the job's variables. Cross-field rules (a model for HTTP providers, a modelPath for
// local, exactly one prompt source) are checked here so a bad config stops the worker at start.
import { liquid } from '../liquid.js';
import { z } from 'zod';

export { liquid };

const template = (what: string) =>
  z
    .string()
    .min(1)
    .max(64 * 1024)
    .check((ctx) => {
      try {
        liquid.parse(ctx.value);
      } catch (err) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `the ${what} template does not parse: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    });

const variableName = z.string().min(1).max(255);

export const aiConfig = z
  .object({
    provider: z
      .enum(['openai', 'ollama', 'local'])
      .describe(
        'openai: any OpenAI-compatible chat completions API (OpenAI, vLLM, LM Studio, llama.cpp server); ' +
          "ollama: Ollama's native /api/chat; local: a GGUF model file run in the worker (node-llama-cpp, CPU).",
      ),
    model: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('Model name the server knows (required for openai and ollama); for local, only what model_used says.'),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('API root: https://api.openai.com/v1 (openai) or http://127.0.0.1:11434 (ollama) by default.'),
    apiKey: z
      .string()
      .min(1)
      .optional()
      .describe('Bearer token, e.g. {{secrets.OPENAI_API_KEY}} (openai; sent to ollama too when set).'),
    modelPath: z.string().min(1).optional().describe('GGUF file of the local provider, loaded once per worker.'),
    threads: z
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe('CPU threads of the local model; keep it at or below the cores the worker has.'),
    contextSize: z
      .int()
      .min(128)
      .max(131072)
      .default(2048)
      .describe('Context window (prompt plus answer, in tokens) of the local model.'),
    parallel: z
      .int()
      .min(1)
      .max(16)
      .default(1)
      .describe('Jobs the local model answers at once (context sequences); more wait their turn.'),
    systemPrompt: template('systemPrompt')
      .optional()
      .describe('System message; a Liquid template over the task headers and variables.'),
    prompt: template('prompt')
      .optional()
      .describe('User message: a Liquid template over the task headers and variables (or use promptVariable).'),
    promptVariable: variableName.optional().describe('Variable holding the user message (instead of prompt).'),
    maxTokens: z.int().min(1).max(32768).default(256).describe('Most tokens the answer may have.'),
    temperature: z.number().min(0).max(2).default(0).describe('0 picks the most likely token each time (repeatable).'),
    responseFormat: z
      .enum(['text', 'json'])
      .default('text')
      .describe('json: ask for JSON and parse it into the result variable (an unparsable answer is an incident).'),
    jsonSchema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('With responseFormat json: the JSON Schema the answer must fit (a grammar for local).'),
    timeoutSeconds: z.int().min(1).max(3600).default(60).describe('Longest wait for one answer; then retried.'),
    resultVariable: variableName.default('ai_response').describe('Variable the answer is written to.'),
  })
  .strict()
  .check((ctx) => {
    const c = ctx.value;
    const issue = (path: string, message: string): void => {
      ctx.issues.push({ code: 'custom', input: c, path: [path], message });
    };
    if (c.provider !== 'local' && !c.model) issue('model', `provider ${c.provider} needs the model to ask for`);
    if (c.provider === 'local' && !c.modelPath) issue('modelPath', 'provider local needs modelPath (a GGUF file)');
    if (c.provider !== 'local' && c.modelPath) issue('modelPath', 'only the local provider reads a model file');
    if (c.provider === 'local' && c.baseUrl) issue('baseUrl', 'the local provider has no server; remove baseUrl');
    if (!c.prompt === !c.promptVariable) issue('prompt', 'set exactly one of prompt (a template) and promptVariable');
    if (c.jsonSchema && c.responseFormat !== 'json') issue('jsonSchema', 'jsonSchema needs responseFormat: json');
  });

export type AiConfig = z.infer<typeof aiConfig>;
