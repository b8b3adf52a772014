import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { main } from '../lib/cli/entry-point.js';
import { createLogger } from '../lib/logging/logger.js';
import { startTracing } from '../lib/telemetry/tracing.js';
import { startEngine } from './procos-engine.js';

const help = `
The embedded ProcOS engine: a durable BPMN engine that speaks the Zeebe gateway gRPC protocol,
so @camunda8/sdk clients and job workers work against it unchanged.

Usage:
  procos-engine [options]

Options:
  --host HOST               Address to bind (default 127.0.0.1; env PROCOS_ENGINE_HOST)
  --port PORT               gRPC port (default 26500; env PROCOS_ENGINE_PORT)
  --monitoring-port PORT    HTTP port for /metrics, /ready, /health and the read API
                            /v1/process-instances, /v1/incidents, /v1/jobs/backlog (default 9600)
  --data-dir DIR            Where the event log lives (default ./procos-data; env PROCOS_DATA_DIR)
  --in-memory               Keep nothing on disk (tests); state is lost on exit
  --snapshot-every N        Snapshot the state every N events (default 100000) and on shutdown;
                            a restart replays only the events after the newest snapshot
  --tls-cert FILE           Serve TLS with this certificate chain (PEM) ...
  --tls-key FILE            ... and this private key (PEM); plaintext without them
  --max-message-size BYTES  Largest gRPC request accepted (default 4194304, Zeebe gateway's
                            default); larger ones are refused with RESOURCE_EXHAUSTED
  --help, --version

Clients connect with ZEEBE_GRPC_ADDRESS=grpc://HOST:PORT (plaintext).
Logs are JSON lines on stdout (pino); set LOG_LEVEL=debug for more.
`;

const Flags = z
  .object({
    host: z
      .string()
      .min(1)
      .default(process.env.PROCOS_ENGINE_HOST ?? '127.0.0.1'),
    port: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(Number(process.env.PROCOS_ENGINE_PORT ?? 26500)),
    'monitoring-port': z.coerce.number().int().min(0).max(65535).default(9600),
    'data-dir': z
      .string()
      .min(1)
      .default(process.env.PROCOS_DATA_DIR ?? 'procos-data'),
    'in-memory': z.boolean().default(false),
    'snapshot-every': z.coerce.number().int().min(1).default(100_000),
    'tls-cert': z.string().optional(),
    'tls-key': z.string().optional(),
    'max-message-size': z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .max(1024 * 1024 * 1024)
      .default(4 * 1024 * 1024),
  })
  .refine((f) => (f['tls-cert'] === undefined) === (f['tls-key'] === undefined), {
    message: '--tls-cert and --tls-key go together',
  });

await main({
  name: 'procos-engine',
  help,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'monitoring-port': { type: 'string' },
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean' },
        'snapshot-every': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'max-message-size': { type: 'string' },
      },
      allowPositionals: true,
    });
    if (positionals.length) throw new Error(`unexpected argument "${positionals.join(' ')}" (see --help)`);
    const parsed = Flags.safeParse(values);
    if (!parsed.success)
      throw new Error(
        parsed.error.issues.map((i) => `${i.path.length ? `--${i.path.join('.')}: ` : ''}${i.message}`).join('; '),
      );
    const f = parsed.data;
    const log = createLogger('procos-engine');
    const tracing = startTracing('procos-engine');
    if (tracing.endpoint) log.info({ otlpEndpoint: tracing.endpoint }, 'exporting traces');
    const running = await startEngine({
      host: f.host,
      port: f.port,
      monitoringPort: f['monitoring-port'],
      dataDir: f['in-memory'] ? undefined : f['data-dir'],
      snapshotEvery: f['snapshot-every'],
      maxMessageBytes: f['max-message-size'],
      tls:
        f['tls-cert'] && f['tls-key']
          ? { cert: readFileSync(f['tls-cert']), key: readFileSync(f['tls-key']) }
          : undefined,
      log,
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        log.info({ signal }, 'shutting down');
        void running.stop().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    await tracing.shutdown();
    return 0;
  },
});
