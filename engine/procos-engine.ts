// procos-engine assembled: durable engine + gRPC gateway + job dispatch + clock + monitoring.
import type { Server as HttpServer } from 'node:http';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import { Engine } from './processor/engine.js';
import { MemoryEventLog, SqliteEventLog } from './log/event-log.js';
import { JobDispatcher } from './jobs/job-dispatcher.js';
import { processDueTimes } from './commands/time-triggers.js';
import { gatewayService } from './server/gateway-service.js';
import { startGrpcServer, type TlsFiles } from './server/grpc-server.js';
import { requestDurationTimer } from './server/request-metrics.js';
import { InstanceHistory } from './monitoring/instance-history.js';
import { JobStatistics } from './monitoring/job-statistics.js';
import { startMonitoringServer } from './monitoring/monitoring-server.js';
import { startRestServer } from './rest/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './server/grpc-server.js';
import { exposureWarnings, grpcAuthInterceptor, noAuth, type Authenticator } from './server/auth/index.js';

export interface EngineOptions {
  host: string;
  port: number;
  monitoringPort?: number;
  /** Port of the Camunda 8 REST API (v2) subset; none when omitted (0 picks a free one). */
  restPort?: number;
  /** Omit for in-memory state (tests). */
  dataDir?: string;
  tls?: TlsFiles;
  /** Who may use the gRPC gateway and the read API (default: anyone). */
  auth?: Authenticator;
  /** Largest request accepted (default 4 MiB, as Zeebe's gateway); larger ones get RESOURCE_EXHAUSTED. */
  maxMessageBytes?: number;
  log: Logger;
  /** How often timers, job deadlines and message TTLs are checked. */
  tickMs?: number;
  /** What "now" is (ms since the epoch) for timers, job deadlines, back-offs and TTLs; tests pass a manual clock. */
  clock?: () => number;
  /** Events between snapshots of the state (bounds restart time); default 100,000. */
  snapshotEvery?: number;
}

