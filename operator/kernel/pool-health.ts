// procos.system.check on a cluster, for WorkerPools (pure): each pool's health as its Ready
// condition and ready workers say, named as the error-recovery process passes it back to
// procos.system.restart. `pool/<name>` like procos up names pools; `pool/<namespace>/<name>`
// when pools of that name exist in more than one watched namespace.
import type { ComponentHealth } from '../../lib/kernel/kernel-jobs.js';
import { conditionOf } from '../runtime/conditions.js';
import type { PoolObject } from '../controllers/pool/pool-observer.js';

export interface NamedPool {
  component: string;
  pool: PoolObject;
}

export function namedPools(pools: readonly PoolObject[]): NamedPool[] {
  const live = pools.filter((p) => !p.metadata.deletionTimestamp);
  const count = new Map<string, number>();
  for (const p of live) count.set(p.metadata.name, (count.get(p.metadata.name) ?? 0) + 1);
  return live
    .map((pool) => ({
      component:
        count.get(pool.metadata.name) === 1
          ? `pool/${pool.metadata.name}`
          : `pool/${pool.metadata.namespace ?? ''}/${pool.metadata.name}`,
      pool,
    }))
    .sort((a, b) => a.component.localeCompare(b.component));
}

/** The pool a component name means, in either form; undefined when there is none (or it is ambiguous). */
export function poolOfComponent(component: string, pools: readonly PoolObject[]): PoolObject | undefined {
  const named = namedPools(pools);
  const exact = named.find((n) => n.component === component);
  if (exact) return exact.pool;
  const m = /^pool\/([^/]+)\/([^/]+)$/.exec(component);
  return m ? named.find((n) => n.pool.metadata.namespace === m[1] && n.pool.metadata.name === m[2])?.pool : undefined;
}

/**
 * How long a pool may be starting or rolling out before a check calls it unhealthy: error
 * recovery restarts what is unhealthy, and restarting a rollout that is simply under way (a new
 * pool, a config change, a restart just asked for) would only start it over.
 */
export const ROLLOUT_GRACE_MS = 5 * 60_000;

export function poolHealth({ component, pool }: NamedPool, now = Date.now()): ComponentHealth {
  const ready = conditionOf(pool.status?.conditions, 'Ready');
  const workers = `${pool.status?.readyReplicas ?? 0}/${pool.status?.desiredReplicas ?? pool.status?.replicas ?? 0} workers ready`;
  const within = (since: string | undefined): boolean =>
    since !== undefined && now - Date.parse(since) < ROLLOUT_GRACE_MS;
  if (!ready) {
    const young = within(pool.metadata.creationTimestamp);
    return {
      component,
      kind: 'pool',
      healthy: young,
      detail: `the operator has not reported on it yet${young ? ' (new)' : ''}; ${workers}`,
    };
  }
  if (ready.status !== 'True' && ready.reason === 'RollingOut' && within(ready.lastTransitionTime))
    return { component, kind: 'pool', healthy: true, detail: `rolling out: ${ready.message}` };
  const healthy = ready.status === 'True';
  return {
    component,
    kind: 'pool',
    healthy,
    detail: healthy ? `${workers} (${ready.reason})` : `not Ready (${ready.reason}): ${ready.message}; ${workers}`,
  };
}
