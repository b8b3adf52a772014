// The operator assembled: shared informers → controllers (operator/runtime/controller.ts) → reconcilers, behind a Lease.
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { processController } from './controllers/process/process-controller.js';
import { ProcessReconciler, type FaultPoint, type ProcessObject } from './controllers/process/process-reconciler.js';
import type { EngineClient } from './engine-client/engine-client.js';
import { EventRecorder } from './runtime/event-recorder.js';
import { Informer, type InformerOptions } from './runtime/informer.js';
import { FIELD_MANAGER, KubeClient, type KubeObject } from './runtime/kube-client.js';
import { LeaderElector } from './runtime/leader-election.js';
import { operatorMetrics } from './runtime/operator-metrics.js';
import type { Controller } from './runtime/controller.js';
import type { BacklogSource } from './engine-client/backlog-source.js';
import type { EngineCredentials } from './engine-client/engine-credentials.js';
import { BacklogCache } from './controllers/pool/backlog-cache.js';
import { poolController } from './controllers/pool/pool-controller.js';
import {
  slimDeployment,
  slimPod,
  type DeploymentObject,
  type OwnedObject,
  type PodObject,
  type PolicyObject,
  type PoolObject,
} from './controllers/pool/pool-observer.js';
import { PoolReconciler } from './controllers/pool/pool-reconciler.js';
import { policyController } from './controllers/policy/policy-controller.js';
import { ClusterKernel, type ClusterKernelDeps } from './kernel/cluster-kernel.js';
import { withKernelServer } from './kernel/kernel-server.js';

export interface OperatorOptions {
  kubeconfig?: string;
  engine: EngineClient;
  log: Logger;
  identity: string;
  leaseNamespace: string;
  leaseName: string;
  /** false: run without leader election (one replica only). */
  leaderElection: boolean;
  leaseDurationSeconds?: number;
  concurrency: number;
  metricsPort?: number;
  /**
   * Namespace-scoped: watch and manage only these namespaces (its RBAC can then be Roles in them).
   * Empty or unset: the whole cluster.
   */
  watchNamespaces?: string[];
  /** WorkerPools: the default worker image, how workers reach the engine, where the backlog is read. */
  workers: {
    image: string;
    engineAddress: string;
    backlog?: BacklogSource;
    pollMs: number;
    scriptSeccompProfile?: string;
    /** Environment every worker pod gets (OTLP tracing settings). */
    env?: { name: string; value: string }[];
    /** The operator's engine credentials, handed to every pool's workers through a Secret the pool owns. */
    engineCredentials?: EngineCredentials;
  };
  /**
   * The kernel job types of the system processes (procos.system.*, procos.request.*), served by
   * the leader with this engine client; unset: another component serves them (--no-kernel-jobs).
   */
  kernel?: { zbc: ClusterKernelDeps['zbc']; healthIntervalSeconds: number };
  /** Test-only (PROCOS_TEST_CRASH_AFTER): called at named points of a reconcile. */
  faultPoint?: (point: FaultPoint) => void;
}

export interface RunningOperator {
  /** Resolves when the operator stops for good (lost leadership, or stop()). */
  done: Promise<void>;
  stop(): Promise<void>;
  metricsPort?: number;
  /** True when the operator stopped because it lost the lease (exit non-zero: let the Deployment restart it). */
  readonly lostLeadership: boolean;
  /** Why the operator could not run (exit non-zero), if it could not. */
  readonly failure: string | undefined;
}

