// WorkerPools on one machine: the operator's planPool — policy checks, handler-config checks,
// the backlog scaler, conditions and events — over the local object store, applied to
// LocalWorkers instead of a Deployment. observe → plan → apply → report, as on a cluster.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { WorkerPoolSpec } from '../../operator/api/index.js';
import type { BacklogCache } from '../../operator/controllers/pool/backlog-cache.js';
import { handlerProblems } from '../../operator/controllers/pool/handler-check.js';
import {
  poolPolicyFacts,
  type PolicyObject,
  type ScalerMemory,
} from '../../operator/controllers/pool/pool-observer.js';
import {
  APPLIED_HASH,
  optionalObjectNames,
  planPool,
  type PoolFacts,
  type WorkerPoolStatus,
} from '../../operator/controllers/pool/pool-plan.js';
import { workerObjectNames } from '../../operator/controllers/pool/worker-objects.js';
import { mergeConditions } from '../../operator/runtime/conditions.js';
import { resourcePath } from '../../operator/runtime/kube-client.js';
import { Workqueue } from '../../operator/runtime/workqueue.js';
import type { ChildRegistry } from './child-registry.js';
import type { LocalObjectStore, StoredObject } from './local-objects.js';
import { LocalWorkers } from './local-workers.js';

export type PoolObject = StoredObject & { spec: WorkerPoolSpec; status?: WorkerPoolStatus };

export interface LocalPoolHostDeps {
  store: LocalObjectStore;
  backlog: BacklogCache;
  /** .procos: pools/, logs/ and secrets/ live here. */
  stateDir: string;
  secretsDir: string;
  engineAddress: string;
  /** How a worker is started, and the engine connection in its environment. */
  worker: { command: string; args: string[]; env: NodeJS.ProcessEnv };
  pollMs: number;
  log: Logger;
  /** Kubernetes Events become console lines. */
  event: (obj: StoredObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** Where worker pids are written down. */
  registry?: ChildRegistry;
  /** A worker started, became ready, exited. */
  onWorker?: (pool: string, what: string) => void;
  now?: () => number;
}

const KIND_OF_PLURAL: Record<string, string> = {
  poddisruptionbudgets: 'PodDisruptionBudget',
  serviceaccounts: 'ServiceAccount',
  rolebindings: 'RoleBinding',
  networkpolicies: 'NetworkPolicy',
};
const kindOf = (plural: string): string => KIND_OF_PLURAL[plural] ?? plural;

export class LocalPoolHost {
  private readonly workers = new Map<string, LocalWorkers>();
  private readonly memory = new Map<string, ScalerMemory>();
  private readonly queue: Workqueue;

  constructor(private readonly d: LocalPoolHostDeps) {
    this.queue = new Workqueue(
      (key) => this.reconcile(key),
      { concurrency: 2, maxDelayMs: 30_000 },
      (key, err) => d.log.warn({ pool: key, err: (err as Error).message }, 'pool reconcile failed; retrying'),
    );
    d.store.on((obj, event) => {
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      if (obj.kind === 'WorkerPool') {
        // Our own status writes come back here too: only a spec change or a deletion matters.
        if (event !== 'update' || obj.metadata.generation !== this.seenGeneration.get(key)) this.queue.add(key);
      }
      if (obj.kind === 'SandboxPolicy')
        for (const p of this.pools())
          if (p.metadata.namespace === obj.metadata.namespace && p.spec.sandboxPolicyRef?.name === obj.metadata.name)
            this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
    });
  }

  private readonly seenGeneration = new Map<string, number | undefined>();

  private pools(): PoolObject[] {
    return this.d.store.lister<PoolObject>('WorkerPool').list();
  }

  /** Reconciles every pool that exists now. */
  start(): void {
    for (const p of this.pools()) this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
  }

