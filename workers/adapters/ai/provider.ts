// What every provider does: one question (system + user message) in, one answer out, with the
// tokens it cost. Failures come out already classified (TransientError or a permanent Error).
import type { SandboxPolicySpec } from '../../../operator/api/index.js';

export interface AiQuestion {
  system: string | undefined;
  prompt: string;
  maxTokens: number;
  temperature: number;
  /** Ask for JSON; with a schema, for JSON of that shape. */
  json: { schema: Record<string, unknown> | undefined } | undefined;
  /** Aborted by the job's end or by timeoutSeconds. */
  signal: AbortSignal;
  policy: SandboxPolicySpec;
}

export interface AiAnswer {
  text: string;
  tokensUsed: number;
  model: string;
}

/** The chat messages both HTTP APIs take: an optional system message, then the prompt. */
export function chatMessages(q: AiQuestion): { role: 'system' | 'user'; content: string }[] {
  return [...(q.system ? [{ role: 'system' as const, content: q.system }] : []), { role: 'user', content: q.prompt }];
}
