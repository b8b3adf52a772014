// WorkerPool: observe (informer caches, backlog cache) → plan (pure, pool-plan.ts) → apply
// (server-side apply of the owned objects that changed, delete of a PDB no longer wanted) →
// report (one status write, only when something changed). The operator never writes the
// pool's spec: spec.replicas belongs to the user or their autoscaler (GitOps-safe).
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { conditionOf, mergeConditions } from '../../runtime/conditions.js';
import type { EventSink } from '../../runtime/event-recorder.js';
import { KubeError, resourcePath, type KubeClient } from '../../runtime/kube-client.js';
import { boundMessage } from '../process/status-bounds.js';
import { PoolObserver, type PoolObject, type PoolObserverDeps } from './pool-observer.js';
import { planPool, type PoolPlan, type WorkerPoolStatus } from './pool-plan.js';
import type { KubeManifest } from './worker-objects.js';

const API = 'procos.io/v1alpha1';

const PLURALS: Record<string, string> = {
  ConfigMap: 'configmaps',
  Deployment: 'deployments',
  NetworkPolicy: 'networkpolicies',
  PodDisruptionBudget: 'poddisruptionbudgets',
};

export interface PoolReconcilerDeps extends PoolObserverDeps {
  client: Pick<KubeClient, 'apply' | 'request'>;
  pools: { get(key: string): PoolObject | undefined };
  events: EventSink;
  log: Logger;
}

export class PoolReconciler {
  private readonly observer: PoolObserver;

  constructor(private readonly d: PoolReconcilerDeps) {
    this.observer = new PoolObserver(d);
  }

  forget(pool: PoolObject): void {
    this.observer.forget(pool.metadata.uid ?? '');
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    const pool = this.d.pools.get(key);
    // Gone or going: the owned objects follow through their ownerReferences (garbage collector).
    if (!pool || pool.metadata.deletionTimestamp) return undefined;
    const log = this.d.log.child({
      kind: 'WorkerPool',
      namespace: pool.metadata.namespace,
      name: pool.metadata.name,
      generation: pool.metadata.generation,
    });
    const facts = await this.observer.observe(pool);
    const plan = planPool(facts);
    await this.apply(pool, plan, log);
    if (plan.decision) {
      const memory = this.observer.memory.get(pool.metadata.uid ?? '');
      if (memory) {
        memory.history = plan.decision.history;
        if (plan.decision.reason === 'ScaledUp') memory.lastScaleUpAt = facts.now;
      }
    }
    for (const e of plan.events) {
      this.d.events.record(pool, e.type, e.reason, e.message);
      log.info({ reason: e.reason }, e.message);
    }
    await this.report(pool, plan, log);
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }

  private async apply(pool: PoolObject, plan: PoolPlan, log: Logger): Promise<void> {
    const namespace = pool.metadata.namespace ?? 'default';
    for (const m of plan.apply) {
      await this.d.client.apply(this.path(m.apiVersion, m.kind, namespace, m.metadata.name), m);
      log.debug({ object: `${m.kind}/${m.metadata.name}` }, 'applied');
    }
    for (const d of plan.delete) {
      try {
        await this.d.client.request('DELETE', resourcePath(d.apiVersion, d.plural, namespace, d.name));
      } catch (err) {
        if (!(err instanceof KubeError && err.status === 404)) throw err;
      }
    }
  }

  private path(apiVersion: string, kind: string, namespace: string, name: string): string {
    const plural = PLURALS[kind];
    if (!plural) throw new Error(`no plural known for ${kind}`);
    return resourcePath(apiVersion, plural, namespace, name);
  }

  private async report(pool: PoolObject, plan: PoolPlan, log: Logger): Promise<void> {
    const generation = pool.metadata.generation ?? 0;
    const conditions = mergeConditions(pool.status?.conditions, plan.conditions, generation, new Date()).map((c) => ({
      ...c,
      message: boundMessage(c.message),
    }));
    // Through JSON: key order and undefined fields as the apiserver stores them.
    const next = JSON.parse(
      JSON.stringify({ ...plan.status, observedGeneration: generation, conditions }),
    ) as WorkerPoolStatus;
    if (isDeepStrictEqual(next, pool.status)) return;
    const before = conditionOf(pool.status?.conditions, 'Ready');
    const ready = conditionOf(conditions, 'Ready');
    if (ready && (before?.status !== ready.status || before.reason !== ready.reason)) {
      log.info({ ready: ready.status, reason: ready.reason }, boundMessage(ready.message, 512));
      if (ready.status === 'False' && ready.reason !== 'RollingOut')
        this.d.events.record(pool, 'Warning', ready.reason, ready.message);
    }
    // No resourceVersion: the status is recomputed from scratch every loop, so the last write wins.
    const body: KubeManifest = {
      apiVersion: API,
      kind: 'WorkerPool',
      metadata: { name: pool.metadata.name, namespace: pool.metadata.namespace ?? 'default' },
      status: next,
    };
    await this.d.client.apply(
      resourcePath(API, 'workerpools', pool.metadata.namespace, pool.metadata.name),
      body,
      'status',
    );
  }
}
