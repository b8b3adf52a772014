// OpenAI-compatible chat completions (OpenAI, vLLM, LM Studio, llama.cpp server, …):
// POST {baseUrl}/chat/completions, usage from `usage.total_tokens`; health is GET {baseUrl}/models.
import type { SandboxPolicySpec } from '../../../operator/api/index.js';
import type { AiConfig } from './ai-config.js';
import { apiUrl, httpJson } from './http-json.js';
import { chatMessages, type AiAnswer, type AiQuestion } from './provider.js';
import { failHttp, type CallSite } from './provider-errors.js';

export const OPENAI_DEFAULT_URL = 'https://api.openai.com/v1';

interface ChatCompletion {
  model?: unknown;
  choices?: { message?: { content?: unknown } }[];
  usage?: { total_tokens?: unknown; prompt_tokens?: unknown; completion_tokens?: unknown };
}

export function openaiSite(config: AiConfig, path: string): CallSite & { url: URL } {
  const url = apiUrl(config.baseUrl ?? OPENAI_DEFAULT_URL, path);
  return { provider: 'openai', model: config.model ?? '', endpoint: `${url.origin}${url.pathname}`, url };
}

export async function askOpenAi(config: AiConfig, q: AiQuestion): Promise<AiAnswer> {
  const site = openaiSite(config, 'chat/completions');
  const messages = chatMessages(q);
  const res = await httpJson({
    method: 'POST',
    url: site.url,
    headers: auth(config),
    body: {
      model: config.model,
      messages,
      max_tokens: q.maxTokens,
      temperature: q.temperature,
      ...(q.json && {
        response_format: q.json.schema
          ? { type: 'json_schema', json_schema: { name: 'result', schema: q.json.schema, strict: true } }
          : { type: 'json_object' },
      }),
    },
    policy: q.policy,
    signal: q.signal,
  });
  if (res.status < 200 || res.status > 299) failHttp(site, res);
  const body = res.json as ChatCompletion | undefined;
  const content = body?.choices?.[0]?.message?.content;
  if (typeof content !== 'string')
    throw new Error(
      `ai (openai): ${site.endpoint} answered without choices[0].message.content: ${res.text.slice(0, 300)}`,
    );
  const u = body?.usage;
  const tokens =
    typeof u?.total_tokens === 'number'
      ? u.total_tokens
      : Number(u?.prompt_tokens ?? 0) + Number(u?.completion_tokens ?? 0);
  return {
    text: content,
    tokensUsed: tokens,
    model: typeof body?.model === 'string' ? body.model : (config.model ?? ''),
  };
}

/** GET /models: the key works and the server offers the model. */
export async function checkOpenAi(config: AiConfig, policy: SandboxPolicySpec, signal: AbortSignal): Promise<void> {
  const site = openaiSite(config, 'models');
  const res = await httpJson({ method: 'GET', url: site.url, headers: auth(config), policy, signal });
  if (res.status < 200 || res.status > 299) failHttp(site, res);
  const ids = ((res.json as { data?: { id?: unknown }[] } | undefined)?.data ?? []).map((m) => m.id);
  if (!ids.includes(config.model))
    throw new Error(
      `ai (openai): ${site.endpoint} does not list model '${config.model}' (it offers: ${ids.slice(0, 20).join(', ') || 'none'}); fix the handler's model`,
    );
}

function auth(config: AiConfig): Record<string, string> {
  return config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {};
}
