// Each adapter's config schema, loaded alone: the operator checks handler configs before it rolls
// worker pods, and loading every adapter (HTTP, SMTP, AI clients) for that would cost it ~13 MB
// of its 150 MB. The test beside this file holds the list equal to ADAPTERS_BUILT.
import type { z } from 'zod';

export const ADAPTER_CONFIG_SCHEMAS: Record<string, () => Promise<z.ZodType>> = {
  ai: () => import('./ai/ai-adapter.js').then((m) => m.aiAdapter.configSchema),
  compute: () => import('./compute/compute-adapter.js').then((m) => m.computeAdapter.configSchema),
  format: () => import('./format/format-adapter.js').then((m) => m.formatAdapter.configSchema),
  http: () => import('./http/http-adapter.js').then((m) => m.httpAdapter.configSchema),
  python: () => import('./python/python-adapter.js').then((m) => m.pythonAdapter.configSchema),
  smtp: () => import('./smtp/smtp-adapter.js').then((m) => m.smtpAdapter.configSchema),
  validate: () => import('./validate/validate-adapter.js').then((m) => m.validateAdapter.configSchema),
};
