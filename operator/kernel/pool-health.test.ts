import { describe, expect, it } from 'vitest';
import type { PoolObject } from '../controllers/pool/pool-observer.js';
import { namedPools, poolHealth, poolOfComponent, ROLLOUT_GRACE_MS } from './pool-health.js';

const pool = (namespace: string, name: string, status?: PoolObject['status']): PoolObject =>
  ({ metadata: { name, namespace }, spec: { taskTypes: ['t'] }, status }) as unknown as PoolObject;
const ready = (status: 'True' | 'False', reason: string, message: string) => ({
  conditions: [{ type: 'Ready', status, reason, message, lastTransitionTime: '2026-01-01T00:00:00Z' }],
  readyReplicas: status === 'True' ? 2 : 0,
  desiredReplicas: 2,
});

describe('pool health on a cluster', () => {
  it('names a pool pool/<name> like procos up, and pool/<namespace>/<name> when the name is in two namespaces', () => {
    const names = namedPools([pool('a', 'echo'), pool('a', 'ai'), pool('b', 'ai')]).map((n) => n.component);
    expect(names).toEqual(['pool/a/ai', 'pool/b/ai', 'pool/echo']);
  });

  it('finds the pool a component names, in either form, and none for an unknown or ambiguous name', () => {
    const pools = [pool('a', 'echo'), pool('a', 'ai'), pool('b', 'ai')];
    expect(poolOfComponent('pool/echo', pools)?.metadata.namespace).toBe('a');
    expect(poolOfComponent('pool/a/echo', pools)?.metadata.name).toBe('echo');
    expect(poolOfComponent('pool/b/ai', pools)?.metadata.namespace).toBe('b');
    expect(poolOfComponent('pool/ai', pools)).toBeUndefined();
    expect(poolOfComponent('ingress', pools)).toBeUndefined();
  });

  it('gives a starting or rolling-out pool five minutes before calling it unhealthy (error recovery would restart it)', () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    const rolling = pool('a', 'echo', ready('False', 'RollingOut', '0/2 workers ready, 2 updated'));
    expect(poolHealth({ component: 'pool/echo', pool: rolling }, t + ROLLOUT_GRACE_MS - 1)).toMatchObject({
      healthy: true,
      detail: 'rolling out: 0/2 workers ready, 2 updated',
    });
    expect(poolHealth({ component: 'pool/echo', pool: rolling }, t + ROLLOUT_GRACE_MS)).toMatchObject({
      healthy: false,
    });
    // A pod problem is unhealthy at once: a restart may help, waiting does not.
    const crashing = pool('a', 'echo', ready('False', 'CrashLoopBackOff', 'back-off restarting'));
    expect(poolHealth({ component: 'pool/echo', pool: crashing }, t + 1)).toMatchObject({ healthy: false });
    const fresh = {
      ...pool('a', 'new'),
      metadata: { name: 'new', namespace: 'a', creationTimestamp: '2026-01-01T00:00:00Z' },
    };
    expect(poolHealth({ component: 'pool/new', pool: fresh }, t + 1000)).toMatchObject({
      healthy: true,
      detail: 'the operator has not reported on it yet (new); 0/0 workers ready',
    });
  });

  it('is healthy when Ready, and says why not otherwise, with its ready workers', () => {
    expect(poolHealth({ component: 'pool/echo', pool: pool('a', 'echo', ready('True', 'Available', '')) })).toEqual({
      component: 'pool/echo',
      kind: 'pool',
      healthy: true,
      detail: '2/2 workers ready (Available)',
    });
    const down = poolHealth({
      component: 'pool/echo',
      pool: pool('a', 'echo', ready('False', 'RollingOut', '0/2 workers ready')),
    });
    expect(down).toMatchObject({
      healthy: false,
      detail: 'not Ready (RollingOut): 0/2 workers ready; 0/2 workers ready',
    });
    expect(poolHealth({ component: 'pool/new', pool: pool('a', 'new') })).toMatchObject({
      healthy: false,
      detail: 'the operator has not reported on it yet; 0/0 workers ready',
    });
  });
});
