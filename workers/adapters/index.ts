// The adapters this build of procos-worker has, by the name a WorkerPool handler uses. Each is
// bound to a handler's config once, at start: a config that fails the adapter's schema stops
// the worker before it connects.
import type { z } from 'zod';
import { formatAdapter } from './format/format-adapter.js';
import type { JobContext, ServiceAdapter } from './service-adapter.js';
import { validateAdapter } from './validate/validate-adapter.js';

export type JobRun = (variables: Record<string, unknown>, context: JobContext) => Promise<Record<string, unknown>>;

export interface AdapterEntry {
  name: string;
  bind(config: unknown): { ok: true; run: JobRun } | { ok: false; issues: readonly z.core.$ZodIssue[] };
}

function entry<C>(adapter: ServiceAdapter<C>): AdapterEntry {
  return {
    name: adapter.name,
    bind(config) {
      const parsed = adapter.configSchema.safeParse(config ?? {});
      if (!parsed.success) return { ok: false, issues: parsed.error.issues };
      const c = parsed.data;
      return { ok: true, run: (variables, context) => adapter.execute(variables, c, context) };
    },
  };
}

export const ADAPTERS_BUILT: ReadonlyMap<string, AdapterEntry> = new Map([
  ['format', entry(formatAdapter)],
  ['validate', entry(validateAdapter)],
]);

export { BpmnError, TransientError, type JobContext, type ServiceAdapter } from './service-adapter.js';
