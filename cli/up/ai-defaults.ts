// Where the AI query's providers are on one machine. The procos-ai pool reads them as secrets
// (PROCOS_AI_MODEL, OLLAMA_*, OPENAI_*): a file in .procos/secrets/procos-ai/ wins, then the
// environment of `procos up`, then the defaults below, handed to the workers' environment.
// Without any model the local provider gets a tiny generated GGUF — and the console says
// plainly that its answers are not meaningful, and how to point it at a real model.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeTinyGguf } from '../../workers/adapters/ai/tiny-gguf.js';

export const AI_SECRET = 'procos-ai';

const DEFAULTS: Record<string, string> = {
  OLLAMA_BASE_URL: 'http://127.0.0.1:11434',
  OLLAMA_MODEL: 'llama3.2',
  OPENAI_BASE_URL: 'https://api.openai.com/v1',
  OPENAI_MODEL: 'gpt-4o-mini',
  // The worker refuses to start with a secret it cannot find; a request for openai without a
  // key then fails with the server's 401, which names the problem.
  OPENAI_API_KEY: 'not-set',
};

export interface AiSetup {
  /** Environment for the workers: what neither a secret file nor our environment sets. */
  env: Record<string, string>;
  /** What the console should say about it. */
  notes: string[];
}

export function aiSetup(stateDir: string, secretsDir: string, env: NodeJS.ProcessEnv = process.env): AiSetup {
  const folder = join(secretsDir, AI_SECRET);
  mkdirSync(folder, { recursive: true });
  const set = (name: string): boolean => existsSync(join(folder, name)) || Boolean(env[name]);
  const out: AiSetup = { env: {}, notes: [] };
  for (const [name, value] of Object.entries(DEFAULTS)) if (!set(name)) out.env[name] = value;
  if (!set('PROCOS_AI_MODEL')) {
    const path = join(stateDir, 'models', 'procos-demo-tiny.gguf');
    if (!existsSync(path)) {
      mkdirSync(join(stateDir, 'models'), { recursive: true });
      writeTinyGguf(path);
    }
    out.env.PROCOS_AI_MODEL = path;
    out.notes.push(
      'no language model is configured: the local provider uses a tiny generated demo model, so its answers are NOT meaningful text.',
      `For real answers: PROCOS_AI_MODEL=/path/to/model.gguf (as environment, or a file of that name in ${folder});`,
      'or an Ollama (OLLAMA_BASE_URL, OLLAMA_MODEL) or OpenAI-compatible server (OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_API_KEY):',
      'add its pool from processes/ai-providers/ to processes/kustomization.yaml and its name to the ai-query provider enum in processes/request-types.yaml.',
    );
  }
  return out;
}
