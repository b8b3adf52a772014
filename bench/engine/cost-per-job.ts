// bench/engine/cost-per-job: the engine's CPU per job of the hello process against the gRPC
// protocol's own cost, measured in the same run (issue 14: at most 1.5×).
//  - protocol: CPU per unary call of a grpc-js echo server (Topology answered at once) in its own
//    process, driven by a plain grpc-js client — what a server pays for a call and nothing else;
//  - engine: CPU of procos-engine (its own process, durable log) per job while plain grpc-js
//    workers (StreamActivatedJobs + CompleteJob, own process) run the hello process, instances
//    started by a plain grpc-js client. A job costs the engine its share of CreateProcessInstance
//    (half: 2 jobs per instance), its push on the stream and its CompleteJob: ~2 calls.
// `--cpu-prof DIR` / `--heap-prof DIR` also write a V8 CPU / allocation profile of the engine
// (open them in Chrome DevTools).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/net/free-port.js';
import { projectRoot } from '../../lib/cli/version.js';
import { sdkClient } from '../../lib/zeebe/sdk-client.js';
import { spawnEngine } from '../../engine/testing/engine-process.js';
import { rawGateway } from '../../engine/testing/engine-harness.js';
import { cpuSeconds } from '../process-stats.js';

const root = projectRoot();
const INFLIGHT = 64;
/** Calls (or jobs) the protocol is charged per job of hello: half a create, a push, a complete. */
export const CALLS_PER_JOB = 2;

async function pool(total: number, inflight: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

/** CPU milliseconds the echo server spends per unary call. */
export async function echoCpuPerCallMs(calls: number): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/engine/echo-server.ts'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((r) => child.stdout.once('data', r));
  const topology = rawGateway(`127.0.0.1:${port}`).Topology;
  if (!topology) throw new Error('no Topology rpc');
  await pool(1000, INFLIGHT, () => topology({}));
  const cpu0 = cpuSeconds(child.pid);
  await pool(calls, INFLIGHT, () => topology({}));
  const ms = ((cpuSeconds(child.pid) - cpu0) * 1000) / calls;
  child.kill('SIGKILL');
  return ms;
}

/** CPU milliseconds procos-engine spends per job of hello, with raw grpc-js stream workers. */
export async function engineCpuPerJobMs(instances: number, cpuProfDir?: string, heapProfDir?: string): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'procos-bench-'));
  const engine = await spawnEngine({
    port: await freePort(),
    monitoringPort: await freePort(),
    dataDir,
    nodeArgs: [
      ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []),
      ...(heapProfDir ? ['--heap-prof', `--heap-prof-dir=${heapProfDir}`] : []),
    ],
  });
  try {
    const client = sdkClient(engine.grpc);
    await client.deployResource({ name: 'hello.bpmn', process: readFileSync(join(root, 'processes/hello.bpmn')) });
    await client.close(1000);
    const workers = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench/engine/workers-process.ts'), engine.grpc, '4', 'raw'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((r) => workers.stdout.once('data', r));
    const { CreateProcessInstance: start } = rawGateway(engine.grpc);
    if (!start) throw new Error('no CreateProcessInstance rpc');
    const run = (n: number, from: number) =>
      pool(n, INFLIGHT, (i) =>
        start({ bpmnProcessId: 'hello', version: -1, variables: JSON.stringify({ name: `n${from + i}` }) }),
      ).then(() => waitIdle(engine.monitoring));
    await run(Math.min(500, instances), 0); // warm-up: JIT, caches
    const cpu0 = cpuSeconds(engine.child.pid);
    await run(instances, 1_000_000);
    const ms = ((cpuSeconds(engine.child.pid) - cpu0) * 1000) / (2 * instances);
    workers.kill('SIGTERM');
    return ms;
  } finally {
    await engine.kill('SIGTERM'); // SIGTERM lets --cpu-prof write its profile
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function waitIdle(monitoring: string): Promise<void> {
  for (;;) {
    const text = await (await fetch(`${monitoring}/metrics`)).text();
    if (/^procos_engine_process_instances 0$/m.test(text)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const quick = process.argv.includes('--quick');
  const dirAfter = (flag: string) => {
    const at = process.argv.indexOf(flag);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const echoMs = await echoCpuPerCallMs(quick ? 5000 : 20_000);
  const engineMs = await engineCpuPerJobMs(quick ? 1000 : 4000, dirAfter('--cpu-prof'), dirAfter('--heap-prof'));
  const protocolMs = CALLS_PER_JOB * echoMs;
  console.log(
    `echo server: ${(echoMs * 1000).toFixed(1)} µs CPU per call; protocol cost per job (${CALLS_PER_JOB} calls): ${(protocolMs * 1000).toFixed(1)} µs`,
  );
  console.log(
    `procos-engine: ${(engineMs * 1000).toFixed(1)} µs CPU per job of hello → ${(engineMs / protocolMs).toFixed(2)}× the protocol's cost (issue 14 asks ≤ 1.5×)`,
  );
}