export interface RunningEngine {
  engine: Engine;
  dispatcher: JobDispatcher;
  grpcPort: number;
  monitoringPort?: number;
  restPort?: number;
  address: string;
  /**
   * One time-driven pass now (due timers fire, job deadlines and message TTLs pass, backed-off
   * jobs reach waiting workers); resolves when its events are durable. The engine runs it every
   * `tickMs`; a test with a manual clock runs it right after moving the clock.
   */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEngine(o: EngineOptions): Promise<RunningEngine> {
  const log = o.log;
  const eventLog = o.dataDir ? new SqliteEventLog(o.dataDir) : new MemoryEventLog();
  const started = Date.now();
  const engine = await Engine.open(eventLog, { snapshotEvery: o.snapshotEvery, clock: o.clock });
  log.info(
    {
      dataDir: o.dataDir ?? null,
      recoveredInMs: Date.now() - started,
      fromSnapshot: engine.recovery.fromSnapshot,
      eventsReplayed: engine.recovery.eventsReplayed,
      instances: countInstances(engine),
    },
    'engine state recovered',
  );
  const dispatcher = new JobDispatcher(engine);
  const history = new InstanceHistory(engine);
  const jobStatistics = new JobStatistics(engine);

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Counted in a plain map per commit and handed to prom-client when scraped: a labelled
  // counter's inc() per event was a measurable part of the engine's CPU per job.
  const eventCounts = new Map<string, number>();
  const reportedCounts = new Map<string, number>();
  new Counter({
    name: 'procos_engine_events_total',
    help: 'Events appended to the log, by type',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      for (const [type, count] of eventCounts) {
        const delta = count - (reportedCounts.get(type) ?? 0);
        if (delta > 0) this.inc({ type }, delta);
        reportedCounts.set(type, count);
      }
    },
  });
  engine.on('committed', (batch) => {
    for (const e of batch) eventCounts.set(e.type, (eventCounts.get(e.type) ?? 0) + 1);
  });
  new Gauge({
    name: 'procos_engine_job_backlog',
    help: 'Activatable jobs per job type',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [type, keys] of engine.state.activatable) this.set({ type }, keys.size);
    },
  });
  const timer = requestDurationTimer(registry);
  const auth = o.auth ?? noAuth();
  const refused = new Counter({
    name: 'procos_engine_unauthenticated_requests_total',
    help: 'Requests refused for missing or invalid credentials, by API',
    labelNames: ['api'],
    registers: [registry],
  });
  new Gauge({
    name: 'procos_engine_process_instances',
    help: 'Running process instances',
    registers: [registry],
    collect() {
      this.set(countInstances(engine));
    },
  });

  // Both ports are bound before the clock starts. If one is taken, whatever was opened is
  // released again so the process can exit: it used to keep serving gRPC without its monitoring
  // port (issue 8), invisible to the probes and the scaler that read that port.
  let port = 0;
  let grpc: { server: GrpcServer; port: number } | undefined;
  let monitoring: { server: HttpServer; port: number } | undefined;
  let rest: { server: HttpServer; port: number } | undefined;
  try {
    grpc = await bindPort('gRPC', o.host, o.port, () =>
      startGrpcServer(
        gatewayService({ engine, dispatcher, log, host: o.host, port: () => port, timer }),
        o.host,
        o.port,
        o.tls,
        o.maxMessageBytes,
        auth.mode === 'none' ? [] : [grpcAuthInterceptor(auth, () => refused.inc({ api: 'grpc' }))],
      ),
    );
    port = grpc.port;
    const monitoringPort = o.monitoringPort;
    if (monitoringPort !== undefined)
      monitoring = await bindPort('monitoring', o.host, monitoringPort, () =>
        startMonitoringServer({
          engine,
          registry,
          host: o.host,
          port: monitoringPort,
          ready: () => true,
          history,
          auth,
          onAuthRefused: () => refused.inc({ api: 'http' }),
        }),
      );
    const restPort = o.restPort;
    if (restPort !== undefined)
      rest = await bindPort('REST', o.host, restPort, () =>
        startRestServer({
          context: {
            engine,
            dispatcher,
            history,
            jobStatistics,
            host: o.host,
            grpcPort: () => port,
            startedAt: started,
            log,
          },
          port: restPort,
          tls: o.tls,
          auth,
          onAuthRefused: () => refused.inc({ api: 'http' }),
          maxBodyBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
        }),
      );
  } catch (err) {
    if (monitoring) monitoring.server.close();
    grpc?.server.forceShutdown();
    dispatcher.close();
    engine.close();
    throw err;
  }
  const grpcServer = grpc.server;

  const tick = (): void => {
    try {
      processDueTimes(engine);
      for (const type of dispatcher.waitingTypes()) dispatcher.dispatch(type);
    } catch (err) {
      log.error({ err }, 'time-driven processing failed');
    }
  };
  const ticker = setInterval(tick, o.tickMs ?? 100);
  engine.drainOutbox();
  for (const warning of exposureWarnings({ host: o.host, auth: auth.mode, tls: o.tls !== undefined }))
    log.warn(warning);
  log.info(
    { grpcPort: port, monitoringPort: monitoring?.port, restPort: rest?.port, auth: auth.mode },
    'procos-engine ready',
  );

  return {
    engine,
    dispatcher,
    grpcPort: port,
    monitoringPort: monitoring?.port,
    restPort: rest?.port,
    address: `${o.host}:${port}`,
    tick() {
      tick();
      return engine.durable();
    },
    async stop() {
      clearInterval(ticker);
      dispatcher.close();
      // Open job streams never end by themselves: give unary calls a moment, then force.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())),
        new Promise((r) => (grace = setTimeout(r, 1000))),
      ]);
      clearTimeout(grace);
      grpcServer.forceShutdown();
      if (monitoring) await new Promise<void>((resolve) => monitoring.server.close(() => resolve()));
      if (rest) {
        rest.server.closeAllConnections(); // keep-alive clients would hold close() open
        await new Promise<void>((resolve) => rest.server.close(() => resolve()));
      }
      engine.close();
    },
  };
}

/** Binds one port; a failure names the port and what it was for, which the bind error does not. */
async function bindPort<T>(what: string, host: string, port: number, bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const inUse = /EADDRINUSE/.test(reason) ? 'it is already in use' : reason;
    throw new Error(`cannot listen on the ${what} port ${port} (${host}): ${inUse}`, { cause: err });
  }
}

function countInstances(engine: Engine): number {
  let n = 0;
  for (const e of engine.state.elements.values()) if (e.kind === 'process') n++;
  return n;
}
