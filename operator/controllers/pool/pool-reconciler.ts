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
import { PoolObserver, type OwnedObject, type PoolObject, type PoolObserverDeps } from './pool-observer.js';
import { blockedConditions, planPool, type PoolPlan, type WorkerPoolStatus } from './pool-plan.js';
import type { KubeManifest } from './worker-objects.js';

const API = 'procos.io/v1alpha1';
/** The apiserver answers with the object's metadata only (PartialObjectMetadata). */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

const PLURALS: Record<string, string> = {
  ConfigMap: 'configmaps',
  Deployment: 'deployments',
  NetworkPolicy: 'networkpolicies',
  PodDisruptionBudget: 'poddisruptionbudgets',
  ServiceAccount: 'serviceaccounts',
  RoleBinding: 'rolebindings',
  Secret: 'secrets',
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
    let plan = planPool(facts);
    const conflict = await this.apply(pool, plan, log);
    if (conflict) plan = conflicted(plan, conflict);
    else if (plan.decision) {
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

  /**
   * Writes what the plan says. An object none of ours exists for is created; when the name is
   * taken by an object the pool does not control, nothing is written and the conflict is
   * returned (an apply would have adopted it: someone else's Deployment turned into workers).
   */
  private async apply(pool: PoolObject, plan: PoolPlan, log: Logger): Promise<string | undefined> {
    const namespace = pool.metadata.namespace ?? 'default';
    for (const { manifest: m, create } of plan.apply) {
      const path = this.path(m.apiVersion, m.kind, namespace);
      const named = `${path}/${m.metadata.name}`;
      if (create) {
        try {
          await this.d.client.request('POST', path, { body: m });
          log.debug({ object: `${m.kind}/${m.metadata.name}` }, 'created');
          continue;
        } catch (err) {
          if (!(err instanceof KubeError && err.status === 409)) throw err;
          // Ours after all (created by an earlier loop the cache has not shown yet), or not. Its
          // metadata is all that tells: a Secret's data is never fetched.
          const existing = await this.d.client.request<OwnedObject>('GET', named, { accept: METADATA_ONLY });
          const controlled = existing.metadata.ownerReferences?.some(
            (r) => r.controller && r.uid === pool.metadata.uid,
          );
          if (!controlled)
            return (
              `${m.kind} '${m.metadata.name}' exists in namespace '${namespace}' and is not controlled by this ` +
              'WorkerPool: rename the pool, or delete that object'
            );
        }
      }
      await this.d.client.apply(named, m);
      log.debug({ object: `${m.kind}/${m.metadata.name}` }, 'applied');
    }
    for (const d of plan.delete) {
      try {
        await this.d.client.request('DELETE', resourcePath(d.apiVersion, d.plural, namespace, d.name));
      } catch (err) {
        if (!(err instanceof KubeError && err.status === 404)) throw err;
      }
    }
    return undefined;
  }

  private path(apiVersion: string, kind: string, namespace: string): string {
    const plural = PLURALS[kind];
    if (!plural) throw new Error(`no plural known for ${kind}`);
    return resourcePath(apiVersion, plural, namespace);
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

/** The plan's report when an object name is taken: nothing was scaled, the reason says why. */
function conflicted(plan: PoolPlan, message: string): PoolPlan {
  return {
    ...plan,
    decision: undefined,
    events: [],
    // The other object may carry no label the caches watch: look again now and then.
    requeueAfterMs: 60_000,
    status: { ...plan.status, desiredReplicas: plan.status.replicas ?? 0 },
    conditions: blockedConditions('ObjectConflict', message),
  };
}