export async function startOperator(o: OperatorOptions): Promise<RunningOperator> {
  const metrics = operatorMetrics();
  const client = await KubeClient.fromKubeconfig(o.kubeconfig, metrics.apiRequests);
  const log = o.log;
  // /readyz is OK for a standby waiting for the Lease (it is ready to take over: a rollout of a
  // 2-replica Deployment must not wait forever on it) and for a leader whose caches are synced;
  // not while a new leader fills its caches, nor while stopping.
  let phase: 'starting' | 'standby' | 'syncing' | 'leading' | 'stopping' = 'starting';
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      void metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      });
    } else if (req.url === '/healthz') res.end('ok');
    else if (req.url === '/readyz') {
      const ready = phase === 'standby' || phase === 'leading';
      res.writeHead(ready ? 200 : 503);
      res.end(ready ? `ok (${phase})` : phase);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  let metricsPort: number | undefined;
  if (o.metricsPort !== undefined) {
    await new Promise<void>((resolve) => server.listen(o.metricsPort, '0.0.0.0', resolve));
    const a = server.address();
    metricsPort = typeof a === 'object' && a ? a.port : undefined;
    log.info({ metricsPort }, 'serving /metrics, /healthz and /readyz');
  }

  const elector = new LeaderElector(
    client,
    {
      namespace: o.leaseNamespace,
      name: o.leaseName,
      identity: o.identity,
      leaseDurationSeconds: o.leaseDurationSeconds,
    },
    log,
  );
  let stopping = false;
  let lostLeadership = false;
  let failure: string | undefined;
  const informers: Pick<Informer<KubeObject>, 'start' | 'stop' | 'resource' | 'lastEventAt'>[] = [];
  const controllers: Controller[] = [];
  let kernel: ClusterKernel | undefined;

  const run = async (): Promise<void> => {
    if (o.leaderElection) {
      log.info({ identity: o.identity, lease: `${o.leaseNamespace}/${o.leaseName}` }, 'waiting for leadership');
      phase = 'standby';
      await elector.acquire();
      metrics.leader.set(1);
    }
    phase = 'syncing';
    const informer = <T extends KubeObject>(path: string, more: Omit<InformerOptions<T>, 'path'> = {}) => {
      const i = new Informer<T>(
        client,
        { path, namespaces: o.watchNamespaces, ...more },
        log.child({ informer: path.split('/').at(-1) }),
      );
      informers.push(i);
      return i;
    };
    // Owned objects are watched by their label only: the operator does not cache every Deployment.
    const owned = { labelSelector: `app.kubernetes.io/managed-by=${FIELD_MANAGER}` };
    const processes = informer<ProcessObject>('/apis/procos.io/v1alpha1/procosprocesses');
    const pools = informer<PoolObject>('/apis/procos.io/v1alpha1/workerpools');
    const policies = informer<PolicyObject>('/apis/procos.io/v1alpha1/sandboxpolicies');
    const configMaps = informer<OwnedObject & { data?: Record<string, string> }>('/api/v1/configmaps');
    const deployments = informer<DeploymentObject>('/apis/apps/v1/deployments', {
      ...owned,
      transform: slimDeployment,
    });
    const networkPolicies = informer<OwnedObject>('/apis/networking.k8s.io/v1/networkpolicies', owned);
    const podDisruptionBudgets = informer<OwnedObject>('/apis/policy/v1/poddisruptionbudgets', owned);
    const serviceAccounts = informer<OwnedObject>('/api/v1/serviceaccounts', owned);
    const roleBindings = informer<OwnedObject>('/apis/rbac.authorization.k8s.io/v1/rolebindings', owned);
    const pods = informer<PodObject>('/api/v1/pods', { ...owned, transform: slimPod });
    // Secrets only as metadata: the operator checks a pool's secretRefs exist and writes the
    // engine Secret a pool owns (its applied hash is an annotation), never reads them.
    const secrets = informer<OwnedObject>('/api/v1/secrets', { metadataOnly: true });
    const events = new EventRecorder(client, 'procos-operator', log);
    const options = { metrics, log, concurrency: o.concurrency };

    const processReconciler = new ProcessReconciler({
      client,
      engine: o.engine,
      processes,
      configMaps,
      policies,
      workerPools: o.kernel
        ? withKernelServer(pools, () => processes.list().map((p) => p.metadata.namespace ?? 'default'))
        : pools,
      events,
      log,
      // Called only while reconciling, which starts after the controller exists.
      enqueue: (key) => processes_.enqueue(key),
      faultPoint: o.faultPoint,
    });
    const processes_ = processController({
      processes,
      configMaps,
      policies,
      workerPools: pools,
      reconciler: processReconciler,
      options,
    });
    // What the pool controller watches and its reconciler reads: the same caches.
    const poolCaches = {
      pools,
      policies,
      configMaps,
      deployments,
      networkPolicies,
      podDisruptionBudgets,
      serviceAccounts,
      roleBindings,
      secrets,
      pods,
    };
    const poolReconciler = new PoolReconciler({
      ...poolCaches,
      client,
      backlog: new BacklogCache(o.workers.backlog, o.workers.pollMs),
      defaults: {
        image: o.workers.image,
        engineAddress: o.workers.engineAddress,
        scriptSeccompProfile: o.workers.scriptSeccompProfile,
        env: o.workers.env,
        engineCredentials: o.workers.engineCredentials,
      },
      pollMs: o.workers.pollMs,
      events,
      log,
    });
    const pools_ = poolController({ ...poolCaches, reconciler: poolReconciler, options });
    const policies_ = policyController({ policies, workerPools: pools, processes, client, log, options });
    controllers.push(processes_, pools_, policies_);
    // Caches of what the reconcilers read first, then the kinds they reconcile, so no reconcile
    // sees a half-filled cache.
    const reconciled = new Set<unknown>([processes, pools]);
    await Promise.all(informers.filter((i) => !reconciled.has(i)).map((i) => i.start()));
    await Promise.all([processes.start(), pools.start()]);
    const gauges = setInterval(() => {
      for (const i of informers) metrics.informerAge.set({ resource: i.resource }, (Date.now() - i.lastEventAt) / 1000);
    }, 5000);
    gauges.unref();
    if (o.kernel) {
      kernel = new ClusterKernel({
        zbc: o.kernel.zbc,
        client,
        processes,
        pools,
        events,
        home: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: o.leaseName, namespace: o.leaseNamespace },
        },
        healthIntervalSeconds: o.kernel.healthIntervalSeconds,
        log,
      });
      kernel.start();
    }
    phase = 'leading';
    log.info(
      {
        processes: processes.list().length,
        workerPools: pools.list().length,
        namespaces: o.watchNamespaces?.length ? o.watchNamespaces : 'all',
      },
      'operator running',
    );
    if (o.leaderElection) {
      await elector.keepLeading();
      if (!stopping) {
        lostLeadership = true;
        log.error('leadership lost; stopping so a standby can take over');
      }
    } else {
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (stopping) {
            clearInterval(check);
            resolve();
          }
        }, 200);
      });
    }
  };

  const shutdown = async (): Promise<void> => {
    phase = 'stopping';
    // First: a standby may take the Lease as soon as it is released, and must be the only one serving jobs.
    await kernel?.stop();
    for (const i of informers) i.stop();
    for (const c of controllers) await c.stop();
    await elector.release();
    metrics.leader.set(0);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  const done = run()
    .catch((err: unknown) => {
      if (stopping) return;
      failure = err instanceof Error ? err.message : String(err);
      log.error({ err: failure }, 'operator failed');
    })
    .then(shutdown);
  return {
    done,
    metricsPort,
    get lostLeadership() {
      return lostLeadership;
    },
    get failure() {
      return failure;
    },
    async stop() {
      stopping = true;
      await kernel?.stop();
      // An informer still waiting for its first list (RBAC not granted yet) ends, so run() does.
      for (const i of informers) i.stop();
      await elector.release();
      await done;
    },
  };
}
