// The adapters this build of procos-worker has, by the name a WorkerPool handler uses. Each is
// bound to a handler's config once, at start: a config that fails the adapter's schema, or names
// a secret that does not exist, stops the worker before it connects. Configs that mention
// secrets are resolved again per job, so a rotated Secret volume takes effect without a restart.
import type { z } from 'zod';
import { resolveSecrets, SecretNotFound, secretNames, type SecretStore } from '../secrets.js';
import { aiAdapter } from './ai/ai-adapter.js';
import { computeAdapter } from './compute/compute-adapter.js';
import { formatAdapter } from './format/format-adapter.js';
import { httpAdapter } from './http/http-adapter.js';
import { pythonAdapter } from './python/python-adapter.js';
import type { AdapterEnvironment, JobContext, ServiceAdapter } from './service-adapter.js';
import { smtpAdapter } from './smtp/smtp-adapter.js';
import { validateAdapter } from './validate/validate-adapter.js';

export type JobRun = (variables: Record<string, unknown>, context: JobContext) => Promise<Record<string, unknown>>;

export interface BoundAdapter {
  run: JobRun;
  start(env: AdapterEnvironment): Promise<void>;
  healthCheck(env: AdapterEnvironment): Promise<void>;
  /** Variable names to fetch with each job; undefined = all. */
  fetchVariables: string[] | undefined;
}

export type BindResult =
  { ok: true; bound: BoundAdapter } | { ok: false; issues: readonly Pick<z.core.$ZodIssue, 'path' | 'message'>[] };

export interface AdapterEntry {
  name: string;
  summary: string;
  configSchema: z.ZodType;
  bind(config: unknown, secrets: SecretStore): BindResult;
}

function entry<C>(adapter: ServiceAdapter<C>): AdapterEntry {
  return {
    name: adapter.name,
    summary: adapter.summary,
    configSchema: adapter.configSchema,
    bind(raw, secrets) {
      raw ??= {};
      const missing = secretNames(raw).filter((n) => {
        try {
          secrets.get(n);
          return false;
        } catch (err) {
          if (err instanceof SecretNotFound) return true;
          throw err;
        }
      });
      if (missing.length)
        return {
          ok: false,
          issues: missing.map((n) => ({ path: [], message: `secret '${n}' not found (${secrets.describe(n)})` })),
        };
      const parsed = adapter.configSchema.safeParse(resolveSecrets(raw, secrets));
      if (!parsed.success) return { ok: false, issues: parsed.error.issues };
      const withSecrets = secretNames(raw).length > 0;
      const config = (): C => {
        if (!withSecrets) return parsed.data;
        const again = adapter.configSchema.safeParse(resolveSecrets(raw, secrets));
        if (!again.success) throw new Error(`config with its secrets resolved no longer fits: ${again.error.message}`);
        return again.data;
      };
      return {
        ok: true,
        bound: {
          run: (variables, context) => adapter.execute(variables, config(), context),
          start: (env) => adapter.start?.(parsed.data, env) ?? Promise.resolve(),
          healthCheck: (env) => adapter.healthCheck?.(parsed.data, env) ?? Promise.resolve(),
          fetchVariables: adapter.fetchVariables?.(parsed.data),
        },
      };
    },
  };
}

export const ADAPTERS_BUILT: ReadonlyMap<string, AdapterEntry> = new Map([
  ['ai', entry(aiAdapter)],
  ['compute', entry(computeAdapter)],
  ['format', entry(formatAdapter)],
  ['http', entry(httpAdapter)],
  ['python', entry(pythonAdapter)],
  ['smtp', entry(smtpAdapter)],
  ['validate', entry(validateAdapter)],
]);

export {
  BpmnError,
  TransientError,
  type AdapterEnvironment,
  type JobContext,
  type ServiceAdapter,
} from './service-adapter.js';
