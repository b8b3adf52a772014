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
import { startMonitoringServer } from './monitoring/monitoring-server.js';

export interface EngineOptions {
  host: string;
  port: number;
  monitoringPort?: number;
  /** Omit for in-memory state (tests). */
  dataDir?: string;
  tls?: TlsFiles;
  log: Logger;
  /** How often timers, job deadlines and message TTLs are checked. */
  tickMs?: number;
  /** Events between snapshots of the state (bounds restart time); default 100,000. */
  snapshotEvery?: number;
}

export interface RunningEngine {
  engine: Engine;
  grpcPort: number;
  monitoringPort?: number;
  address: string;
  stop(): Promise<void>;
}

export async function startEngine(o: EngineOptions): Promise<RunningEngine> {
  const log = o.log;
  const eventLog = o.dataDir ? new SqliteEventLog(o.dataDir) : new MemoryEventLog();
  const started = Date.now();
  const engine = await Engine.open(eventLog, { snapshotEvery: o.snapshotEvery });
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

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const events = new Counter({
    name: 'procos_engine_events_total',
    help: 'Events appended to the log, by type',
    labelNames: ['type'],
    registers: [registry],
  });
  engine.on('committed', (batch) => {
    for (const e of batch) events.inc({ type: e.type });
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
  new Gauge({
    name: 'procos_engine_process_instances',
    help: 'Running process instances',
    registers: [registry],
    collect() {
      this.set(countInstances(engine));
    },
  });

  let port = 0;
  const grpc: { server: GrpcServer; port: number } = await startGrpcServer(
    gatewayService({ engine, dispatcher, log, host: o.host, port: () => port }),
    o.host,
    o.port,
    o.tls,
  );
  port = grpc.port;

  const ticker = setInterval(() => {
    try {
      processDueTimes(engine);
      for (const type of dispatcher.waitingTypes()) dispatcher.dispatch(type);
    } catch (err) {
      log.error({ err }, 'time-driven processing failed');
    }
  }, o.tickMs ?? 100);
  engine.drainOutbox();

  let monitoring: { server: HttpServer; port: number } | undefined;
  if (o.monitoringPort !== undefined)
    monitoring = await startMonitoringServer(engine, registry, o.host, o.monitoringPort, () => true);
  log.info({ grpcPort: port, monitoringPort: monitoring?.port }, 'procos-engine ready');

  return {
    engine,
    grpcPort: port,
    monitoringPort: monitoring?.port,
    address: `${o.host}:${port}`,
    async stop() {
      clearInterval(ticker);
      dispatcher.close();
      // Open job streams never end by themselves: give unary calls a moment, then force.
      await Promise.race([
        new Promise<void>((resolve) => grpc.server.tryShutdown(() => resolve())),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
      grpc.server.forceShutdown();
      if (monitoring) await new Promise<void>((resolve) => monitoring.server.close(() => resolve()));
      engine.close();
    },
  };
}

function countInstances(engine: Engine): number {
  let n = 0;
  for (const e of engine.state.elements.values()) if (e.kind === 'process') n++;
  return n;
}
