// The controller builder's routing (which event enqueues which key) and the informer's indexes,
// over an in-memory list/watch (pure logic: the real apiserver path is the e2e suite's).
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ControllerBuilder } from './controller.js';
import { Informer, objectKey } from './informer.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { operatorMetrics } from './operator-metrics.js';

type Obj = KubeObject & { spec?: { ref?: string }; metadata: { ownerReferences?: unknown[] } };

/** One collection: the initial list, then events the test pushes into the open watch. */
function fakeCollection(items: Obj[]) {
  let push: ((phase: string, obj: unknown) => void) | undefined;
  const client = {
    request: () => Promise.resolve({ metadata: { resourceVersion: '1' }, items }),
    watch: (_path: string, _q: unknown, onEvent: (phase: string, obj: unknown) => void) => {
      push = onEvent;
      return Promise.resolve(new AbortController());
    },
  } as unknown as KubeClient;
  const informer = new Informer<Obj>(client, { path: '/x' }, pino({ level: 'silent' }));
  return {
    informer,
    async event(phase: 'ADDED' | 'MODIFIED' | 'DELETED', obj: Obj) {
      await vi.waitFor(() => expect(push).toBeDefined());
      push?.(phase, obj);
    },
  };
}

let rv = 1;
const obj = (ns: string, name: string, extra: { spec?: Obj['spec']; ownerReferences?: unknown[] } = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: { namespace: ns, name, resourceVersion: String(++rv), ownerReferences: extra.ownerReferences },
  ...(extra.spec ? { spec: extra.spec } : {}),
});

/** A builder for a kind Pool of procos.io/v1alpha1, quiet and with fresh metrics. */
const poolBuilder = (concurrency: number): ControllerBuilder<Obj> =>
  new ControllerBuilder<Obj>({
    kind: 'Pool',
    apiVersion: 'procos.io/v1alpha1',
    metrics: operatorMetrics(),
    log: pino({ level: 'silent' }),
    concurrency,
  });

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

describe('informer indexes', () => {
  it('answer by value, follow updates and deletes, and cover objects listed before the index was added', async () => {
    const c = fakeCollection([obj('a', 'p1', { spec: { ref: 'cm1' } }), obj('a', 'p2', { spec: { ref: 'cm1' } })]);
    stops.push(() => c.informer.stop());
    await c.informer.start();
    c.informer.addIndex('ref', (o) => (o.spec?.ref ? [`${o.metadata.namespace ?? ''}/${o.spec.ref}`] : []));
    const names = (v: string): string[] =>
      c.informer
        .byIndex('ref', v)
        .map((o) => o.metadata.name)
        .sort();
    expect(names('a/cm1')).toEqual(['p1', 'p2']);
    await c.event('MODIFIED', obj('a', 'p2', { spec: { ref: 'cm2' } }));
    expect(names('a/cm1')).toEqual(['p1']);
    expect(names('a/cm2')).toEqual(['p2']);
    await c.event('DELETED', obj('a', 'p1', { spec: { ref: 'cm1' } }));
    expect(names('a/cm1')).toEqual([]);
    expect(() => c.informer.byIndex('nope', 'x')).toThrow('no index nope');
    expect(() => c.informer.addIndex('ref', () => [])).toThrow('index ref exists already');
  });
});

describe('ControllerBuilder', () => {
  it('enqueues the object for For, the controlling owner for Owns, the mapped keys for Watches; onDelete sees deletes', async () => {
    const primary = fakeCollection([]);
    const owned = fakeCollection([]);
    const watched = fakeCollection([]);
    const reconciled: string[] = [];
    const deleted: string[] = [];
    primary.informer.addIndex('ref', (o) => (o.spec?.ref ? [`${o.metadata.namespace ?? ''}/${o.spec.ref}`] : []));
    const controller = poolBuilder(1)
      .for(primary.informer, (o) => deleted.push(objectKey(o)))
      .owns(owned.informer)
      .watches(watched.informer, (w) => primary.informer.byIndex('ref', objectKey(w)).map(objectKey))
      .complete((key) => {
        reconciled.push(key);
        return Promise.resolve();
      });
    stops.push(() => controller.stop());
    for (const c of [primary, owned, watched]) {
      stops.push(() => c.informer.stop());
      await c.informer.start();
    }

    await primary.event('ADDED', obj('ns', 'pool-a', { spec: { ref: 'policy-1' } }));
    await vi.waitFor(() => expect(reconciled).toEqual(['ns/pool-a']));

    const ownedBy = (kind: string, apiVersion: string, controllerRef: boolean): Obj =>
      obj('ns', `deploy-${kind}-${apiVersion}-${String(controllerRef)}`, {
        ownerReferences: [{ apiVersion, kind, name: 'pool-b', uid: 'u', controller: controllerRef }],
      });
    // Only a controlling reference of this kind and apiVersion counts.
    await owned.event('ADDED', ownedBy('Pool', 'procos.io/v1alpha1', false));
    await owned.event('ADDED', ownedBy('Other', 'procos.io/v1alpha1', true));
    await owned.event('ADDED', ownedBy('Pool', 'procos.io/v1', true));
    await controller.queue.idle();
    expect(reconciled).toEqual(['ns/pool-a']);
    await owned.event('ADDED', ownedBy('Pool', 'procos.io/v1alpha1', true));
    await vi.waitFor(() => expect(reconciled).toEqual(['ns/pool-a', 'ns/pool-b']));

    await watched.event('MODIFIED', obj('other', 'policy-1')); // same name, other namespace: no dependents
    await controller.queue.idle();
    expect(reconciled).toEqual(['ns/pool-a', 'ns/pool-b']);
    await watched.event('MODIFIED', obj('ns', 'policy-1'));
    await vi.waitFor(() => expect(reconciled).toEqual(['ns/pool-a', 'ns/pool-b', 'ns/pool-a']));

    await primary.event('DELETED', obj('ns', 'pool-a', { spec: { ref: 'policy-1' } }));
    await vi.waitFor(() => expect(deleted).toEqual(['ns/pool-a']));
  });

  it('resyncs every object of the primary informer on its period', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const primary = fakeCollection([obj('ns', 'a'), obj('ns', 'b')]);
      const reconciled: string[] = [];
      const controller = poolBuilder(2)
        .for(primary.informer)
        .resyncEvery(60_000)
        .complete((key) => {
          reconciled.push(key);
          return Promise.resolve();
        });
      stops.push(
        () => controller.stop(),
        () => primary.informer.stop(),
      );
      await primary.informer.start();
      await vi.waitFor(() => expect(reconciled.sort()).toEqual(['ns/a', 'ns/b']));
      vi.advanceTimersByTime(60_000);
      await vi.waitFor(() => expect(reconciled.sort()).toEqual(['ns/a', 'ns/a', 'ns/b', 'ns/b']));
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses to complete without a primary kind', () => {
    const b = poolBuilder(1);
    expect(() => b.complete(() => Promise.resolve())).toThrow('controller Pool: call for() first');
  });
});
