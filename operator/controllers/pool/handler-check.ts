// The operator checks a pool's handler configs against the adapters' own schemas (the ones
// procos-worker binds at start) before it rolls pods: a config the workers would refuse is
// reported in status and the running pods are left alone. `{{secrets.KEY}}` values are known only
// inside the pods, so a field that holds a placeholder is not judged here (the worker checks it).
import { ADAPTER_CONFIG_SCHEMAS } from '../../../workers/adapters/config-schemas.js';
import type { WorkerPoolSpec } from '../../api/index.js';

const PLACEHOLDER = /\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_.-]*\s*\}\}/g;
/** What a placeholder is replaced with for the schema check: a plain token, valid in most strings. */
const STAND_IN = 'secret';

type Path = readonly PropertyKey[];

/** Paths of the strings holding a placeholder, and the config with each placeholder stood in for. */
function standIn(value: unknown, path: Path = [], found: Path[] = []): { value: unknown; secretPaths: Path[] } {
  if (typeof value === 'string') {
    if (!value.match(PLACEHOLDER)) return { value, secretPaths: found };
    found.push(path);
    return { value: value.replace(PLACEHOLDER, STAND_IN), secretPaths: found };
  }
  if (Array.isArray(value))
    return { value: value.map((v, i) => standIn(v, [...path, i], found).value), secretPaths: found };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = standIn(v, [...path, k], found).value;
    return { value: out, secretPaths: found };
  }
  return { value, secretPaths: found };
}

const startsWith = (path: Path, prefix: Path): boolean => prefix.every((p, i) => path[i] === p);

const formatPath = (path: Path): string =>
  path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');

/** Problems of the pool's handler configs, each naming the handler and the field; [] when all fit. */
export async function handlerProblems(spec: Pick<WorkerPoolSpec, 'handlers'>): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, h] of spec.handlers.entries()) {
    const where = `spec.handlers[${i}] (${h.taskType})`;
    // Only the schemas of the adapters in use are loaded (see config-schemas.ts).
    const load = ADAPTER_CONFIG_SCHEMAS[h.adapter];
    if (!load) {
      problems.push(`${where}.adapter: '${h.adapter}' is not built into procos-worker`);
      continue;
    }
    const { value, secretPaths } = standIn(h.config ?? {});
    const parsed = (await load()).safeParse(value);
    if (parsed.success) continue;
    for (const issue of parsed.error.issues) {
      if (secretPaths.some((p) => startsWith(issue.path, p))) continue;
      problems.push(`${where}.config${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return problems;
}
