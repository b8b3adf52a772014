// Validation of a manifest of any ProcOS kind, with errors a human can act on.
import type { z } from 'zod';
import { KINDS } from './kinds.js';
import type { ProcOSProcess } from './procos-process.js';
import type { SandboxPolicy } from './sandbox-policy.js';
import type { WorkerPool } from './worker-pool.js';
import { API_VERSION } from './meta.js';

export type Manifest = ProcOSProcess | WorkerPool | SandboxPolicy;

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; errors: string[] };

/** `spec.scaling.min: scaling.min must not exceed …` — field path first, like the apiserver. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

/** Parses a decoded YAML/JSON document and applies the CRD defaults. */
export function parseManifest(doc: unknown): ManifestResult {
  const kind = typeof doc === 'object' && doc !== null ? (doc as { kind?: unknown }).kind : undefined;
  const def = KINDS.find((k) => k.kind === kind);
  if (!def) {
    const known = KINDS.map((k) => k.kind).join(', ');
    return { ok: false, errors: [`kind: ${JSON.stringify(kind)} is not a ProcOS kind (${API_VERSION}: ${known})`] };
  }
  const result = def.object.safeParse(doc);
  if (result.success) return { ok: true, manifest: result.data as Manifest };
  return { ok: false, errors: formatIssues(result.error.issues) };
}
