// The microkernel's system calls on a cluster: the operator's leader serves the kernel job
// types of the system processes (processes/, lib/kernel/kernel-jobs.ts) and starts their root
// orchestrator, as `procos up` does on one machine (cli/up/kernel.ts).
//   check     the engine (topology) and every WorkerPool in the informer cache (Ready, workers)
//   restart   a pool's workers roll: annotation procos.io/restartedAt on the WorkerPool, which the
//             pool controller copies to the pod template (the operator's own apply of the
//             Deployment would undo a `kubectl rollout restart`)
//   alert     an Event on the ProcOSProcess that raised it (else on the operator's Lease)
//   shutdown  the system does not stop on a cluster (helm uninstall stops it): completed, nothing stopped
//   track / reply  there is no request ingress on a cluster yet: completed, logged at debug
import type { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import type { Logger } from 'pino';
import {
  ROOT_PROCESS,
  startKernelWorkers,
  SYSTEM_KEY,
  type ComponentHealth,
  type KernelAlert,
  type KernelWorkers,
} from '../../lib/kernel/kernel-jobs.js';
import type { PoolObject } from '../controllers/pool/pool-observer.js';
import type { Lister } from '../controllers/process/process-observer.js';
import type { ProcessObject } from '../controllers/process/process-reconciler.js';
import { classifyEngineError } from '../engine-client/engine-client.js';
import { conditionOf } from '../runtime/conditions.js';
import type { EventSink } from '../runtime/event-recorder.js';
import { resourcePath, type KubeClient, type KubeObject } from '../runtime/kube-client.js';
import { namedPools, poolHealth, poolOfComponent } from './pool-health.js';

/**
 * On a WorkerPool: copied by the pool controller to its pod template, so a new value rolls the
 * workers (RESTARTED_AT of operator/controllers/pool/pool-annotations.ts, which Argo CD's restart
 * action sets too; spelled out here until that file is committed).
 */
const RESTARTED_AT = 'procos.io/restartedAt';

/** On the procos-root ProcOSProcess: the root orchestrator instance the kernel started. */
export const ROOT_INSTANCE = 'procos.io/root-instance';

export const CLUSTER_SHUTDOWN_REASON =
  'on a cluster ProcOS stops with helm uninstall; the root orchestrator ends, the operator and the pools keep running';

export interface ClusterKernelDeps {
  zbc: Pick<ZeebeGrpcClient, 'createWorker' | 'publishMessage' | 'topology' | 'createProcessInstance' | 'setVariables'>;
  client: Pick<KubeClient, 'request'>;
  processes: Lister<ProcessObject>;
  pools: Lister<PoolObject>;
  events: EventSink;
  /** Where an alert's Event goes when no ProcOSProcess runs the process that raised it. */
  home: KubeObject;
  /** How often the root orchestrator runs health monitoring. */
  healthIntervalSeconds: number;
  /** How often the kernel looks for a Ready procos-root to start (default 2000). */
  rootPollMs?: number;
  log: Logger;
}

export class ClusterKernel {
  private workers?: KernelWorkers;
  private rootTimer?: NodeJS.Timeout;
  private rootBusy = false;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly d: ClusterKernelDeps) {
    this.log = d.log.child({ component: 'kernel' });
  }

  start(): void {
    this.workers = startKernelWorkers({
      zbc: this.d.zbc,
      requests: {
        tracked: (id, instanceKey) => this.log.debug({ request: id, instanceKey }, 'request tracked (no ingress here)'),
        answered: (id, o) => this.log.debug({ request: id, ...o }, 'request answered (no ingress here)'),
      },
      check: () => this.check(),
      restart: (c) => this.restart(c),
      shutdown: () => {
        this.log.info(CLUSTER_SHUTDOWN_REASON);
        return { requestsStopped: false, reason: CLUSTER_SHUTDOWN_REASON };
      },
      alert: (a) => this.alert(a),
      say: (line) => this.log.info(line),
      log: this.log,
    });
    this.rootTimer = setInterval(() => void this.ensureRoot(), this.d.rootPollMs ?? 2000);
    this.rootTimer.unref();
    void this.ensureRoot();
    this.log.info('serving the kernel job types (procos.system.*, procos.request.*)');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.rootTimer);
    const workers = this.workers;
    this.workers = undefined;
    await workers?.close();
  }

  async check(): Promise<ComponentHealth[]> {
    const engine = await this.d.zbc.topology().then(
      (t) => ({ healthy: true, detail: `gateway ${t.gatewayVersion}, ${t.brokers.length} broker(s)` }),
      (err: unknown) => ({ healthy: false, detail: `the engine does not answer: ${(err as Error).message}` }),
    );
    return [
      { component: 'engine', kind: 'engine', ...engine },
      ...namedPools(this.d.pools.list()).map((n) => poolHealth(n)),
    ];
  }

  async restart(component: string): Promise<string> {
    const pool = poolOfComponent(component, this.d.pools.list());
    if (!pool) {
      const outcome = `no component ${component || '(none named)'} to restart: only pools (pool/<name>) restart`;
      this.log.warn({ component }, outcome);
      return outcome;
    }
    const { namespace, name } = pool.metadata;
    const at = new Date().toISOString();
    await this.d.client.request('PATCH', resourcePath('procos.io/v1alpha1', 'workerpools', namespace, name), {
      body: { metadata: { annotations: { [RESTARTED_AT]: at } } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'procos-kernel' },
    });
    this.log.info({ namespace, name, restartedAt: at }, 'restarting the workers of a pool');
    return `the workers of pool ${namespace ?? ''}/${name} roll (${RESTARTED_AT}=${at})`;
  }

  private alert(a: KernelAlert): void {
    const owner = this.d.processes.list().find((p) => p.status?.bpmnProcessId === a.bpmnProcessId);
    const obj: KubeObject = owner ? { ...owner, apiVersion: 'procos.io/v1alpha1', kind: 'ProcOSProcess' } : this.d.home;
    const type = a.level === 'info' ? 'Normal' : 'Warning';
    this.d.events.record(obj, type, 'SystemAlert', `${a.level}: ${a.message} (instance ${a.processInstanceKey})`);
  }

  /**
   * One root orchestrator per system: started once procos-root is Ready, unless the instance
   * recorded on it still runs. Crashing between the start and the record starts a second root
   * next time; both then supervise (health checks twice), which is harmless.
   */
  private async ensureRoot(): Promise<void> {
    if (this.rootBusy || this.stopped) return;
    this.rootBusy = true;
    try {
      const root = this.d.processes
        .list()
        .find(
          (p) =>
            p.status?.bpmnProcessId === ROOT_PROCESS && conditionOf(p.status.conditions, 'Ready')?.status === 'True',
        );
      if (!root) return;
      const recorded = root.metadata.annotations?.[ROOT_INSTANCE];
      if (recorded && (await this.running(recorded))) {
        this.log.info({ processInstanceKey: recorded }, 'root orchestrator running');
      } else {
        const created = await this.d.zbc.createProcessInstance({
          bpmnProcessId: ROOT_PROCESS,
          variables: { system: SYSTEM_KEY, monitoring: { interval: `R/PT${this.d.healthIntervalSeconds}S` } },
        });
        await this.d.client.request(
          'PATCH',
          resourcePath('procos.io/v1alpha1', 'procosprocesses', root.metadata.namespace, root.metadata.name),
          {
            body: { metadata: { annotations: { [ROOT_INSTANCE]: created.processInstanceKey } } },
            contentType: 'application/merge-patch+json',
            query: { fieldManager: 'procos-kernel' },
          },
        );
        this.log.info({ processInstanceKey: created.processInstanceKey }, 'root orchestrator started');
      }
      clearInterval(this.rootTimer);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not start the root orchestrator; trying again');
    } finally {
      this.rootBusy = false;
    }
  }

  /** Whether an instance is active: Zeebe's gRPC API has no lookup, but SetVariables on a gone one is NOT_FOUND. */
  private async running(processInstanceKey: string): Promise<boolean> {
    try {
      await this.d.zbc.setVariables({ elementInstanceKey: processInstanceKey, variables: {}, local: true });
      return true;
    } catch (err) {
      if (classifyEngineError(err).reason === 'EngineNotFound') return false;
      throw err;
    }
  }
}
