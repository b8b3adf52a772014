// `procos up`: the microkernel on one machine. It boots what the system needs and hands over:
// logging → environment check → engine → the manifests of DIR, reconciled by the operator's
// own reconcilers → WorkerPools as supervised local workers → the root orchestrator (a
// ProcOSProcess with startOnDeploy, as on a cluster) → then it watches DIR: an edited manifest
// or BPMN is a hot deploy. Everything durable is under the state folder (.procos): the engine's
// data, the objects' status (what was deployed and started), the workers' logs.
import { existsSync, mkdirSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { BacklogCache } from '../../operator/controllers/pool/backlog-cache.js';
import { ProcosEngineBacklog } from '../../operator/engine-client/backlog-source.js';
import { ZeebeEngineClient } from '../../operator/engine-client/zeebe-engine-client.js';
import type { EventSink } from '../../operator/runtime/event-recorder.js';
import type { KubeObject } from '../../operator/runtime/kube-client.js';
import { projectRoot } from '../../lib/cli/version.js';
import { freePort } from '../../lib/net/free-port.js';
import { aiSetup } from './ai-defaults.js';
import { ChildRegistry } from './child-registry.js';
import { checkEnvironment, describeChecks } from './environment-check.js';
import type { ServingPoolObject } from '../../operator/controllers/process/process-reconciler.js';
import { Kernel } from './kernel.js';
import { KERNEL_JOB_TYPES } from '../../lib/kernel/kernel-jobs.js';
import { conditionOfObject, LocalObjectStore, type StoredObject } from './local-objects.js';
import { LocalPoolHost } from './local-pools.js';
import { LocalProcessHost } from './local-processes.js';
import { readManifestDir, type DirContents } from './manifest-dir.js';
import { SupervisedProcess } from './supervised-process.js';

export interface UpOptions {
  /** The manifest folder (default ./processes). */
  dir: string;
  /** Everything durable (default ./.procos). */
  stateDir: string;
  /** procos-engine's gRPC port (default 26500, Zeebe's); 0 picks a free one. */
  grpcPort: number;
  /** procos-engine's monitoring port (default 9600, Zeebe's); 0 picks a free one. */
  monitoringPort: number;
  /**
   * An engine to use instead of starting procos-engine: ZEEBE_GRPC_ADDRESS (grpc://host:port, or
   * grpcs:// for TLS) and SDK settings that win over the environment (auth comes from the
   * environment: CAMUNDA_AUTH_STRATEGY, ZEEBE_CLIENT_ID/SECRET, CAMUNDA_OAUTH_URL …).
   */
  externalEngine?: { address: string; config?: Record<string, string> };
  /** How often pools read the backlog (ms). */
  pollMs: number;
  watch: boolean;
  /** The request ingress (POST /requests): host and port (0 picks a free one). */
  httpHost?: string;
  httpPort: number;
  /** A RabbitMQ queue to take requests from as well (amqp://user:pass@host:port/vhost). */
  amqpUrl?: string;
  amqpQueue?: string;
  /** How often the root orchestrator runs health monitoring (default 30 s). */
  healthIntervalSeconds?: number;
  /** Aborted (Ctrl-C): boot stops what it started and rejects. */
  signal?: AbortSignal;
  /** How long boot waits for the pools' workers to be ready (default 120 s). */
  bootTimeoutMs?: number;
  out: (line: string) => void;
}

/** What `procos status` and the other commands find in <stateDir>/up.json while it runs. */
export interface UpRecord {
  pid: number;
  /** Start time of that pid, so a reused pid is not taken for a running procos up. */
  processStart?: string;
  dir: string;
  engineAddress: string;
  monitoringUrl?: string;
  ingressUrl?: string;
  /** Set when the engine is not ours: its ZEEBE_GRPC_ADDRESS (credentials come from the environment). */
  externalEngine?: string;
  startedAt: string;
}

export interface RunningSystem {
  record: UpRecord;
  kernel: Kernel;
  store: LocalObjectStore;
  pools: LocalPoolHost;
  /** Resolves when the folder has been re-read and reconciled after a change (tests, bench). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export function upRecordFile(stateDir: string): string {
  return join(stateDir, 'up.json');
}

export function readUpRecord(stateDir: string): UpRecord | undefined {
  const file = upRecordFile(stateDir);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as UpRecord;
  // Else: left by a `procos up` that is gone (or its pid now belongs to another process).
  return processStart(record.pid) === record.processStart ? record : undefined;
}

/** When a process started (clock ticks since boot, /proc/PID/stat field 22): a pid plus this names one process. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** A path as the user would type it: relative inside the working folder, absolute elsewhere. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return !rel ? '.' : rel.startsWith('..') ? path : rel;
}

/** The kernel's own job workers, seen by WorkersAvailable like a pool that is always Ready. */
const KERNEL_SERVER: ServingPoolObject = {
  metadata: { name: 'procos-kernel', namespace: 'default', uid: 'procos-kernel' },
  spec: { taskTypes: [...KERNEL_JOB_TYPES] },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Kernel',
        message: 'served by procos up itself',
        lastTransitionTime: new Date(0).toISOString(),
      },
    ],
  },
};

