// What `procos up` runs once the engine, the processes and the pools are up: the job workers of
// the kernel's own system calls, the request ingress, and the root orchestrator — one instance
// per boot, ended by message procos.shutdown, which runs the shutdown process.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Camunda8 } from '@camunda8/sdk';
import type { Logger } from 'pino';
import type { ZeebeGrpcClient } from '../../lib/zeebe/sdk-client.js';
import {
  COMPONENT_FAILED_MESSAGE,
  ROOT_PROCESS,
  startKernelWorkers,
  SYSTEM_KEY,
  type ComponentHealth,
} from '../../lib/kernel/kernel-jobs.js';
import { conditionOfObject, type LocalObjectStore } from './local-objects.js';
import type { LocalPoolHost } from './local-pools.js';
import { AmqpIngress, DEFAULT_QUEUE } from './requests/amqp-ingress.js';
import { HttpIngress } from './requests/http-ingress.js';
import { RequestGateway } from './requests/request-gateway.js';
import { RequestLog } from './requests/request-log.js';
import {
  parseRequestTypes,
  REQUEST_TYPES_CONFIGMAP,
  REQUEST_TYPES_KEY,
  type RequestTypes,
} from './requests/request-types.js';

export const REQUEST_PROCESS = 'procos-request';
export const SHUTDOWN_MESSAGE = 'procos.shutdown';
export { COMPONENT_FAILED_MESSAGE, ROOT_PROCESS, SYSTEM_KEY };

export interface KernelOptions {
  stateDir: string;
  store: LocalObjectStore;
  pools: LocalPoolHost;
  /** SDK settings of the engine connection (ZEEBE_GRPC_ADDRESS, …), over the environment. */
  engineConfig: Record<string, string>;
  monitoringUrl?: string;
  httpHost: string;
  httpPort: number;
  /** A RabbitMQ to take requests from too (amqp://…), and its queue. */
  amqpUrl?: string;
  amqpQueue?: string;
  /** How often the root orchestrator runs health monitoring. */
  healthIntervalSeconds: number;
  say: (line: string) => void;
  log: Logger;
}

export class Kernel {
  readonly zbc: ZeebeGrpcClient;
  readonly gateway: RequestGateway;
  private readonly requests: RequestLog;
  private readonly ingress: HttpIngress;
  private amqp?: AmqpIngress;
  private takingRequests = true;
  private types?: { version: string; parsed: RequestTypes };
  ingressUrl = '';
  rootInstanceKey?: string;

  constructor(private readonly o: KernelOptions) {
    this.zbc = new Camunda8({
      ...o.engineConfig,
      zeebeGrpcSettings: {
        ZEEBE_GRPC_CLIENT_RETRY: false,
        ZEEBE_CLIENT_LOG_LEVEL: 'NONE',
        ZEEBE_GRPC_WORKER_POLL_INTERVAL_MS: 50,
      },
    } as never).getZeebeGrpcApiClient();
    this.requests = new RequestLog(join(o.stateDir, 'requests.db'));
    this.gateway = new RequestGateway({
      log: this.requests,
      types: () => this.requestTypes(),
      publish: async (m) => {
        await this.zbc.publishMessage(m as never);
      },
      notReady: () => this.notReady(),
    });
    this.ingress = new HttpIngress({ gateway: this.gateway, host: o.httpHost, port: o.httpPort });
  }

  private ready(name: string): boolean {
    const p = this.o.store.lister('ProcOSProcess').get(`default/${name}`);
    return conditionOfObject(p, 'Ready')?.status === 'True';
  }

  private notReady(): string | undefined {
    if (!this.takingRequests) return 'the system is shutting down';
    if (!this.ready(REQUEST_PROCESS))
      return `${REQUEST_PROCESS} is not deployed and Ready (see procos status): requests would have no process to start`;
    return undefined;
  }

  /** The request types of ConfigMap procos-requests, parsed again only when it changed. */
  private requestTypes(): RequestTypes {
    const cm = this.o.store.lister('ConfigMap').get(`default/${REQUEST_TYPES_CONFIGMAP}`);
    const version = cm?.metadata.resourceVersion ?? '';
    if (this.types?.version !== version) {
      const parsed = parseRequestTypes(cm?.data?.[REQUEST_TYPES_KEY]);
      for (const p of parsed.problems) this.o.say(`request types: ${p}`);
      this.types = { version, parsed };
    }
    return this.types.parsed;
  }

  async start(): Promise<void> {
    startKernelWorkers({
      zbc: this.zbc,
      requests: this.gateway,
      check: () => this.check(),
      restart: (c) => this.restart(c),
      shutdown: () => {
        this.takingRequests = false;
        this.o.say('requests are no longer taken');
        return { requestsStopped: true };
      },
      alert: (a) => this.o.say(`ALERT ${a.level}: ${a.message}`),
      say: this.o.say,
      log: this.o.log.child({ component: 'kernel' }),
    });
    this.ingressUrl = await this.ingress.start();
    if (this.o.amqpUrl) {
      this.amqp = new AmqpIngress({
        url: this.o.amqpUrl,
        queue: this.o.amqpQueue,
        gateway: this.gateway,
        log: this.o.log.child({ component: 'amqp' }),
        say: this.o.say,
      });
      await this.amqp.start();
      this.o.say(
        `taking requests from AMQP queue ${this.o.amqpQueue ?? DEFAULT_QUEUE} too (dead letters: ${this.o.amqpQueue ?? DEFAULT_QUEUE}.dead)`,
      );
    }
    const recovered = await this.gateway.recover();
    if (recovered.republished || recovered.unconfirmed)
      this.o.say(
        `requests: ${recovered.republished} accepted before the stop handed to the engine again, ${recovered.unconfirmed} unconfirmed`,
      );
    await this.startRoot();
  }

