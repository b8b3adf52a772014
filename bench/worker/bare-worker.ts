// The baseline of bench/worker: a bare @camunda8/sdk worker in its own process doing the same
// work as procos-worker's format handler (render `item {{ i }}` with LiquidJS into `done`).
// Self-contained, so it runs on Node's own type stripping (no tsx in its memory or CPU).
// Prints "ready" once open; SIGTERM closes it.
import { Camunda8 } from '@camunda8/sdk';
import { Liquid } from 'liquidjs';

const [address, maxJobs] = process.argv.slice(2);
if (!address || !maxJobs) throw new Error('usage: bare-worker.ts ADDRESS MAX_JOBS_ACTIVE');
const liquid = new Liquid({ cache: 256 });
const zbc = new Camunda8({
  ZEEBE_GRPC_ADDRESS: `grpc://${address}`,
  CAMUNDA_AUTH_STRATEGY: 'NONE',
  CAMUNDA_OAUTH_DISABLED: true,
  // The same tuning as the project's own SDK clients (lib/zeebe/sdk-client.ts): the default
  // poll interval (300 ms) would make the baseline look slow for a reason no user keeps.
  zeebeGrpcSettings: { ZEEBE_CLIENT_LOG_LEVEL: 'NONE', ZEEBE_GRPC_WORKER_POLL_INTERVAL_MS: 50 },
} as never).getZeebeGrpcApiClient();
zbc.createWorker({
  taskType: 'work.item',
  maxJobsToActivate: Number(maxJobs),
  timeout: 300_000,
  taskHandler: async (job) =>
    job.complete({ done: String(await liquid.parseAndRender('item {{ i }}', job.variables)) }),
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void zbc.close(1000).then(() => process.exit(0));
});