  /** Resolves when nothing is queued (boot waits for the first pass). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** What health monitoring and `procos status` read. */
  workersOf(key: string): LocalWorkers | undefined {
    return this.workers.get(key);
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    const pool = this.d.store.lister<PoolObject>('WorkerPool').get(key);
    if (!pool || pool.metadata.deletionTimestamp) {
      const gone = this.workers.get(key);
      this.workers.delete(key);
      this.seenGeneration.delete(key);
      await gone?.stop();
      return undefined;
    }
    this.seenGeneration.set(key, pool.metadata.generation);
    const uid = pool.metadata.uid ?? '';
    let workers = this.workers.get(key);
    if (!workers) {
      workers = new LocalWorkers({
        key,
        dir: join(this.d.stateDir, 'pools', pool.metadata.namespace, pool.metadata.name),
        secretsDir: this.d.secretsDir,
        logDir: join(this.d.stateDir, 'logs'),
        command: this.d.worker.command,
        commandArgs: this.d.worker.args,
        baseEnv: this.d.worker.env,
        registry: this.d.registry,
        onChange: (what) => {
          this.d.onWorker?.(key, what);
          this.queue.add(key);
        },
      });
      this.workers.set(key, workers);
    }
    const facts = await this.observe(pool, workers);
    const plan = planPool(facts);
    // apply: the manifests a cluster would get, run here.
    for (const { manifest } of plan.apply) {
      const hash = (manifest.metadata.annotations as Record<string, string> | undefined)?.[APPLIED_HASH] ?? '';
      this.applied.set(`${uid}/${manifest.kind}/${manifest.metadata.name}`, hash);
      if (manifest.kind === 'ConfigMap') workers.applyConfigMap(manifest);
      if (manifest.kind === 'Deployment') workers.applyDeployment(manifest, hash);
    }
    for (const gone of plan.delete) this.applied.delete(`${uid}/${kindOf(gone.plural)}/${gone.name}`);
    if (plan.decision)
      this.memory.set(uid, {
        history: plan.decision.history,
        lastScaleUpAt: plan.decision.reason === 'ScaledUp' ? facts.now : facts.scaler.lastScaleUpAt,
      });
    for (const e of plan.events) this.d.event(pool, e.type, e.reason, e.message);
    await this.report(pool, plan.status, plan.conditions);
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  private async observe(pool: PoolObject, workers: LocalWorkers): Promise<PoolFacts> {
    const namespace = pool.metadata.namespace;
    const now = (this.d.now ?? Date.now)();
    const policies = this.d.store.lister<PolicyObject>('SandboxPolicy');
    const deployment = workers.state();
    const names = workerObjectNames(pool.metadata.name);
    const optional = optionalObjectNames(pool.metadata.name);
    return {
      pool: {
        metadata: {
          name: pool.metadata.name,
          namespace,
          uid: pool.metadata.uid ?? '',
          generation: pool.metadata.generation,
        },
        spec: pool.spec,
        status: pool.status,
      },
      policy: poolPolicyFacts(pool.spec, namespace, (k) => policies.get(k)),
      handlerProblems: await handlerProblems(pool.spec),
      missingSecrets: (pool.spec.secretRefs ?? [])
        .map((r) => r.name)
        .filter((n) => !existsSync(join(this.d.secretsDir, n))),
      // Only the ConfigMap and the Deployment mean something here; the others are reported as
      // applied so the plan does not ask for them again and again.
      owned: {
        configMap: this.appliedHash(pool, 'ConfigMap', names.configMap),
        networkPolicy: this.appliedHash(pool, 'NetworkPolicy', names.deployment),
        podDisruptionBudget: this.appliedHash(pool, 'PodDisruptionBudget', optional.podDisruptionBudget),
        serviceAccount: this.appliedHash(pool, 'ServiceAccount', optional.serviceAccount),
        roleBinding: this.appliedHash(pool, 'RoleBinding', optional.roleBinding),
        scriptNetworkPolicy: this.appliedHash(pool, 'NetworkPolicy', optional.scriptNetworkPolicy),
        deployment,
      },
      pods: workers.problems(),
      backlog: await this.d.backlog.read(pool.spec.taskTypes),
      scaler: this.memory.get(pool.metadata.uid ?? '') ?? { history: [] },
      defaults: { image: 'local', engineAddress: this.d.engineAddress },
      now,
      pollMs: this.d.pollMs,
    };
  }

  /**
   * Hashes of the manifests applied, by uid/kind/name: what the applied-hash annotations of
   * owned objects tell the operator. Objects with no local meaning (NetworkPolicy, PDB, RBAC)
   * are only remembered, so the plan does not ask for them again.
   */
  private readonly applied = new Map<string, string>();

  private appliedHash(pool: PoolObject, kind: string, name: string): string | undefined {
    return this.applied.get(`${pool.metadata.uid ?? ''}/${kind}/${name}`);
  }

  private async report(
    pool: PoolObject,
    status: Omit<WorkerPoolStatus, 'conditions' | 'observedGeneration'>,
    conditions: Parameters<typeof mergeConditions>[1],
  ): Promise<void> {
    const generation = pool.metadata.generation ?? 0;
    const next = JSON.parse(
      JSON.stringify({
        ...status,
        observedGeneration: generation,
        conditions: mergeConditions(pool.status?.conditions, conditions, generation, new Date()),
      }),
    ) as WorkerPoolStatus;
    if (isDeepStrictEqual(next, pool.status)) return;
    await this.d.store.apply(
      resourcePath('procos.io/v1alpha1', 'workerpools', pool.metadata.namespace, pool.metadata.name),
      { metadata: { name: pool.metadata.name }, status: next },
      'status',
    );
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
  }
}