  /** The root orchestrator of this boot: resumed if the last boot's is still running, else started. */
  private async startRoot(): Promise<void> {
    const file = join(this.o.stateDir, 'root.json');
    if (!this.ready(ROOT_PROCESS)) {
      this.o.say(`no ${ROOT_PROCESS} is deployed: nothing monitors the system or recovers it`);
      return;
    }
    const last = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { instanceKey: string }) : undefined;
    if (last && (await this.instanceActive(last.instanceKey))) {
      this.rootInstanceKey = last.instanceKey;
      this.o.say(`root orchestrator resumed (instance ${last.instanceKey})`);
      return;
    }
    const created = await this.zbc.createProcessInstance({
      bpmnProcessId: ROOT_PROCESS,
      variables: { system: SYSTEM_KEY, monitoring: { interval: `R/PT${this.o.healthIntervalSeconds}S` } },
    });
    this.rootInstanceKey = created.processInstanceKey;
    writeFileSync(file, JSON.stringify({ instanceKey: created.processInstanceKey }));
    this.o.say(`root orchestrator started (instance ${created.processInstanceKey})`);
  }

  private async instanceActive(key: string): Promise<boolean> {
    if (!this.o.monitoringUrl) return false;
    const res = await fetch(`${this.o.monitoringUrl}/v1/process-instances/${key}`).catch(() => undefined);
    return res?.ok ?? false;
  }

  /** procos.system.check: the engine answers, every pool is Ready and each of its workers' /ready passes. */
  private async check(): Promise<ComponentHealth[]> {
    const out: ComponentHealth[] = [];
    const engine = await this.zbc.topology().then(
      (t) => ({ healthy: true, detail: `gateway ${t.gatewayVersion}, ${t.brokers.length} broker(s)` }),
      (err: unknown) => ({ healthy: false, detail: `the engine does not answer: ${(err as Error).message}` }),
    );
    out.push({ component: 'engine', kind: 'engine', ...engine });
    for (const pool of this.o.store.lister('WorkerPool').list()) {
      const key = `${pool.metadata.namespace}/${pool.metadata.name}`;
      const ready = conditionOfObject(pool, 'Ready');
      const urls = this.o.pools.workersOf(key)?.readyUrls() ?? [];
      const answers = await Promise.all(
        urls.map((u) =>
          fetch(u, { signal: AbortSignal.timeout(5000) }).then(
            async (r) => (r.ok ? undefined : `${u} answered ${r.status}: ${(await r.text()).slice(0, 300)}`),
            (err: unknown) => `${u} does not answer: ${(err as Error).message}`,
          ),
        ),
      );
      const failing = answers.filter((a): a is string => a !== undefined);
      const healthy = ready?.status === 'True' && failing.length === 0;
      out.push({
        component: `pool/${pool.metadata.name}`,
        kind: 'pool',
        healthy,
        detail: healthy
          ? `${urls.length} worker(s) ready`
          : [ready && ready.status !== 'True' ? `${ready.reason}: ${ready.message}` : '', ...failing]
              .filter(Boolean)
              .join('; '),
      });
    }
    const why = this.notReady();
    out.push({
      component: 'ingress',
      kind: 'ingress',
      healthy: !why || !this.takingRequests,
      detail: why ?? this.ingressUrl,
    });
    return out;
  }

  /** procos.system.restart: a pool's workers are replaced one by one. */
  private restart(component: string): Promise<string> {
    const name = component.replace(/^pool\//, '');
    const workers = this.o.pools.workersOf(`default/${name}`);
    if (!workers) return Promise.resolve(`no component ${component} to restart`);
    workers.restart();
    this.o.say(`restarting the workers of pool ${name}`);
    return Promise.resolve(`the workers of pool ${name} are being replaced`);
  }

  /** Ends the boot: the root runs the shutdown process (which stops the requests), bounded by timeoutMs. */
  async shutdown(timeoutMs: number): Promise<void> {
    const key = this.rootInstanceKey;
    if (key && (await this.instanceActive(key))) {
      // Buffered for the time we wait: a root still booting subscribes only when it reaches
      // `supervise`, and a message correlates to a process at most once, so no later root sees it.
      await this.zbc
        .publishMessage({ name: SHUTDOWN_MESSAGE, correlationKey: SYSTEM_KEY, variables: {}, timeToLive: timeoutMs })
        .catch(() => undefined);
      const deadline = Date.now() + timeoutMs;
      while ((await this.instanceActive(key)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (await this.instanceActive(key))
        this.o.say(`the root orchestrator did not finish its shutdown in ${timeoutMs / 1000} s; stopping anyway`);
    }
    this.takingRequests = false;
    await this.amqp?.stop();
    await this.ingress.stop();
    await this.zbc.close(2000);
    this.requests.close();
  }
}