const elapsed = (t0: number): string => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s`;

export async function procosUp(o: UpOptions): Promise<RunningSystem> {
  const t0 = Date.now();
  const step = (what: string, detail: string): void => o.out(`[${elapsed(t0)}] ${what.padEnd(12)} ${detail}`);
  const dir = resolve(o.dir);
  const stateDir = resolve(o.stateDir);
  if (!existsSync(dir)) throw new Error(`${o.dir}: no such folder (procos up [DIR]: DIR holds the manifests to run)`);
  const running = readUpRecord(stateDir);
  if (running && running.pid !== process.pid)
    throw new Error(
      `procos up is already running on ${o.stateDir} (pid ${running.pid}); stop it first, or use another --state-dir`,
    );

  const registry = new ChildRegistry(join(stateDir, 'children.json'), stateDir);
  mkdirSync(stateDir, { recursive: true });
  const reaped = registry.reapLeftovers();
  // Whatever ends this process (an uncaught error, process.exit), its children end with it.
  const killChildren = (): void => registry.killAll();
  process.on('exit', killChildren);
  /** What boot started, stopped in reverse when boot fails or is interrupted. */
  const started: (() => Promise<void>)[] = [];
  const interrupted = (): void => {
    if (o.signal?.aborted) throw new Error('interrupted while booting; everything started was stopped');
  };
  try {
    // 1. logging: our own lines go to the console; the components' logs to files.
    const logDir = join(stateDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const log: Logger = pino(
      { name: 'procos-up', level: process.env.LOG_LEVEL ?? 'info' },
      pino.destination({ dest: join(logDir, 'procos-up.log'), sync: false, mkdir: true }),
    );
    step('logging', `component logs in ${shown(logDir)} (procos logs NAME)`);
    if (reaped.length) step('cleanup', `stopped ${reaped.join(', ')}, left running by a procos up that was killed`);

    // 2. environment
    const checks = checkEnvironment();
    step('environment', `Node.js ${process.version}; tools:`);
    for (const line of describeChecks(checks)) o.out(line);

    // 3. engine
    const root = projectRoot();
    let engine: SupervisedProcess | undefined;
    let engineAddress: string;
    let monitoringUrl: string | undefined;
    if (o.externalEngine) {
      engineAddress = o.externalEngine.address.replace(/^grpcs?:\/\//, '');
      step(
        'engine',
        `using the engine at ${o.externalEngine.address} (ZEEBE_GRPC_ADDRESS); no backlog source: pools keep their size`,
      );
    } else {
      const grpcPort = o.grpcPort || (await freePort());
      const monitoringPort = o.monitoringPort || (await freePort());
      engineAddress = `127.0.0.1:${grpcPort}`;
      monitoringUrl = `http://127.0.0.1:${monitoringPort}`;
      const dataDir = join(stateDir, 'engine');
      engine = new SupervisedProcess({
        name: 'engine',
        command: process.execPath,
        args: [
          join(root, 'bin/procos-engine.js'),
          '--host',
          '127.0.0.1',
          '--port',
          String(grpcPort),
          '--monitoring-port',
          String(monitoringPort),
          '--data-dir',
          dataDir,
        ],
        logFile: join(logDir, 'engine.log'),
        registry,
        readyUrl: `${monitoringUrl}/ready`,
        onChange: (_p, what) => {
          if (what !== 'started' && what !== 'ready') step('engine', what);
        },
      });
      engine.start();
      started.push(() => engine?.stop(30_000) ?? Promise.resolve());
      // An engine that exits while booting (a port in use, a damaged data folder) fails the boot.
      if (
        !(await until(
          () => engine?.state === 'ready' || (engine?.failures ?? 0) > 0 || Boolean(o.signal?.aborted),
          60_000,
        )) ||
        engine.failures
      ) {
        await engine.stop(5000);
        throw new Error(engineFailure(engine, join(logDir, 'engine.log')));
      }
      step('engine', `procos-engine ready: grpc://${engineAddress}, ${monitoringUrl} (data in ${shown(dataDir)})`);
    }
    const record: UpRecord = {
      pid: process.pid,
      processStart: processStart(process.pid),
      ...(o.externalEngine ? { externalEngine: o.externalEngine.address } : {}),
      dir,
      engineAddress,
      monitoringUrl,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(upRecordFile(stateDir), JSON.stringify(record, null, 2));

    // 4. manifests, reconciled by the operator's reconcilers
    const store = LocalObjectStore.open(join(stateDir, 'objects.json'));
    const events: EventSink = {
      record: (obj: KubeObject, type, reason, message) => {
        step(type === 'Warning' ? 'warning' : 'event', `${obj.kind ?? ''} ${obj.metadata.name}: ${reason}: ${message}`);
        log.info({ kind: obj.kind, name: obj.metadata.name, type, reason }, message);
      },
    };
    /** How every client of ours reaches the engine: SDK settings over the environment. */
    const engineConfig: Record<string, string> = o.externalEngine
      ? { ZEEBE_GRPC_ADDRESS: o.externalEngine.address, ...o.externalEngine.config }
      : { ZEEBE_GRPC_ADDRESS: `grpc://${engineAddress}`, CAMUNDA_AUTH_STRATEGY: 'NONE' };
    const engineClient = new ZeebeEngineClient(engineConfig);
    started.push(() => engineClient.close());
    const processes = new LocalProcessHost({
      store,
      engine: engineClient,
      events,
      log: log.child({ host: 'processes' }),
      otherServers: [KERNEL_SERVER],
    });
    const secretsDir = join(stateDir, 'secrets');
    const ai = aiSetup(stateDir, secretsDir);
    for (const note of ai.notes) step('ai', note);
    const backlog = new BacklogCache(monitoringUrl ? new ProcosEngineBacklog(monitoringUrl) : undefined, o.pollMs);
    const pools = new LocalPoolHost({
      store,
      backlog,
      stateDir,
      secretsDir,
      engineAddress: `grpc://${engineAddress}`,
      worker: {
        command: process.execPath,
        args: [join(root, 'bin/procos-worker.js')],
        env: { ...ai.env, ...process.env, ...engineConfig },
      },
      pollMs: o.pollMs,
      registry,
      log: log.child({ host: 'pools' }),
      event: (obj: StoredObject, type, reason, message) => events.record(obj, type, reason, message),
      onWorker: (pool, what) => {
        if (!/ready$|started$/.test(what)) step('workers', `${pool}: ${what}`);
      },
    });

    started.push(
      () => pools.stop(),
      () => processes.stop(),
    );
    interrupted();
    let contents = await loadDir(dir, store, step);
    processes.start();
    pools.start();
    await Promise.all([processes.idle(), pools.idle()]);
    // Ready for requests when every pool has its workers up (or cannot: then it says why).
    if (!(await until(() => poolsSettled(store) || Boolean(o.signal?.aborted), o.bootTimeoutMs ?? 120_000)))
      step('warning', 'some pools are still rolling out; going on (see procos status)');
    printSummary(store, step);

    // 5. the kernel: its system calls, the request ingress, the root orchestrator of this boot
    const kernel = new Kernel({
      stateDir,
      store,
      pools,
      engineConfig,
      monitoringUrl,
      httpHost: o.httpHost ?? '127.0.0.1',
      httpPort: o.httpPort,
      healthIntervalSeconds: o.healthIntervalSeconds ?? 30,
      amqpUrl: o.amqpUrl,
      amqpQueue: o.amqpQueue,
      say: (line) => step('kernel', line),
      log,
    });
    interrupted();
    started.push(() => kernel.shutdown(0));
    await kernel.start();
    interrupted();
    record.ingressUrl = kernel.ingressUrl;
    writeFileSync(upRecordFile(stateDir), JSON.stringify(record, null, 2));
    step('requests', `POST ${kernel.ingressUrl}/requests  (e.g. {"type": "echo", "payload": {"hello": "world"}})`);

    // 6. watch the folder: an edit is a hot deploy.
    let watcher: FSWatcher | undefined;
    let pending: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const reload = (): void => {
      pending = pending.then(async () => {
        const seen = Date.now();
        const next = await readManifestDir(dir).catch((err: unknown) => {
          step('warning', `cannot read ${o.dir}: ${err instanceof Error ? err.message : String(err)}`);
          return undefined;
        });
        if (!next || next.checksum === contents.checksum) return;
        contents = applyContents(next, store, step, dir);
        await Promise.all([processes.idle(), pools.idle()]);
        step('hot deploy', `${o.dir} changed: reconciled in ${Date.now() - seen} ms`);
      });
    };
    if (o.watch) {
      watcher = watch(dir, { recursive: true }, () => {
        clearTimeout(timer);
        // Editors write a file in several steps: read once they are done.
        timer = setTimeout(reload, 150);
      });
    }
    step('ready', `ProcOS is up in ${((Date.now() - t0) / 1000).toFixed(1)} s${o.watch ? `; watching ${o.dir}` : ''}`);

    return {
      record,
      kernel,
      store,
      pools,
      settled: async () => {
        reload();
        await pending;
      },
      stop: async () => {
        const s0 = Date.now();
        watcher?.close();
        clearTimeout(timer);
        await pending;
        step('shutdown', 'the root orchestrator runs the shutdown process');
        await kernel.shutdown(15_000);
        step('shutdown', 'draining workers');
        await processes.stop();
        await pools.stop();
        await engineClient.close();
        await engine?.stop(30_000);
        rmSync(upRecordFile(stateDir), { force: true });
        process.off('exit', killChildren);
        step(
          'shutdown',
          `stopped in ${((Date.now() - s0) / 1000).toFixed(1)} s; \`procos up\` resumes from ${shown(stateDir)}`,
        );
        log.flush();
      },
    };
  } catch (err) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    process.off('exit', killChildren);
    rmSync(upRecordFile(stateDir), { force: true });
    throw err;
  }
}

