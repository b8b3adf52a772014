import { ZeebeGrpcClient } from '@camunda8/sdk/dist/zeebe/index.js';
import { parseArgs } from 'node:util';
import { main } from '../lib/cli/entry-point.js';
import { createLogger } from '../lib/logging/logger.js';
import { startJobWorkers } from './job-runtime.js';
import { loadPool } from './pool-config.js';

const help = `
The generic ProcOS job worker: serves the job types of a WorkerPool through its adapters.

Usage:
  procos-worker --pool FILE [--check]

Options:
  --pool FILE   A WorkerPool manifest (YAML): spec.handlers say which adapter serves each job
                type, with its config, local retries and job timeout; spec.maxJobsActive bounds
                the jobs in flight per type. Every handler's config is checked by its adapter's
                schema before the worker connects; problems name the handler, field and rule.
  --check       Only check the pool file, then exit (0 valid, 1 not).
  --help, --version

Adapters built so far:
  format    a Liquid template over the job's variables and task headers into one variable.
            config: template, output (default "formatted"), as: text | json
  validate  a JSON Schema (ajv, with formats) over the variables or one of them; violations
            throw the BPMN error VALIDATION_FAILED listing each path.
            config: schema, variable (optional), errorCode (default VALIDATION_FAILED)
Not built yet: http, python, smtp, ai, compute; metrics, secrets and drain on SIGTERM.

Outcomes: the adapter's variables complete the job; a business error throws a BPMN error;
a transient failure is retried locally, then failed back with one retry less; any other
failure fails the job with no retries, so an incident carries the message.

The engine connection comes from the @camunda8/sdk environment: ZEEBE_GRPC_ADDRESS
(grpc://host:26500 plaintext, grpcs:// TLS), CAMUNDA_AUTH_STRATEGY (NONE, OAUTH, BASIC),
ZEEBE_CLIENT_ID / ZEEBE_CLIENT_SECRET / CAMUNDA_OAUTH_URL. Logs are JSON lines; LOG_LEVEL=debug.
`;

await main({
  name: 'procos-worker',
  help,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        pool: { type: 'string' },
        policy: { type: 'string' },
        'secrets-dir': { type: 'string' },
        check: { type: 'boolean' },
      },
    });
    if (!values.pool) {
      process.stderr.write('procos-worker: --pool FILE is required (a WorkerPool manifest)\n');
      return 2;
    }
    const loaded = await loadPool(values.pool, { policyFile: values.policy, secretsDir: values['secrets-dir'] });
    if (!loaded.ok) {
      process.stderr.write(
        `procos-worker: ${values.pool} is not a usable pool:\n${loaded.errors.map((e) => `  ${e}`).join('\n')}\n`,
      );
      return 1;
    }
    if (values.check) {
      process.stdout.write(
        `ok    ${values.pool}: ${loaded.pool.handlers.map((h) => `${h.taskType} (${h.adapter})`).join(', ')}\n`,
      );
      return 0;
    }
    const log = createLogger('procos-worker').child({ pool: loaded.pool.name });
    const zbc = new ZeebeGrpcClient({ config: { zeebeGrpcSettings: { ZEEBE_CLIENT_LOG_LEVEL: 'NONE' } } as never });
    const workers = startJobWorkers(zbc, loaded.pool, log);
    log.info({ taskTypes: loaded.pool.handlers.map((h) => h.taskType) }, 'serving');
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    await workers.close();
    return 0;
  },
});
