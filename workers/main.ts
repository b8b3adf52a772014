import { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import { startTracing } from '../lib/telemetry/tracing.js';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { main } from '../lib/cli/entry-point.js';
import { adapterHelp } from './adapter-help.js';
import { ADAPTERS_BUILT } from './adapters/index.js';
import { startJobWorkers } from './job-runtime.js';
import { loadPool } from './pool-config.js';
import type { SecretStore } from './secrets.js';
import { startWorkerHttp } from './worker-http.js';

const help = `
The generic ProcOS job worker: serves the job types of a WorkerPool through its adapters.

Usage:
  procos-worker --pool FILE [options]
  procos-worker --pool FILE --check
  procos-worker --help-adapter NAME

Options:
  --pool FILE          A WorkerPool manifest (YAML): spec.handlers say which adapter serves each job
                       type, with its config, local retries and job timeout; spec.maxJobsActive bounds
                       the jobs in flight per type. The file may also hold the SandboxPolicy named by
                       spec.sandboxPolicyRef (as another YAML document). Every handler's config is
                       checked by its adapter's schema before the worker connects; problems name the
                       handler, field and rule.
  --policy FILE        The SandboxPolicy the pool names, when it is not in the pool file.
  --secrets-dir DIR    Files named like the secrets that configs use as {{secrets.NAME}} (a mounted
                       Secret volume; re-read per job). Names not found there come from the environment.
  --check              Check the pool (configs, secrets, adapters able to start), then exit 0 or 1.
  --job-flow MODE      poll (default): ActivateJobs long polls that never ask for more jobs than
                       there are free slots, so a draining worker gives back everything it holds.
                       stream: also a StreamActivatedJobs stream while the backlog is empty, for
                       the lowest latency; a job pushed at the instant the stream closes returns
                       only at its timeout (Zeebe's push protocol has no credit).
  --long-poll-seconds N  How long one ActivateJobs call waits for jobs (default 30).
  --drain-seconds N    On SIGTERM/SIGINT: stop activating, give back jobs not started, let running
                       ones finish for N seconds (default 25), then give back the rest; exit 0.
  --http-port N        Port of /metrics, /ready and /health (default 9464; 0 picks a free one).
  --http-host HOST     Address to listen on (default all).
  --worker-name NAME   Worker name recorded on activated jobs (default procos-worker-<hostname>).
  --help-adapter NAME  Every config field of an adapter.
  --help, --version

Adapters:${[...ADAPTERS_BUILT.values()].map((a) => `\n  ${a.name.padEnd(9)} ${a.summary}`).join('')}

Outcomes: the adapter's variables complete the job; a business error throws a BPMN error;
a transient failure (timeout, refused connection, 5xx) is retried locally \`retries\` times,
then failed back with one retry less; any other failure fails the job with no retries, so an
incident carries the message. Secret values never appear in variables, messages, logs or spans.

The engine connection comes from the @camunda8/sdk environment: ZEEBE_GRPC_ADDRESS
(grpc://host:26500 plaintext, grpcs:// TLS), CAMUNDA_AUTH_STRATEGY (NONE, OAUTH, BASIC),
ZEEBE_CLIENT_ID / ZEEBE_CLIENT_SECRET / CAMUNDA_OAUTH_URL. Logs are JSON lines; LOG_LEVEL=debug.
`;

/** Logs pass through the secret store: a value it handed out never reaches a log line. */
function redactingLogger(secrets: SecretStore): pino.Logger {
  const clean = (a: unknown): unknown =>
    typeof a === 'string'
      ? secrets.redact(a)
      : a instanceof Error
        ? { type: a.name, message: secrets.redact(a.message), stack: secrets.redact(a.stack ?? '') }
        : secrets.redactDeep(a);
  return pino({
    name: 'procos-worker',
    level: process.env.LOG_LEVEL ?? 'info',
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map(clean) as Parameters<typeof method>);
      },
    },
  });
}