async function loadDir(
  dir: string,
  store: LocalObjectStore,
  step: (what: string, detail: string) => void,
): Promise<DirContents> {
  return applyContents(await readManifestDir(dir), store, step, dir);
}

/** Puts what the folder says into the store; a folder with unreadable files prunes nothing. */
function applyContents(
  contents: DirContents,
  store: LocalObjectStore,
  step: (what: string, detail: string) => void,
  dir: string,
): DirContents {
  for (const p of contents.problems)
    step('invalid', `${p.where}${p.object ? ` (${p.object}: keeps its last valid version)` : ''}: ${p.message}`);
  const kinds = new Map<string, number>();
  for (const obj of contents.objects) kinds.set(obj.kind, (kinds.get(obj.kind) ?? 0) + 1);
  const keep = contents.problems.some((p) => !p.object)
    ? () => true // a file we could not read may hold anything: delete nothing until it reads again
    : (kind: string, name: string) => contents.problems.some((p) => p.object === `${kind}/${name}`);
  const counts = store.sync(contents.objects, keep);
  step(
    'manifests',
    `${shown(dir)}: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing'}` +
      ` (${counts.created} new, ${counts.changed} changed, ${counts.deleted} deleted)`,
  );
  return contents;
}

function printSummary(store: LocalObjectStore, step: (what: string, detail: string) => void): void {
  for (const o of store.all()) {
    if (o.kind !== 'ProcOSProcess' && o.kind !== 'WorkerPool') continue;
    const ready = conditionOfObject(o, 'Ready');
    const what = o.kind === 'ProcOSProcess' ? 'process' : 'pool';
    step(
      what,
      `${o.metadata.name}: ${ready ? `${ready.status === 'True' ? 'Ready' : `not ready (${ready.reason})`}: ${ready.message}` : 'not reconciled yet'}`,
    );
  }
}

/** Every pool is Ready, or stuck for a reason it reports (not merely still rolling out). */
function poolsSettled(store: LocalObjectStore): boolean {
  return store
    .all()
    .filter((o) => o.kind === 'WorkerPool')
    .every((p) => {
      const ready = conditionOfObject(p, 'Ready');
      return ready !== undefined && (ready.status === 'True' || ready.reason !== 'RollingOut');
    });
}

function engineFailure(engine: SupervisedProcess | undefined, logFile: string): string {
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  return `procos-engine did not become ready (${engine?.state ?? 'not started'}); the end of ${logFile}:\n${tail}`;
}

/** Polls `done` until it holds (true) or timeoutMs pass (false). */
async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
