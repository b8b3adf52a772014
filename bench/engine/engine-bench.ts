// bench/engine: instances/s and jobs/s of the hello process against procos-engine (its own
// process, durable event log) with N workers in their own process — @camunda8/sdk workers
// (N = 1, 4, 16 createWorker; 4 streamJobs) and, for the engine's own capacity, plain grpc-js
// workers — create-with-result latency, and RSS after many completed instances. Ceiling,
// measured in the same run: unary Topology calls/s against a grpc-js echo server in its own
// process, from a plain grpc-js client (the physical ceiling) and from the SDK client (what
// SDK workers can reach at most). Instances are started with a plain grpc-js client.
// Prints ratios; no thresholds.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/net/free-port.js';
import { cpuSeconds, rssMb } from '../process-stats.js';
import { projectRoot } from '../../lib/cli/version.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';
import { spawnEngine } from '../../engine/testing/engine-process.js';
import { rawGateway } from '../../engine/testing/engine-harness.js';
import { CALLS_PER_JOB, echoCpuPerCallMs, engineCpuPerJobMs, replayCpuPerJobMs } from './cost-per-job.js';

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

/** From the engine's gauge: listing every running instance would cost the engine more. */
async function runningInstances(monitoring: string): Promise<number> {
  const text = await (await fetch(`${monitoring}/metrics`)).text();
  const m = /^procos_engine_process_instances (\d+)/m.exec(text);
  if (!m) throw new Error('the engine exports no procos_engine_process_instances gauge');
  return Number(m[1]);
}

async function waitIdle(monitoring: string): Promise<void> {
  while ((await runningInstances(monitoring)) > 0) await new Promise((r) => setTimeout(r, 50));
}

/** The SDK workers run in their own process (workers-process.ts). */
async function startWorkers(address: string, n: number, mode: 'poll' | 'stream' | 'raw'): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/engine/workers-process.ts'), address, String(n), mode],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`workers exited with ${code}`)));
  });
  return child;
}

async function stopWorkers(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

const echo = await echoCeiling();
console.log(
  `echo ceiling, ${INFLIGHT} in flight, server in its own process: SDK topology() ${echo.sdk.toFixed(0)} calls/s; raw grpc-js client ${echo.raw.toFixed(0)} calls/s`,
);

// CPU per job of the engine against the protocol's own CPU per call (cost-per-job.ts).
const echoMs = await echoCpuPerCallMs(quick ? 5000 : 20_000);
const replayMs = await replayCpuPerJobMs(quick ? 1000 : 4000);
const engineMs = await engineCpuPerJobMs(quick ? 1000 : 4000);
console.log(
  `CPU: echo server ${(echoMs * 1000).toFixed(1)} µs per call; protocol replay ${(replayMs * 1000).toFixed(1)} µs per job; procos-engine ${(engineMs * 1000).toFixed(1)} µs per job of hello = ${(engineMs / (CALLS_PER_JOB * echoMs)).toFixed(2)}× the protocol's ${CALLS_PER_JOB} calls per job, ${(engineMs / replayMs).toFixed(2)}× the replay's`,
);

const dataDir = mkdtempSync(join(tmpdir(), 'procos-bench-'));
const engine = await spawnEngine({ port: await freePort(), monitoringPort: await freePort(), dataDir });
const client = sdkClient(engine.grpc);
// Instances are started with a plain grpc-js client, so the starter costs what the echo
// client costs; the workers are SDK clients in their own process.
const { CreateProcessInstance: startInstance } = rawGateway(engine.grpc);
if (!startInstance) throw new Error('no CreateProcessInstance rpc');
await client.deployResource({ name: 'hello.bpmn', process: readFileSync(join(root, 'processes/hello.bpmn')) });

console.log(`\nhello process, ${INSTANCES} instances (2 jobs each), durable log in ${dataDir}`);
console.log(
  'workers (own process)     | instances/s | jobs/s | ÷ raw echo | ÷ SDK echo | CPU s: engine, workers, starter',
);
for (const [n, mode] of [
  [1, 'poll'],
  [4, 'poll'],
  [16, 'poll'],
  [4, 'stream'],
  [4, 'raw'],
] as const) {
  const workers = await startWorkers(engine.grpc, n, mode);
  const cpu0 = [cpuSeconds(engine.child.pid), cpuSeconds(workers.pid), cpuSeconds(undefined)];
  const t0 = performance.now();
  await pool(INSTANCES, INFLIGHT, (i) =>
    startInstance({
      bpmnProcessId: 'hello',
      version: -1,
      variables: JSON.stringify({ name: `n${i}` }),
    }),
  );
  await waitIdle(engine.monitoring);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = [cpuSeconds(engine.child.pid), cpuSeconds(workers.pid), cpuSeconds(undefined)].map((c, i) =>
    (c - (cpu0[i] ?? 0)).toFixed(1),
  );
  const jobsPerS = (2 * INSTANCES) / seconds;
  console.log(
    `${`${n} ${{ poll: 'SDK createWorker', stream: 'SDK streamJobs', raw: 'grpc-js streams' }[mode]}`.padEnd(25)} | ${(INSTANCES / seconds).toFixed(0).padStart(11)} | ${jobsPerS.toFixed(0).padStart(6)} | ${(jobsPerS / echo.raw).toFixed(2).padStart(10)} | ${(jobsPerS / echo.sdk).toFixed(2).padStart(10)} | ${cpu.join(', ')} of ${seconds.toFixed(1)} s`,
  );
  await stopWorkers(workers);
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
  console.log(`  after ${done + step} more completed: ${rssMb(engine.child.pid).toFixed(0)} MB`);
}
await stopWorkers(workers);
await client.close(1000);

// Start-up time with this log (every instance above: 2 jobs, ~15 events each), against a start
// on an empty data directory in the same run. kill -9 leaves no shutdown snapshot (replay
// from the last periodic one); SIGTERM writes one (nothing to replay).
const startTime = async (dir: string): Promise<number> => {
  const t = performance.now();
  const e = await spawnEngine({ port: await freePort(), monitoringPort: await freePort(), dataDir: dir });
  const ms = performance.now() - t;
  await e.kill('SIGKILL');
  return ms;
};
await engine.kill('SIGKILL');
const emptyDir = mkdtempSync(join(tmpdir(), 'procos-bench-empty-'));
const emptyMs = await startTime(emptyDir);
const afterCrashMs = await startTime(dataDir);
const again = await spawnEngine({ port: await freePort(), monitoringPort: await freePort(), dataDir });
await again.kill('SIGTERM');
const afterStopMs = await startTime(dataDir);
console.log(
  `
start-up to /ready with the log of ${INSTANCES * 5 + RSS_INSTANCES + calls} instances: after kill -9 ${afterCrashMs.toFixed(0)} ms, after SIGTERM ${afterStopMs.toFixed(0)} ms; empty data dir ${emptyMs.toFixed(0)} ms (ratios ${(afterCrashMs / emptyMs).toFixed(2)}, ${(afterStopMs / emptyMs).toFixed(2)})`,
);
for (const dir of [dataDir, emptyDir]) rmSync(dir, { recursive: true, force: true });
