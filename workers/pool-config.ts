// `procos-worker --pool FILE`: the WorkerPool manifest itself is the configuration (the same
// zod schema as the CRD), so what runs locally is what the operator deploys. The file (or
// --policy FILE) may also hold the SandboxPolicy the pool names in spec.sandboxPolicyRef; its
// limits bound the adapters (egress allowlist, script sandbox). Every problem is reported before
// the worker connects, naming the handler, the field and the rule.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { compileGlobs, disallowedTaskTypes } from '../lib/policy/task-type-glob.js';
import {
  parseManifest,
  sandboxPolicySpec,
  type SandboxPolicy,
  type SandboxPolicySpec,
  type WorkerPool,
} from '../operator/api/index.js';
import { ADAPTERS_BUILT, type BoundAdapter } from './adapters/index.js';
import { SecretStore } from './secrets.js';

export interface BoundHandler extends BoundAdapter {
  taskType: string;
  adapter: string;
  retries: number;
  timeoutSeconds: number;
}

export interface LoadedPool {
  name: string;
  maxJobsActive: number;
  /** The referenced SandboxPolicy's spec, or the schema's defaults when the pool names none. */
  policy: SandboxPolicySpec;
  /** Which policy applies, for logs and --check. */
  policyName: string | undefined;
  handlers: BoundHandler[];
  secrets: SecretStore;
}

export type PoolResult = { ok: true; pool: LoadedPool } | { ok: false; errors: string[] };

export interface BindOptions {
  secrets?: SecretStore;
}

/** Binds a WorkerPool (one document, or a list with the SandboxPolicy it names) to the built adapters. */
export function bindPool(docs: unknown, o: BindOptions = {}): PoolResult {
  const secrets = o.secrets ?? new SecretStore(undefined);
  const all = Array.isArray(docs) ? docs : [docs];
  const pools: WorkerPool[] = [];
  const policies: SandboxPolicy[] = [];
  const errors: string[] = [];
  for (const doc of all) {
    const kind = typeof doc === 'object' && doc !== null ? (doc as { kind?: unknown }).kind : undefined;
    if (kind !== 'WorkerPool' && kind !== 'SandboxPolicy') {
      errors.push(`kind: expected a WorkerPool (and optionally its SandboxPolicy), found ${String(kind)}`);
      continue;
    }
    const parsed = parseManifest(doc);
    if (!parsed.ok) errors.push(...parsed.errors);
    else if (parsed.manifest.kind === 'WorkerPool') pools.push(parsed.manifest);
    else if (parsed.manifest.kind === 'SandboxPolicy') policies.push(parsed.manifest);
  }
  if (errors.length) return { ok: false, errors };
  if (pools.length !== 1) return { ok: false, errors: [`expected exactly one WorkerPool, found ${pools.length}`] };
  const pool = pools[0] as WorkerPool;

  const ref = pool.spec.sandboxPolicyRef?.name;
  const policy = ref ? policies.find((p) => p.metadata.name === ref) : undefined;
  if (ref && !policy)
    return {
      ok: false,
      errors: [
        `spec.sandboxPolicyRef: SandboxPolicy '${ref}' was not given; add it to the pool file (as another YAML document) or pass --policy FILE`,
      ],
    };
  for (const p of policies)
    if (p !== policy)
      errors.push(
        `SandboxPolicy '${p.metadata.name}' was given but the pool does not name it; set spec.sandboxPolicyRef.name: ${p.metadata.name}`,
      );
  const policySpec = policy ? policy.spec : sandboxPolicySpec.parse({ allowedTaskTypes: ['*'] });
  if (policy) {
    const globs = compileGlobs(policySpec.allowedTaskTypes);
    const refused = disallowedTaskTypes(pool.spec.taskTypes, globs.globs);
    if (refused.length)
      errors.push(
        `spec.taskTypes: ${refused.join(', ')} not allowed by SandboxPolicy '${ref}' (allowedTaskTypes: ${policySpec.allowedTaskTypes.join(', ')})`,
      );
  }

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
    const bound = adapter.bind(h.config, secrets);
    if (!bound.ok) {
      for (const issue of bound.issues) {
        const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
        errors.push(`${where}.config${path}: ${secrets.redact(issue.message)}`);
      }
      return;
    }
    handlers.push({
      ...bound.bound,
      taskType: h.taskType,
      adapter: h.adapter,
      retries: h.retries,
      timeoutSeconds: h.timeoutSeconds,
    });
  });
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    pool: {
      name: pool.metadata.name,
      maxJobsActive: pool.spec.maxJobsActive,
      policy: policySpec,
      policyName: ref,
      handlers,
      secrets,
    },
  };
}

async function readDocs(file: string): Promise<{ ok: true; docs: unknown[] } | { ok: false; errors: string[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, errors: [`${file}: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const broken = list.flatMap((d) => d.errors.map((e) => `${file}: not YAML: ${e.message}`));
  if (broken.length) return { ok: false, errors: broken };
  return { ok: true, docs: list.map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined) };
}

export interface LoadOptions {
  /** Another file with the SandboxPolicy the pool names. */
  policyFile?: string;
  /** A directory of secret files (a mounted Secret volume); the environment is the fallback. */
  secretsDir?: string;
}

export async function loadPool(file: string, o: LoadOptions = {}): Promise<PoolResult> {
  const docs = await readDocs(file);
  if (!docs.ok) return docs;
  if (o.policyFile) {
    const more = await readDocs(o.policyFile);
    if (!more.ok) return more;
    docs.docs.push(...more.docs);
  }
  return bindPool(docs.docs, { secrets: new SecretStore(o.secretsDir) });
}
