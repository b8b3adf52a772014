// bench/engine: instances/s and jobs/s of the hello process against procos-engine (its own
// process, durable event log) with N SDK workers, create-with-result latency, and RSS after
// many completed instances — each next to the same run's ceiling: unary Topology calls/s on
// a grpc-js echo server with the same SDK client. Prints ratios; no thresholds.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../cli/free-port.js';
import { projectRoot } from '../../lib/cli/version.js';
import { sdkClient, type ZeebeGrpcClient } from '../../lib/zeebe/sdk-client.js';
import { spawnEngine } from '../../engine/testing/engine-process.js';
import { rawGateway } from '../../engine/testing/engine-harness.js';

const root = projectRoot();
const INFLIGHT = 64;
const quick = process.argv.includes('--quick');
const INSTANCES = quick ? 300 : 2000;
const RSS_INSTANCES = quick ? 1000 : 10_000;

async function pool(total: number, inflight: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

async function echoCeiling(): Promise<{ sdk: number; raw: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/engine/echo-server.ts'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((r) => child.stdout.once('data', r));
  const zbc = sdkClient(`127.0.0.1:${port}`);
  await pool(500, INFLIGHT, () => zbc.topology()); // warm-up
  const calls = quick ? 3000 : 20_000;
  const t0 = performance.now();
  await pool(calls, INFLIGHT, () => zbc.topology());
  const sdk = calls / ((performance.now() - t0) / 1000);
  await zbc.close(1000);
  const topology = rawGateway(`127.0.0.1:${port}`).Topology;
  if (!topology) throw new Error('no Topology rpc');
  await pool(500, INFLIGHT, () => topology({}));
  const t1 = performance.now();
  await pool(calls, INFLIGHT, () => topology({}));
  const rawRate = calls / ((performance.now() - t1) / 1000);
  child.kill('SIGKILL');
  return { sdk, raw: rawRate };
}

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function runningInstances(monitoring: string): Promise<number> {
  return ((await (await fetch(`${monitoring}/v1/process-instances`)).json()) as unknown[]).length;
}

async function waitIdle(monitoring: string): Promise<void> {
  while ((await runningInstances(monitoring)) > 0) await new Promise((r) => setTimeout(r, 20));
}

interface BenchJob {
  variables: Record<string, unknown>;
  complete(variables: object): Promise<unknown>;
}

/** N SDK clients, each with a worker per job type: polling (createWorker) or pushed (streamJobs). */
async function startWorkers(address: string, n: number, mode: 'poll' | 'stream'): Promise<ZeebeGrpcClient[]> {
  const handlers: Record<string, (job: BenchJob) => Promise<unknown>> = {
    'hello.greet': (job) => job.complete({ greeting: `Hello, ${job.variables.name as string}!` }),
    'hello.reply': (job) => job.complete({ reply: 'ok' }),
  };
  const clients = Array.from({ length: n }, () => sdkClient(address));
  for (const zbc of clients) {
    for (const [taskType, taskHandler] of Object.entries(handlers)) {
      if (mode === 'poll') zbc.createWorker({ taskType, maxJobsToActivate: 32, taskHandler } as never);
      else await zbc.streamJobs({ type: taskType, worker: 'bench', timeout: 30_000, taskHandler } as never);
    }
  }
  return clients;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

const echo = await echoCeiling();
const ceiling = echo.sdk;
console.log(
  `echo ceiling, ${INFLIGHT} in flight, server in its own process: SDK topology() ${echo.sdk.toFixed(0)} calls/s; raw grpc-js client ${echo.raw.toFixed(0)} calls/s`,
);
console.log('(ratios below divide by the SDK figure: the workers and clients are SDK clients too)');

const dataDir = mkdtempSync(join(tmpdir(), 'procos-bench-'));
const engine = await spawnEngine({ port: await freePort(), monitoringPort: await freePort(), dataDir });
const client = sdkClient(engine.grpc);
await client.deployResource({ name: 'hello.bpmn', process: readFileSync(join(root, 'processes/hello.bpmn')) });

console.log(`\nhello process, ${INSTANCES} instances (2 jobs each), durable log in ${dataDir}`);
console.log('workers         | instances/s | jobs/s | ÷ SDK echo | ÷ raw echo');
for (const [n, mode] of [
  [1, 'poll'],
  [4, 'poll'],
  [16, 'poll'],
  [4, 'stream'],
] as const) {
  const workers = await startWorkers(engine.grpc, n, mode);
  const t0 = performance.now();
  await pool(INSTANCES, INFLIGHT, (i) =>
    client.createProcessInstance({ bpmnProcessId: 'hello', variables: { name: `n${i}` } }),
  );
  await waitIdle(engine.monitoring);
  const seconds = (performance.now() - t0) / 1000;
  const jobsPerS = (2 * INSTANCES) / seconds;
  console.log(
    `${`${n} ${mode === 'poll' ? 'createWorker' : 'streamJobs'}`.padEnd(15)} | ${(INSTANCES / seconds).toFixed(0).padStart(11)} | ${jobsPerS.toFixed(0).padStart(6)} | ${(jobsPerS / ceiling).toFixed(2).padStart(9)} | ${(jobsPerS / echo.raw).toFixed(2)}`,
  );
  await Promise.all(workers.map((w) => w.close(1000)));
}

const workers = await startWorkers(engine.grpc, 4, 'poll');
const latencies: number[] = [];
const calls = quick ? 200 : 1000;
await pool(calls, 16, async (i) => {
  const t = performance.now();
  await client.createProcessInstanceWithResult({ bpmnProcessId: 'hello', variables: { name: `r${i}` } });
  latencies.push(performance.now() - t);
});
latencies.sort((a, b) => a - b);
console.log(
  `\ncreateProcessInstanceWithResult, 4 workers, 16 in flight: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
);

console.log(`\nengine RSS while completing ${RSS_INSTANCES} instances (history stays on disk):`);
const step = RSS_INSTANCES / 5;
for (let done = 0; done < RSS_INSTANCES; done += step) {
  await pool(step, INFLIGHT, (i) =>
    client.createProcessInstance({ bpmnProcessId: 'hello', variables: { name: `m${done + i}` } }),
  );
  await waitIdle(engine.monitoring);
  console.log(`  after ${done + step} more completed: ${rssMb(engine.child).toFixed(0)} MB`);
}
await Promise.all(workers.map((w) => w.close(1000)));
await client.close(1000);
await engine.kill('SIGTERM');
