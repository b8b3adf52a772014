// ai: asks a language model one question made from the job's variables and completes the job with
// the answer (`ai_response` by default), `tokens_used` and `model_used`. Three providers: any
// OpenAI-compatible API, Ollama's native API, or a GGUF model run inside the worker. A refused key
// or an unknown model becomes an incident saying what to fix; rate limits, server errors,
// refused connections and timeouts are retried (TransientError).
import type { SandboxPolicySpec } from '../../../operator/api/index.js';
import type { AdapterEnvironment, ServiceAdapter } from '../service-adapter.js';
import { aiConfig, liquid, type AiConfig } from './ai-config.js';
import { localModel, type LocalModelOptions } from './local-model.js';
import { askOllama, checkOllama, ollamaSite } from './ollama-provider.js';
import { askOpenAi, checkOpenAi, openaiSite } from './openai-provider.js';
import type { AiAnswer, AiQuestion } from './provider.js';
import { classify, type CallSite } from './provider-errors.js';

export const aiAdapter: ServiceAdapter<AiConfig> = {
  name: 'ai',
  summary: 'asks a language model (OpenAI-compatible API, Ollama or a local GGUF file) a templated prompt',
  configSchema: aiConfig,

  async start(config, env) {
    if (config.provider !== 'local') return;
    const model = await localModel(localOptions(config), env.log);
    if (config.jsonSchema)
      await model.grammar(config.jsonSchema).catch((err: unknown) => {
        throw new Error(
          `ai (local): jsonSchema cannot be turned into a llama.cpp grammar (${err instanceof Error ? err.message : String(err)}); simplify the schema`,
        );
      });
  },

  async execute(variables, config, context) {
    const scope = { ...context.headers, ...variables };
    const prompt = await promptOf(config, variables, scope);
    const system = config.systemPrompt ? await render(config.systemPrompt, scope) : undefined;
    const timeout = AbortSignal.timeout(config.timeoutSeconds * 1000);
    const question: AiQuestion = {
      system,
      prompt,
      maxTokens: config.maxTokens,
      temperature: config.temperature,
      json: config.responseFormat === 'json' ? { schema: config.jsonSchema } : undefined,
      signal: AbortSignal.any([context.signal, timeout]),
      policy: context.policy,
    };
    let answer: AiAnswer;
    try {
      answer = await ask(config, question);
    } catch (err) {
      throw classify(err, siteOf(config), timeout.aborted, config.timeoutSeconds);
    }
    return {
      [config.resultVariable]: config.responseFormat === 'json' ? parseAnswer(answer.text) : answer.text,
      tokens_used: answer.tokensUsed,
      model_used: answer.model,
    };
  },

  async healthCheck(config, env) {
    const signal = AbortSignal.timeout(Math.min(config.timeoutSeconds, 10) * 1000);
    try {
      await check(config, env, signal);
    } catch (err) {
      throw classify(err, siteOf(config), signal.aborted, Math.min(config.timeoutSeconds, 10));
    }
  },

  fetchVariables(config) {
    const names = new Set<string>(config.promptVariable ? [config.promptVariable] : []);
    for (const t of [config.prompt, config.systemPrompt])
      if (t) for (const n of liquid.globalVariablesSync(t)) names.add(n);
    return [...names];
  },
};

async function ask(config: AiConfig, q: AiQuestion): Promise<AiAnswer> {
  switch (config.provider) {
    case 'openai':
      return askOpenAi(config, q);
    case 'ollama':
      return askOllama(config, q);
    case 'local': {
      const model = await localModel(localOptions(config));
      const a = await model.ask(q);
      return { text: a.text, tokensUsed: a.inputTokens + a.outputTokens, model: config.model ?? model.name };
    }
  }
}

async function check(config: AiConfig, env: AdapterEnvironment, signal: AbortSignal): Promise<void> {
  const policy: SandboxPolicySpec = env.policy;
  switch (config.provider) {
    case 'openai':
      return checkOpenAi(config, policy, signal);
    case 'ollama':
      return checkOllama(config, policy, signal);
    case 'local':
      await localModel(localOptions(config));
  }
}

function siteOf(config: AiConfig): CallSite {
  switch (config.provider) {
    case 'openai':
      return openaiSite(config, 'chat/completions');
    case 'ollama':
      return ollamaSite(config, 'api/chat');
    case 'local':
      return { provider: 'local', model: config.model ?? '', endpoint: config.modelPath ?? '' };
  }
}

function localOptions(config: AiConfig): LocalModelOptions {
  return {
    modelPath: config.modelPath ?? '',
    threads: config.threads,
    contextSize: config.contextSize,
    parallel: config.parallel,
  };
}

async function promptOf(config: AiConfig, variables: Record<string, unknown>, scope: object): Promise<string> {
  if (config.prompt) {
    const text = await render(config.prompt, scope);
    if (!text.trim()) throw new Error('ai: the prompt template rendered to nothing; check the variables it uses');
    return text;
  }
  const name = config.promptVariable ?? '';
  const value = variables[name];
  if (value === undefined || value === null || value === '')
    throw new Error(`ai: variable '${name}' (promptVariable) is missing or empty; set it before this task`);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function render(template: string, scope: object): Promise<string> {
  return String(await liquid.parseAndRender(template, scope));
}

function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(
      `ai: the answer is not JSON (responseFormat: json): ${err instanceof Error ? err.message : String(err)}; ` +
        `it begins ${JSON.stringify(text.slice(0, 200))} — raise maxTokens or give a jsonSchema`,
    );
  }
}
