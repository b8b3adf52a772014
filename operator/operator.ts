// The operator assembled: shared informers → controllers (operator/runtime/controller.ts) → reconcilers, behind a Lease.
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { processController } from './controllers/process/process-controller.js';
import { ProcessReconciler, type FaultPoint, type ProcessObject } from './controllers/process/process-reconciler.js';
import type { EngineClient } from './engine-client/engine-client.js';
import { EventRecorder } from './runtime/event-recorder.js';
import { Informer } from './runtime/informer.js';
import { KubeClient, type KubeObject } from './runtime/kube-client.js';
import { LeaderElector } from './runtime/leader-election.js';
import { operatorMetrics } from './runtime/operator-metrics.js';
import type { Controller } from './runtime/controller.js';
import type { SandboxPolicySpec } from './api/index.js';

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
  const informers: { stop(): void }[] = [];
  const controllers: Controller[] = [];

  const run = async (): Promise<void> => {
    if (o.leaderElection) {
      log.info({ identity: o.identity, lease: `${o.leaseNamespace}/${o.leaseName}` }, 'waiting for leadership');
      phase = 'standby';
      await elector.acquire();
      metrics.leader.set(1);
    }
    phase = 'syncing';
    const processes = new Informer<ProcessObject>(
      client,
      { path: '/apis/procos.io/v1alpha1/procosprocesses' },
      log.child({ informer: 'procosprocesses' }),
    );
    const configMaps = new Informer<KubeObject & { data?: Record<string, string> }>(
      client,
      { path: '/api/v1/configmaps' },
      log.child({ informer: 'configmaps' }),
    );
    const policies = new Informer<KubeObject & { spec: SandboxPolicySpec }>(
      client,
      { path: '/apis/procos.io/v1alpha1/sandboxpolicies' },
      log.child({ informer: 'sandboxpolicies' }),
    );
    informers.push(processes, configMaps, policies);
    const reconciler = new ProcessReconciler({
      client,
      engine: o.engine,
      processes,
      configMaps,
      policies,
      events: new EventRecorder(client, 'procos-operator', log),
      log,
      // Called only while reconciling, which starts after the controller exists.
      enqueue: (key) => controller.enqueue(key),
      faultPoint: o.faultPoint,
    });
    const controller = processController({
      processes,
      configMaps,
      policies,
      reconciler,
      options: { metrics, log, concurrency: o.concurrency },
    });
    controllers.push(controller);
    // Caches first, then the processes, so no reconcile sees a half-filled cache.
    await configMaps.start();
    await policies.start();
    await processes.start();
    const gauges = setInterval(() => {
      for (const [name, inf] of [
        ['procosprocesses', processes],
        ['configmaps', configMaps],
        ['sandboxpolicies', policies],
      ] as const) {
        metrics.informerAge.set({ resource: name }, (Date.now() - inf.lastEventAt) / 1000);
      }
    }, 5000);
    gauges.unref();
    phase = 'leading';
    log.info({ processes: processes.list().length }, 'operator running');
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
      await elector.release();
      await done;
    },
  };
}