function seconds(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a number of seconds, got '${v}'`);
  return n;
}

await main({
  name: 'procos-worker',
  help,
  exitWhenDone: true,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        pool: { type: 'string' },
        policy: { type: 'string' },
        'secrets-dir': { type: 'string' },
        check: { type: 'boolean' },
        'job-flow': { type: 'string' },
        'long-poll-seconds': { type: 'string' },
        'drain-seconds': { type: 'string' },
        'http-port': { type: 'string' },
        'http-host': { type: 'string' },
        'worker-name': { type: 'string' },
        'help-adapter': { type: 'string' },
      },
    });
    if (values['help-adapter'] !== undefined) {
      const entry = ADAPTERS_BUILT.get(values['help-adapter']);
      if (!entry) {
        process.stderr.write(
          `procos-worker: no adapter '${values['help-adapter']}' (built: ${[...ADAPTERS_BUILT.keys()].join(', ')})\n`,
        );
        return 2;
      }
      process.stdout.write(adapterHelp(entry));
      return 0;
    }
    if (!values.pool) {
      process.stderr.write('procos-worker: --pool FILE is required (a WorkerPool manifest)\n');
      return 2;
    }
    const flow = values['job-flow'] ?? 'poll';
    if (flow !== 'stream' && flow !== 'poll') {
      process.stderr.write(`procos-worker: --job-flow must be stream or poll, got '${flow}'\n`);
      return 2;
    }
    const drainMs = seconds(values['drain-seconds'], '--drain-seconds', 25) * 1000;
    const longPollMs = seconds(values['long-poll-seconds'], '--long-poll-seconds', 30) * 1000;
    const httpPort = seconds(values['http-port'], '--http-port', 9464);

    const loaded = await loadPool(values.pool, { policyFile: values.policy, secretsDir: values['secrets-dir'] });
    if (!loaded.ok) {
      process.stderr.write(
        `procos-worker: ${values.pool} is not a usable pool:\n${loaded.errors.map((e) => `  ${e}`).join('\n')}\n`,
      );
      return 1;
    }
    const pool = loaded.pool;
    const log = redactingLogger(pool.secrets).child({ pool: pool.name });
    // An adapter that cannot work here (no sandbox, no model file) refuses before we connect.
    const refusals: string[] = [];
    for (const [i, h] of pool.handlers.entries()) {
      try {
        await h.start({ policy: pool.policy, log: log.child({ taskType: h.taskType, adapter: h.adapter }) });
      } catch (err) {
        refusals.push(
          `spec.handlers[${i}] (${h.taskType}): ${h.adapter} cannot start: ${pool.secrets.redact(err instanceof Error ? err.message : String(err))}`,
        );
      }
    }
    if (refusals.length) {
      process.stderr.write(`procos-worker: ${values.pool}:\n${refusals.map((e) => `  ${e}`).join('\n')}\n`);
      return 1;
    }
    if (values.check) {
      process.stdout.write(
        `ok    ${values.pool}: ${pool.handlers.map((h) => `${h.taskType} (${h.adapter})`).join(', ')}` +
          `${pool.policyName ? `; SandboxPolicy ${pool.policyName}` : ''}\n`,
      );
      return 0;
    }

    const tracing = startTracing('procos-worker');
    if (tracing.endpoint) log.info({ otlpEndpoint: tracing.endpoint }, 'exporting traces');
    const zbc = new ZeebeGrpcClient({ config: { zeebeGrpcSettings: { ZEEBE_CLIENT_LOG_LEVEL: 'NONE' } } as never });
    const workers = startJobWorkers(zbc, pool, log, {
      flow,
      longPollMs,
      workerName: values['worker-name'] ?? `procos-worker-${hostname()}`,
    });
    const http = await startWorkerHttp({
      port: httpPort,
      host: values['http-host'],
      metrics: workers.metrics,
      draining: () => workers.draining(),
      log,
      checks: [
        {
          name: 'engine',
          check: async () => {
            await zbc.topology();
          },
        },
        ...pool.handlers.map((h) => ({
          name: `${h.taskType} (${h.adapter})`,
          check: () => h.healthCheck({ policy: pool.policy, log }),
        })),
      ],
    });
    log.info(
      { taskTypes: pool.handlers.map((h) => h.taskType), flow, httpPort: http.port, policy: pool.policyName },
      'serving',
    );
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    log.info({ signal, graceSeconds: drainMs / 1000 }, 'draining');
    const report = await workers.drain(drainMs);
    log.info(report, 'drained');
    await http.close();
    await zbc.close(2000).catch(() => undefined);
    await tracing.shutdown();
    return 0;
  },
});
