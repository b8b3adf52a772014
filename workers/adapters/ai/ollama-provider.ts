// Ollama's native API: POST {baseUrl}/api/chat (stream: false), tokens from prompt_eval_count +
// eval_count; health is GET {baseUrl}/api/tags, which lists the pulled models.
import type { SandboxPolicySpec } from '../../../operator/api/index.js';
import type { AiConfig } from './ai-config.js';
import { apiUrl, httpJson } from './http-json.js';
import { chatMessages, type AiAnswer, type AiQuestion } from './provider.js';
import { failHttp, type CallSite } from './provider-errors.js';

export const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434';

interface ChatResponse {
  model?: unknown;
  message?: { content?: unknown };
  prompt_eval_count?: unknown;
  eval_count?: unknown;
}

export function ollamaSite(config: AiConfig, path: string): CallSite & { url: URL } {
  const url = apiUrl(config.baseUrl ?? OLLAMA_DEFAULT_URL, path);
  return { provider: 'ollama', model: config.model ?? '', endpoint: `${url.origin}${url.pathname}`, url };
}

export async function askOllama(config: AiConfig, q: AiQuestion): Promise<AiAnswer> {
  const site = ollamaSite(config, 'api/chat');
  const messages = chatMessages(q);
  const res = await httpJson({
    method: 'POST',
    url: site.url,
    headers: auth(config),
    body: {
      model: config.model,
      messages,
      stream: false,
      options: { num_predict: q.maxTokens, temperature: q.temperature },
      ...(q.json && { format: q.json.schema ?? 'json' }),
    },
    policy: q.policy,
    signal: q.signal,
  });
  if (res.status < 200 || res.status > 299) failHttp(site, res);
  const body = res.json as ChatResponse | undefined;
  const content = body?.message?.content;
  if (typeof content !== 'string')
    throw new Error(`ai (ollama): ${site.endpoint} answered without message.content: ${res.text.slice(0, 300)}`);
  return {
    text: content,
    tokensUsed: Number(body?.prompt_eval_count ?? 0) + Number(body?.eval_count ?? 0),
    model: typeof body?.model === 'string' ? body.model : (config.model ?? ''),
  };
}

/** GET /api/tags: the server answers and has the model pulled ("name" matches "name:latest"). */
export async function checkOllama(config: AiConfig, policy: SandboxPolicySpec, signal: AbortSignal): Promise<void> {
  const site = ollamaSite(config, 'api/tags');
  const res = await httpJson({ method: 'GET', url: site.url, headers: auth(config), policy, signal });
  if (res.status < 200 || res.status > 299) failHttp(site, res);
  const names = ((res.json as { models?: { name?: unknown }[] } | undefined)?.models ?? []).map((m) => String(m.name));
  const wanted = config.model ?? '';
  if (!names.some((n) => n === wanted || n === `${wanted}:latest`))
    throw new Error(
      `ai (ollama): ${site.endpoint} has no model '${wanted}' (it has: ${names.slice(0, 20).join(', ') || 'none'}); run 'ollama pull ${wanted}' on that server or fix the handler's model`,
    );
}

function auth(config: AiConfig): Record<string, string> {
  return config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {};
}
