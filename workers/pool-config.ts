// `procos-worker --pool FILE`: the WorkerPool manifest itself is the configuration (the same
// zod schema as the CRD), so what runs locally is what the operator deploys. Every problem is
// reported before the worker connects, naming the handler, the field and the rule.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { parseManifest } from '../operator/api/index.js';
import { ADAPTERS_BUILT, type JobRun } from './adapters/index.js';

export interface BoundHandler {
  taskType: string;
  adapter: string;
  retries: number;
  timeoutSeconds: number;
  run: JobRun;
}

export interface LoadedPool {
  name: string;
  maxJobsActive: number;
  handlers: BoundHandler[];
}

export type PoolResult = { ok: true; pool: LoadedPool } | { ok: false; errors: string[] };

export function bindPool(doc: unknown): PoolResult {
  const kind = typeof doc === 'object' && doc !== null ? (doc as { kind?: unknown }).kind : undefined;
  if (kind !== 'WorkerPool') return { ok: false, errors: [`kind: expected a WorkerPool, found ${String(kind)}`] };
  const parsed = parseManifest(doc);
  if (!parsed.ok) return parsed;
  if (parsed.manifest.kind !== 'WorkerPool') throw new Error('unreachable: kind checked above');
  const pool = parsed.manifest;
  const errors: string[] = [];
  const handlers: BoundHandler[] = [];
  pool.spec.handlers.forEach((h, i) => {
    const where = `spec.handlers[${i}] (${h.taskType})`;
    const adapter = ADAPTERS_BUILT.get(h.adapter);
    if (!adapter) {
      errors.push(
        `${where}.adapter: '${h.adapter}' is not built into this procos-worker yet (built: ${[...ADAPTERS_BUILT.keys()].join(', ')})`,
      );
      return;
    }
    const bound = adapter.bind(h.config);
    if (!bound.ok) {
      for (const issue of bound.issues) {
        const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
        errors.push(`${where}.config${path}: ${issue.message}`);
      }
      return;
    }
    handlers.push({
      taskType: h.taskType,
      adapter: h.adapter,
      retries: h.retries,
      timeoutSeconds: h.timeoutSeconds,
      run: bound.run,
    });
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, pool: { name: pool.metadata.name, maxJobsActive: pool.spec.maxJobsActive, handlers } };
}

export async function loadPool(file: string): Promise<PoolResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`${file}: ${err instanceof Error ? err.message : String(err)}`] };
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { ok: false, errors: [`${file}: not YAML: ${err instanceof Error ? err.message : String(err)}`] };
  }
  return bindPool(doc);
}
