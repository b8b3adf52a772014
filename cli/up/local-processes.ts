// ProcOSProcesses on one machine: the operator's ProcessReconciler itself — validation, policy
// checks, deploy by checksum, startOnDeploy at most once, conditions — over the local object
// store instead of the apiserver, with the same triggers as processController: the process
// changed, the ConfigMap with its BPMN or its SandboxPolicy changed, or a pool of its namespace
// changed what it serves or whether it is Ready.
import type { Logger } from 'pino';
import type { EngineClient } from '../../operator/engine-client/engine-client.js';
import type { ConfigMap, PolicyObject } from '../../operator/controllers/process/process-observer.js';
import {
  ProcessReconciler,
  type ProcessObject,
  type ServingPoolObject,
} from '../../operator/controllers/process/process-reconciler.js';
import { conditionOf } from '../../operator/runtime/conditions.js';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import type { EventSink } from '../../operator/runtime/event-recorder.js';
import { Workqueue } from '../../operator/runtime/workqueue.js';
import type { Lister, LocalObjectStore, StoredObject } from './local-objects.js';

export interface LocalProcessHostDeps {
  store: LocalObjectStore;
  engine: EngineClient;
  events: EventSink;
  log: Logger;
  /** Servers of job types that are not WorkerPools (the kernel's own workers), for WorkersAvailable. */
  otherServers?: ServingPoolObject[];
}

/** The store's pools plus servers that are always there. */
function withOthers(pools: Lister<ServingPoolObject>, others: ServingPoolObject[]): Lister<ServingPoolObject> {
  return {
    get: (key) => pools.get(key) ?? others.find((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` === key),
    list: () => [...pools.list(), ...others],
  };
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace}/${o.metadata.name}`;

export class LocalProcessHost {
  private readonly reconciler: ProcessReconciler;
  private readonly queue: Workqueue;
  /** What each pool serves, as processController compares it (status churn is not a change). */
  private readonly served = new Map<string, string>();
  private readonly reconciledAt = new Map<string, number>();

  constructor(private readonly d: LocalProcessHostDeps) {
    const processes = d.store.lister<ProcessObject>('ProcOSProcess');
    this.reconciler = new ProcessReconciler({
      client: d.store,
      engine: d.engine,
      processes,
      configMaps: d.store.lister<ConfigMap>('ConfigMap'),
      policies: d.store.lister<PolicyObject>('SandboxPolicy'),
      workerPools: withOthers(d.store.lister<ServingPoolObject>('WorkerPool'), d.otherServers ?? []),
      events: d.events,
      log: d.log,
      enqueue: (key) => this.queue.add(key),
    });
    this.queue = new Workqueue(
      async (key) => {
        const result = await this.reconciler.reconcile(key);
        this.reconciledAt.set(key, Date.now());
        return result;
      },
      { concurrency: 2, maxDelayMs: 30_000 },
      (key, err) => d.log.warn({ process: key, err: (err as Error).message }, 'process reconcile failed; retrying'),
    );
    d.store.on((obj, event) => this.route(obj, event));
  }

  private processes(): ProcessObject[] {
    return this.d.store.lister<ProcessObject>('ProcOSProcess').list();
  }

  private route(obj: StoredObject, event: 'add' | 'update' | 'delete'): void {
    const sameNamespace = (p: ProcessObject): boolean => p.metadata.namespace === obj.metadata.namespace;
    switch (obj.kind) {
      case 'ProcOSProcess':
        if (event === 'delete') this.reconciler.forget(obj as ProcessObject);
        this.queue.add(keyOf(obj));
        return;
      case 'ConfigMap':
        for (const p of this.processes())
          if (sameNamespace(p) && p.spec.bpmn.configMapRef?.name === obj.metadata.name) this.queue.add(keyOf(p));
        return;
      case 'SandboxPolicy':
        for (const p of this.processes())
          if (sameNamespace(p) && p.spec.sandboxPolicyRef?.name === obj.metadata.name) this.queue.add(keyOf(p));
        return;
      case 'WorkerPool': {
        const pool = obj as ServingPoolObject;
        const now =
          event === 'delete' || pool.metadata.deletionTimestamp
            ? ''
            : `${conditionOf(pool.status?.conditions, 'Ready')?.status ?? ''} ${pool.spec.taskTypes.join(' ')}`;
        const uid = pool.metadata.uid ?? keyOf(obj);
        if (this.served.get(uid) === now) return;
        if (now) this.served.set(uid, now);
        else this.served.delete(uid);
        for (const p of this.processes()) if (sameNamespace(p)) this.queue.add(keyOf(p));
        return;
      }
    }
  }

  /** Reconciles every process that exists now. */
  start(): void {
    for (const p of this.processes()) this.queue.add(keyOf(p));
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }
}
